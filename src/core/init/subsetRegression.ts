/**
 * `subsetRegression`: each expert is the least-squares line through its own small random subset of rows (p + 2
 * rows, so that its residual standard error has 2 degrees of freedom), σ_k that residual standard error (at least
 * sd(y)/100), the gate uniform. This is the idea of mixtools' start for mixtures of regressions
 * (`mixtools:::regmix.init`, Benaglia, Chauveau, Hunter & Young 2009, JSS 32(6)) — a least-squares fit per expert
 * on part of the rows — with subsets drawn at random: regmix.init cuts the rows, sorted by y, into K contiguous
 * groups of random sizes, which on data where one expert fits a third of the rows almost exactly never puts such
 * rows together (docs/starts.md). A subset of a few rows all from one expert gives that expert's line at once,
 * and every start has a fair chance of one.
 *
 * Classifier experts have no residual to measure: the groups are random rows of random sizes (each at least
 * max(4, p + 1) rows), and one M-step from those nearly hard responsibilities gives the experts and the gate.
 */
import type { Dataset } from '../data/dataset';
import type { ParamLayout } from '../model/layout';
import { weightedLeastSquares } from '../optim/denseSolve';
import type { Random } from '../random';
import { assignmentResponsibilities, mStepFrom, targetSpread } from './shared';

export function subsetRegressionStart(layout: ParamLayout, data: Dataset, rng: Random): Float64Array {
  if (layout.shape.family !== 'gaussian') return classifierGroupsStart(layout, data, rng);
  const { p, K } = layout;
  const size = Math.min(data.n, p + SUBSET_EXTRA_ROWS);
  const theta = new Float64Array(layout.size);
  const spread = targetSpread(data).sd;
  const sigmas = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const weight = new Float64Array(data.n);
    for (const row of sample(data.n, size, rng)) weight[row] = 1;
    const fit = weightedLeastSquares(data.X, data.n, p, weight, data.y, 1e-8 * size).x;
    // A subset that lies on a line gives σ ≈ 0; σ below sd(y)/100 would let one expert grab a handful of rows.
    sigmas[k] = Math.max(residualStandardError(data, fit, weight, size), spread / 100);
    if (k < layout.expertBlocks) theta.set(fit, layout.betaRow(k, 0));
  }
  for (let s = 0; s < layout.sigmaCount; s++) {
    theta[layout.sigmaOffset + s] = layout.shape.symmetric ? Math.log(0.5 * (sigmas[0] + sigmas[1])) : Math.log(sigmas[s]);
  }
  return theta; // gate 0: uniform weights
}

/** Rows per expert's subset beyond the p coefficients: 2 degrees of freedom for its residual standard error. */
export const SUBSET_EXTRA_ROWS = 2;

/** `size` distinct rows of 0..n−1, uniformly. */
function sample(n: number, size: number, rng: Random): Int32Array {
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + rng.integer(n - i);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows.subarray(0, size);
}

/** Classifier experts: random groups of random sizes, then one M-step from those (nearly hard) responsibilities. */
function classifierGroupsStart(layout: ParamLayout, data: Dataset, rng: Random): Float64Array {
  const sizes = groupSizes(data.n, layout.K, Math.max(4, layout.p + 1), rng);
  const order = Int32Array.from({ length: data.n }, (_, i) => i);
  rng.shuffle(order);
  return mStepFrom(layout, data, assignmentResponsibilities(groupOf(order, sizes), layout.K));
}

/** Random group sizes ∝ uniform draws, as regmix.init does, redrawn until each has `minimum` rows. */
function groupSizes(n: number, K: number, minimum: number, rng: Random): number[] {
  if (n < K * minimum) return Array.from({ length: K }, (_, k) => Math.floor((n + k) / K));
  for (let attempt = 0; attempt < 1000; attempt++) {
    const draws = Array.from({ length: K }, () => rng.uniform());
    const total = draws.reduce((a, b) => a + b, 0);
    const sizes = draws.map((draw) => Math.round((draw / total) * n));
    sizes[K - 1] = n - sizes.slice(0, K - 1).reduce((a, b) => a + b, 0);
    if (Math.min(...sizes) >= minimum) return sizes;
  }
  return Array.from({ length: K }, (_, k) => Math.floor((n + k) / K));
}

/** Group index per row: the first sizes[0] rows of `order` in group 0, and so on. */
function groupOf(order: Int32Array, sizes: readonly number[]): Int32Array {
  const groups = new Int32Array(order.length);
  let position = 0;
  sizes.forEach((size, k) => {
    for (let r = 0; r < size; r++) groups[order[position++]] = k;
  });
  return groups;
}

/** √(RSS / (m − p)) over the subset's rows (0 for rows on one line; the sd of y when m ≤ p). */
function residualStandardError(data: Dataset, fit: Float64Array, weight: Float64Array, size: number): number {
  let rss = 0;
  for (let i = 0; i < data.n; i++) {
    if (weight[i] === 0) continue;
    let prediction = 0;
    for (let j = 0; j < data.p; j++) prediction += data.X[i * data.p + j] * fit[j];
    rss += (data.y[i] - prediction) ** 2;
  }
  const freedom = size - data.p;
  const sigma = Math.sqrt(rss / freedom);
  return freedom > 0 && Number.isFinite(sigma) ? sigma : targetSpread(data).sd;
}
