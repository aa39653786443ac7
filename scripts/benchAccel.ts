/**
 * Accelerated EM against plain EM (called by `npm run bench`; alone: `node --import tsx scripts/benchAccel.ts`).
 * For each problem and solver (EM, EM + SQUAREM, EM + DAAREM), from the same starts, medians over repeats of:
 * EM-map evaluations per iteration of the solver loop, seconds per map evaluation, map evaluations and seconds to
 * tolerance, and the final ℓ against the best of the three. "To tolerance": (ℓ̂ − ℓᵗ)/n ≤ 1e-10, ℓ̂ the best
 * final ℓ of the three solvers on that instance (each runs until its own stopping rule with a tolerance of 1e-14).
 * Fashion-MNIST (a subset: EM's map costs seconds there) has no tolerance within reach: it reports how many map
 * evaluations and seconds each accelerator needs to reach plain EM's ℓ after its budget of iterations.
 * `BENCH_QUICK=1`: fewer repeats and rows. `BENCH_FMNIST_ROWS=N` sets the Fashion-MNIST subset (0 skips it).
 */
import { findFmnistSource, inversionMask, readFmnistSplit, FMNIST_CLASSES, FMNIST_PIXELS } from '../src/core/data/fmnist';
import type { Dataset } from '../src/core/data/dataset';
import { initialParameters } from '../src/core/init';
import { ParamLayout } from '../src/core/model/layout';
import { fmnistDataset } from '../src/core/reproduce/fmnist';
import { syntheticInstance } from '../src/core/reproduce/common';
import type { SolverResult } from '../src/core/runner/types';
import { createAcceleratedEm } from '../src/core/solvers/acceleration';
import type { SolverAlgorithm } from '../src/core/solvers/algorithm';
import { createEm } from '../src/core/solvers/em';
import { emUpdate } from '../src/core/solvers/mstep';
import { solverLabel } from '../src/core/solvers/labels';
import { SolverRun } from '../src/core/solvers/solverRun';
import type { StoppingSpec } from '../src/core/spec/types';

/** The solvers compared: the three of the spec, and SQUAREM without its stabilizing EM step (2 maps per cycle). */
const VARIANTS: readonly { readonly label: string; make(): SolverAlgorithm }[] = [
  { label: solverLabel('em'), make: () => createEm() },
  { label: solverLabel('em', undefined, 'squarem'), make: () => createEm({ acceleration: 'squarem' }) },
  { label: `${solverLabel('em', undefined, 'squarem')}, no stab.`, make: () => createAcceleratedEm('squarem', emUpdate, { squarem: { stabilize: false } }) },
  { label: solverLabel('em', undefined, 'daarem'), make: () => createEm({ acceleration: 'daarem' }) },
];

const quick = process.env.BENCH_QUICK === '1';
const TOLERANCE_PER_ROW = 1e-10;

interface Instance {
  readonly layout: ParamLayout;
  readonly train: Dataset;
  readonly theta0: Float64Array;
}

interface Problem {
  readonly name: string;
  readonly repeats: number;
  readonly stopping: StoppingSpec;
  make(repeat: number): Instance;
}

interface Row {
  readonly mapsPerIteration: number;
  readonly msPerMap: number;
  readonly mapsToTolerance: number;
  readonly secondsToTolerance: number;
  /** (ℓ̂ − ℓ_final)/n: 0 for the best of the three. */
  readonly finalGap: number;
}

function symMoLinE(snr: number): Problem {
  // As the reproduction's SNR sweep: d = 5, n = 4000, σ = 1 known, a start near the truth (δ = 0.1).
  return {
    name: `SymMoLinE SNR ${snr} (n = 4000, d = 5, near-truth start)`,
    repeats: quick ? 3 : 7,
    stopping: { maxIterations: 3000, tolerance: 1e-14, gradientTolerance: 1e-9, timeBudgetSeconds: 0 },
    make(repeat) {
      const seed = 5000 + Math.round(snr * 100) * 10 + repeat;
      const data = syntheticInstance({ kind: 'linear', experts: 2, dim: 5, samples: 4000, snr, seed, symmetric: true });
      const layout = new ParamLayout({ family: 'gaussian', K: 2, p: data.train.p, C: 0, gate: 'softmax', symmetric: true, fixedSigma: 1, ridge: 0 });
      const theta0 = initialParameters(layout, data.train, { strategy: 'nearTruth', seed: seed + 77, truth: data.truth, perturbation: 0.1 });
      return { layout, train: data.train, theta0 };
    },
  };
}

function softmaxGatedLinear(): Problem {
  const n = quick ? 5000 : 20_000;
  return {
    name: `softmax-gated linear MoE (n = ${n}, d = 5, K = 2, σ_k estimated, k-means start)`,
    repeats: quick ? 2 : 5,
    stopping: { maxIterations: 3000, tolerance: 1e-14, gradientTolerance: 1e-9, timeBudgetSeconds: 0 },
    make(repeat) {
      const data = syntheticInstance({ kind: 'linear', experts: 2, dim: 5, samples: n, snr: 2, seed: 7000 + repeat, symmetric: false });
      const layout = new ParamLayout({ family: 'gaussian', K: 2, p: data.train.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
      const theta0 = initialParameters(layout, data.train, { strategy: 'kmeans', seed: repeat, perturbation: 0 });
      return { layout, train: data.train, theta0 };
    },
  };
}

function run(instance: Instance, algorithm: SolverAlgorithm, stopping: StoppingSpec): SolverResult {
  const solver = new SolverRun(algorithm, { ...instance, stopping, restart: 0, errorThreshold: 0 });
  while (!solver.finished) solver.step();
  return solver.result();
}

/** The median; an instance that never reached the tolerance counts as +∞. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
}

function rowOf(result: SolverResult, best: number, n: number, firstSeconds: number): Row {
  const reached = result.trace.find((report) => (best - report.logLik) / n <= TOLERANCE_PER_ROW);
  const loopIterations = result.trace.length - 1;
  const spent = result.seconds - firstSeconds;
  return {
    mapsPerIteration: result.iterations / Math.max(1, loopIterations),
    msPerMap: (1000 * spent) / Math.max(1, result.iterations),
    mapsToTolerance: reached ? reached.iteration : Number.POSITIVE_INFINITY,
    secondsToTolerance: reached ? reached.seconds - firstSeconds : Number.POSITIVE_INFINITY,
    finalGap: (best - result.logLik) / n,
  };
}

const COLUMNS = ['solver', 'maps/iter', 'ms/map', 'maps to tol', 's to tol', 'speed-up (maps)', 'final gap/n'];

function printTable(problem: Problem, rows: Map<string, Row[]>): void {
  console.log(`\n${problem.name}: medians of ${problem.repeats} instances; tolerance (ℓ̂ − ℓ)/n ≤ ${TOLERANCE_PER_ROW}`);
  console.log(COLUMNS.map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(16))).join(''));
  const emMaps = median(rows.get(VARIANTS[0].label)!.map((r) => r.mapsToTolerance));
  for (const { label } of VARIANTS) {
    const all = rows.get(label)!;
    const maps = median(all.map((r) => r.mapsToTolerance));
    const cells = [
      label,
      median(all.map((r) => r.mapsPerIteration)).toFixed(2),
      median(all.map((r) => r.msPerMap)).toFixed(2),
      String(maps),
      median(all.map((r) => r.secondsToTolerance)).toFixed(3),
      `${(emMaps / maps).toFixed(2)}×`,
      Math.max(...all.map((r) => r.finalGap)).toExponential(1),
    ];
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(16))).join(''));
  }
}

function benchProblem(problem: Problem): void {
  const rows = new Map<string, Row[]>(VARIANTS.map((v) => [v.label, []]));
  for (let repeat = 0; repeat < problem.repeats; repeat++) {
    const instance = problem.make(repeat);
    const results = VARIANTS.map(({ label, make }) => {
      // The first evaluation (θ⁰) is not an iteration: subtract its seconds (the trace's first report).
      const result = run(instance, make(), problem.stopping);
      return { label, result, firstSeconds: result.trace[0].seconds };
    });
    const best = Math.max(...results.map((r) => r.result.logLik));
    for (const { label, result, firstSeconds } of results) rows.get(label)!.push(rowOf(result, best, instance.train.n, firstSeconds));
  }
  printTable(problem, rows);
}

/** Fashion-MNIST (Random-Invert), K = 2 softmax experts of 10 classes, ridge 1, as the reproduction; a row subset. */
function benchFmnist(): void {
  const rows = Number(process.env.BENCH_FMNIST_ROWS ?? (quick ? 0 : 1000));
  if (!(rows > 0)) return;
  let source: string;
  try {
    source = findFmnistSource();
  } catch {
    console.log('\nFashion-MNIST: not found (moe-lab data fmnist), skipped');
    return;
  }
  const images = readFmnistSplit(source, 'train', rows);
  const train = fmnistDataset(images, inversionMask(0, 'train', images.n, 0.5));
  const layout = new ParamLayout({ family: 'categorical', K: 2, p: FMNIST_PIXELS + 1, C: FMNIST_CLASSES.length, gate: 'softmax', symmetric: false, ridge: 1 });
  const theta0 = initialParameters(layout, train, { strategy: 'random', seed: 100, perturbation: 0 });
  const budget = 20;
  const stopping = { maxIterations: budget, tolerance: 0, timeBudgetSeconds: 0 };
  const results = VARIANTS.map(({ label, make }) => ({ label, result: run({ layout, train, theta0 }, make(), stopping) }));
  const target = results[0].result.logLik;
  console.log(`\nFashion-MNIST (Random-Invert, first ${train.n} training rows, K = 2, ridge 1, random start; ${layout.size} parameters): ` +
    `${budget} EM-map evaluations each; "to EM's ℓ" = first iterate with ℓ ≥ plain EM's ℓ after ${budget}`);
  console.log(['solver', 'ms/map', 'ℓ/n at budget', "maps to EM's ℓ", "s to EM's ℓ"].map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(18))).join(''));
  for (const { label, result } of results) {
    const first = result.trace[0].seconds;
    const reached = result.trace.find((report) => report.logLik >= target);
    const cells = [
      label,
      ((1000 * (result.seconds - first)) / result.iterations).toFixed(0),
      (result.logLik / train.n).toFixed(6),
      reached ? String(reached.iteration) : `> ${result.iterations}`,
      reached ? (reached.seconds - first).toFixed(1) : '—',
    ];
    console.log(cells.map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(18))).join(''));
  }
}

export function benchAcceleration(): void {
  console.log('\nAccelerated EM (iterations counted in EM-map evaluations; medians of repeats)');
  for (const problem of [symMoLinE(0.5), symMoLinE(2), softmaxGatedLinear()]) benchProblem(problem);
  benchFmnist();
}

if (require.main === module) benchAcceleration();
