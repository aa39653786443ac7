/**
 * Evaluations that take over the arrays of earlier ones (issue 15, item 6): a solver evaluates its next iterate into
 * the arrays of the current one, an accelerator's or Gradient EM's extra evaluations into those of one that nothing
 * reads any more. Recycling must not change a fit by one bit, and a holder that was overlooked must fail loudly
 * instead of reading another iterate's values. The memory itself is measured by `npm run bench:large`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/core/data/dataset';
import { completeDataKl } from '../../src/core/diagnostics/klStep';
import { mixing } from '../../src/core/diagnostics/metrics';
import { initialParameters } from '../../src/core/init';
import { evaluate, type Evaluation } from '../../src/core/model/evaluate';
import { ParamLayout, type ModelShape } from '../../src/core/model/layout';
import type { SolverAlgorithm } from '../../src/core/solvers/algorithm';
import { createSolver, type SolverChoice } from '../../src/core/solvers/create';
import { emUpdate } from '../../src/core/solvers/mstep';
import { SolverRun } from '../../src/core/solvers/solverRun';
import type { SolverResult } from '../../src/core/runner/types';
import { categoricalMixture, synthetic } from './helpers';

/** The first `fraction` of the rows as a test set, the rest for training. */
function split(data: Dataset, testRows: number): { train: Dataset; test: Dataset } {
  const part = (from: number, to: number): Dataset => ({
    ...data,
    n: to - from,
    X: data.X.slice(from * data.p, to * data.p),
    y: data.y.slice(from, to),
  });
  return { test: part(0, testRows), train: part(testRows, data.n) };
}

const linear = synthetic({ kind: 'linear', experts: 2, dim: 3, samples: 400, snr: 3, seed: 8 }).data;
const symmetric = synthetic({ kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 3, seed: 9, symmetric: true }).data;
const logistic = synthetic({ kind: 'logistic', experts: 2, dim: 3, samples: 400, snr: 3, seed: 10 }).data;
const threeClasses = categoricalMixture(400, 11);

const MODELS: { name: string; data: Dataset; shape: Omit<ModelShape, 'p'> }[] = [
  { name: 'gaussian K = 2', data: linear, shape: { family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0 } },
  { name: 'gaussian K = 3, constant gate', data: linear, shape: { family: 'gaussian', K: 3, C: 0, gate: 'constant', symmetric: false, ridge: 0 } },
  { name: 'symmetric gaussian', data: symmetric, shape: { family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: true, ridge: 0 } },
  { name: 'bernoulli K = 2, ridge', data: logistic, shape: { family: 'bernoulli', K: 2, C: 2, gate: 'softmax', symmetric: false, ridge: 0.1 } },
  { name: 'categorical K = 2', data: threeClasses, shape: { family: 'categorical', K: 2, C: 3, gate: 'softmax', symmetric: false, ridge: 0 } },
];

const SOLVERS: SolverChoice[] = [
  { solver: 'em' },
  { solver: 'em', acceleration: 'squarem' },
  { solver: 'em', acceleration: 'daarem' },
  { solver: 'gd', learningRate: 0.05 },
  { solver: 'adam', learningRate: 0.02 },
  { solver: 'gem', learningRate: 0.05, steps: 3 },
];

function fit(choice: SolverChoice, layout: ParamLayout, train: Dataset, test: Dataset, theta0: Float64Array, recycleEvaluations: boolean): SolverResult {
  const run = new SolverRun(createSolver(choice), {
    layout, train, test, theta0, restart: 0, errorThreshold: 0.01, recycleEvaluations,
    stopping: { maxIterations: 12, tolerance: 0, timeBudgetSeconds: 0 },
  });
  while (run.step()) {
    /* to the iteration limit */
  }
  return run.result();
}

function copyOf(data: Dataset): Dataset {
  return { ...data, X: data.X.slice(), y: data.y.slice() };
}

/** A result without its timings (the only fields that may differ between two identical fits). */
function withoutTimings(result: SolverResult): unknown {
  return JSON.parse(JSON.stringify(result, (key, value) => (key === 'seconds' ? undefined : value)));
}

test('every solver gives the same fit, bit for bit, with and without recycled evaluations', () => {
  for (const { name, data, shape } of MODELS) {
    const { train, test } = split(data, 80);
    const layout = new ParamLayout({ ...shape, p: data.p });
    const theta0 = initialParameters(layout, train, { strategy: 'random', seed: 5, perturbation: 0 });
    for (const choice of SOLVERS) {
      const label = `${name}, ${choice.solver}${choice.acceleration ? ` + ${choice.acceleration}` : ''}`;
      // Each fit on its own copy of the rows: the gaussian M-step makes the all-rows sums once per data set and
      // counts that pass in the first fit's M-step only, which would differ between two fits on one object.
      const fresh = fit(choice, layout, copyOf(train), test, theta0, false);
      const recycled = fit(choice, layout, copyOf(train), test, theta0, true);
      // To the iteration limit (accelerated EM counts its EM-map evaluations, so it has fewer reports).
      assert.ok(fresh.stopReason === 'maxIterations' && fresh.trace.length >= 5, `${label}: ${fresh.stopMessage}`);
      // deepEqual on numbers is Object.is: every ℓ, KL step, metric and parameter equal to the last bit.
      assert.deepEqual(withoutTimings(recycled), withoutTimings(fresh), label);
    }
  }
});

test('an evaluation whose arrays were taken over reads as empty: a forgotten holder gets NaN, not another iterate', () => {
  const layout = new ParamLayout({ family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0, p: linear.p });
  const theta = initialParameters(layout, linear, { strategy: 'random', seed: 2, perturbation: 0 });
  const first = evaluate(layout, linear, theta);
  const weights = mixing(first).weights;
  const second = evaluate(layout, linear, theta.map((v) => v + 0.1), { reuse: first });
  assert.equal(first.resp.length, 0);
  assert.equal(second.resp.length, linear.n * 2);
  assert.ok(mixing(first).weights.every(Number.isNaN), 'sums over a taken-over evaluation are NaN');
  assert.ok(weights.every(Number.isFinite));
  // Its scalars are its own and stay readable.
  assert.ok(Number.isFinite(first.logLik) && first.logLik !== second.logLik);
});

test('a solver that keeps an E-step beyond its iteration is stopped as diverged, not fitted with wrong responsibilities', () => {
  // A defective EM that runs its M-step on the previous iteration's evaluation: exactly the kind of holder that
  // recycling could corrupt silently. With recycling the old arrays are gone, its θ turns NaN, and the loop stops.
  const stale = (): SolverAlgorithm => {
    let previous: Evaluation | undefined;
    return {
      name: 'em',
      step(theta, ev, { layout, data }) {
        const used = previous ?? ev;
        previous = ev;
        return emUpdate(layout, data, theta, used);
      },
    };
  };
  const layout = new ParamLayout({ family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0, p: linear.p });
  const theta0 = initialParameters(layout, linear, { strategy: 'random', seed: 4, perturbation: 0 });
  const stopping = { maxIterations: 5, tolerance: 0, timeBudgetSeconds: 0 };
  const runWith = (recycleEvaluations: boolean) => {
    const run = new SolverRun(stale(), { layout, train: linear, theta0, stopping, restart: 0, errorThreshold: 0.01, recycleEvaluations });
    while (run.step()) {
      /* until it stops */
    }
    return run.result();
  };
  assert.equal(runWith(false).stopReason, 'maxIterations', 'without recycling the defect goes unnoticed');
  const caught = runWith(true);
  assert.equal(caught.stopReason, 'diverged');
  assert.equal(caught.iterations, 1, 'the first iteration that read the stale evaluation stopped the solver');
});

test('the KL step summed while evaluating into the old arrays equals the one from two whole evaluations, bit for bit', () => {
  for (const { name, data, shape } of MODELS) {
    const layout = new ParamLayout({ ...shape, p: data.p });
    const before = initialParameters(layout, data, { strategy: 'random', seed: 6, perturbation: 0 });
    const after = emUpdate(layout, data, before, evaluate(layout, data, before)).theta;
    const expected = completeDataKl(layout, data, evaluate(layout, data, before), before, evaluate(layout, data, after), after);
    for (const gradient of [false, true]) {
      const current = evaluate(layout, data, before, { gradient });
      const next = evaluate(layout, data, after, { gradient, reuse: current, klStepFrom: before });
      assert.ok(expected > 0, name);
      assert.equal(next.klStep, expected, `${name}${gradient ? ', with the gradient' : ''}`);
      assert.equal(next.logLik, evaluate(layout, data, after).logLik);
    }
  }
});
