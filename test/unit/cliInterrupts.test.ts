/**
 * Ctrl-C on the `moe-lab` CLI (issue 15, item 5), as a user meets it: the built CLI (`node bin/moe-lab.js …`, built
 * by `npm run build`) in a child process that is sent a real SIGINT. An interrupted run exits 130, prints one
 * parseable JSON document with `cancelled: true`, and keeps its results; a SIGINT during a long CSV load is
 * honoured at once, not after the load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');
const INTERRUPTED = 130;

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'moe-cli-interrupts-'));
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When the process exited (performance.now()). */
  exitedAt: number;
}

/** What a running CLI has printed so far. */
interface Output {
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd: string): { child: ChildProcess; output: Output; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (output.stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output.stderr += text));
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, ...output, exitedAt: performance.now() }));
  });
  return { child, output, finished };
}

/** Polls `ready` every 5 ms until it holds or `timeoutMs` passes (then fails with `what`). */
async function waitFor(ready: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** True while process `pid` holds `file` open (Linux: /proc/PID/fd). */
function holdsOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

function synthesize(dir: string): string {
  const csv = path.join(dir, 'data.csv');
  const made = spawnSync(process.execPath, [BIN, 'synth', '--kind', 'linear', '--experts', '2', '--dim', '3', '--samples', '2000', '--snr', '4', '--seed', '1', '--out', csv], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return csv;
}

/** About 60 MB of numbers: the load alone takes a second or more, the fit far longer. */
function largeCsv(dir: string): string {
  const csv = path.join(dir, 'large.csv');
  const row = (i: number) => `${(i % 97) / 7},${(i % 89) / 3},${(i % 83) / 11},${(i % 79) / 5}\n`;
  const block = Array.from({ length: 10_000 }, (_, i) => row(i)).join('');
  const fd = openSync(csv, 'w');
  writeSync(fd, 'x1,x2,x3,y\n');
  for (let i = 0; i < 200; i++) writeSync(fd, block);
  closeSync(fd);
  return csv;
}

/** How an interrupted CLI ended, and how long after the SIGINT. */
interface Interrupted extends Finished {
  readonly seconds: number;
}

/**
 * `moe-lab ARGS` in `cwd`, sent SIGINT `delayMs` after `ready(child)` first holds (polled every 5 ms; `what` names
 * the moment in a timeout): what every test here does, at its own moment.
 */
async function interruptWhen(
  args: string[],
  cwd: string,
  ready: (child: ChildProcess, output: Output) => boolean,
  { what, delayMs = 0, timeoutMs = 60_000 }: { what: string; delayMs?: number; timeoutMs?: number },
): Promise<Interrupted> {
  const { child, output, finished } = start(args, cwd);
  await waitFor(() => ready(child, output), what, timeoutMs);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const sentAt = performance.now();
  child.kill('SIGINT');
  const result = await finished;
  return { ...result, seconds: (result.exitedAt - sentAt) / 1000 };
}

/** SIGINT while `csv` is being read (the CLI holds it open). */
function interruptDuringLoad(args: string[], cwd: string, csv: string): Promise<Interrupted> {
  return interruptWhen(args, cwd, (child) => holdsOpen(child.pid!, csv), { what: 'the CLI to open the CSV' });
}

/**
 * SIGINT `delayMs` after the `loads`-th read of `csv` ended (each run, K or combination reads it): with a random
 * start the iterations begin at once, so the signal lands inside one.
 */
function interruptMidIteration(args: string[], cwd: string, csv: string, { loads = 1, delayMs = 1000 } = {}): Promise<Interrupted> {
  let seen = 0;
  let open = false;
  return interruptWhen(args, cwd, (child) => {
    const now = holdsOpen(child.pid!, csv);
    if (now && !open) seen++;
    open = now;
    return seen === loads && !open;
  }, { what: `read ${loads} of the CSV to end`, delayMs, timeoutMs: 120_000 });
}

test('Ctrl-C during the iterations: exit 130, one JSON document with cancelled: true, the run kept on disk', async () => {
  const dir = tempDir();
  const csv = synthesize(dir);
  const out = path.join(dir, 'results');
  // Tolerances of 0 and a huge iteration cap: the run goes on until it is interrupted. A random start is immediate,
  // so the interrupt lands in the iterations (one during a start ends the run with the restarts before it).
  // The run folder exists (as .partial) once the data is loaded and the run has started.
  const result = await interruptWhen(['fit', csv, '--target', 'y', '--solvers', 'em,gd', '--init', 'random', '--max-iter', '100000000', '--tol', '0', '--grad-tol', '1e-300', '--out', out, '--json'], dir,
    () => existsSync(out) && readdirSync(out).length > 0, { what: 'the run folder', delayMs: 300 });
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C (stderr: ${result.stderr})`);
  const document = JSON.parse(result.stdout);
  assert.equal(document.cancelled, true);
  assert.ok(document.results.length >= 2, 'both solvers report what they computed');
  for (const run of document.results) assert.equal(run.stopReason, 'cancelled');
  const summary = JSON.parse(readFileSync(path.join(document.resultsDir, 'summary.json'), 'utf8'));
  assert.equal(summary.cancelled, true);
  assert.equal(summary.complete, false);
  // A complete cancelled folder: every solver's trace, the spec, the CSV of traces; nothing left .partial.
  for (const solver of ['em', 'gd']) assert.ok(existsSync(path.join(document.resultsDir, 'traces', `${solver}-r0.json`)), `${solver}-r0.json`);
  for (const file of ['spec.json', 'traces.csv']) assert.ok(existsSync(path.join(document.resultsDir, file)), file);
  assert.deepEqual(readdirSync(out).filter((name) => name.endsWith('.partial')), []);
});

test('Ctrl-C during the load of a large CSV: exit 130 at once, a parseable document, no run', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('needs /proc to see that the CSV is being read');
  const dir = tempDir();
  const csv = largeCsv(dir);
  const result = await interruptDuringLoad(['fit', csv, '--target', 'y', '--solvers', 'em', '--json'], dir, csv);
  const { seconds } = result;
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C during the load (stderr: ${result.stderr})`);
  const document = JSON.parse(result.stdout);
  assert.equal(document.cancelled, true);
  assert.deepEqual(document.results, [], 'nothing was fitted');
  // The reader stops within one 1 MiB chunk (about 10 ms); the bound leaves room for a loaded machine.
  assert.ok(seconds < 1.5, `exited ${seconds.toFixed(2)} s after SIGINT`);
});

test('select-k: Ctrl-C during the load of a large CSV exits 130 at once with a parseable document', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('needs /proc to see that the CSV is being read');
  const dir = tempDir();
  const csv = largeCsv(dir);
  const result = await interruptDuringLoad(['select-k', csv, '--target', 'y', '--k', '1..3', '--json'], dir, csv);
  const { seconds } = result;
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C during the load (stderr: ${result.stderr})`);
  const document = JSON.parse(result.stdout);
  assert.equal(document.cancelled, true);
  assert.deepEqual(document.candidates, [], 'nothing was fitted');
  // Without the signal the whole 60 MB load (seconds) ran first; the bound leaves room for a loaded machine.
  assert.ok(seconds < 1.5, `exited ${seconds.toFixed(2)} s after SIGINT`);
});

test('select-k: Ctrl-C inside an iteration of a later K exits 130 at once and compares the Ks fitted so far', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('needs /proc to see when each K loads the CSV');
  const dir = tempDir();
  const csv = largeCsv(dir);
  // Each K loads the CSV, then fits: K = 1 (a regression: fast) is compared; K = 3's EM iterations on 2 million rows
  // take seconds each, which Ctrl-C must not wait for. 40 of them, and the signal 3 s after K = 3's load: on a loaded
  // machine the work between the load and the first iteration took more than a second, and with 3 iterations and
  // a 1 s wait the signal landed before them.
  const result = await interruptMidIteration(['select-k', csv, '--target', 'y', '--k', '1,3', '--init', 'random', '--restarts', '1', '--max-iter', '40', '--tol', '0', '--json'], dir, csv, { loads: 2, delayMs: 3000 });
  const { seconds } = result;
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C (stderr: ${result.stderr})`);
  const document = JSON.parse(result.stdout);
  assert.equal(document.cancelled, true);
  assert.deepEqual(
    document.candidates.map((c: { K: number; status: string }) => [c.K, c.status]),
    [
      [1, 'notConverged'],
      [3, 'cancelled'],
    ],
    'K = 1 was fitted (to its 40 iterations) and is compared; K = 3 was cut',
  );
  assert.ok(document.candidates[0].restarts === 1 && document.candidates[0].stops.maxIterations === 1);
  t.diagnostic(`select-k exited ${(seconds * 1000).toFixed(0)} ms after SIGINT`);
  // Without the worker, the interrupt waited for the iteration under way (seconds); the bound leaves room for a
  // loaded machine.
  assert.ok(seconds < 0.75, `exited ${seconds.toFixed(2)} s after SIGINT`);
});

test('reproduce: Ctrl-C inside a Fashion-MNIST EM iteration exits 130 at once and writes what finished', async (t) => {
  if (!existsSync('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz')) return t.skip('needs Debian’s dataset-fashion-mnist');
  const dir = tempDir();
  const out = path.join(dir, 'reproduction');
  // 5 000 training rows: an EM iteration (a softmax gate over 784 pixels, solved by Newton steps) takes seconds.
  const result = await interruptWhen(['reproduce', '--only', 'fmnist', '--fmnist-instances', '1', '--fmnist-train-rows', '5000', '--no-charts', '--out', out], dir,
    (_child, output) => /EM iteration \d+/.test(output.stderr), { what: 'the first EM iteration', delayMs: 500, timeoutMs: 180_000 });
  const { seconds } = result;
  t.diagnostic(`reproduce exited ${(seconds * 1000).toFixed(0)} ms after SIGINT`);
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C (stderr: ${result.stderr})`);
  assert.match(result.stdout, /^reproduction cancelled in /);
  const written = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.equal(written.cancelled, true);
  assert.equal(written.cancelledDuring, 'fmnist');
  assert.ok(existsSync(path.join(out, 'report.md')));
  // On the main thread the interrupt waited for the iteration under way (seconds); the bound leaves room for a
  // loaded machine.
  assert.ok(seconds < 1.0, `exited ${seconds.toFixed(2)} s after SIGINT`);
});

test('run with a sweep: Ctrl-C inside an iteration of a combination exits 130 at once, that run kept and cancelled, no other started', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('needs /proc to see when the combination has loaded the CSV');
  const dir = tempDir();
  const csv = largeCsv(dir);
  const specFile = path.join(dir, 'sweep.moe.json');
  // 2 million rows: an EM iteration takes seconds, which Ctrl-C must not wait for (on the main thread it did).
  writeFileSync(specFile, JSON.stringify({
    name: 'interrupted sweep',
    data: { csv: 'large.csv', target: 'y' },
    model: { experts: 2 },
    solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false } },
    stopping: { maxIterations: 100000000, tolerance: 0 },
    init: { strategy: 'random', restarts: 1 },
    resultsDir: 'results',
    sweep: { 'model.experts': [2, 3] },
  }));
  const result = await interruptMidIteration(['run', specFile, '--json'], dir, csv);
  t.diagnostic(`run (sweep) exited ${(result.seconds * 1000).toFixed(0)} ms after SIGINT`);
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C (stderr: ${result.stderr})`);
  const document = JSON.parse(result.stdout);
  assert.equal(document.cancelled, true);
  assert.equal(document.status, 'cancelled');
  assert.deepEqual(document.combinations.map((c: { status: string }) => c.status), ['cancelled', 'pending'], 'the running combination was cut, the next not started');
  // The cut combination's run folder is complete and says so; nothing is left .partial.
  const summary = JSON.parse(readFileSync(path.join(document.resultsDir, document.combinations[0].runId, 'summary.json'), 'utf8'));
  assert.equal(summary.cancelled, true);
  assert.deepEqual(readdirSync(path.join(dir, 'results')).filter((name) => name.endsWith('.partial')), []);
  // On the main thread the interrupt waited for the iteration under way (seconds); the bound leaves room for a
  // loaded machine.
  assert.ok(result.seconds < 0.75, `exited ${result.seconds.toFixed(2)} s after SIGINT`);
});

test('run with a sweep: Ctrl-C during a combination\'s load exits 130 at once with a parseable document', async (t) => {
  if (!existsSync('/proc/self/fd')) return t.skip('needs /proc to see that the CSV is being read');
  const dir = tempDir();
  const csv = largeCsv(dir);
  const specFile = path.join(dir, 'sweep.moe.json');
  writeFileSync(specFile, JSON.stringify({ name: 'sweep cut in its load', data: { csv: 'large.csv', target: 'y' }, resultsDir: 'results', sweep: { 'model.experts': [1, 2] } }));
  const result = await interruptDuringLoad(['run', specFile, '--json'], dir, csv);
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C during the load (stderr: ${result.stderr})`);
  const document = JSON.parse(result.stdout);
  assert.equal(document.cancelled, true);
  assert.deepEqual(document.combinations.map((c: { status: string }) => c.status), ['cancelled', 'pending']);
  assert.ok(result.seconds < 1.5, `exited ${result.seconds.toFixed(2)} s after SIGINT`);
});
