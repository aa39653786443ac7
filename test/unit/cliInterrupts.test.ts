/**
 * Ctrl-C on the `moe-lab` CLI (issue 15, item 5), as a user meets it: the built CLI (`node bin/moe-lab.js …`, built
 * by `npm run build`) in a child process that is sent a real SIGINT. An interrupted run exits 130, prints one
 * parseable JSON document with `cancelled: true`, and keeps its results; a SIGINT during a long CSV load is
 * honoured at once, not after the load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync, closeSync } from 'node:fs';
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

function start(args: string[], cwd: string): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, exitedAt: performance.now() }));
  });
  return { child, finished };
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

test('Ctrl-C during the iterations: exit 130, one JSON document with cancelled: true, the run kept on disk', async () => {
  const dir = tempDir();
  const csv = synthesize(dir);
  const out = path.join(dir, 'results');
  // Tolerances of 0 and a huge iteration cap: the run goes on until it is interrupted. A random start is immediate,
  // so the interrupt lands in the iterations (one during a start ends the run with the restarts before it).
  const { child, finished } = start(['fit', csv, '--target', 'y', '--solvers', 'em,gd', '--init', 'random', '--max-iter', '100000000', '--tol', '0', '--grad-tol', '1e-300', '--out', out, '--json'], dir);
  // The run folder exists (as .partial) once the data is loaded and the run has started.
  await waitFor(() => existsSync(out) && readdirSync(out).length > 0, 'the run folder');
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGINT');
  const result = await finished;
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
  const { child, finished } = start(['fit', csv, '--target', 'y', '--solvers', 'em', '--json'], dir);
  await waitFor(() => holdsOpen(child.pid!, csv), 'the CLI to open the CSV');
  const sentAt = performance.now();
  child.kill('SIGINT');
  const result = await finished;
  const seconds = (result.exitedAt - sentAt) / 1000;
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
  const { child, finished } = start(['select-k', csv, '--target', 'y', '--k', '1..3', '--json'], dir);
  await waitFor(() => holdsOpen(child.pid!, csv), 'select-k to open the CSV');
  const sentAt = performance.now();
  child.kill('SIGINT');
  const result = await finished;
  const seconds = (result.exitedAt - sentAt) / 1000;
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
  // take seconds each, which Ctrl-C must not wait for. A random start is immediate, so the interrupt lands in them.
  const { child, finished } = start(['select-k', csv, '--target', 'y', '--k', '1,3', '--init', 'random', '--restarts', '1', '--max-iter', '3', '--tol', '0', '--json'], dir);
  let loads = 0;
  let open = false;
  await waitFor(() => {
    const now = holdsOpen(child.pid!, csv);
    if (now && !open) loads++;
    open = now;
    return loads === 2 && !open;
  }, 'the second K to load the CSV', 120_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const sentAt = performance.now();
  child.kill('SIGINT');
  const result = await finished;
  const seconds = (result.exitedAt - sentAt) / 1000;
  assert.equal(result.code, INTERRUPTED, `exit code after Ctrl-C (stderr: ${result.stderr})`);
  const document = JSON.parse(result.stdout);
  assert.equal(document.cancelled, true);
  assert.deepEqual(
    document.candidates.map((c: { K: number; status: string }) => [c.K, c.status]),
    [
      [1, 'notConverged'],
      [3, 'cancelled'],
    ],
    'K = 1 was fitted (to its 3 iterations) and is compared; K = 3 was cut',
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
  const { child, finished } = start(['reproduce', '--only', 'fmnist', '--fmnist-instances', '1', '--fmnist-train-rows', '5000', '--no-charts', '--out', out], dir);
  let stderr = '';
  child.stderr!.on('data', (text: string) => (stderr += text));
  await waitFor(() => /EM iteration \d+/.test(stderr), 'the first EM iteration', 180_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sentAt = performance.now();
  child.kill('SIGINT');
  const result = await finished;
  const seconds = (result.exitedAt - sentAt) / 1000;
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
