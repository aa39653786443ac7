/**
 * `npm run fuzz -- --cases N --seed S`: the fuzz harness of test/fuzz/ (issue 15) on any number of cases. The CSV
 * reader and the spec parser and validator get generated and mutated inputs, checked against the invariants listed
 * in test/fuzz/harness.ts. The cases run in a worker thread watched from here, so that a case that never ends (a
 * hang, which no check inside the same thread could see) is reported with its seed after `--hang-ms`.
 * Exits 1 when any case fails; `runFuzzCase(caseSeed, dir)` replays one case.
 */
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runFuzz, type FuzzReport } from '../test/fuzz/harness';
import { caseSeed } from '../test/fuzz/random';

interface Settings { cases: number; seed: number; hangMs: number; boundMs: number }

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      'bound-ms': { type: 'string', default: '5000' },
      'hang-ms': { type: 'string', default: '60000' },
    },
  });
  const number = (flag: string, text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${flag} must be a whole number ≥ 0 (got ${JSON.stringify(text)})`);
    return value;
  };
  return {
    cases: number('cases', values.cases!),
    seed: number('seed', values.seed!),
    boundMs: number('bound-ms', values['bound-ms']!),
    hangMs: number('hang-ms', values['hang-ms']!),
  };
}

function watch(options: Settings): void {
  const current = new Int32Array(new SharedArrayBuffer(4));
  // The worker loads this file through tsx's CommonJS hook: the `--import tsx` of the main thread does not reach it.
  const load = `require('tsx/cjs/api').register(); require(${JSON.stringify(__filename)});`;
  const worker = new Worker(load, { eval: true, workerData: { options, current } });
  let last = -1;
  let since = Date.now();
  const timer = setInterval(() => {
    const index = Atomics.load(current, 0);
    if (index !== last) {
      last = index;
      since = Date.now();
    } else if (Date.now() - since > options.hangMs) {
      console.error(`HANG: case ${index} (case seed ${caseSeed(options.seed, index)}) has run for over ${options.hangMs} ms`);
      clearInterval(timer);
      void worker.terminate().then(() => process.exit(1));
    }
  }, 250);
  worker.on('message', (message: { done?: number; report?: FuzzReport }) => {
    if (message.done !== undefined) console.log(`${message.done} cases…`);
    if (message.report) {
      clearInterval(timer);
      process.exitCode = print(message.report, options) ? 0 : 1;
    }
  });
  worker.on('error', (error) => {
    clearInterval(timer);
    console.error(error);
    process.exitCode = 1;
  });
}

function print(report: FuzzReport, options: Settings): boolean {
  for (const failure of report.failures.slice(0, 20)) {
    console.log(`FAIL case ${failure.index} (case seed ${failure.caseSeed}): ${failure.message}`);
    if (failure.input) console.log(`  input: ${failure.input.slice(0, 2000)}`);
  }
  console.log(
    `${report.cases} cases (seed ${options.seed}) in ${(report.elapsedMs / 1000).toFixed(1)} s: ` +
      `${report.failures.length} failures, ${report.numericCells} numeric cells checked, slowest case ${report.slowestMs.toFixed(0)} ms`,
  );
  return report.failures.length === 0;
}

async function work(): Promise<void> {
  const { options, current } = workerData as { options: Settings; current: Int32Array };
  const report = await runFuzz({
    cases: options.cases,
    seed: options.seed,
    timeBoundMs: options.boundMs,
    onCase: (index) => Atomics.store(current, 0, index),
    progress: (done) => { if (done % 10_000 === 0) parentPort!.postMessage({ done }); },
  });
  parentPort!.postMessage({ report });
}

if (isMainThread) {
  try {
    watch(settings());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
} else {
  void work();
}
