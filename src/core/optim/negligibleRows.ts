/**
 * A weighted softmax block without its rows of negligible weight, and what those rows could change.
 *
 * An expert's M-step weighs every row by its responsibility; once EM has sorted the rows between the experts, about
 * 40 % of an expert's rows on Fashion-MNIST weigh under 1e-6 (the other expert's), yet every f and ∇f pass of its
 * Newton-CG solve reads them. Left out, with
 *     s = Σ_out w_i ‖x_i‖₂,
 * they cannot move the block's gradient by more than b = √2·s (row i adds w_i (T_i − P_i) ⊗ x_i, and
 * ‖T_i − P_i‖₂ ≤ √2), nor its value between two points V₀, V by more than 2·s·max_c ‖V_c − V₀_c‖₂ (a row's
 * log-likelihood moves by at most twice its largest logit change, |x_iᵀ(V_c − V₀_c)| ≤ ‖x_i‖ ‖V_c − V₀_c‖). So a
 * solve of the rest (`newtonCg.ts`) that stops when ‖∇f_kept‖ + b meets the tolerance has met it on the whole
 * block, and a step whose gain on the rest exceeds the value bound has raised the whole block's f: EM stays
 * monotone and "exact" stays true. A solve that cannot show both, or does not converge, is redone on every row.
 */
import type { SoftmaxProblem } from './softmaxRegression';

/** Leave rows out only when at least this share of them can go (below it the copy of the rest is not worth it). */
export const MIN_LEFT_OUT = 0.2;

/** The block over its kept rows, and the bounds for the rows left out. */
export interface ReducedBlock {
  readonly problem: SoftmaxProblem;
  /** Σ_out w_i ‖x_i‖₂. */
  readonly normSum: number;
  /** Σ_out w_i (counted in the block's total weight, which normalizes its gradient). */
  readonly weightOut: number;
  /** The block's rows in all (kept and left out). */
  readonly allRows: number;
}

/** b: how far the rows left out can move the block's gradient (Euclidean norm). */
export function gradientBound(block: ReducedBlock): number {
  return Math.SQRT2 * block.normSum;
}

/** How far the rows left out can move f between coefficients V₀ and V (m × p class rows). */
export function valueBound(block: ReducedBlock, V0: Float64Array, V: Float64Array): number {
  const p = block.problem.p;
  let largest = 0;
  for (let start = 0; start < V.length; start += p) {
    let squares = 0;
    for (let j = start; j < start + p; j++) squares += (V[j] - V0[j]) ** 2;
    largest = Math.max(largest, squares);
  }
  return 2 * block.normSum * Math.sqrt(largest);
}

const rowNormCache = new WeakMap<Float64Array, Float64Array>();

/** ‖x_i‖₂ of every row of X (once per data set). */
function rowNorms(X: Float64Array, p: number): Float64Array {
  let norms = rowNormCache.get(X);
  if (!norms) {
    const n = X.length / p;
    norms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let squares = 0;
      for (let j = i * p; j < (i + 1) * p; j++) squares += X[j] * X[j];
      norms[i] = Math.sqrt(squares);
    }
    rowNormCache.set(X, norms);
  }
  return norms;
}

/**
 * The block without the rows of least w_i ‖x_i‖ that together move its gradient by at most `budget` (b ≤ budget),
 * or undefined when fewer than MIN_LEFT_OUT of its rows would go. A weighted block over X's first n rows only.
 */
export function withoutNegligibleRows(problem: SoftmaxProblem, budget: number): ReducedBlock | undefined {
  const { X, n, p, C, weights, targets, labels } = problem;
  if (!weights || problem.rows || !(budget > 0)) return undefined;
  const norms = rowNorms(X, p);
  const reach = new Float64Array(n);
  for (let i = 0; i < n; i++) reach[i] = weights[i] * norms[i];
  const sorted = reach.slice().sort();
  const allowed = budget / Math.SQRT2;
  let normSum = 0;
  let out = 0;
  while (out < n && normSum + sorted[out] <= allowed) normSum += sorted[out++];
  if (out < MIN_LEFT_OUT * n) return undefined;
  // Rows up to the cut go — or, when rows tied at the cut would together pass the budget, those below it only.
  const cut = sorted[out - 1];
  let upToCut = 0;
  for (let i = 0; i < n; i++) if (reach[i] <= cut) upToCut += reach[i];
  const goes = upToCut <= allowed ? (r: number) => r <= cut : (r: number) => r < cut;
  const kept: number[] = [];
  let weightOut = 0;
  normSum = 0;
  for (let i = 0; i < n; i++) {
    if (goes(reach[i])) {
      weightOut += weights[i];
      normSum += reach[i];
    } else kept.push(i);
  }
  if (n - kept.length < MIN_LEFT_OUT * n || kept.length === 0) return undefined;
  const rows = Int32Array.from(kept);
  return {
    problem: {
      X,
      n: rows.length,
      p,
      C,
      ridge: problem.ridge,
      rows,
      weights: Float64Array.from(rows, (i) => weights[i]),
      ...(targets ? { targets: gather(targets, rows, C) } : {}),
      ...(labels ? { labels: Int32Array.from(rows, (i) => labels[i]) } : {}),
    },
    normSum,
    weightOut,
    allRows: n,
  };
}

function gather(values: Float64Array, rows: Int32Array, width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((i, k) => out.set(values.subarray(i * width, (i + 1) * width), k * width));
  return out;
}
