/**
 * Exact EM on Random-Invert Fashion-MNIST, iteration by iteration (issue 18, item 1): per EM iteration its seconds
 * (compute clock and process CPU), ℓ, and per M-step block (gate, expert k) the solver, Newton iterations, passes
 * over X, final ‖∇f‖/Σw and whether it met its tolerance; at the end a summary (CPU seconds per iteration: mean, median,
 * range, and how many iterations took at most the 4 s with every block at its tolerance).
 * `node --import tsx scripts/fmnistIterations.ts [--rows 60000] [--iterations 10] [--mstep newton-cg|lbfgs] [--ridge λ] [--trace]
 *  [--inversion-seed S] [--start-seed S]` (the reproduction's instance k, counted from 0, has inversion seed k and start
 *  seed 100 + k; default 0 and 0).
 * (λ/2‖coefficients‖² on the total log-likelihood; the reproduction's Fashion-MNIST experiment uses λ = 1, default 0).
 */
import { loadavg } from 'node:os';
import { findFmnistSource, inversionMask, readFmnistSplit } from '../src/core/data/fmnist';
import { initialParameters } from '../src/core/init';
import { ParamLayout } from '../src/core/model/layout';
import { setNewtonStepTrace } from '../src/core/optim/newtonCg';
import type { LargeBlockSolver } from '../src/core/optim/softmaxRegression';
import { fmnistDataset } from '../src/core/reproduce/fmnist';
import { createEm } from '../src/core/solvers/em';
import { SolverRun } from '../src/core/solvers/solverRun';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const rows = Number(option('rows', '60000'));
const iterations = Number(option('iterations', '10'));
const mStep = option('mstep', 'newton-cg') as LargeBlockSolver;
const ridge = Number(option('ridge', '0'));
const inversionSeed = Number(option('inversion-seed', '0'));
const startSeed = Number(option('start-seed', '0'));
// --trace: every Newton step of every block (‖∇f‖/Σw, CG iterations and the residual reached, the step length).
if (args.includes('--trace')) {
  setNewtonStepTrace((s) =>
    console.log(
      `      solve ${s.solve} step ${s.step}: ‖∇f‖/Σw ${s.gradientNorm.toExponential(2)} (target ${s.target.toExponential(2)}), f over ${s.blockRows} rows, CG ${s.cgIterations} it (${s.preconditioner}, ${s.rows} rows${s.copiedRows ? ' copied' : ''}, ${(100 * s.skippedCurvature).toFixed(2)} % of the curvature left out) to ${s.residual.toExponential(2)} (asked ${s.forcing.toExponential(2)}), step ${s.stepLength}, line search ${s.lineSearchPasses.toFixed(1)} passes${s.float64 ? ', f in float64' : ''}`,
    ),
  );
}

const images = readFmnistSplit(findFmnistSource(), 'train', rows);
const train = fmnistDataset(images, inversionMask(inversionSeed, 'train', images.n, 0.5));
const layout = new ParamLayout({ family: 'categorical', K: 2, p: train.p, C: 10, gate: 'softmax', symmetric: false, ridge });
const theta0 = initialParameters(layout, train, { strategy: 'random', seed: startSeed, perturbation: 0 });
const run = new SolverRun(createEm({ mStep }), { layout, train, theta0, stopping: { maxIterations: iterations, tolerance: 0, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
console.log(`EM with ${mStep} M-steps on ${train.n} × ${train.p} (K = 2, C = 10, ridge ${ridge}); load ${loadavg()[0].toFixed(1)}`);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const cpuSeconds: number[] = [];
let totalPasses = 0;
let cappedIterations = 0;
let atTarget = 0;
while (!run.finished) {
  const clock = run.elapsedSeconds;
  const cpu0 = cpu();
  const report = run.step();
  if (!report) break;
  const iterationCpu = cpu() - cpu0;
  const passes = 1 + (report.inner?.passes ?? 0);
  const capped = (report.inner?.blocks ?? []).some((b) => !b.converged);
  cpuSeconds.push(iterationCpu);
  totalPasses += passes;
  if (capped) cappedIterations++;
  // The target: at or under 4 s with every M-step at its tolerance (an iteration with a capped block never counts).
  else if (iterationCpu <= 4) atTarget++;
  const blocks = (report.inner?.blocks ?? []).map((b) => `${b.block}: ${b.method} ${b.iterations} it, ${b.passes.toFixed(1)} passes, ‖∇f‖/Σw ${b.gradientNorm.toExponential(1)}${b.converged ? '' : ' CAPPED'}`);
  console.log(`it ${report.iteration}: ${(run.elapsedSeconds - clock).toFixed(1)} s (cpu ${iterationCpu.toFixed(1)} s), ℓ ${report.objective.toFixed(1)}, passes ${passes.toFixed(1)}; load ${loadavg()[0].toFixed(1)}\n    ${blocks.join('\n    ')}`);
}
console.log(run.result().stopMessage);
const sorted = cpuSeconds.slice().sort((a, b) => a - b);
const half = sorted.length / 2;
const median = sorted.length % 2 ? sorted[Math.floor(half)] : (sorted[half - 1] + sorted[half]) / 2;
const total = cpuSeconds.reduce((a, b) => a + b, 0);
console.log(
  `summary: ${cpuSeconds.length} iterations, ${total.toFixed(1)} CPU s (mean ${(total / cpuSeconds.length).toFixed(2)}, median ${median.toFixed(2)}, ` +
    `range ${sorted[0].toFixed(1)}–${sorted[sorted.length - 1].toFixed(1)}), ${totalPasses.toFixed(1)} passes; ${atTarget} at or under 4 CPU s with every block ` +
    `at its tolerance; ${cappedIterations} with a capped block`,
);
