/**
 * Messages between the CLI's main thread and its run worker (src/cli/worker/runWorker.ts). The main thread only
 * waits and handles Ctrl-C; the worker loads the data and fits (a run, or select-k's fit of each K). Both sides are
 * bundled from this repository, so the messages are trusted and not validated.
 */
import type { ErrorLocation } from '../../core/errors';
import type { RunOptions } from '../../core/runner/runExperiment';
import type { SelectKEvent, SelectKOptions } from '../../core/runner/selectK';
import type { RunEvent } from '../../core/runner/types';
import type { ExperimentSpec } from '../../core/spec/types';

/** What the worker computes: `runExperiment` or `selectK` on the spec, whose events it streams back. */
export type CliWork =
  | { readonly kind: 'run'; readonly options: Omit<RunOptions, 'signal' | 'abortLoad'> }
  | { readonly kind: 'selectK'; readonly options: Omit<SelectKOptions, 'signal' | 'abortLoad'> };

/** The events of each kind of work. */
export type CliWorkEvent = RunEvent | SelectKEvent;

/** `workerData` of the run worker. */
export interface CliRunJob {
  readonly spec: ExperimentSpec;
  readonly work: CliWork;
  /** The interrupt flag the worker's long loops poll (src/core/interrupt.ts). */
  readonly interrupt: SharedArrayBuffer;
  /** Event batches at most this often (ms). */
  readonly batchMilliseconds: number;
}

/** Main thread → worker: stop (the flag is already set; this also stops a CSV read waiting on the disk). */
export interface CancelMessage {
  readonly type: 'cancel';
}

export type FromCliWorker =
  | { readonly type: 'events'; readonly events: CliWorkEvent[] }
  | { readonly type: 'done' }
  /** Stopped by the interrupt before the run started (during the load): nothing was computed. */
  | { readonly type: 'interrupted' }
  | { readonly type: 'failed'; readonly message: string; readonly userError: boolean; readonly location?: ErrorLocation; readonly stack?: string };
