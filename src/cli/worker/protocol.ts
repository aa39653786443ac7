/**
 * Messages between the CLI's main thread and its run worker (src/cli/worker/runWorker.ts). The main thread only
 * waits and handles Ctrl-C; the worker loads the data and fits (a run, select-k's fit of each K, or the paper
 * reproduction's experiments). Both sides are bundled from this repository, so the messages are trusted and not
 * validated.
 */
import type { ErrorLocation } from '../../core/errors';
import type { ReproductionResults } from '../../core/reproduce';
import type { ReproduceOptions, ReproduceProgress } from '../../core/reproduce/types';
import type { RunOptions } from '../../core/runner/runExperiment';
import type { SelectKEvent, SelectKOptions } from '../../core/runner/selectK';
import type { SweepEvent, SweepOptions } from '../../core/runner/sweep';
import type { RunEvent } from '../../core/runner/types';
import type { ExperimentSpec } from '../../core/spec/types';

/** What the worker computes: `runExperiment`, `runSweep` or `selectK` on the spec, or `runReproduction`; it streams the events. */
export type CliWork =
  | { readonly kind: 'run'; readonly spec: ExperimentSpec; readonly options: Omit<RunOptions, 'signal' | 'abortLoad'> }
  | { readonly kind: 'sweep'; readonly spec: ExperimentSpec; readonly options: Omit<SweepOptions, 'signal' | 'abortLoad'> }
  | { readonly kind: 'selectK'; readonly spec: ExperimentSpec; readonly options: Omit<SelectKOptions, 'signal' | 'abortLoad'> }
  | {
      readonly kind: 'reproduce';
      readonly options: Omit<ReproduceOptions, 'signal' | 'onProgress' | 'checkpoint'>;
      /** The reproduction folder whose checkpoint the worker writes and reads (opened by the main thread first). */
      readonly checkpointDir: string;
    };

/** A reproduction's progress, then its results (written by the main thread, which also renders the charts). */
export type ReproduceEvent =
  | { readonly type: 'reproduceProgress'; readonly progress: ReproduceProgress }
  | { readonly type: 'reproduced'; readonly results: ReproductionResults };

/** The events of each kind of work. */
export type CliWorkEvent = RunEvent | SweepEvent | SelectKEvent | ReproduceEvent;

/** `workerData` of the run worker. */
export interface CliRunJob {
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
