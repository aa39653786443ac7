/**
 * The CLI's run worker (bundled to dist/cliRunWorker.js): runs one experiment (or a sweep's combinations, or
 * select-k's comparison of K, one experiment per K, or the paper reproduction) off the main thread, so that Ctrl-C is
 * seen at once however long a pass over the data takes (a thread that computes cannot run a signal handler). The
 * main thread sets the shared interrupt flag, which the passes poll (src/core/interrupt.ts), and posts `cancel`,
 * which stops a CSV read between chunks. The run then ends as any cancelled run: the last complete iterate of each
 * solver is kept and the results folder is written complete, marked cancelled.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isUserInputError } from '../../core/errors';
import { isInterrupted, watchInterrupts } from '../../core/interrupt';
import { EventBatcher } from '../../core/runner/eventBatcher';
import { runReproduction } from '../../core/reproduce';
import { folderCheckpoint } from '../../core/reproduce/checkpoint';
import { runExperiment } from '../../core/runner/runExperiment';
import { selectK } from '../../core/runner/selectK';
import { runSweep } from '../../core/runner/sweep';
import type { CancelMessage, CliRunJob, CliWork, CliWorkEvent, FromCliWorker } from './protocol';

const port = parentPort;
if (!port) throw new Error('cliRunWorker.js must be started as a worker thread');
const job = workerData as CliRunJob;
const controller = new AbortController();

function post(message: FromCliWorker): void {
  port!.postMessage(message);
}

port.on('message', (message: CancelMessage) => {
  if (message?.type === 'cancel') controller.abort();
});

async function run(): Promise<void> {
  watchInterrupts(job.interrupt);
  const batch = new EventBatcher<CliWorkEvent>(job.batchMilliseconds, (events) => post({ type: 'events', events }));
  try {
    const { work } = job;
    if (work.kind === 'reproduce') await reproduce(work, (event) => batch.push(event));
    else for await (const event of events(work)) batch.push(event);
  } finally {
    batch.flush();
    batch.dispose();
  }
}

function events(work: Exclude<CliWork, { kind: 'reproduce' }>): AsyncGenerator<CliWorkEvent, unknown, undefined> {
  const stop = { signal: controller.signal, abortLoad: true };
  switch (work.kind) {
    case 'run':
      return runExperiment(work.spec, { ...work.options, ...stop });
    case 'sweep':
      return runSweep(work.spec, { ...work.options, ...stop });
    case 'selectK':
      return selectK(work.spec, { ...work.options, ...stop });
  }
}

/** A reproduction reports through a callback: its progress, then its results, go out as events. */
async function reproduce(work: Extract<CliWork, { kind: 'reproduce' }>, push: (event: CliWorkEvent) => void): Promise<void> {
  const results = await runReproduction({
    ...work.options,
    checkpoint: folderCheckpoint(work.checkpointDir),
    signal: controller.signal,
    onProgress: (progress) => push({ type: 'reproduceProgress', progress }),
  });
  push({ type: 'reproduced', results });
}

run().then(
  () => post({ type: 'done' }),
  (error: unknown) => {
    // Stopped during the load: by the signal (between chunks of the read) or the flag (building the dataset).
    if (isInterrupted(error) || (controller.signal.aborted && error === controller.signal.reason)) {
      post({ type: 'interrupted' });
      return;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    post({ type: 'failed', message: err.message, userError: isUserInputError(err), location: isUserInputError(err) ? err.location : undefined, stack: err.stack });
  },
);
