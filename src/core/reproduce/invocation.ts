/**
 * How a reproduction was started, kept in its checkpoint (`checkpoint/invocation.json`) so that a resumed run — from
 * the CLI's `--resume DIR` or the extension's Resume action — continues with the same options whoever started it.
 * Stored as the CLI's flags, the one form both sides can write and read.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserInputError } from '../errors';
import { writeTextAtomic } from '../runner/results';
import { CHECKPOINT_FOLDER, checkpointKeys } from './checkpoint';
import { EXPERIMENT_NAMES, type ExperimentName } from './types';

export const INVOCATION_FILE = 'invocation.json';

export interface Invocation {
  /** The `moe-lab reproduce` flags, without where the output goes (--out) and how it is printed (--json, --no-charts). */
  readonly args: string[];
}

export async function writeInvocation(dir: string, invocation: Invocation): Promise<void> {
  await fs.mkdir(path.join(dir, CHECKPOINT_FOLDER), { recursive: true });
  await writeTextAtomic(path.join(dir, CHECKPOINT_FOLDER, INVOCATION_FILE), JSON.stringify(invocation, null, 2) + '\n');
}

/** The stored invocation, or undefined when `dir` holds no unfinished reproduction. */
export async function readInvocation(dir: string): Promise<Invocation | undefined> {
  const file = path.join(dir, CHECKPOINT_FOLDER, INVOCATION_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${file}: not a reproduction's invocation (${(error as Error).message})`, { file });
  }
  const args = (parsed as { args?: unknown })?.args;
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new UserInputError(`${file}: not a reproduction's invocation ("args" must list strings)`, { file });
  return { args };
}

/** What the extension can start: the flags of its quick picks. */
export interface ReproductionOptionsOfInvocation {
  readonly quick: boolean;
  readonly only: ExperimentName[];
  readonly fmnistInstances?: number;
}

/** The flags for the extension's options. */
export function invocationArgs(options: ReproductionOptionsOfInvocation): string[] {
  return [
    ...(options.quick ? ['--quick'] : []),
    ...(options.only.length < EXPERIMENT_NAMES.length ? ['--only', options.only.join(',')] : []),
    ...(options.fmnistInstances === undefined ? [] : ['--fmnist-instances', String(options.fmnistInstances)]),
  ];
}

/** The extension's options for stored flags, or the first flag it cannot honour (resume that one with the CLI). */
export function optionsOfInvocation(invocation: Invocation): ReproductionOptionsOfInvocation | { readonly unsupported: string } {
  let quick = false;
  let only: ExperimentName[] = [...EXPERIMENT_NAMES];
  let fmnistInstances: number | undefined;
  const args = invocation.args;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes('=') ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)] : [args[i], undefined];
    const value = () => inline ?? args[++i] ?? '';
    if (flag === '--quick') quick = true;
    else if (flag === '--only') {
      const names = value().split(',').map((s) => s.trim()).filter(Boolean);
      if (names.length === 0 || !names.every((n) => (EXPERIMENT_NAMES as readonly string[]).includes(n))) return { unsupported: args[i] };
      only = names as ExperimentName[];
    } else if (flag === '--fmnist-instances') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) return { unsupported: args[i] };
      fmnistInstances = n;
    } else return { unsupported: flag };
  }
  return { quick, only, ...(fmnistInstances === undefined ? {} : { fmnistInstances }) };
}

export interface UnfinishedReproduction {
  readonly dir: string;
  readonly invocation: Invocation;
  /** Finished parts in the checkpoint: experiments and Fashion-MNIST instances. */
  readonly parts: string[];
}

/** Reproduction folders directly inside `root` that hold a checkpoint (newest name first). */
export async function findUnfinishedReproductions(root: string): Promise<UnfinishedReproduction[]> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return [];
  }
  const found: UnfinishedReproduction[] = [];
  for (const name of names.filter((n) => n.startsWith('reproduction')).sort().reverse()) {
    const dir = path.join(root, name);
    try {
      const invocation = await readInvocation(dir);
      if (invocation) found.push({ dir, invocation, parts: (await checkpointKeys(dir)).filter((key) => key !== 'invocation') });
    } catch {
      // An unreadable invocation is not offered; the CLI's --resume names the problem.
    }
  }
  return found;
}
