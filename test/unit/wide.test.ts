/**
 * EM on wide data — slices of Random-Invert Fashion-MNIST (784 pixels + intercept, 10 classes, K = 2 softmax
 * experts: 2 × 9 × 785 expert coefficients, far above the Newton limit, so every expert M-step is L-BFGS), read
 * the way a user reads them (`moe-lab data fmnist` → CSV → dataset):
 *   - EM never decreases the objective, with exact and with inexact (budgeted) L-BFGS M-steps, and the trace
 *     records each M-step's inner iterations and final inner gradient norm;
 *   - the inexact M-steps respect their growing cap;
 *   - EM from a small random start reaches a sane test accuracy within a few iterations.
 * Skipped, with the reason, where Debian's dataset-fashion-mnist is not installed (CI installs it).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Dataset } from '../../src/core/data/dataset';
import { FMNIST_DEFAULT_SOURCES, readFmnistCsv, writeFmnist } from '../../src/core/data/fmnist';
import { initialParameters } from '../../src/core/init';
import { setKernelChoice } from '../../src/core/kernels';
import { ParamLayout } from '../../src/core/model/layout';
import { NEWTON_PARAMETER_LIMIT } from '../../src/core/optim/softmaxRegression';
import type { SolverAlgorithm } from '../../src/core/solvers/algorithm';
import { createEm } from '../../src/core/solvers/em';
import { createInexactMStep, DEFAULT_INNER_BUDGET, innerIterationCap } from '../../src/core/solvers/mstep';
import { SolverRun } from '../../src/core/solvers/solverRun';

// The slices are smaller than F32_MIN_VALUES, where `auto` would pick float64 arithmetic: force the float32 kernels
// that the full data set runs on, so that these tests check the production path.
const kernelsBefore = setKernelChoice('f32');
after(() => setKernelChoice(kernelsBefore));

const installed = existsSync(path.join(FMNIST_DEFAULT_SOURCES[0], 'train-images-idx3-ubyte.gz'));
const skip = installed ? false : `dataset-fashion-mnist is not installed in ${FMNIST_DEFAULT_SOURCES[0]}`;

/** The first rows of train.csv and test.csv, the test rows standardized with the training rows' statistics. */
async function fmnistSlice(trainRows: number, testRows: number): Promise<{ train: Dataset; test: Dataset }> {
  const out = mkdtempSync(path.join(tmpdir(), 'moe-wide-'));
  await writeFmnist({ out, invertProbability: 0.5, seed: 0, limitTrain: trainRows, limitTest: testRows });
  return readFmnistCsv(out);
}

function layoutFor(data: Dataset, ridge: number): ParamLayout {
  return new ParamLayout({ family: 'categorical', K: 2, p: data.p, C: data.classes!.length, gate: 'softmax', symmetric: false, ridge });
}

function inexactEm(): SolverAlgorithm {
  const mstep = createInexactMStep();
  return { name: 'em', step: (theta, ev, { layout, data }) => mstep(layout, data, theta, ev) };
}

function run(algorithm: SolverAlgorithm, layout: ParamLayout, train: Dataset, iterations: number, test?: Dataset, seed = 0) {
  const theta0 = initialParameters(layout, train, { strategy: 'random', seed, perturbation: 0 });
  const solver = new SolverRun(algorithm, { layout, train, test, theta0, stopping: { maxIterations: iterations, tolerance: 0, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
  while (!solver.finished) solver.step();
  return solver.result();
}

test('EM is monotone on a 300-row Fashion-MNIST slice with Newton-CG and L-BFGS M-steps, exact and budgeted; the trace records the inner solves', { skip }, async () => {
  const { train } = await fmnistSlice(300, 20);
  assert.equal(train.p, 785);
  // A ridge keeps the problem away from the separable limit (300 rows, 15 700 coefficients), where one M-step
  // would already take ℓ to 0 and monotonicity would be checked on nothing.
  const layout = layoutFor(train, 1);
  assert.ok(9 * train.p > NEWTON_PARAMETER_LIMIT && train.p > NEWTON_PARAMETER_LIMIT, 'every block is too large for dense Newton');
  for (const [name, algorithm, iterations, method] of [
    ['exact, Newton-CG', createEm({ mStep: 'newton-cg' }), 2, 'newton-cg'],
    ['exact, L-BFGS', createEm({ mStep: 'lbfgs' }), 2, 'lbfgs'],
    ['exact, default', createEm(), 2, 'newton-cg'],
    ['budgeted', inexactEm(), 5, 'lbfgs'],
  ] as const) {
    const result = run(algorithm, layout, train, iterations);
    assert.equal(result.trace.length, iterations + 1);
    for (let t = 1; t < result.trace.length; t++) {
      const before = result.trace[t - 1].objective;
      const after = result.trace[t].objective;
      assert.ok(after >= before - 1e-9 * (1 + Math.abs(before)), `${name}, iteration ${t}: ${before} → ${after}`);
      const inner = result.trace[t].inner!;
      assert.equal(inner.method, method, `${name}: the M-step's method is recorded`);
      assert.ok(inner.iterations > 0, `${name}, iteration ${t}: inner iterations recorded`);
      assert.ok(Number.isFinite(inner.gradientNorm) && inner.gradientNorm >= 0, `${name}, iteration ${t}: inner gradient norm ${inner.gradientNorm}`);
    }
    assert.ok(result.trace[iterations].objective > result.trace[0].objective + 100, `${name}: EM made progress`);
  }
});

test('budgeted M-steps: at most min(max, initial + growth·t) L-BFGS iterations per block', { skip }, async () => {
  assert.deepEqual([0, 1, 2, 30].map((t) => innerIterationCap(DEFAULT_INNER_BUDGET, t)), [5, 10, 15, 100]);
  assert.equal(innerIterationCap({ initial: 0, growth: 0, max: 10 }, 0), 1, 'never less than one step');
  const { train } = await fmnistSlice(300, 20);
  const result = run(inexactEm(), layoutFor(train, 0), train, 4);
  result.trace.slice(1).forEach((report, t) => {
    assert.ok(report.inner!.iterations <= 3 * innerIterationCap(DEFAULT_INNER_BUDGET, t), `iteration ${t + 1}: ${report.inner!.iterations} inner iterations over 3 blocks`);
  });
});

test('accuracy: EM from a small random start reaches ≥ 75 % test accuracy on a 5000-row slice within 6 iterations', { skip }, async () => {
  // Why 75 %: on all 60 000 rows EM reaches 82–83 % (docs/wide-data.md) and the paper reports 78.5 %. With 5000
  // training rows for 15 700 expert coefficients EM peaks near 79 % by the third iteration and then overfits (to
  // about 77 %), so 75 % leaves room for seeds and platforms while still failing for a broken kernel, a gate that
  // does not separate the two polarities (a single softmax regression stays near 60 %) or a chance-level 10 %.
  const { train, test: held } = await fmnistSlice(5000, 1000);
  const result = run(inexactEm(), layoutFor(train, 0), train, 6, held);
  const accuracies = result.trace.map((report) => report.testAccuracy!);
  const best = Math.max(...accuracies);
  assert.ok(best >= 0.75, `best test accuracy ${best.toFixed(3)} (trace ${accuracies.map((a) => a.toFixed(3)).join(' ')})`);
  const share = result.trace[result.trace.length - 1].mixingWeights;
  assert.ok(Math.min(...share) > 0.2, `both experts keep a share of the rows (${share.map((w) => w.toFixed(2))})`);
});
