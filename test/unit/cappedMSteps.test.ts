/**
 * An M-step is exact only when every block met its tolerance. Blocks solved by L-BFGS that stop at their inner
 * iteration cap are counted in the trace (`inner.cappedBlocks`), in the result (`cappedMSteps`) and in the stop
 * message, and the softmax solver says whether it met its tolerance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitSoftmaxRegression, NEWTON_PARAMETER_LIMIT, softmaxObjective } from '../../src/core/optim/softmaxRegression';
import { createEm } from '../../src/core/solvers/em';
import { SolverRun } from '../../src/core/solvers/solverRun';
import { datasetFrom, layoutFor, Random } from './helpers';

/** n rows, d Gaussian features, C classes drawn from a random linear softmax model. */
function classification(n: number, d: number, C: number, seed: number) {
  const rng = new Random(seed);
  const X = new Float64Array(n * d);
  for (let j = 0; j < X.length; j++) X[j] = rng.normal();
  const V = Array.from({ length: C }, () => Array.from({ length: d }, () => rng.normal() / Math.sqrt(d)));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const logits = V.map((row) => row.reduce((sum, v, j) => sum + v * X[i * d + j], 0));
    const max = Math.max(...logits);
    const weights = logits.map((l) => Math.exp(l - max));
    let u = rng.uniform() * weights.reduce((a, b) => a + b, 0);
    let c = 0;
    while (c < C - 1 && (u -= weights[c]) > 0) c++;
    y[i] = c;
  }
  return datasetFrom(X, y, d, Array.from({ length: C }, (_, c) => `c${c}`));
}

test('the softmax solver says whether it met its tolerance: a capped L-BFGS solve does not, a full one does', () => {
  const data = classification(400, 60, 8, 1);
  const labels = Int32Array.from(data.y);
  const problem = { X: data.X, n: data.n, p: data.p, C: 8, labels, ridge: 1 };
  const D = 7 * data.p;
  assert.ok(D > NEWTON_PARAMETER_LIMIT, 'the block is solved by L-BFGS');
  const start = new Float64Array(D);
  const capped = fitSoftmaxRegression(problem, start, { lbfgsIterations: 3 });
  assert.equal(capped.method, 'lbfgs');
  assert.equal(capped.iterations, 3);
  assert.equal(capped.converged, false);
  const full = fitSoftmaxRegression(problem, start, { lbfgsIterations: 1000 });
  assert.equal(full.converged, true, `L-BFGS met its tolerance in ${full.iterations} iterations`);
  assert.ok(full.objective >= capped.objective && capped.objective > softmaxObjective(problem, start));
});

test('EM with capped M-steps counts them in the trace, the result and the stop message; exact EM reports none', () => {
  const data = classification(300, 60, 8, 2);
  const layout = layoutFor(data, 'categorical', 1, { gate: 'constant', ridge: 1 });
  const theta0 = new Float64Array(layout.size);
  const stopping = { maxIterations: 4, tolerance: 0, timeBudgetSeconds: 0 };
  const run = (innerIterations: number) => {
    const solver = new SolverRun(createEm({ innerIterations }), { layout, train: data, theta0, stopping, restart: 0, errorThreshold: 0 });
    while (solver.step()) {
      /* to the iteration limit */
    }
    return solver.result();
  };
  const inexact = run(1);
  const capped = inexact.trace.filter((report) => (report.inner?.cappedBlocks ?? 0) > 0).length;
  assert.ok(capped > 0, 'an M-step of 1 + t L-BFGS iterations on a 427-coefficient block stops before its tolerance');
  assert.equal(inexact.cappedMSteps, capped);
  assert.match(inexact.stopMessage, new RegExp(`${capped} of 4 M-steps stopped at their inner iteration cap`));
  const exact = run(0);
  assert.equal(exact.cappedMSteps, 0, 'every exact M-step met its tolerance');
  assert.doesNotMatch(exact.stopMessage, /inexact/);
  assert.ok(exact.objective >= inexact.objective - 1e-9 * Math.abs(exact.objective));
});
