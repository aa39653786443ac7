/**
 * Newton-CG's Hessian–vector products may skip the rows of least curvature (at most HESSIAN_SKIPPED_CURVATURE of it):
 * the kernels for a subset of rows compute what the full kernels compute on those rows, and a solve that skips rows
 * still reaches the dense-Newton optimum, with its stopping rule on the exact gradient, and a capped one is not called
 * converged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelsFor, setKernelChoice } from '../../src/core/kernels';
import { WasmMatrixKernels } from '../../src/core/kernels/wasm/wasmKernels';
import { HESSIAN_SKIPPED_CURVATURE, setNewtonStepTrace, truncatedNewton } from '../../src/core/optim/newtonCg';
import { fitSoftmaxRegression, type SoftmaxProblem } from '../../src/core/optim/softmaxRegression';
import { Random, softProblem } from './helpers';

test('kernels for a subset of rows compute the full kernels’ products on those rows (float32 and float64)', () => {
  const n = 700;
  const p = 140; // wide: WebAssembly kernels
  const m = 3;
  const rng = new Random(11);
  const X = Float64Array.from({ length: n * p }, () => rng.normal());
  const W = Float64Array.from({ length: m * p }, () => rng.normal());
  const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
  for (const choice of ['f32', 'f64'] as const) {
    const previous = setKernelChoice(choice);
    try {
      const full = kernelsFor(X, n, p);
      assert.ok(full instanceof WasmMatrixKernels, `${choice}: WebAssembly kernels`);
      const part = full.subset(rows);
      assert.equal(part.n, rows.length);
      const logits = new Float64Array(n * m);
      full.logits(W, m, logits);
      const partLogits = new Float64Array(rows.length * m);
      part.logits(W, m, partLogits);
      rows.forEach((i, k) => {
        for (let c = 0; c < m; c++) assert.equal(partLogits[k * m + c], logits[i * m + c], `${choice}: row ${i}, class ${c}`);
      });
      // Σ over the kept rows of a_i x_i: the full product with zero coefficients on the other rows.
      const A = Float64Array.from({ length: n * m }, () => rng.normal());
      const kept = new Set(rows);
      const masked = A.map((a, at) => (kept.has(Math.floor(at / m)) ? a : 0));
      const partA = new Float64Array(rows.length * m);
      rows.forEach((i, k) => partA.set(A.subarray(i * m, (i + 1) * m), k * m));
      const expected = new Float64Array(m * p);
      full.gradient(masked, m, expected);
      const got = new Float64Array(m * p);
      part.gradient(partA, m, got);
      const scale = Math.sqrt(expected.reduce((s, v) => s + v * v, 0) / expected.length);
      for (let j = 0; j < m * p; j++) assert.ok(Math.abs(got[j] - expected[j]) <= 1e-5 * scale, `${choice}: entry ${j}: ${got[j]} vs ${expected[j]}`);
    } finally {
      setKernelChoice(previous);
    }
  }
});

test('Newton-CG that skips rows of negligible curvature reaches the dense Newton optimum', () => {
  // Half the rows with almost no weight (as an expert's rows that another expert is responsible for).
  const base = softProblem(600, 6, 4, 12, { ridge: 0.05, weighted: true });
  const weights = base.weights!.map((w, i) => (i % 2 === 0 ? w : 1e-9 * w));
  const problem: SoftmaxProblem = { ...base, weights };
  const D = 3 * 6;
  const start = Float64Array.from({ length: D }, (_, j) => 0.1 * Math.sin(j));
  const dense = fitSoftmaxRegression(problem, start);
  const rowsRead: number[] = [];
  const skipped: number[] = [];
  const copied: boolean[] = [];
  setNewtonStepTrace((step) => {
    rowsRead.push(step.rows);
    skipped.push(step.skippedCurvature);
    copied.push(step.copiedRows);
  });
  try {
    const cg = truncatedNewton(problem, start, { maxIterations: 100, maxCgIterations: 100, stop: 'gradient', tolerance: 1e-9, preconditioner: 'kronecker' });
    assert.ok(rowsRead.some((rows) => rows <= 0.55 * problem.n), `CG read fewer rows: ${rowsRead}`);
    // Every step's products leave out at most 1 % of that step's curvature, also when a step keeps the copy of rows
    // made for the step before (as later steps here do).
    assert.ok(skipped.every((share) => share >= 0 && share <= HESSIAN_SKIPPED_CURVATURE), `skipped curvature ${skipped}`);
    assert.ok(copied.some((fresh, k) => !fresh && rowsRead[k] < problem.n), `a step kept the copy before it: ${copied}`);
    assert.ok(cg.converged && dense.converged);
    assert.ok(cg.gradientNorm <= 1e-9, `exact gradient at the end: ${cg.gradientNorm}`);
    assert.ok(Math.abs(cg.objective - dense.objective) <= 1e-10 * Math.abs(dense.objective), `f ${cg.objective} vs ${dense.objective}`);
    for (let j = 0; j < D; j++) assert.ok(Math.abs(cg.coef[j] - dense.coef[j]) <= 1e-6 * (1 + Math.abs(dense.coef[j])), `coefficient ${j}`);
    assert.ok(!Number.isInteger(cg.passes), `passes count the rows read: ${cg.passes}`);
    const capped = truncatedNewton(problem, start, { maxIterations: 1, maxCgIterations: 1, stop: 'gradient', tolerance: 1e-9, preconditioner: 'kronecker' });
    assert.equal(capped.converged, false, 'a capped solve that skipped rows is not called converged');
    assert.ok(capped.gradientNorm > 1e-9 && capped.objective < cg.objective);
  } finally {
    setNewtonStepTrace(undefined);
  }
  assert.ok(HESSIAN_SKIPPED_CURVATURE > 0 && HESSIAN_SKIPPED_CURVATURE <= 1e-2);
});
