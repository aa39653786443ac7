/**
 * The run worker (bundled to dist/runWorker.js, started by the extension host as a `worker_threads` Worker): runs
 * one job off the host's event loop and reports through `workerMessages`. A run streams the core runner's events
 * in batches; a paper reproduction reports its progress and writes report.md and results.json. To stop, the host sets
 * the interrupt flag it gave in `workerData` (the passes over the rows poll it: src/core/interrupt.ts) and posts
 * `cancel`, which aborts the job's signal; the runner (or the reproduction) stops inside the iteration under way,
 * drops that update and writes what it computed.
 * No VS Code import: this runs outside the extension host's API.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isUserInputError, UserInputError } from '../core/errors';
import { watchInterrupts } from '../core/interrupt';
import { checkpointKeys, folderCheckpoint, removeCheckpoint, type Checkpoint } from '../core/reproduce/checkpoint';
import { invocationArgs, writeInvocation } from '../core/reproduce/invocation';
import { runReproduction, writeReproduction, type ReproduceProgress } from '../core/reproduce';
import { writeJsonAtomic, writeTextAtomic } from '../core/runner/results';
import { runExperiment } from '../core/runner/runExperiment';
import { selectK } from '../core/runner/selectK';
import { EventBatcher } from '../core/runner/eventBatcher';
import { generateSynthetic, syntheticCsv } from '../core/synth/generate';
import type { FromWorkerMessage, RunWorkerData, StartReproduceMessage, StartRunMessage, StartSelectKMessage, StartSynthMessage, ToWorkerMessage } from '../protocol/workerMessages';

const port = parentPort;
if (!port) throw new Error('runWorker.js must be started as a worker thread');

const controller = new AbortController();
let started = false;
/** The host's interrupt flag (absent when started by an older host: then only `cancel` stops, between iterations). */
const interrupt = (workerData as Partial<RunWorkerData> | undefined)?.interrupt;

/**
 * Lets the interrupt flag fire from now on. A run watches it once its first iteration report is out: a run stopped
 * while its data loads or its starts are computed still ends at its first iteration, so that its folder has every
 * solver's start (as the extension promises); from then on Stop lands inside the iteration under way.
 */
let watching = false;
function watchFlag(): void {
  if (watching || !interrupt) return;
  watching = true;
  watchInterrupts(interrupt);
}

function post(message: FromWorkerMessage): void {
  port!.postMessage(message);
}

port.on('message', (message: ToWorkerMessage) => {
  switch (message?.type) {
    case 'cancel':
      controller.abort();
      break;
    case 'startRun':
    case 'startSynth':
    case 'startReproduce':
    case 'startSelectK':
      if (started) return;
      started = true;
      void start(message).then(
        () => post({ type: 'done' }),
        (error: unknown) => post(failure(error)),
      );
      break;
    default:
      break;
  }
});

function start(message: StartRunMessage | StartSynthMessage | StartReproduceMessage | StartSelectKMessage): Promise<void> {
  if (message.type === 'startRun') return run(message);
  if (message.type === 'startSynth') return synth(message);
  if (message.type === 'startSelectK') return chooseK(message);
  return reproduce(message);
}

async function run(message: StartRunMessage): Promise<void> {
  const batch = new EventBatcher(message.batchMilliseconds, (events) => post({ type: 'events', events }));
  try {
    for await (const event of runExperiment(message.spec, {
      baseDir: message.baseDir,
      workspaceRoot: message.workspaceRoot,
      resultsRoot: message.resultsRoot,
      rawSpec: message.rawSpec,
      specFile: message.specFile,
      runId: message.runId,
      signal: controller.signal,
    })) {
      if (event.type === 'iteration') watchFlag();
      batch.push(event);
    }
  } finally {
    batch.flush();
    batch.dispose();
  }
}

/** Progress once per restart finished (at most once per interval, and at once when K changes), then the result. */
async function chooseK(message: StartSelectKMessage): Promise<void> {
  const total = message.ks.length * message.spec.init.restarts;
  let done = 0;
  let last = -Infinity;
  let lastK = 0;
  for await (const event of selectK(message.spec, { baseDir: message.baseDir, workspaceRoot: message.workspaceRoot, ks: message.ks, signal: controller.signal })) {
    // As for a run: the first K reaches its first iteration (the comparison has a dataset), then Stop lands at once.
    if (event.type === 'iteration') watchFlag();
    if (event.type === 'kStarted' || event.type === 'restartFinished') {
      if (event.type === 'restartFinished') done++;
      const now = performance.now();
      if (event.K === lastK && now - last < message.progressMilliseconds) continue;
      last = now;
      lastK = event.K;
      post({ type: 'selectKProgress', K: event.K, done, total, message: `K = ${event.K}: ${done} of ${total} restarts done` });
    } else if (event.type === 'finished') {
      post({ type: 'selectKFinished', result: event.result });
    }
  }
}

async function synth(message: StartSynthMessage): Promise<void> {
  const generated = generateSynthetic(message.options);
  await fs.mkdir(path.dirname(message.csvPath), { recursive: true });
  await writeTextAtomic(message.csvPath, syntheticCsv(generated));
  await writeJsonAtomic(message.truthPath, generated.truth);
  post({ type: 'synthWritten', csvPath: message.csvPath, truthPath: message.truthPath, rows: generated.truth.samples, features: generated.truth.dim });
}

async function reproduce(message: StartReproduceMessage): Promise<void> {
  const checkpoint = await openCheckpoint(message);
  // A stopped reproduction writes the experiments that finished, whatever phase the others were in.
  watchFlag();
  const results = await runReproduction({
    checkpoint,
    quick: message.quick,
    only: message.only,
    examplesDir: message.examplesDir,
    ...(message.fmnistInstances === undefined ? {} : { fmnistInstances: message.fmnistInstances }),
    signal: controller.signal,
    onProgress: progressPoster(message.progressMilliseconds),
  });
  const written = await writeReproduction(message.outDir, results, { command: message.command, renderedCharts: new Set(), chartNote: message.chartNote });
  // Finished: results.json holds everything. Cancelled or failed: the checkpoint stays for the Resume action.
  if (!results.cancelled && !results.skipped.some((s) => s.failed)) await removeCheckpoint(message.outDir);
  post({
    type: 'reproduceWritten',
    dir: written.dir,
    report: written.report,
    results: written.results,
    cancelled: results.cancelled,
    seconds: results.seconds,
    charts: results.charts,
    checks: results.checks.map(({ experiment, name, passed }) => ({ experiment, name, passed })),
    skipped: results.skipped.map(({ name, reason }) => ({ name, reason })),
  });
}

/** A fresh reproduction records how it was started; a resumed one reads its finished parts back. */
async function openCheckpoint(message: StartReproduceMessage): Promise<Checkpoint> {
  if (!message.resume) {
    if ((await checkpointKeys(message.outDir)).length > 0) {
      throw new UserInputError(`${message.outDir} holds an unfinished reproduction: resume it, or choose another folder`, { file: message.outDir });
    }
    await writeInvocation(message.outDir, { args: invocationArgs({ quick: message.quick, only: [...message.only], ...(message.fmnistInstances === undefined ? {} : { fmnistInstances: message.fmnistInstances }) }) });
  }
  return folderCheckpoint(message.outDir);
}

/** Posts progress at most once per interval, but at once when a new experiment starts (the host logs those). */
function progressPoster(intervalMs: number): (progress: ReproduceProgress) => void {
  let experiment: string | undefined;
  let last = -Infinity;
  return (progress) => {
    const now = performance.now();
    if (progress.experiment === experiment && now - last < intervalMs) return;
    experiment = progress.experiment;
    last = now;
    post({ type: 'reproduceProgress', experiment: progress.experiment, done: progress.done, total: progress.total, message: progress.message });
  };
}

function failure(error: unknown): FromWorkerMessage {
  const err = error instanceof Error ? error : new Error(String(error));
  if (isUserInputError(err)) return { type: 'failed', message: err.message, userError: true, ...(err.location.pointer ? { pointer: err.location.pointer } : {}) };
  return { type: 'failed', message: err.message, userError: false, stack: err.stack };
}
