/**
 * Messages between the extension host and the run worker (`dist/runWorker.js`, a `worker_threads` Worker).
 * One worker does one job (a run, a synthetic dataset or a paper reproduction) and is terminated when it reports
 * `done` or `failed`.
 *
 * Flow of a run: host → `startRun`; worker → `events` batches (every RunEvent of the core runner, in order, at most
 * one batch per `batchMilliseconds`) → `done`. To stop, the host sets the interrupt flag it gave the worker at its
 * start (`RunWorkerData`, src/core/interrupt.ts) and posts `cancel`: the solvers stop inside the pass over the rows
 * they are computing (the interrupted update is dropped, each keeps its last complete iterate), and the runner
 * writes what was computed (marked cancelled) and finishes normally.
 *
 * Flow of a paper reproduction: host → `startReproduce`; worker → `reproduceProgress` (at most one per
 * `progressMilliseconds`, and at once when the experiment changes) → `reproduceWritten` (report.md and results.json
 * are in the folder) → `done`. The flag and `cancel` stop it inside the iteration under way: the experiments that
 * finished are written.
 *
 * Messages from the worker are validated by `parseFromWorker` before the host uses them.
 * No VS Code imports: the worker bundle includes this file.
 */
import type { ExperimentName } from '../core/reproduce/types';
import type { SelectKResult } from '../core/runner/selectK';
import type { RunEvent } from '../core/runner/types';
import type { ExperimentSpec } from '../core/spec/types';
import type { SyntheticOptions } from '../core/synth/generate';
import {
  isArrayOf,
  isBoolean,
  isFiniteNumber,
  isNonNegativeInteger,
  isRecord,
  isSolverName,
  isString,
} from './guards';
import {
  isDataSample,
  isChartSpec,
  isExperimentName,
  isIterationReport,
  isReproductionCheck,
  isRunId,
  isSkippedExperiment,
  type PanelReproduction,
  type ReproductionCheck,
} from './panelMessages';

// ---------------------------------------------------------------------------------------------------------------
// To worker

/** `workerData` of the run worker, given when it is started. */
export interface RunWorkerData {
  /**
   * The interrupt flag (src/core/interrupt.ts), set by the host on Stop: the worker's long loops poll it, since a
   * thread that computes sees no message until the iteration under way ends.
   */
  readonly interrupt: SharedArrayBuffer;
}

/** Run a validated, resolved spec. Paths are absolute. */
export interface StartRunMessage {
  readonly type: 'startRun';
  readonly spec: ExperimentSpec;
  /** Folder that relative paths in the spec resolve against (the spec's folder, or the CSV's for a fit). */
  readonly baseDir: string;
  /** Data files must stay inside this folder. */
  readonly workspaceRoot?: string;
  /** Folder that receives the run folder. */
  readonly resultsRoot: string;
  /** The spec as the user wrote it, saved beside the resolved one. */
  readonly rawSpec?: unknown;
  /** The spec file being run (absolute), recorded in the run folder. */
  readonly specFile?: string;
  /** Name of the run folder (default `<timestamp>-<name>`). */
  readonly runId?: string;
  /** Events are sent in batches at most this often (the last batch goes at once). */
  readonly batchMilliseconds: number;
}

/** Generate a synthetic dataset and write `csvPath` and `truthPath` (atomically). */
export interface StartSynthMessage {
  readonly type: 'startSynth';
  readonly options: SyntheticOptions;
  readonly csvPath: string;
  readonly truthPath: string;
}

/** Run the paper reproduction (src/core/reproduce) and write report.md and results.json into `outDir`. */
export interface StartReproduceMessage {
  readonly type: 'startReproduce';
  readonly quick: boolean;
  readonly only: readonly ExperimentName[];
  /** Folder holding iris.csv and wine.csv (the extension's examples/data). */
  readonly examplesDir: string;
  /** Fewer Fashion-MNIST instances than the paper's 25. */
  readonly fmnistInstances?: number;
  readonly outDir: string;
  /** Continue the unfinished reproduction in `outDir` (its checkpoint), instead of starting afresh there. */
  readonly resume?: boolean;
  /** How the report names what made it. */
  readonly command: string;
  /** Why the report has no PNG charts (the panel draws them). */
  readonly chartNote: string;
  readonly progressMilliseconds: number;
}

/** Choose the number of experts (src/core/runner/selectK): fit `spec` at each K of `ks`; nothing is written. */
export interface StartSelectKMessage {
  readonly type: 'startSelectK';
  readonly spec: ExperimentSpec;
  readonly baseDir: string;
  readonly workspaceRoot?: string;
  readonly ks: readonly number[];
  readonly progressMilliseconds: number;
}

/** Stop the run at the next iteration, keeping (and writing) what was computed. */
export interface CancelMessage {
  readonly type: 'cancel';
}

export type ToWorkerMessage = StartRunMessage | StartSynthMessage | StartReproduceMessage | StartSelectKMessage | CancelMessage;

// ---------------------------------------------------------------------------------------------------------------
// From worker

/** Run events, in the order the runner yielded them. */
export interface EventsMessage {
  readonly type: 'events';
  readonly events: readonly RunEvent[];
}

/** The synthetic dataset was written. */
export interface SynthWrittenMessage {
  readonly type: 'synthWritten';
  readonly csvPath: string;
  readonly truthPath: string;
  readonly rows: number;
  readonly features: number;
}

/** Where the reproduction stands: work units of the current experiment (solver runs, or iterations). */
export interface ReproduceProgressMessage {
  readonly type: 'reproduceProgress';
  readonly experiment: ExperimentName;
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

/** The reproduction ended (finished or cancelled) and its report and results are written. */
export interface ReproduceWrittenMessage {
  readonly type: 'reproduceWritten';
  readonly dir: string;
  readonly report: string;
  readonly results: string;
  readonly cancelled: boolean;
  readonly seconds: number;
  readonly charts: PanelReproduction['charts'];
  readonly checks: readonly ReproductionCheck[];
  readonly skipped: PanelReproduction['skipped'];
}

/** Where the choice of K stands: the K being fitted and the restarts finished over all Ks. */
export interface SelectKProgressMessage {
  readonly type: 'selectKProgress';
  readonly K: number;
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

/** The comparison of K ended (finished or cancelled). */
export interface SelectKFinishedMessage {
  readonly type: 'selectKFinished';
  readonly result: SelectKResult;
}

/** The job is over (after its last `events`); the worker may be terminated. */
export interface DoneMessage {
  readonly type: 'done';
}

/** The job failed; `userError` marks a mistake in the input (a column, a file, a spec field), not a crash. */
export interface FailedMessage {
  readonly type: 'failed';
  readonly message: string;
  readonly userError: boolean;
  /** JSON pointer of the spec field at fault, when known. */
  readonly pointer?: string;
  readonly stack?: string;
}

export type FromWorkerMessage =
  | EventsMessage
  | SynthWrittenMessage
  | ReproduceProgressMessage
  | ReproduceWrittenMessage
  | SelectKProgressMessage
  | SelectKFinishedMessage
  | DoneMessage
  | FailedMessage;

// ---------------------------------------------------------------------------------------------------------------
// Validators

/** The message if it is a well-formed message from the worker, else undefined. */
export function parseFromWorker(value: unknown): FromWorkerMessage | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  switch (value.type) {
    case 'events':
      return isArrayOf(value.events, isRunEvent) ? (value as unknown as EventsMessage) : undefined;
    case 'synthWritten':
      return isString(value.csvPath, 4096) && isString(value.truthPath, 4096) && isNonNegativeInteger(value.rows) && isNonNegativeInteger(value.features)
        ? (value as unknown as SynthWrittenMessage)
        : undefined;
    case 'reproduceProgress':
      return isExperimentName(value.experiment) && isNonNegativeInteger(value.done) && isNonNegativeInteger(value.total) && isString(value.message, 10_000)
        ? (value as unknown as ReproduceProgressMessage)
        : undefined;
    case 'reproduceWritten':
      return isReproduceWritten(value) ? value : undefined;
    case 'selectKProgress':
      return isNonNegativeInteger(value.K) && isNonNegativeInteger(value.done) && isNonNegativeInteger(value.total) && isString(value.message, 10_000)
        ? (value as unknown as SelectKProgressMessage)
        : undefined;
    case 'selectKFinished':
      return isSelectKResult(value.result) ? (value as unknown as SelectKFinishedMessage) : undefined;
    case 'done':
      return { type: 'done' };
    case 'failed':
      return isString(value.message, 100_000) &&
        isBoolean(value.userError) &&
        (value.pointer === undefined || isString(value.pointer)) &&
        (value.stack === undefined || isString(value.stack, 100_000))
        ? (value as unknown as FailedMessage)
        : undefined;
    default:
      return undefined;
  }
}

function isReproduceWritten(value: Record<string, unknown>): value is Record<string, unknown> & ReproduceWrittenMessage {
  return (
    isString(value.dir, 4096) &&
    isString(value.report, 4096) &&
    isString(value.results, 4096) &&
    isBoolean(value.cancelled) &&
    isFiniteNumber(value.seconds) &&
    isArrayOf(value.charts, isChartSpec, 500) &&
    isArrayOf(value.checks, isReproductionCheck, 1000) &&
    isArrayOf(value.skipped, isSkippedExperiment, 100)
  );
}

/** Structural check of a comparison of K (the fields the host and the select-k panel rely on). */
export function isSelectKResult(value: unknown): value is SelectKResult {
  return (
    isRecord(value) &&
    isRecord(value.dataset) &&
    isRecord(value.holdOut) &&
    isString(value.reason, 10_000) &&
    isBoolean(value.cancelled) &&
    isFiniteNumber(value.seconds) &&
    (value.chosen === undefined || isNonNegativeInteger(value.chosen)) &&
    isArrayOf(value.candidates, isKCandidate, 100)
  );
}

function isKCandidate(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value) || !isNonNegativeInteger(value.K) || !isNonNegativeInteger(value.parameters) || !isString(value.status, 20)) return false;
  if (![value.restarts, value.converged, value.degenerate].every((count) => isNonNegativeInteger(count))) return false;
  const best = value.best;
  return best === undefined || (isRecord(best) && [best.logLik, best.aic, best.bic].every(isFiniteNumber) && (best.testLogLik === undefined || isFiniteNumber(best.testLogLik)));
}

/** Structural check of a runner event (the fields the host and the panel rely on). */
export function isRunEvent(value: unknown): value is RunEvent {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'runStarted':
      return (
        isRunId(value.runId) &&
        isRecord(value.spec) &&
        isRecord(value.dataset) &&
        isArrayOf(value.solvers, isSolverName, 4) &&
        isNonNegativeInteger(value.restarts) &&
        isNonNegativeInteger(value.parameterCount) &&
        (value.sample === undefined || isDataSample(value.sample))
      );
    case 'iteration':
      return isSolverName(value.solver) && isNonNegativeInteger(value.restart) && isIterationReport(value.report);
    case 'solverFinished':
      return (
        isSolverName(value.solver) &&
        isNonNegativeInteger(value.restart) &&
        isRecord(value.result) &&
        value.result.solver === value.solver &&
        isArrayOf(value.result.trace, isIterationReport)
      );
    case 'warning':
      return isString(value.message, 100_000) && (value.solver === undefined || isSolverName(value.solver));
    case 'runFinished':
      return (
        isRunId(value.runId) &&
        (value.resultsDir === undefined || isString(value.resultsDir, 4096)) &&
        isBoolean(value.cancelled) &&
        isFiniteNumber(value.seconds) &&
        Array.isArray(value.results)
      );
    default:
      return false;
  }
}
