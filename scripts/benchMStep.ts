/**
 * EM's cost per iteration and to tolerance beside the gradient solvers (issue 18, items 1, 5 and 6), for each problem:
 *   - SymMoLinE (symmetric 2-expert linear MoE, σ = 1 known, d = 10, n = 10 000) at SNR 0.5 and 2;
 *   - a softmax-gated linear MoE, K = 2, n = 20 000, d = 5;
 *   - Random-Invert Fashion-MNIST, K = 2 softmax experts, C = 10, 785 columns (a subsample by default:
 *     --fmnist-rows 60000 for the full training set), EM with Newton-CG, L-BFGS and budgeted M-steps (per
 *     iteration and per block: scripts/fmnistIterations.ts);
 *   - tall, narrow data: a linear MoE, K = 2, softmax gate, d = 20, 1e6 rows (--tall-rows N).
 * Per solver: passes over X per iteration (1 for the evaluation every solver makes, plus the M-step's own passes:
 * objective, gradient, Hessian–vector products, Hessian / normal-equation sums), seconds per iteration (the solver's
 * compute clock, and process CPU), and iterations and seconds to the stopping rule (tolerance 1e-8 on the change
 * of the objective and 1e-3 on its gradient per row). Short runs are repeated and the median printed.
 * The tall problem also prints where EM's CPU goes per iteration (E-step with ∇ℓ, M-step, the M-step's passes).
 * The machine is shared: CPU seconds are the steadier figure when it is loaded (load average printed).
 * Run alone: `node --import tsx scripts/benchMStep.ts [--only symmoline,linear,fmnist,tall] [--fmnist-rows N]
 * [--fmnist-iterations N] [--tall-rows N]`; `npm run bench` runs it (smaller sizes with BENCH_QUICK=1).
 */
import { loadavg } from 'node:os';
import type { Dataset } from '../src/core/data/dataset';
import { datasetFromArrays } from '../src/core/data/select';
import { findFmnistSource, inversionMask, readFmnistSplit } from '../src/core/data/fmnist';
import { initialParameters } from '../src/core/init';
import { ParamLayout } from '../src/core/model/layout';
import { fmnistDataset } from '../src/core/reproduce/fmnist';
import { syntheticInstance } from '../src/core/reproduce/common';
import { createAdam } from '../src/core/solvers/adam';
import type { SolverAlgorithm } from '../src/core/solvers/algorithm';
import { createEm } from '../src/core/solvers/em';
import { emUpdate } from '../src/core/solvers/mstep';
import { evaluate } from '../src/core/model/evaluate';
import { createGd } from '../src/core/solvers/gd';
import { createGradientEm } from '../src/core/solvers/gradientEm';
import { SolverRun } from '../src/core/solvers/solverRun';
import { generateSynthetic } from '../src/core/synth/generate';

const quick = process.env.BENCH_QUICK === '1';
const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : ['symmoline', 'linear', 'fmnist', 'tall'];
const FMNIST_ROWS = flag('fmnist-rows', quick ? 2000 : 10_000);
const FMNIST_ITERATIONS = flag('fmnist-iterations', 3);
const TALL_ROWS = flag('tall-rows', quick ? 1e5 : 1e6);

interface Problem {
  readonly name: string;
  readonly layout: ParamLayout;
  readonly train: Dataset;
  readonly theta0: Float64Array;
  readonly maxIterations: number;
  /** Runs per solver; the median is printed. */
  readonly repeats: number;
  readonly solvers: readonly SolverCase[];
}

interface SolverCase {
  readonly label: string;
  readonly make: () => SolverAlgorithm;
}

interface Measured {
  readonly iterations: number;
  readonly converged: boolean;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly passesPerIteration: number;
  readonly cappedMSteps: number;
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function measure(problem: Problem, solver: SolverCase): Measured {
  const run = new SolverRun(solver.make(), {
    layout: problem.layout,
    train: problem.train,
    theta0: problem.theta0,
    stopping: { maxIterations: problem.maxIterations, tolerance: 1e-8, timeBudgetSeconds: 0 },
    restart: 0,
    errorThreshold: 0,
  });
  const clock0 = run.elapsedSeconds;
  const cpu0 = cpuSeconds();
  let passes = 0;
  let capped = 0;
  while (!run.finished) {
    const report = run.step();
    if (!report) break;
    // Gradient EM's inner steps are one gradient pass each; EM's M-step counts its own passes.
    passes += 1 + (report.inner?.passes ?? (report.inner?.method === 'gradient' ? report.inner.iterations : 0));
    if ((report.inner?.cappedBlocks ?? 0) > 0) capped++;
  }
  const iterations = run.lastReport.iteration;
  return {
    iterations,
    converged: run.result().stopReason === 'converged',
    seconds: run.elapsedSeconds - clock0,
    cpuSeconds: cpuSeconds() - cpu0,
    passesPerIteration: passes / Math.max(iterations, 1),
    cappedMSteps: capped,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const WIDTHS = [34, 10, 10, 11, 8, 11, 11, 8];

function row(cells: (string | number)[]): string {
  return cells.map((cell, j) => (j === 0 ? String(cell).padEnd(WIDTHS[j]) : String(cell).padStart(WIDTHS[j]))).join('');
}

function benchProblem(problem: Problem): void {
  console.log(`\n${problem.name} (n = ${problem.train.n}, ${problem.train.p} columns; ${problem.repeats > 1 ? `median of ${problem.repeats} runs; ` : ''}at most ${problem.maxIterations} iterations; load ${loadavg()[0].toFixed(1)})`);
  console.log(row(['solver', 'passes/it', 's/iter', 'cpu s/iter', 'iters', 's to tol', 'cpu to tol', 'capped']));
  for (const solver of problem.solvers) {
    const runs = Array.from({ length: problem.repeats }, () => measure(problem, solver));
    const m = (pick: (r: Measured) => number) => median(runs.map(pick));
    const iterations = m((r) => r.iterations);
    const converged = runs.every((r) => r.converged);
    console.log(
      row([
        solver.label,
        m((r) => r.passesPerIteration).toFixed(1),
        m((r) => r.seconds / Math.max(r.iterations, 1)).toFixed(4),
        m((r) => r.cpuSeconds / Math.max(r.iterations, 1)).toFixed(4),
        converged ? iterations : `>${iterations}`,
        converged ? m((r) => r.seconds).toFixed(3) : '–',
        converged ? m((r) => r.cpuSeconds).toFixed(3) : '–',
        m((r) => r.cappedMSteps),
      ]),
    );
  }
}

function symmoline(snr: number): Problem {
  const { train } = syntheticInstance({ kind: 'linear', experts: 2, dim: 10, samples: quick ? 2000 : 10_000, snr, seed: 1000, symmetric: true });
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: train.p, C: 0, gate: 'softmax', symmetric: true, fixedSigma: 1, ridge: 0 });
  return {
    name: `SymMoLinE, SNR ${snr}`,
    layout,
    train,
    theta0: initialParameters(layout, train, { strategy: 'random', seed: 2000, perturbation: 0 }),
    maxIterations: 500,
    repeats: 5,
    solvers: [
      { label: 'EM (Newton gate, closed-form β)', make: () => createEm() },
      { label: 'Gradient EM (5 steps, η 1)', make: () => createGradientEm(1, 5) },
      { label: 'GD (η 1)', make: () => createGd(1) },
      { label: 'Adam (η 0.1)', make: () => createAdam(0.1) },
    ],
  };
}

function softmaxGatedLinear(): Problem {
  const generated = generateSynthetic({ kind: 'linear', experts: 2, dim: 5, samples: quick ? 5000 : 20_000, snr: 2, seed: 7 });
  const { train } = datasetFromArrays(generated.X, generated.y, { features: generated.truth.features, target: 'y' }, { standardize: true });
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: train.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  return {
    name: 'Softmax-gated linear MoE, K = 2, d = 5',
    layout,
    train,
    theta0: initialParameters(layout, train, { strategy: 'random', seed: 3, perturbation: 0 }),
    maxIterations: 500,
    repeats: 3,
    solvers: [
      { label: 'EM (Newton gate, closed-form experts)', make: () => createEm() },
      { label: 'Gradient EM (1 step, η 0.1)', make: () => createGradientEm(0.1, 1) },
      { label: 'GD (η 0.1)', make: () => createGd(0.1) },
      { label: 'Adam (η 0.01)', make: () => createAdam(0.01) },
    ],
  };
}

function fashionMnist(): Problem {
  const images = readFmnistSplit(findFmnistSource(), 'train', FMNIST_ROWS);
  const train = fmnistDataset(images, inversionMask(0, 'train', images.n, 0.5));
  const layout = new ParamLayout({ family: 'categorical', K: 2, p: train.p, C: 10, gate: 'softmax', symmetric: false, ridge: 0 });
  return {
    name: `Random-Invert Fashion-MNIST, K = 2, C = 10, ${images.n} training rows`,
    layout,
    train,
    theta0: initialParameters(layout, train, { strategy: 'random', seed: 0, perturbation: 0 }),
    maxIterations: FMNIST_ITERATIONS,
    repeats: 1,
    solvers: [
      { label: 'EM (Newton-CG M-steps, default)', make: () => createEm({ mStep: 'newton-cg' }) },
      { label: 'EM (L-BFGS M-steps, ≤ 100)', make: () => createEm({ mStep: 'lbfgs' }) },
      { label: 'EM (L-BFGS budget 5 + 5t)', make: () => createEm({ innerIterations: 5 }) },
      { label: 'GD (η 0.1)', make: () => createGd(0.1) },
      { label: 'Adam (η 0.001)', make: () => createAdam(0.001) },
    ],
  };
}

function tall(): Problem {
  const generated = generateSynthetic({ kind: 'linear', experts: 2, dim: 20, samples: TALL_ROWS, snr: 4, seed: 2 });
  const { train } = datasetFromArrays(generated.X, generated.y, { features: generated.truth.features, target: 'y' }, { standardize: true });
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: train.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  return {
    name: `Tall, narrow linear MoE, K = 2, softmax gate, d = 20`,
    layout,
    train,
    theta0: initialParameters(layout, train, { strategy: 'random', seed: 0, perturbation: 0 }),
    maxIterations: 5,
    repeats: 1,
    solvers: [
      { label: 'EM (Newton gate, closed-form experts)', make: () => createEm() },
      { label: 'GD (η 0.1)', make: () => createGd(0.1) },
    ],
  };
}

/**
 * Where an EM iteration on tall data goes: the E-step (the evaluation with ∇ℓ that every solver makes) and the M-step,
 * CPU per iteration over the same iterations as the solver rows, with the M-step's passes over X.
 */
function tallPhases(problem: Problem): void {
  let theta = problem.theta0;
  const eSteps: number[] = [];
  const mSteps: number[] = [];
  const passes: number[] = [];
  for (let t = 0; t < problem.maxIterations; t++) {
    let started = cpuSeconds();
    const ev = evaluate(problem.layout, problem.train, theta, { gradient: true });
    eSteps.push(cpuSeconds() - started);
    started = cpuSeconds();
    const step = emUpdate(problem.layout, problem.train, theta, ev);
    mSteps.push(cpuSeconds() - started);
    passes.push(step.inner.passes ?? 0);
    theta = step.theta;
  }
  const range = (values: number[]) => `${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)} (median ${median(values).toFixed(3)})`;
  console.log(`EM phases, CPU s per iteration: E-step with ∇ℓ ${range(eSteps)}; M-step ${range(mSteps)}, ${median(passes)} passes over X (median)`);
}

export function benchMStep(): void {
  console.log('\nEM M-steps and the gradient solvers: cost per iteration and to tolerance (scripts/benchMStep.ts)');
  if (only.includes('symmoline')) for (const snr of [0.5, 2]) benchProblem(symmoline(snr));
  if (only.includes('linear')) benchProblem(softmaxGatedLinear());
  if (only.includes('fmnist')) {
    try {
      benchProblem(fashionMnist());
    } catch (error) {
      console.log(`\nFashion-MNIST skipped: ${(error as Error).message}`);
    }
  }
  if (only.includes('tall')) {
    const problem = tall();
    benchProblem(problem);
    console.log(`Peak RSS so far: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
    tallPhases(problem);
  }
}

if (require.main === module) benchMStep();
