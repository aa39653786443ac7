/**
 * The main thread's side of a CLI run in a worker thread (src/cli/worker/runWorker.ts): the run's events as an async
 * iterable, as `runExperiment` (or `selectK`) gives them. Aborting `signal` sets the worker's interrupt flag, so the
 * worker stops inside the pass it is computing, not after the iteration; the iterable then ends with the cancelled
 * run's events.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserInputError } from '../../core/errors';
import { createInterruptBuffer, requestInterrupt } from '../../core/interrupt';
import type { ReproductionResults } from '../../core/reproduce';
import type { ReproduceOptions, ReproduceProgress } from '../../core/reproduce/types';
import type { RunOptions } from '../../core/runner/runExperiment';
import type { SelectKEvent, SelectKOptions } from '../../core/runner/selectK';
import type { SweepEvent, SweepOptions } from '../../core/runner/sweep';
import type { RunEvent } from '../../core/runner/types';
import type { ExperimentSpec } from '../../core/spec/types';
import type { CancelMessage, CliRunJob, CliWork, CliWorkEvent, FromCliWorker } from './protocol';

/** Where the bundle puts the worker: beside dist/cli.js. */
const WORKER_FILE = path.join(__dirname, 'cliRunWorker.js');
/** Events cross the thread boundary in batches at most this often: the progress line needs no more. */
const BATCH_MILLISECONDS = 50;

/**
 * Runs `spec` in a worker thread and yields its events. When `signal` aborts before the run started (the load), the
 * iterable rejects with the signal's reason, as `runExperiment` with `abortLoad` does.
 */
export function runInWorker(spec: ExperimentSpec, options: RunOptions): AsyncGenerator<RunEvent, void, undefined> {
  const { signal, abortLoad: _abortLoad, ...rest } = options;
  return streamFromWorker({ kind: 'run', spec, options: rest }, signal) as AsyncGenerator<RunEvent, void, undefined>;
}

/**
 * `runSweep` in a worker thread: the running combination is interrupted inside its passes (kept, marked cancelled),
 * and no other starts; the iterable ends with the sweep's summary.
 */
export function sweepInWorker(spec: ExperimentSpec, options: SweepOptions): AsyncGenerator<SweepEvent, void, undefined> {
  const { signal, abortLoad: _abortLoad, ...rest } = options;
  return streamFromWorker({ kind: 'sweep', spec, options: rest }, signal) as AsyncGenerator<SweepEvent, void, undefined>;
}

/** `selectK` in a worker thread: each K's fit is interrupted inside its passes, as a run is. */
export function selectKInWorker(spec: ExperimentSpec, options: SelectKOptions): AsyncGenerator<SelectKEvent, void, undefined> {
  const { signal, abortLoad: _abortLoad, ...rest } = options;
  return streamFromWorker({ kind: 'selectK', spec, options: rest }, signal) as AsyncGenerator<SelectKEvent, void, undefined>;
}

/**
 * `runReproduction` in a worker thread, writing `checkpointDir`'s checkpoint: resolves with its results once it
 * finished or was stopped (`signal`: inside the iteration under way); `onProgress` sees its progress.
 */
export async function reproduceInWorker(
  options: Omit<ReproduceOptions, 'checkpoint' | 'onProgress'>,
  checkpointDir: string,
  onProgress: (progress: ReproduceProgress) => void,
): Promise<ReproductionResults> {
  const { signal, ...rest } = options;
  let results: ReproductionResults | undefined;
  for await (const event of streamFromWorker({ kind: 'reproduce', options: rest, checkpointDir }, signal)) {
    if (event.type === 'reproduceProgress') onProgress(event.progress);
    else if (event.type === 'reproduced') results = event.results;
  }
  if (!results) throw new Error('the reproduction worker ended without its results');
  return results;
}

async function* streamFromWorker(work: CliWork, signal: AbortSignal | undefined): AsyncGenerator<CliWorkEvent, void, undefined> {
  const job: CliRunJob = { work, interrupt: createInterruptBuffer(), batchMilliseconds: BATCH_MILLISECONDS };
  const worker = new Worker(WORKER_FILE, { workerData: job });
  const inbox = new Inbox();
  worker.on('message', (message: FromCliWorker) => inbox.put(message));
  worker.on('error', (error) => inbox.put({ type: 'failed', message: error.message, userError: false, stack: error.stack }));
  worker.on('exit', (code) => inbox.put({ type: 'failed', message: `the run worker exited with code ${code} before the run ended`, userError: false }));
  const interrupt = () => {
    requestInterrupt(job.interrupt);
    worker.postMessage({ type: 'cancel' } satisfies CancelMessage);
  };
  if (signal?.aborted) interrupt();
  else signal?.addEventListener('abort', interrupt, { once: true });
  try {
    for (;;) {
      const message = await inbox.take();
      if (message.type === 'events') yield* message.events;
      else if (message.type === 'done') return;
      else if (message.type === 'interrupted') throw signal?.reason ?? new Error('the run was interrupted');
      else throw rebuild(message);
    }
  } finally {
    signal?.removeEventListener('abort', interrupt);
    await worker.terminate();
  }
}

function rebuild(failure: Extract<FromCliWorker, { type: 'failed' }>): Error {
  if (failure.userError) return new UserInputError(failure.message, failure.location);
  const error = new Error(failure.message);
  if (failure.stack) error.stack = failure.stack;
  return error;
}

/** Messages in arrival order, taken one at a time; the first ending message stays the last. */
class Inbox {
  private readonly queue: FromCliWorker[] = [];
  private waiting: ((message: FromCliWorker) => void) | undefined;
  private ended = false;

  put(message: FromCliWorker): void {
    if (this.ended) return;
    if (message.type !== 'events') this.ended = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(message);
    else this.queue.push(message);
  }

  take(): Promise<FromCliWorker> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}
