/**
 * Past paper reproductions on disk: `reproduction-<timestamp>/` folders (results.json, report.md) beside the run
 * folders in a results folder, listed for Open Run Results. No VS Code import.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { subfolders } from './storedRuns';

export interface StoredReproductionInfo {
  readonly dir: string;
  /** The folder's name (`reproduction-YYYYMMDD-HHMMSS`). */
  readonly id: string;
  readonly quick: boolean;
  readonly startedAt?: string;
  readonly status: 'finished' | 'cancelled';
  readonly experiments: readonly string[];
  readonly seconds?: number;
}

const FOLDER = /^reproduction-\d{8}-\d{6}/;

/** Reproduction folders directly inside each root, newest first. Folders without a readable results.json are skipped. */
export async function listStoredReproductions(roots: readonly string[]): Promise<StoredReproductionInfo[]> {
  const found = new Map<string, StoredReproductionInfo>();
  for (const root of roots) {
    for (const dir of await subfolders(root)) {
      if (!FOLDER.test(path.basename(dir)) || found.has(dir)) continue;
      const info = await describeReproductionFolder(dir);
      if (info) found.set(dir, info);
    }
  }
  return [...found.values()].sort((a, b) => (b.startedAt ?? b.id).localeCompare(a.startedAt ?? a.id));
}

export async function describeReproductionFolder(dir: string): Promise<StoredReproductionInfo | undefined> {
  let results: Record<string, unknown>;
  try {
    results = JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (results?.tool !== 'moe-lab reproduce') return undefined;
  const requested = Array.isArray(results.requested) ? results.requested.filter((name): name is string => typeof name === 'string') : [];
  return {
    dir,
    id: path.basename(dir),
    quick: results.quick === true,
    startedAt: typeof results.startedAt === 'string' ? results.startedAt : undefined,
    status: results.cancelled === true ? 'cancelled' : 'finished',
    experiments: requested,
    seconds: typeof results.seconds === 'number' && Number.isFinite(results.seconds) ? results.seconds : undefined,
  };
}
