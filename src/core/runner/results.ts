/**
 * The results folder of a run (DESIGN §4), written so that a crash or a kill never leaves a corrupt file:
 * everything goes into `<runId>.partial/` (each file through a temporary name and a rename), each solver's
 * trace as soon as it finishes, and the folder is renamed to `<runId>/` only once `summary.json` is complete.
 * A killed run therefore leaves a folder clearly marked `.partial` holding what had finished.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { LabelAlignment, Optimum } from '../diagnostics/optima';
import type { ExperimentSpec } from '../spec/types';
import { TRACE_COLUMNS } from './traceColumns';
import type { DatasetSummary, SolverResult } from './types';

export const PARTIAL_SUFFIX = '.partial';

export class ResultsWriter {
  private constructor(
    readonly runId: string,
    readonly finalDir: string,
    private readonly partialDir: string,
  ) {}

  /** Creates `<root>/<runId>.partial/` with a run id that is free in `root`. */
  static async create(root: string, baseId: string): Promise<ResultsWriter> {
    await fs.mkdir(root, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const runId = attempt === 1 ? baseId : `${baseId}-${attempt}`;
      const finalDir = path.join(root, runId);
      const partialDir = finalDir + PARTIAL_SUFFIX;
      if (await exists(finalDir)) continue;
      try {
        await fs.mkdir(partialDir);
        return new ResultsWriter(runId, finalDir, partialDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  /**
   * Writes the spec as resolved and as written, with what is known at the start of the run (`run`), so that a run
   * killed before its summary can still be described: its data, its start, its parameter count.
   */
  async writeSpec(spec: ExperimentSpec, raw: unknown, run: RunStart): Promise<void> {
    const file: SpecFile = { resolved: spec, asWritten: raw ?? null, run };
    await writeJsonAtomic(path.join(this.partialDir, 'spec.json'), file);
  }

  async writeSolverResult(result: SolverResult): Promise<void> {
    await fs.mkdir(path.join(this.partialDir, 'traces'), { recursive: true });
    await writeJsonAtomic(path.join(this.partialDir, 'traces', `${result.solver}-r${result.restart}.json`), result);
  }

  /** Writes the summary and the long-format trace CSV, then publishes the folder under its final name. */
  async finish(summary: RunSummary, results: readonly SolverResult[]): Promise<string> {
    for (const result of results) await this.writeSolverResult(result); // `best` flags are known only now
    await writeTextAtomic(path.join(this.partialDir, 'traces.csv'), tracesCsv(results));
    await writeJsonAtomic(path.join(this.partialDir, 'summary.json'), summary);
    await fs.rename(this.partialDir, this.finalDir);
    return this.finalDir;
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


/** One row per solver, restart and iteration. */
export function tracesCsv(results: readonly SolverResult[]): string {
  const lines = [['solver', 'restart', ...TRACE_COLUMNS, 'innerIterations', 'innerGradientNorm'].join(',')];
  for (const result of results) {
    for (const report of result.trace) {
      const cells = TRACE_COLUMNS.map((column) => formatCell(report[column]));
      lines.push([result.solver, result.restart, ...cells, formatCell(report.inner?.iterations), formatCell(report.inner?.gradientNorm)].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function formatCell(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeTextAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

export async function writeTextAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temporary, text);
  await fs.rename(temporary, file);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
