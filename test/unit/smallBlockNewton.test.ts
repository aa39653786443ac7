/**
 * The tall-data M-step (issue 18, item 5): the gate by Newton from the exact Hessian at θᵗ with BFGS updates
 * (src/core/optim/smallBlockNewton.ts), the experts' sums in the gate's Hessian pass and σ² from those sums
 * (src/core/solvers/mstep.ts). Checked against mathematics and the solvers they replace: the same maximizer as dense
 * Newton (gradient ≈ 0, the same f and coefficients), a capped solve never called converged but still ascending, the
 * experts' β and σ equal to weighted least squares and the residuals summed row by row, and Q's gradient ≈ 0 in
 * every block after the M-step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setKernelChoice } from '../../src/core/kernels';
import { fitSoftmaxRegression, softmaxObjective, type SoftmaxProblem } from '../../src/core/optim/softmaxRegression';
import { smallBlockNewton, softmaxGramHessian } from '../../src/core/optim/smallBlockNewton';
import { weightedLeastSquares } from '../../src/core/optim/denseSolve';
import { evaluate, gradientQ } from '../../src/core/model/evaluate';
import { initialParameters } from '../../src/core/init';
import { emUpdate, residualSquaresFromSums } from '../../src/core/solvers/mstep';
import { layoutFor, Random, softProblem, synthetic } from './helpers';

function gradientAt(problem: SoftmaxProblem, V: Float64Array): Float64Array {
  const grad = new Float64Array(V.length);
  softmaxObjective(problem, V, grad);
  return grad;
}

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('small-block Newton reaches the dense Newton maximizer: gradient ≈ 0, the same f and coefficients', () => {
  const cases = [
    { C: 2, ridge: 0, weighted: false },
    { C: 2, ridge: 0.5, weighted: true },
    { C: 3, ridge: 0, weighted: true },
    { C: 4, ridge: 0.1, weighted: false },
  ];
  for (const [index, { C, ridge, weighted }] of cases.entries()) {
    const problem = softProblem(700, 6, C, 10 + index, { ridge, weighted });
    const D = (C - 1) * 6;
    const rng = new Random(20 + index);
    const start = Float64Array.from({ length: D }, () => 0.5 * rng.normal());
    for (const choice of ['auto', 'js'] as const) {
      const previous = setKernelChoice(choice);
      try {
        const label = `C = ${C}, ridge ${ridge}, weighted ${weighted}, ${choice}`;
        const dense = fitSoftmaxRegression(problem, start);
        const solve = smallBlockNewton(problem, start);
        assert.ok(solve.converged, `${label}: met its tolerance`);
        assert.equal(solve.method, 'newton');
        // Its own report, and the gradient recomputed independently at the returned point (per unit weight).
        const weight = weighted ? problem.weights!.reduce((s, w) => s + w, 0) : problem.n;
        assert.ok(solve.gradientNorm <= 1e-9, `${label}: reported gradient ${solve.gradientNorm}`);
        assert.ok(norm(gradientAt(problem, solve.coef)) / weight <= 1e-9, `${label}: recomputed gradient`);
        assert.ok(Math.abs(solve.objective - softmaxObjective(problem, solve.coef)) <= 1e-10 * Math.abs(solve.objective), `${label}: reported f is f at the point`);
        assert.ok(solve.objective >= dense.objective - 1e-10 * Math.abs(dense.objective), `${label}: f ${solve.objective} vs dense ${dense.objective}`);
        for (let j = 0; j < D; j++) assert.ok(Math.abs(solve.coef[j] - dense.coef[j]) <= 1e-6 * (1 + Math.abs(dense.coef[j])), `${label}, coefficient ${j}`);
        assert.ok((solve.passes ?? 0) >= 2, 'passes are counted (at least the start and its Hessian)');
      } finally {
        setKernelChoice(previous);
      }
    }
  }
});

test('a Hessian handed in by the caller gives the same maximizer as one the solver computes', () => {
  const problem = softProblem(500, 5, 3, 30, { ridge: 0.2 });
  const start = new Float64Array(2 * 5);
  let calls = 0;
  const shared = smallBlockNewton(problem, start, {
    startHessian: (probabilities) => {
      calls++;
      return softmaxGramHessian(problem, probabilities);
    },
  });
  const own = smallBlockNewton(problem, start);
  assert.equal(calls, 1, 'the start Hessian is asked for once');
  assert.ok(shared.converged && own.converged);
  for (let j = 0; j < start.length; j++) assert.ok(Math.abs(shared.coef[j] - own.coef[j]) <= 1e-9 * (1 + Math.abs(own.coef[j])), `coefficient ${j}`);
});

test('a capped small-block solve is not called converged, and still increases f', () => {
  const problem = softProblem(600, 6, 3, 40);
  const start = new Float64Array(2 * 6);
  const capped = smallBlockNewton(problem, start, { maxIterations: 1 });
  assert.equal(capped.converged, false);
  assert.ok(capped.objective > softmaxObjective(problem, start), 'one step increases f');
  assert.ok(capped.gradientNorm > 1e-6, 'and is far from the maximizer');
  const full = smallBlockNewton(problem, start, { maxIterations: 50 });
  assert.ok(full.converged && full.objective >= capped.objective);
});

test('residual sums of squares from the sums equal the rows summed, and give way to the rows when they would cancel', () => {
  const rng = new Random(50);
  const n = 400;
  const p = 4;
  const X = Float64Array.from({ length: n * p }, (_, k) => (k % p === p - 1 ? 1 : rng.normal()));
  const weights = Float64Array.from({ length: n }, () => rng.uniform());
  for (const noise of [1, 1e-9]) {
    const y = Float64Array.from({ length: n }, (_, i) => 2 * X[i * p] - X[i * p + 1] + 0.5 + noise * rng.normal());
    const q = p + 1;
    const sums = new Float64Array(q * q);
    for (let i = 0; i < n; i++) {
      const z = [...X.subarray(i * p, (i + 1) * p), y[i]];
      for (let j = 0; j < q; j++) for (let l = 0; l < q; l++) sums[j * q + l] += weights[i] * z[j] * z[l];
    }
    const beta = weightedLeastSquares(X, n, p, weights, y, 0).x;
    let rows = 0;
    for (let i = 0; i < n; i++) {
      let mu = 0;
      for (let j = 0; j < p; j++) mu += beta[j] * X[i * p + j];
      rows += weights[i] * (y[i] - mu) ** 2;
    }
    const fromSums = residualSquaresFromSums(sums, p, beta);
    if (noise === 1) assert.ok(fromSums !== undefined && Math.abs(fromSums - rows) <= 1e-9 * rows, `noise 1: ${fromSums} vs ${rows}`);
    else assert.equal(fromSums, undefined, 'an almost exact fit is summed over the rows again');
  }
});

test('the tall M-step: the gate block equals dense Newton on the same responsibilities, the experts weighted least squares, and ∇Q ≈ 0', () => {
  for (const K of [2, 3]) {
    const { data } = synthetic({ kind: 'linear', experts: K, dim: 5, samples: 3000, snr: 3, seed: 60 + K });
    const layout = layoutFor(data, 'gaussian', K);
    const theta = initialParameters(layout, data, { strategy: 'random', seed: 3, perturbation: 0 });
    const ev = evaluate(layout, data, theta);
    const { theta: next, inner } = emUpdate(layout, data, theta, ev);
    assert.equal(inner.cappedBlocks, 0, `K = ${K}: an exact M-step`);
    // Gate: the old dense Newton on the same soft targets.
    const size = layout.gateRows * layout.gateWidth;
    const gate = fitSoftmaxRegression({ X: data.X, n: data.n, p: data.p, C: K, targets: ev.resp, ridge: 0 }, theta.subarray(0, size));
    for (let j = 0; j < size; j++) assert.ok(Math.abs(next[j] - gate.coef[j]) <= 1e-6 * (1 + Math.abs(gate.coef[j])), `K = ${K}, gate ${j}`);
    // Experts: weighted least squares and the weighted residual variance, row by row.
    for (let k = 0; k < K; k++) {
      const weights = Float64Array.from({ length: data.n }, (_, i) => ev.resp[i * K + k]);
      const wls = weightedLeastSquares(data.X, data.n, data.p, weights, data.y, 0);
      const at = layout.betaRow(k, 0);
      for (let j = 0; j < data.p; j++) assert.ok(Math.abs(next[at + j] - wls.x[j]) <= 1e-9 * (1 + Math.abs(wls.x[j])), `K = ${K}, expert ${k}, β_${j}`);
      let squares = 0;
      for (let i = 0; i < data.n; i++) {
        let mu = 0;
        for (let j = 0; j < data.p; j++) mu += wls.x[j] * data.X[i * data.p + j];
        squares += weights[i] * (data.y[i] - mu) ** 2;
      }
      const variance = squares / wls.totalWeight;
      assert.ok(Math.abs(Math.exp(2 * next[layout.logSigmaIndex(k)]) - variance) <= 1e-9 * variance, `K = ${K}, expert ${k}: σ²`);
    }
    const gradQ = gradientQ(layout, data, next, evaluate(layout, data, next), ev.resp, new Float64Array(layout.size));
    const worst = Math.max(...gradQ.map(Math.abs)) / data.n;
    assert.ok(worst < 1e-9, `K = ${K}: largest |∂Q/∂θ|/n after the M-step: ${worst}`);
  }
});

test('experts whose responsibilities do not sum to 1 per row still get their own weighted least squares', () => {
  const { data } = synthetic({ kind: 'linear', experts: 2, dim: 3, samples: 900, snr: 3, seed: 70 });
  const layout = layoutFor(data, 'gaussian', 2);
  const theta = initialParameters(layout, data, { strategy: 'random', seed: 4, perturbation: 0 });
  const rng = new Random(71);
  // Not an E-step: each row's weights sum to anything in (0.2, 1.2).
  const resp = Float64Array.from({ length: data.n * 2 }, () => 0.1 + 0.5 * rng.uniform());
  const { theta: next } = emUpdate(layout, data, theta, { n: data.n, K: 2, resp });
  for (let k = 0; k < 2; k++) {
    const weights = Float64Array.from({ length: data.n }, (_, i) => resp[i * 2 + k]);
    const wls = weightedLeastSquares(data.X, data.n, data.p, weights, data.y, 0);
    const at = layout.betaRow(k, 0);
    for (let j = 0; j < data.p; j++) assert.ok(Math.abs(next[at + j] - wls.x[j]) <= 1e-9 * (1 + Math.abs(wls.x[j])), `expert ${k}, β_${j}`);
  }
});
