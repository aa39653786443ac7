/**
 * A reproduction's checkpoint: every finished piece of work (an experiment, the Fashion-MNIST step-size tuning, one
 * Fashion-MNIST instance) is written at once to `<out>/checkpoint/<key>.json`, through a temporary name, a sync and
 * a rename, so that a reproduction of hours can be stopped (Ctrl-C, a kill, a power loss) and continued with
 * `moe-lab reproduce --resume <out>` without redoing what finished.
 *
 * Each entry carries the settings it was computed with (its fingerprint). Resuming with other settings would mix
 * incomparable runs into one report, so a stored entry whose fingerprint differs is refused, with a message that
 * names the setting, rather than silently recomputed or reused.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserInputError } from '../errors';
import { writeTextAtomic } from '../runner/results';

export const CHECKPOINT_FOLDER = 'checkpoint';

export interface Checkpoint {
  /** The stored value of `key`, or undefined when it was not stored; throws when it was stored with other settings. */
  load<T>(key: string, fingerprint: Record<string, unknown>): Promise<T | undefined>;
  /** Stores `value` durably under `key`. */
  save(key: string, fingerprint: Record<string, unknown>, value: unknown): Promise<void>;
  /** Keys restored by `load` so far (for the report: which parts came from an earlier sitting). */
  readonly restored: readonly string[];
}

interface Entry {
  readonly key: string;
  readonly fingerprint: Record<string, unknown>;
  readonly savedAt: string;
  readonly value: unknown;
}

/** A checkpoint kept in `<dir>/checkpoint/`. */
export function folderCheckpoint(dir: string): Checkpoint {
  const folder = path.join(dir, CHECKPOINT_FOLDER);
  const restored: string[] = [];
  const fileOf = (key: string) => path.join(folder, `${key}.json`);
  return {
    restored,
    async load<T>(key: string, fingerprint: Record<string, unknown>): Promise<T | undefined> {
      let text: string;
      try {
        text = await fs.readFile(fileOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      let entry: Entry;
      try {
        entry = JSON.parse(text, reviveNonFinite) as Entry;
      } catch (error) {
        throw new UserInputError(`${fileOf(key)}: not a readable checkpoint entry (${(error as Error).message}); delete it to recompute that part`);
      }
      const difference = firstDifference(entry.fingerprint, fingerprint);
      if (difference) {
        throw new UserInputError(
          `${fileOf(key)} was computed with ${difference.name} = ${show(difference.stored)}, but this run has ${show(difference.current)}; resume with the same options, or use another --out`,
        );
      }
      restored.push(key);
      return entry.value as T;
    },
    async save(key: string, fingerprint: Record<string, unknown>, value: unknown): Promise<void> {
      await fs.mkdir(folder, { recursive: true });
      const entry: Entry = { key, fingerprint, savedAt: new Date().toISOString(), value };
      await writeTextAtomic(fileOf(key), JSON.stringify(entry, encodeNonFinite) + '\n', { syncFile: true });
    },
  };
}

/** What a checkpoint folder holds (for the refusal to start a fresh run over it, and the resume offer). */
export async function checkpointKeys(dir: string): Promise<string[]> {
  try {
    const names = await fs.readdir(path.join(dir, CHECKPOINT_FOLDER));
    return names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)).sort();
  } catch {
    return [];
  }
}

/** Removes the checkpoint once the reproduction finished: results.json then holds everything. */
export async function removeCheckpoint(dir: string): Promise<void> {
  await fs.rm(path.join(dir, CHECKPOINT_FOLDER), { recursive: true, force: true });
}

// JSON has no NaN or ±Infinity (JSON.stringify writes null, which arithmetic reads as 0): the curves hold NaN
// where a metric has no value, so those are written as {"$number": "NaN"} and read back as numbers.
function encodeNonFinite(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { $number: String(value) } : value;
}

function reviveNonFinite(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const tag = (value as { $number?: unknown }).$number;
    if (keys.length === 1 && (tag === 'NaN' || tag === 'Infinity' || tag === '-Infinity')) return Number(tag);
  }
  return value;
}

function firstDifference(stored: Record<string, unknown> | undefined, current: Record<string, unknown>): { name: string; stored: unknown; current: unknown } | undefined {
  const names = new Set([...Object.keys(stored ?? {}), ...Object.keys(current)]);
  for (const name of names) {
    const a = stored?.[name];
    const b = current[name];
    if (JSON.stringify(a) !== JSON.stringify(b)) return { name, stored: a, current: b };
  }
  return undefined;
}

function show(value: unknown): string {
  return value === undefined ? '(not set)' : JSON.stringify(value);
}
