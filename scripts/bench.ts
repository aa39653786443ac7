/**
 * `npm run bench`: prints speed and memory figures (never asserted by tests).
 *  1. ms per iteration of EM, GD and Adam and µs per row, for n = 1e3, 1e4, 1e5 (d = 10, K = 2 and 4,
 *     gaussian experts), timed as the solvers' own compute clock (update + the evaluation it needs);
 *  2. CSV read throughput (MB/s) and peak memory on a generated 1e6-row file, in a child process of its own;
 *  3. what the durable results folder costs: a run folder of 3 solvers × 50 restarts written with its syncs, beside
 *     the same files written and renamed without them;
 *  4. accelerated EM (SQUAREM, DAAREM) against EM: EM-map evaluations and seconds to tolerance (benchAccel.ts);
 *  5. EM's M-steps beside the gradient solvers, per problem: passes and seconds per iteration, iterations and seconds
 *     to tolerance (scripts/benchMStep.ts).
 * Then the panel's cost per live update in Chromium (scripts/benchPanel.mjs).
 * `BENCH_QUICK=1` uses smaller sizes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, promises as fsp, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { datasetFromArrays } from '../src/core/data/select';
import { initialParameters } from '../src/core/init';
import { ParamLayout } from '../src/core/model/layout';
import { createAdam } from '../src/core/solvers/adam';
import { createEm } from '../src/core/solvers/em';
import { createGd } from '../src/core/solvers/gd';
import { SolverRun } from '../src/core/solvers/solverRun';
import { generateSynthetic, syntheticCsv } from '../src/core/synth/generate';
import { ResultsWriter, type RunSummary } from '../src/core/runner/results';
import { benchAcceleration } from './benchAccel';
import type { SolverResult } from '../src/core/runner/types';
import { benchMStep } from './benchMStep';

const quick = process.env.BENCH_QUICK === '1';
const ROOT = path.resolve(__dirname, '..');

function solverTimings(): void {
  console.log('Solver cost per iteration (gaussian experts, d = 10; compute clock of the solver: update + evaluation)');
  console.log(['n', 'K', 'solver', 'iterations', 'ms/iter', 'µs/row'].map((h) => h.padStart(10)).join(''));
  const sizes = quick ? [1e3, 1e4] : [1e3, 1e4, 1e5];
  for (const K of [2, 4]) {
    for (const n of sizes) {
      const generated = generateSynthetic({ kind: 'linear', experts: K, dim: 10, samples: n, snr: 4, seed: 1 });
      const { train } = datasetFromArrays(generated.X, generated.y, { features: generated.truth.features, target: 'y' }, { standardize: true });
      const layout = new ParamLayout({ family: 'gaussian', K, p: train.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
      const theta0 = initialParameters(layout, train, { strategy: 'random', seed: 0, perturbation: 0 });
      const iterations = n >= 1e5 ? 5 : n >= 1e4 ? 10 : 30;
      for (const algorithm of [createEm(), createGd(0.1), createAdam(0.01)]) {
        const run = new SolverRun(algorithm, { layout, train, theta0, stopping: { maxIterations: iterations, tolerance: 0, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
        const initialSeconds = run.elapsedSeconds; // the starting evaluation is not an iteration
        while (!run.finished) run.step();
        const done = run.lastReport.iteration;
        const ms = ((run.elapsedSeconds - initialSeconds) / done) * 1000;
        console.log([n, K, algorithm.name, done, ms.toFixed(2), ((ms * 1000) / n).toFixed(3)].map((v) => String(v).padStart(10)).join(''));
      }
    }
  }
}

function csvThroughput(): void {
  const rows = quick ? 1e5 : 1e6;
  const dir = path.join(ROOT, 'bench-data');
  const file = path.join(dir, `linear-${rows}.csv`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const generated = generateSynthetic({ kind: 'linear', experts: 2, dim: 10, samples: rows, snr: 4, seed: 1 });
    writeFileSync(file, syntheticCsv(generated));
  }
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'benchCsvRead.ts'), file], { encoding: 'utf8', cwd: ROOT });
  if (child.status !== 0) throw new Error(child.stderr);
  const result = JSON.parse(child.stdout) as { seconds: number; cpuSeconds: number; maxRssMb: number; numbersMb: number };
  const megabytes = statSync(file).size / 1e6;
  console.log(`\nCSV read: ${rows} rows × 11 columns, ${megabytes.toFixed(1)} MB in ${result.seconds.toFixed(2)} s = ${(megabytes / result.seconds).toFixed(1)} MB/s ` +
    `(CPU ${result.cpuSeconds.toFixed(2)} s = ${(megabytes / result.cpuSeconds).toFixed(1)} MB/s); ` +
    `peak RSS ${result.maxRssMb.toFixed(0)} MB for ${result.numbersMb.toFixed(0)} MB of numbers`);
}

/** Issue "robustness and scale": rows/s and peak memory reading and fitting n × 20 CSVs, n = 1e4 … 1e6. */
function scale(): void {
  console.log('\nScale: read + 5 EM iterations (K = 2 gaussian experts, 20 features), one child process per n');
  console.log(['n', 'MB', 'read rows/s', 'EM rows/s', 'peak MB', 'MB/1e6 rows'].map((h) => h.padStart(13)).join(''));
  const sizes = quick ? [1e4, 1e5] : [1e4, 1e5, 1e6];
  for (const rows of sizes) {
    const file = path.join(ROOT, 'bench-data', `scale-${rows}.csv`);
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true });
      const generated = generateSynthetic({ kind: 'linear', experts: 2, dim: 20, samples: rows, snr: 4, seed: 2 });
      writeFileSync(file, syntheticCsv(generated));
    }
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'benchScale.ts'), file], { encoding: 'utf8', cwd: ROOT });
    if (child.status !== 0) throw new Error(child.stderr);
    const r = JSON.parse(child.stdout) as { rows: number; readSeconds: number; fitSeconds: number; iterations: number; maxRssMb: number };
    const cells = [
      rows,
      (statSync(file).size / 1e6).toFixed(0),
      (rows / r.readSeconds).toFixed(0),
      ((rows * r.iterations) / r.fitSeconds).toFixed(0),
      r.maxRssMb.toFixed(0),
      ((r.maxRssMb / rows) * 1e6).toFixed(0),
    ];
    console.log(cells.map((c) => String(c).padStart(13)).join(''));
  }
}

/** Issue 15, item 7: the syncs of a run with many restarts (each trace is written twice: as it ends, and at finish). */
async function durability(): Promise<void> {
  const root = path.join(ROOT, 'bench-data', 'durability');
  rmSync(root, { recursive: true, force: true });
  const trace = Array.from({ length: 100 }, (_, iteration) => ({ iteration, logLik: -1 / (iteration + 1), objective: 1 / (iteration + 1) }));
  const results = ['em', 'gd', 'adam'].flatMap((solver) => Array.from({ length: 50 }, (_, restart) => ({ solver, restart, trace }) as unknown as SolverResult));
  let syncs = 0;
  const synced = Date.now();
  const writer = await ResultsWriter.create(root, 'synced', { onSync: () => syncs++ });
  for (const result of results) await writer.writeSolverResult(result);
  await writer.finish({ runId: writer.runId } as unknown as RunSummary, results);
  const syncedMs = Date.now() - synced;
  const plain = Date.now();
  const dir = path.join(root, 'plain');
  mkdirSync(path.join(dir, 'traces'), { recursive: true });
  for (const pass of [1, 2]) {
    for (const result of results) {
      const file = path.join(dir, 'traces', `${result.solver}-r${result.restart}.json`);
      await fsp.writeFile(`${file}.${pass}.tmp`, JSON.stringify(result, null, 2));
      await fsp.rename(`${file}.${pass}.tmp`, file);
    }
  }
  const plainMs = Date.now() - plain;
  rmSync(root, { recursive: true, force: true });
  console.log(`\nResults folder of ${results.length} traces: ${syncedMs} ms with ${syncs} syncs, ${plainMs} ms for the same trace writes without them ` +
    `(${((syncedMs - plainMs) / Math.max(1, syncs)).toFixed(2)} ms per sync on ${ROOT})`);
}

async function main(): Promise<void> {
  solverTimings();
  csvThroughput();
  scale();
  await durability();
  benchAcceleration();
  benchMStep();
  console.log(`\nPeak RSS of the solver benchmark process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  if (!quick) spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'benchWide.ts')], { stdio: 'inherit', cwd: ROOT }); // wide data: docs/wide-data.md
  spawnSync(process.execPath, [path.join(__dirname, 'benchPanel.mjs')], { stdio: 'inherit', cwd: ROOT, env: { ...process.env, ...(quick ? { BENCH_PANEL_ITERATIONS: '500' } : {}) } }); // the panel's cost per live update: docs/panel.md
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
