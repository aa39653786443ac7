/**
 * Newton-CG may leave out a block's rows of negligible weight (src/core/optim/negligibleRows.ts): the bounds on
 * what those rows could change hold against the real objective, and a solve that leaves rows out still meets its
 * tolerance on the whole block and never lowers its f — or is redone on every row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradientBound, valueBound, withoutNegligibleRows, MIN_LEFT_OUT } from '../../src/core/optim/negligibleRows';
import { setNewtonStepTrace, truncatedNewton, type PreconditionerMemory, type TruncatedNewtonOptions } from '../../src/core/optim/newtonCg';
import { softmaxObjective, totalWeight, type SoftmaxProblem } from '../../src/core/optim/softmaxRegression';
import { Random, softProblem } from './helpers';

/** A weighted block whose odd rows weigh almost nothing (an expert's rows that the other expert is responsible for). */
function expertLike(n: number, p: number, C: number, seed: number): SoftmaxProblem {
  const base = softProblem(n, p, C, seed, { ridge: 0.05, weighted: true });
  return { ...base, weights: base.weights!.map((w, i) => (i % 2 === 0 ? w : 1e-9 * w)) };
}

function norm(v: Float64Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

/** f and ∇f of a problem at V. */
function valueAndGradient(problem: SoftmaxProblem, V: Float64Array): { value: number; grad: Float64Array } {
  const grad = new Float64Array(V.length);
  return { value: softmaxObjective(problem, V, grad), grad };
}

for (const [label, p] of [['narrow (JavaScript kernels)', 6], ['wide (WebAssembly kernels)', 140]] as const) {
  test(`${label}: the rows left out move ∇f and f by no more than their bounds`, () => {
    const problem = expertLike(600, p, 4, 21);
    const reduced = withoutNegligibleRows(problem, 1e-3);
    assert.ok(reduced, 'rows left out');
    assert.ok(problem.n - reduced.problem.n >= MIN_LEFT_OUT * problem.n && reduced.problem.n >= problem.n / 2, `${reduced.problem.n} rows kept`);
    assert.ok(gradientBound(reduced) <= 1e-3, `b ${gradientBound(reduced)}`);
    const rng = new Random(22);
    const D = 3 * p;
    for (let trial = 0; trial < 3; trial++) {
      const V0 = Float64Array.from({ length: D }, () => 0.3 * rng.normal());
      const V = V0.map((v) => v + 0.5 * rng.normal());
      const full0 = valueAndGradient(problem, V0);
      const full = valueAndGradient(problem, V);
      const kept0 = valueAndGradient(reduced.problem, V0);
      const kept = valueAndGradient(reduced.problem, V);
      const gradientGap = norm(full.grad.map((g, j) => g - kept.grad[j]));
      assert.ok(gradientGap <= gradientBound(reduced) * (1 + 1e-6) + 1e-12, `‖∇f − ∇f_kept‖ ${gradientGap} ≤ b ${gradientBound(reduced)}`);
      const valueGap = Math.abs(full.value - full0.value - (kept.value - kept0.value));
      assert.ok(valueGap <= valueBound(reduced, V0, V) * (1 + 1e-6) + 1e-9, `|Δf_out| ${valueGap} ≤ ${valueBound(reduced, V0, V)}`);
      assert.ok(gradientGap > 0, 'the left-out rows do weigh something');
    }
  });

  test(`${label}: a solve that leaves rows out meets its tolerance on every row and never lowers f`, () => {
    const problem = expertLike(600, p, 4, 23);
    const D = 3 * p;
    const start = Float64Array.from({ length: D }, (_, j) => 0.1 * Math.sin(j));
    // As an M-step asks: ‖∇f‖ down to 1e-2 of its value at the start (or 1e-10 per unit weight).
    const relativeTolerance = 1e-2;
    const memory: PreconditionerMemory = { uses: 0 };
    const options: TruncatedNewtonOptions = { maxIterations: 100, maxCgIterations: 100, stop: 'gradient', tolerance: 1e-10, relativeTolerance, preconditioner: 'kronecker', memory };
    const blockRows: number[] = [];
    setNewtonStepTrace((step) => blockRows.push(step.blockRows));
    try {
      const first = truncatedNewton(problem, start, options); // every row: the memory learns the block's gradient
      assert.ok(first.converged && memory.initialGradient! > 0);
      assert.ok(blockRows.every((r) => r === problem.n), 'the first solve reads every row');
      blockRows.length = 0;
      // The next M-step of the same block, from a nearby point: the rows of weight 1e-9 may go.
      const next = start.map((v, j) => v + 0.05 * Math.cos(j));
      const weight = totalWeight(problem);
      const initial = norm(valueAndGradient(problem, next).grad) / weight;
      const solve = truncatedNewton(problem, next, options);
      assert.ok(blockRows.length > 0 && blockRows.every((r) => r === problem.n / 2), `f and ∇f over the 300 rows of weight: ${blockRows}`);
      const full = valueAndGradient(problem, solve.coef);
      assert.ok(solve.converged, 'converged');
      assert.ok(norm(full.grad) / weight <= relativeTolerance * initial, `the whole block's gradient ${norm(full.grad) / weight} meets 1e-2 of ${initial}`);
      assert.ok(solve.gradientNorm >= norm(full.grad) / weight, `the reported norm ${solve.gradientNorm} bounds the true one ${norm(full.grad) / weight}`);
      assert.ok(full.value >= valueAndGradient(problem, next).value, 'f did not drop');
    } finally {
      setNewtonStepTrace(undefined);
    }
  });
}

test('a solve whose left-out rows could have lost more than it gained, or that cannot converge without them, is redone on every row', () => {
  const problem = expertLike(600, 6, 4, 25);
  const start = Float64Array.from({ length: 18 }, (_, j) => 0.1 * Math.sin(j));
  const relativeTolerance = 1e-2;
  // A memory that remembers a huge gradient: rows of real weight are then left out, and their bound swamps the solve.
  const memory: PreconditionerMemory = { uses: 0, initialGradient: 1e6 };
  const blockRows: number[] = [];
  setNewtonStepTrace((step) => blockRows.push(step.blockRows));
  try {
    const weight = totalWeight(problem);
    const initial = norm(valueAndGradient(problem, start).grad) / weight;
    const solve = truncatedNewton(problem, start, { maxIterations: 100, maxCgIterations: 100, stop: 'gradient', tolerance: 1e-10, relativeTolerance, preconditioner: 'kronecker', memory });
    assert.ok(blockRows.some((r) => r < problem.n) && blockRows.at(-1) === problem.n, `a solve over fewer rows, then one over all: ${blockRows}`);
    const full = valueAndGradient(problem, solve.coef);
    assert.ok(solve.converged && norm(full.grad) / weight <= relativeTolerance * initial, `true gradient ${norm(full.grad) / weight}`);
    assert.ok(full.value >= valueAndGradient(problem, start).value);
  } finally {
    setNewtonStepTrace(undefined);
  }
});
