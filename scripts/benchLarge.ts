/**
 * `npm run bench:large [-- FILE.csv] [-- --trials N]`: the CLI on a large CSV (issue 15, items 5 and 6), as a user
 * runs it (the built `bin/moe-lab.js` in a child process):
 *  1. peak memory of `moe-lab fit` (3 EM iterations), as the kernel's high-water mark of the whole process (VmHWM,
 *     polled from /proc), against the bytes of the numbers in the file (rows × columns × 8);
 *  2. SIGINT → exit: Ctrl-C at random moments while the CSV is read and while the solvers iterate (random starts,
 *     so the iterations begin at once), median and worst per phase, and the exit codes;
 *  3. the same inside the iterations of `moe-lab run` on a spec with a sweep (model.experts 2 and 3 on that CSV).
 * Without FILE.csv it generates bench-data/large-1400000.csv (1.4e6 rows × 10 features + y, about 300 MB) with
 * `moe-lab synth` once. Run `npm run build` first. Figures only; nothing is asserted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');
const args = process.argv.slice(2);
const trialsAt = args.indexOf('--trials');
const trials = trialsAt >= 0 ? Number(args[trialsAt + 1]) : 6;
const csv = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--trials') ?? defaultCsv();

function defaultCsv(): string {
  const rows = 1_400_000;
  const file = path.join(ROOT, 'bench-data', `large-${rows}.csv`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    console.log(`generating ${file} …`);
    const made = spawnSync(process.execPath, [BIN, 'synth', '--kind', 'linear', '--experts', '3', '--dim', '10', '--samples', String(rows), '--snr', '4', '--seed', '1', '--out', file], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error('moe-lab synth failed');
  }
  return file;
}

/** Rows × columns of the CSV, counted from its bytes (header excluded). */
function numberBytes(file: string): { rows: number; columns: number; bytes: number } {
  const text = readFileSync(file, 'latin1');
  const header = text.slice(0, text.indexOf('\n'));
  let rows = 0;
  for (let i = header.length + 1; i < text.length; i++) if (text.charCodeAt(i) === 10) rows++;
  const columns = header.split(',').length;
  return { rows, columns, bytes: rows * columns * 8 };
}

function vmHwmMb(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Trial {
  readonly code: number | null;
  readonly seconds?: number;
  readonly peakMb?: number;
  readonly wallSeconds: number;
}

/**
 * One `moe-lab fit`; `interruptWhen` (polled every 5 ms) says when to send SIGINT. The peak is the last VmHWM read
 * (it only grows), polled every 20 ms until the process exits.
 */
async function fit(extra: string[], interruptWhen?: (pid: number, out: string, startedAt: number) => boolean): Promise<Trial> {
  return cli((out) => ['fit', csv, '--target', 'y', '--solvers', 'em', '--init', 'random', '--tol', '0', '--out', out, '--json', ...extra], interruptWhen);
}

/** `moe-lab ARGS(out)` with a fresh results folder `out`, as `fit` describes. */
async function cli(argsFor: (out: string) => string[], interruptWhen?: (pid: number, out: string, startedAt: number) => boolean): Promise<Trial> {
  const out = mkdtempSync(path.join(tmpdir(), 'moe-bench-large-'));
  const startedAt = performance.now();
  const child = spawn(process.execPath, [BIN, ...argsFor(out)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let peakMb: number | undefined;
  let sentAt: number | undefined;
  let exitedAt = 0;
  const closed = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    exitedAt = performance.now();
    resolve(code);
  }));
  let done = false;
  void closed.then(() => (done = true));
  while (!done) {
    peakMb = vmHwmMb(child.pid!) ?? peakMb;
    if (sentAt === undefined && interruptWhen?.(child.pid!, out, startedAt)) {
      sentAt = performance.now();
      child.kill('SIGINT');
    }
    await sleep(sentAt === undefined && interruptWhen ? 5 : 20);
  }
  const code = await closed;
  rmSync(out, { recursive: true, force: true });
  if (code !== 0 && code !== 130) console.log(`  exit ${code}: ${stderr.trim()}`);
  return { code, peakMb, wallSeconds: (exitedAt - startedAt) / 1000, ...(sentAt !== undefined ? { seconds: (exitedAt - sentAt) / 1000 } : {}) };
}

function summarize(label: string, runs: Trial[]): void {
  const seconds = runs.map((r) => r.seconds ?? Number.NaN).sort((a, b) => a - b);
  const median = seconds[Math.floor((seconds.length - 1) / 2)];
  console.log(`  ${label}: SIGINT → exit median ${median.toFixed(3)} s, worst ${seconds[seconds.length - 1].toFixed(3)} s over ${runs.length}; exit codes ${[...new Set(runs.map((r) => r.code))].join(', ')}`);
}

async function main(): Promise<void> {
  const numbers = numberBytes(csv);
  const numbersMb = numbers.bytes / 2 ** 20;
  console.log(`${csv}: ${numbers.rows} rows × ${numbers.columns} columns = ${numbersMb.toFixed(1)} MiB of numbers`);
  const full = await fit(['--max-iter', '3']);
  console.log(`1. fit, 3 EM iterations: exit ${full.code}, ${full.wallSeconds.toFixed(1)} s; peak RSS ${full.peakMb?.toFixed(0)} MiB = ${((full.peakMb ?? 0) / numbersMb).toFixed(2)} × the numbers`);
  console.log('2. Ctrl-C');
  const loadRuns: Trial[] = [];
  for (let t = 0; t < trials; t++) {
    // While the CSV is open: a random delay into the read (the read of 300 MB takes seconds).
    const delay = Math.random() * Math.min(2000, 0.5 * full.wallSeconds * 1000);
    let openedAt: number | undefined;
    loadRuns.push(await fit(['--max-iter', '100000000'], (pid) => {
      if (openedAt === undefined && holdsOpen(pid, csv)) openedAt = performance.now();
      return openedAt !== undefined && performance.now() - openedAt >= delay;
    }));
  }
  summarize('during the load', loadRuns);
  const fitRuns: Trial[] = [];
  for (let t = 0; t < trials; t++) {
    // Once the run folder exists the iterations have begun (random start); a random delay lands anywhere in one.
    const delay = Math.random() * 3000;
    let startedAt: number | undefined;
    fitRuns.push(await fit(['--max-iter', '100000000'], (_pid, out) => {
      if (startedAt === undefined && readdirSync(out).length > 0) startedAt = performance.now();
      return startedAt !== undefined && performance.now() - startedAt >= delay;
    }));
  }
  summarize('during the iterations', fitRuns);
  const sweepRuns: Trial[] = [];
  for (let t = 0; t < trials; t++) {
    // A combination's run folder appears inside the sweep's folder once its data is loaded and its iterations begin.
    const delay = Math.random() * 3000;
    let startedAt: number | undefined;
    sweepRuns.push(await cli((out) => ['run', sweepSpec(out), '--out', out, '--json'], (_pid, out) => {
      if (startedAt === undefined && runFolderStarted(out)) startedAt = performance.now();
      return startedAt !== undefined && performance.now() - startedAt >= delay;
    }));
  }
  summarize('during the iterations of a sweep (run on a spec with model.experts 2, 3)', sweepRuns);
}

/** A sweep spec over the CSV, written into the results folder `out` (removed with it). */
function sweepSpec(out: string): string {
  const file = path.join(out, 'sweep.moe.json');
  writeFileSync(file, JSON.stringify({
    name: 'bench-large-sweep',
    data: { csv, target: 'y' },
    solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false } },
    stopping: { maxIterations: 100000000, tolerance: 0 },
    init: { strategy: 'random', restarts: 1 },
    sweep: { 'model.experts': [2, 3] },
  }));
  return file;
}

/** Whether a combination's run folder exists inside the sweep folder under `out`. */
function runFolderStarted(out: string): boolean {
  return readdirSync(out).some((sweep) => {
    try {
      return readdirSync(path.join(out, sweep)).some((entry) => entry !== 'sweep.json' && !entry.endsWith('.tmp'));
    } catch {
      return false;
    }
  });
}

void main();
