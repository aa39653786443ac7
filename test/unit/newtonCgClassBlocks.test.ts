/**
 * The class-block preconditioner of large-block Newton-CG (issue 18, item 1): its curvature-proportional row sample
 * sums without bias, its blocks are the block-diagonal part of −∇²f over classes, Newton-CG preconditioned by it
 * reaches the dense-Newton optimum, a capped solve is never called converged, and on rows whose class coupling
 * differs it needs fewer Hessian–vector products than A ⊗ G.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpdFactor } from '../../src/core/optim/denseSolve';
import { setNewtonStepTrace, softmaxHessianVector, truncatedNewton, type PreconditionerMemory } from '../../src/core/optim/newtonCg';
import {
  classBlockFactors,
  classBlockPreconditioner,
  classCoupling,
  curvatureSample,
  kroneckerPreconditioner,
  sampledGramFactor,
  sampleWeights,
} from '../../src/core/optim/kroneckerPreconditioner';
import { fitSoftmaxRegression, softmaxNegativeHessian, softmaxObjective, type SoftmaxProblem } from '../../src/core/optim/softmaxRegression';
import { Random, softProblem } from './helpers';

function randomVector(length: number, seed: number, scale = 0.3): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length }, () => scale * rng.normal());
}

/** The free-class probabilities (n × m) of a softmax problem at V. */
function freeProbabilities(problem: SoftmaxProblem, V: Float64Array): Float64Array {
  const { X, n, p, C } = problem;
  const m = C - 1;
  const probs = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const eta = Array.from({ length: m }, (_, c) => V.subarray(c * p, (c + 1) * p).reduce((s, v, j) => s + v * X[i * p + j], 0));
    const total = 1 + eta.reduce((s, e) => s + Math.exp(e), 0);
    for (let c = 0; c < m; c++) probs[i * m + c] = Math.exp(eta[c]) / total;
  }
  return probs;
}

test('the curvature sample sums without bias: certain rows at weight 1, the others at step / curvature', () => {
  const rng = new Random(3);
  const n = 5000;
  // A few rows carry much of the curvature (they must be taken for certain), some carry none (never taken).
  const curvature = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 50 : i % 13 === 0 ? 0 : rng.uniform() ** 3));
  const total = curvature.reduce((s, c) => s + c, 0);
  const { rows, scale } = curvatureSample(curvature, 400);
  assert.ok(rows.length <= 400 && rows.length >= 395, `${rows.length} rows`);
  for (let k = 1; k < rows.length; k++) assert.ok(rows[k] > rows[k - 1], 'rows in increasing order, each once');
  const sum = Array.from(rows).reduce((s, i, k) => s + scale[k] * curvature[i], 0);
  assert.ok(Math.abs(sum - total) <= 1e-9 * total, `Σ scale·c = ${sum}, Σ c = ${total}`);
  rows.forEach((i, k) => {
    assert.ok(curvature[i] > 0, `row ${i} has curvature`);
    if (i % 97 === 0) assert.equal(scale[k], 1, `heavy row ${i} taken for certain`);
  });
  for (let i = 0; i < n; i += 97) assert.ok(rows.includes(i), `heavy row ${i} is in the sample`);
  const all = curvatureSample(curvature, n);
  assert.equal(all.rows.length, n);
  assert.ok(all.scale.every((s) => s === 1));
});

test('with every row in the sample the class blocks are the block-diagonal part of −∇²f over classes', () => {
  const problem = softProblem(60, 8, 4, 5, { ridge: 0.2, weighted: true });
  const m = 3;
  const p = problem.p;
  const D = m * p;
  const V = randomVector(D, 6);
  const H = softmaxNegativeHessian(problem, V);
  const preconditioner = classBlockPreconditioner(classBlockFactors(problem, freeProbabilities(problem, V)));
  const d = randomVector(D, 7, 1);
  // (block-diagonal part of H) d, then M⁻¹ of it ≈ d (up to G_c's damping of 1e-3 of its mean diagonal).
  const blockDiagonal = new Float64Array(D);
  for (let r = 0; r < D; r++) {
    const c = Math.floor(r / p);
    for (let l = c * p; l < (c + 1) * p; l++) blockDiagonal[r] += H[r * D + l] * d[l];
  }
  const back = new Float64Array(D);
  preconditioner.solve(blockDiagonal, back);
  const error = Math.sqrt(back.reduce((s, v, j) => s + (v - d[j]) ** 2, 0) / d.reduce((s, v) => s + v * v, 0));
  assert.ok(error <= 0.02, `relative error ${error}`);
  // …and not the whole Hessian: the coupling between classes is what it leaves out.
  const Hd = softmaxHessianVector(problem, V, d);
  preconditioner.solve(Hd, back);
  const whole = Math.sqrt(back.reduce((s, v, j) => s + (v - d[j]) ** 2, 0) / d.reduce((s, v) => s + v * v, 0));
  assert.ok(whole > 10 * error, `the coupling matters here: ${whole} vs ${error}`);
});

test('Newton-CG with class blocks reaches the dense Newton optimum, and a capped solve is not called converged', () => {
  for (const [C, ridge] of [[4, 0], [3, 0.3]] as const) {
    const problem = softProblem(400, 6, C, 10 + C, { ridge, weighted: true });
    const D = (C - 1) * 6;
    const start = randomVector(D, 20);
    const dense = fitSoftmaxRegression(problem, start);
    const options = { maxIterations: 100, maxCgIterations: 100, stop: 'gradient', tolerance: 1e-9, preconditioner: 'class-blocks', classBlocksAfter: 0 } as const;
    const blocks = truncatedNewton(problem, start, options);
    assert.ok(dense.converged && blocks.converged, `C = ${C}: both met their tolerance`);
    assert.ok(blocks.gradientNorm <= 1e-9, `C = ${C}: gradient ${blocks.gradientNorm}`);
    assert.ok(Math.abs(blocks.objective - dense.objective) <= 1e-10 * Math.abs(dense.objective), `C = ${C}: f ${blocks.objective} vs ${dense.objective}`);
    for (let j = 0; j < D; j++) assert.ok(Math.abs(blocks.coef[j] - dense.coef[j]) <= 1e-6 * (1 + Math.abs(dense.coef[j])), `C = ${C}, coefficient ${j}`);
    const capped = truncatedNewton(problem, start, { ...options, maxIterations: 1, maxCgIterations: 1 });
    assert.equal(capped.converged, false, `C = ${C}: one CG step is not the optimum`);
    assert.ok(capped.gradientNorm > 1e-9 && capped.objective < blocks.objective);
  }
});

/**
 * Rows of three kinds, each told apart by its own group of columns and confusing its own class with the reference
 * class only: B_i ≈ P_ik (1 − P_ik) e_k e_kᵀ differs by row (which A ⊗ G averages away) and has no coupling between
 * free classes (which the class blocks leave out).
 */
function confusedClasses(n: number, seed: number): SoftmaxProblem {
  const rng = new Random(seed);
  const groups = 3;
  const width = 8;
  const p = groups * width + 1;
  const C = groups + 1;
  const X = new Float64Array(n * p);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const kind = i % groups;
    const factor = rng.normal();
    for (let j = 0; j < groups * width; j++) X[i * p + j] = (Math.floor(j / width) === kind ? 3 * factor : 0) + 0.3 * rng.normal();
    X[i * p + p - 1] = 1;
    labels[i] = factor + 0.5 * rng.normal() > 0 ? kind : groups;
  }
  return { X, n, p, C, labels, ridge: 1e-2 };
}

/** Preconditioned CG iterations on −∇²f(V) S = ∇f(V) until the residual is 1e-4 of ∇f (at most 500). */
function cgIterations(problem: SoftmaxProblem, V: Float64Array, preconditioner: SpdFactor): number {
  const D = V.length;
  const grad = new Float64Array(D);
  softmaxObjective(problem, V, grad);
  const r = grad.slice();
  const z = new Float64Array(D);
  preconditioner.solve(r, z);
  const d = z.slice();
  let rz = r.reduce((s, v, j) => s + v * z[j], 0);
  const start = Math.hypot(...grad);
  for (let iteration = 1; iteration < 500; iteration++) {
    const Hd = softmaxHessianVector(problem, V, d);
    const alpha = rz / d.reduce((s, v, j) => s + v * Hd[j], 0);
    for (let j = 0; j < D; j++) r[j] -= alpha * Hd[j];
    if (Math.hypot(...r) <= 1e-4 * start) return iteration;
    preconditioner.solve(r, z);
    const next = r.reduce((s, v, j) => s + v * z[j], 0);
    for (let j = 0; j < D; j++) d[j] = z[j] + (next / rz) * d[j];
    rz = next;
  }
  return 500;
}

test('where the class coupling differs by row, CG with class blocks needs fewer Hessian–vector products than with A ⊗ G', () => {
  const problem = confusedClasses(3000, 40);
  const m = problem.C - 1;
  const D = m * problem.p;
  // A point of confident rows on the way to the optimum (a warm start, as EM's M-steps have).
  const optimum = truncatedNewton(problem, new Float64Array(D), { maxIterations: 50, maxCgIterations: 200, stop: 'gradient', tolerance: 1e-7, preconditioner: 'kronecker' });
  assert.ok(optimum.converged);
  const V = optimum.coef.map((v) => 0.7 * v);
  const probs = freeProbabilities(problem, V);
  const kronecker = kroneckerPreconditioner(sampledGramFactor(problem, sampleWeights(problem, probs)), classCoupling(problem, probs).A, m);
  const blocks = classBlockPreconditioner(classBlockFactors(problem, probs));
  const withKronecker = cgIterations(problem, V, kronecker);
  const withBlocks = cgIterations(problem, V, blocks);
  assert.ok(withBlocks < 0.8 * withKronecker, `CG iterations: class blocks ${withBlocks}, Kronecker ${withKronecker}`);
});

test('a block that needed class blocks builds them at the start of its next solve, which reaches the same optimum', () => {
  const problem = softProblem(500, 12, 5, 50, { ridge: 0.1, weighted: true });
  const D = 4 * 12;
  const start = randomVector(D, 51);
  const memory: PreconditionerMemory = { uses: 0 };
  const used: string[][] = [];
  setNewtonStepTrace((step) => (used[step.solve] ??= []).push(step.preconditioner));
  try {
    // First solve: A ⊗ G until one CG takes 2 iterations, then class blocks.
    const options = { maxIterations: 50, maxCgIterations: 50, stop: 'gradient', tolerance: 1e-8, preconditioner: 'class-blocks', classBlocksAfter: 2, memory } as const;
    const first = truncatedNewton(problem, start, options);
    assert.equal(used[0][0], 'kronecker');
    assert.ok(used[0].includes('class-blocks'), `first solve: ${used[0]}`);
    assert.equal(memory.classBlocks, true);
    const second = truncatedNewton(problem, start, options);
    assert.ok(used[1].every((p) => p === 'class-blocks'), `second solve: ${used[1]}`);
    assert.ok(first.converged && second.converged);
    assert.ok(Math.abs(first.objective - second.objective) <= 1e-10 * Math.abs(first.objective));
  } finally {
    setNewtonStepTrace(undefined);
  }
});
