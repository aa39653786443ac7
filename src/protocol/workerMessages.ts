/**
 * Messages between the extension host and the run worker (`dist/runWorker.js`, a `worker_threads` Worker).
 * One worker does one job (a run or a synthetic dataset) and is terminated when it reports `done` or `failed`.
 *
 * Flow of a run: host → `startRun`; worker → `events` batches (every RunEvent of the core runner, in order, at most
 * one batch per `batchMilliseconds`) → `done`. Host → `cancel` aborts the run's AbortSignal: the runner stops
 * every solver at its next iteration, writes what was computed (marked cancelled) and finishes normally.
 *
 * Messages from the worker are validated by `parseFromWorker` before the host uses them.
 * No VS Code imports: the worker bundle includes this file.
 */
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
import { isIterationReport, isRunId } from './panelMessages';

// ---------------------------------------------------------------------------------------------------------------
// To worker

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

/** Stop the run at the next iteration, keeping (and writing) what was computed. */
export interface CancelMessage {
  readonly type: 'cancel';
}

export type ToWorkerMessage = StartRunMessage | StartSynthMessage | CancelMessage;

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

export type FromWorkerMessage = EventsMessage | SynthWrittenMessage | DoneMessage | FailedMessage;

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
        isNonNegativeInteger(value.parameterCount)
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
