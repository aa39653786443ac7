/**
 * The per-class preconditioner of Newton-CG for softmax blocks with several free classes
 * (`optim/classBlockPreconditioner.ts`). Checked against mathematics: each of its blocks inverts that class's
 * diagonal block of the Hessian, up to the damping it states, and it is positive definite; large blocks get it by
 * the rows-per-column rule. (Newton-CG with it reaching the dense Newton
 * optimum is checked in newtonMStep.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS_BLOCK_DAMPING, classBlockInverses, classBlockPreconditioner, classCurvatureWeights } from '../../src/core/optim/classBlockPreconditioner';
import { setKernelChoice } from '../../src/core/kernels';
import { setNewtonStepTrace, softmaxHessianVector } from '../../src/core/optim/newtonCg';
import { CLASS_BLOCKS_MIN_ROWS_PER_COLUMN, fitSoftmaxRegression, type SoftmaxProblem } from '../../src/core/optim/softmaxRegression';
import { freeProbabilities, randomVector, softProblem } from './helpers';

for (const kernels of ['js', 'f32'] as const) {
  // js: the substitutions on L; f32: one pass of the WebAssembly kernels over L⁻¹ (float32: about 1e-7 of G⁻¹r).
  test(`each class block inverts that class's diagonal block of the Hessian, up to the damping it states (${kernels} kernels)`, () => {
    const previous = setKernelChoice(kernels);
    try {
      checkClassBlocks();
    } finally {
      setKernelChoice(previous);
    }
  });
}

function checkClassBlocks(): void {
  // 30 rows: all of them are sampled, so G_c is the block itself, Σ_i w_i p_ic (1 − p_ic) x_i x_iᵀ + λI, damped by
  // δ_c = CLASS_BLOCK_DAMPING · tr(G_c)/p. For d supported on class c, block c of −∇²f d is that block times d_c.
  const problem = softProblem(30, 8, 4, 200, { ridge: 0.1, weighted: true });
  const { n, p, X, C } = problem;
  const m = C - 1;
  const D = m * p;
  const V = randomVector(D, 201);
  const probs = freeProbabilities(problem, V);
  const preconditioner = classBlockPreconditioner(classBlockInverses(problem, probs, (weights) => weights), p);
  for (let c = 0; c < m; c++) {
    const weights = classCurvatureWeights(problem, probs, c);
    let trace = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) trace += weights[i] * X[i * p + j] ** 2;
    const delta = CLASS_BLOCK_DAMPING * (trace / p);
    const d = new Float64Array(D);
    d.set(randomVector(p, 210 + c, 1), c * p);
    const Hd = softmaxHessianVector(problem, V, d);
    const Md = new Float64Array(D);
    for (let j = 0; j < p; j++) Md[c * p + j] = Hd[c * p + j] + delta * d[c * p + j];
    const back = new Float64Array(D);
    preconditioner.solve(Md, back);
    const error = Math.sqrt(back.reduce((s, v, j) => s + (v - d[j]) ** 2, 0) / d.reduce((s, v) => s + v * v, 0));
    assert.ok(error <= 1e-4, `class ${c}: relative error ${error}`);
    // The other classes' part of −∇²f d (the coupling the blocks leave out) is not zero: the blocks are an approximation.
    const coupling = Hd.reduce((s, v, j) => (Math.floor(j / p) === c ? s : s + v * v), 0);
    assert.ok(coupling > 0, `class ${c}: coupling to the other classes`);
  }
  for (let k = 0; k < 5; k++) {
    const r = randomVector(D, 220 + k, 1);
    const out = new Float64Array(D);
    preconditioner.solve(r, out);
    assert.ok(r.reduce((s, v, j) => s + v * out[j], 0) > 0, `rᵀM⁻¹r > 0 (${k})`);
  }
}

test('large Newton-CG blocks with several classes use the class blocks from CLASS_BLOCKS_MIN_ROWS_PER_COLUMN rows per column, A ⊗ G below, and two classes always A ⊗ G', () => {
  const p = 6;
  const used = (n: number, C: number) => {
    const problem = softProblem(n, p, C, 250 + n + C, { ridge: 0.1, weighted: true });
    const labels = new Set<string>();
    setNewtonStepTrace((step) => labels.add(step.preconditioner));
    try {
      const solved = fitSoftmaxRegression(problem, new Float64Array((C - 1) * p), { newtonLimit: 1, largeBlocks: 'newton-cg', tolerance: 1e-8 });
      assert.ok(solved.converged, `n = ${n}, C = ${C}: converged`);
    } finally {
      setNewtonStepTrace(undefined);
    }
    return [...labels];
  };
  assert.deepEqual(used(CLASS_BLOCKS_MIN_ROWS_PER_COLUMN * p, 4), ['class-blocks']);
  assert.deepEqual(used(CLASS_BLOCKS_MIN_ROWS_PER_COLUMN * p - 1, 4), ['kronecker']);
  assert.deepEqual(used(100 * p, 2), ['kronecker']);
});
