/**
 * The results folder of a run (DESIGN §4), written so that a crash or a kill never leaves a corrupt file:
 * everything goes into `<runId>.partial/` (each file through a temporary name and a rename), each solver's
 * trace as soon as it finishes, and the folder is renamed to `<runId>/` only once `summary.json` is complete.
 * A killed run therefore leaves a folder clearly marked `.partial` holding what had finished.
 *
 * A rename alone survives a killed process but not a power loss: the file system may commit the rename before the
 * file's data, publishing an empty or truncated file. So every file is synced before its rename, the folder is
 * synced before the rename that publishes it, and the parent folder after, so that the new name itself is on disk.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { LabelAlignment, Optimum } from '../diagnostics/optima';
import type { ExperimentSpec } from '../spec/types';
import { traceTableCsv } from './traceColumns';
import type { DatasetSummary, SolverResult } from './types';

export const PARTIAL_SUFFIX = '.partial';

/** What was flushed to disk: a file's data, or a folder's entries (the names renamed into it). */
export type SyncKind = 'file' | 'folder';

export interface DurabilityOptions {
  /** Told after each sync, with the path synced (lets tests check the order of syncs and renames on a real disk). */
  readonly onSync?: (target: string, kind: SyncKind) => void;
}

export class ResultsWriter {
  private constructor(
    readonly runId: string,
    readonly finalDir: string,
    private readonly partialDir: string,
    private readonly durability: DurabilityOptions,
  ) {}

  /** Creates `<root>/<runId>.partial/` with a run id that is free in `root`. */
  static async create(root: string, baseId: string, durability: DurabilityOptions = {}): Promise<ResultsWriter> {
    await fs.mkdir(root, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const runId = attempt === 1 ? baseId : `${baseId}-${attempt}`;
      const finalDir = path.join(root, runId);
      const partialDir = finalDir + PARTIAL_SUFFIX;
      if (await exists(finalDir)) continue;
      try {
        await fs.mkdir(partialDir);
        return new ResultsWriter(runId, finalDir, partialDir, durability);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  /**
   * Writes the spec as resolved and as written, with what is known at the start of the run (`run`), so that a run
   * killed before its summary can still be described: its data, its start, its parameter count. `run.specFile` is
   * given as a path and stored relative to the run folder (so a moved workspace keeps the link).
   */
  async writeSpec(spec: ExperimentSpec, raw: unknown, run: RunStart): Promise<void> {
    if (run.specFile !== undefined) run = { ...run, specFile: path.relative(this.finalDir, path.resolve(run.specFile)).split(path.sep).join('/') };
    const file: SpecFile = { resolved: spec, asWritten: raw ?? null, run };
    await writeJsonAtomic(path.join(this.partialDir, 'spec.json'), file, this.inPartialDir);
  }

  /**
   * Writes one solver's result as soon as it ends. Not synced: `finish` writes every trace again (with its `best`
   * flag) and syncs it then, so a sync here would double the cost of a run with many restarts for the benefit of an
   * unfinished run's folder only. A killed process still leaves whole files (the rename is atomic).
   */
  async writeSolverResult(result: SolverResult): Promise<void> {
    await this.writeTrace(result, false);
  }

  private async writeTrace(result: SolverResult, durable: boolean): Promise<void> {
    await fs.mkdir(path.join(this.partialDir, 'traces'), { recursive: true });
    const file = path.join(this.partialDir, 'traces', `${result.solver}-r${result.restart}.json`);
    await writeJsonAtomic(file, result, { ...this.inPartialDir, syncFile: durable });
  }

  /** Writes the summary and the long-format trace CSV, then publishes the folder under its final name. */
  async finish(summary: RunSummary, results: readonly SolverResult[]): Promise<string> {
    for (const result of results) await this.writeTrace(result, true); // `best` flags are known only now
    await writeTextAtomic(path.join(this.partialDir, 'traces.csv'), tracesCsv(results), this.inPartialDir);
    await writeJsonAtomic(path.join(this.partialDir, 'summary.json'), summary, this.inPartialDir);
    // The files' data is on disk; now their names, then the name that publishes the run.
    if (results.length > 0) await syncFolder(path.join(this.partialDir, 'traces'), this.durability);
    await syncFolder(this.partialDir, this.durability);
    await fs.rename(this.partialDir, this.finalDir);
    await syncFolder(path.dirname(this.finalDir), this.durability);
    return this.finalDir;
  }

  /**
   * Files inside the `.partial` folder: each is synced before its rename, and the folder's entries are synced once,
   * before it is published, rather than after every file (a run with many restarts writes hundreds of traces).
   */
  private get inPartialDir(): AtomicWriteOptions {
    return { ...this.durability, syncFolder: false };
  }
}

/** What a run folder's `spec.json` holds. */
export interface SpecFile {
  readonly resolved: ExperimentSpec;
  readonly asWritten: unknown;
  /** Absent in folders written before version 0.2. */
  readonly run?: RunStart;
}

export interface RunStart {
  readonly startedAt: string;
  readonly dataset: DatasetSummary;
  readonly parameterCount: number;
  /** The spec file that was run, relative to the run folder (`/`-separated); absent for fits and older folders. */
  readonly specFile?: string;
}

export interface RunSummary {
  readonly runId: string;
  readonly name: string;
  readonly complete: boolean;
  readonly cancelled: boolean;
  readonly startedAt: string;
  readonly seconds: number;
  readonly dataset: DatasetSummary;
  readonly machine: { readonly node: string; readonly platform: string; readonly cpus: number };
  /** Final metrics per solver and restart (the traces are in `traces/`). */
  readonly results: Omit<SolverResult, 'trace'>[];
  /** The distinct optima among the stationary runs, best first. Absent in older run folders. */
  readonly optima?: Optimum[];
  /** True when every run's experts were put in the order of `labelAlignment.reference` (the best optimum). */
  readonly labelsAligned?: boolean;
  readonly labelAlignment?: LabelAlignment;
}


/** One row per solver, restart and iteration (the same table as the panel's Export CSV). */
export function tracesCsv(results: readonly SolverResult[]): string {
  return traceTableCsv(results.map((result) => ({ solver: result.solver, restart: result.restart, reports: result.trace })));
}

export interface AtomicWriteOptions extends DurabilityOptions {
  /** Sync the file's data before the rename, so a power loss cannot publish it empty or cut (default true). */
  readonly syncFile?: boolean;
  /** Sync the file's folder after the rename, so the new name survives a power loss (default true). */
  readonly syncFolder?: boolean;
}

export async function writeJsonAtomic(file: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await writeTextAtomic(file, JSON.stringify(value, null, 2) + '\n', options);
}

/** Writes `text` to a temporary name, syncs it, and renames it over `file`: readers see the old file or the whole new one. */
export async function writeTextAtomic(file: string, text: string, options: AtomicWriteOptions = {}): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.open(temporary, 'w');
  try {
    await handle.writeFile(text);
    if (options.syncFile ?? true) await handle.sync();
  } finally {
    await handle.close();
  }
  if (options.syncFile ?? true) options.onSync?.(temporary, 'file');
  await fs.rename(temporary, file);
  if (options.syncFolder ?? true) await syncFolder(path.dirname(file), options);
}

/**
 * Flushes a folder's entries (names created or renamed in it). Windows cannot open a folder as a file, and some
 * file systems refuse to sync one; there the rename is as durable as the system makes it.
 */
async function syncFolder(folder: string, options: DurabilityOptions): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: FileHandle;
  try {
    handle = await fs.open(folder, 'r');
  } catch (error) {
    if (isUnsupportedSync(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isUnsupportedSync(error)) throw error;
    return;
  } finally {
    await handle.close();
  }
  options.onSync?.(folder, 'folder');
}

function isUnsupportedSync(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'ENOTSUP' || code === 'EISDIR' || code === 'EPERM' || code === 'EACCES';
}

/** Whether anything (file or folder) is at `file`. */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
