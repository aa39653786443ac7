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

/** The subset's logits and gradient products equal the full kernels' on its rows. */
function assertSameProducts(full: WasmMatrixKernels, part: WasmMatrixKernels, rows: Int32Array, rng: Random, label: string): void {
  const { n, p } = full;
  const m = 3;
  assert.equal(part.n, rows.length);
  const W = Float64Array.from({ length: m * p }, () => rng.normal());
  const logits = new Float64Array(n * m);
  full.logits(W, m, logits);
  const partLogits = new Float64Array(rows.length * m);
  part.logits(W, m, partLogits);
  rows.forEach((i, k) => {
    for (let c = 0; c < m; c++) assert.equal(partLogits[k * m + c], logits[i * m + c], `${label}: row ${i}, class ${c}`);
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
  for (let j = 0; j < m * p; j++) assert.ok(Math.abs(got[j] - expected[j]) <= 1e-5 * scale, `${label}: entry ${j}: ${got[j]} vs ${expected[j]}`);
}

function wideKernels(n: number, p: number, rng: Random): WasmMatrixKernels {
  const X = Float64Array.from({ length: n * p }, () => rng.normal());
  const full = kernelsFor(X, n, p);
  assert.ok(full instanceof WasmMatrixKernels, 'WebAssembly kernels');
  return full;
}

test('kernels for a subset of rows compute the full kernels’ products on those rows (float32 and float64)', () => {
  const rng = new Random(11);
  const n = 700;
  const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
  for (const choice of ['f32', 'f64'] as const) {
    const previous = setKernelChoice(choice);
    try {
      const full = wideKernels(n, 140, rng); // p = 140: wide, so WebAssembly kernels
      assertSameProducts(full, full.subset(rows), rows, rng, choice);
    } finally {
      setKernelChoice(previous);
    }
  }
});

test('a released subset’s memory serves the next subset, which still computes its own rows’ products', () => {
  const rng = new Random(12);
  const n = 700;
  const memoryOf = (kernels: WasmMatrixKernels) => (kernels as unknown as { memory: WebAssembly.Memory }).memory;
  const previous = setKernelChoice('f32');
  try {
    const full = wideKernels(n, 140, rng);
    const most = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 !== 0);
    const first = full.subset(most);
    assertSameProducts(full, first, most, rng, 'first subset');
    first.release();
    // Fewer, different rows (in the memory that still holds the first subset's rows and scratch).
    const fewer = Int32Array.from({ length: n }, (_, i) => n - 1 - i).filter((i) => i % 4 === 1);
    const second = full.subset(fewer);
    assert.equal(memoryOf(second), memoryOf(first), 'the released memory is reused');
    assertSameProducts(full, second, fewer, rng, 'recycled subset');
    // A subset made while the spare is taken gets a memory of its own, and so does one too large for the spare.
    const third = full.subset(most);
    assert.notEqual(memoryOf(third), memoryOf(second));
    assertSameProducts(full, third, most, rng, 'subset beside the recycled one');
    second.release();
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const larger = full.subset(all);
    assert.notEqual(memoryOf(larger), memoryOf(second), 'a spare too small for the rows is not used');
    assertSameProducts(full, larger, all, rng, 'subset larger than the spare');
  } finally {
    setKernelChoice(previous);
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
