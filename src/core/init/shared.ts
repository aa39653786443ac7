/** Pieces shared by the starting strategies. */
import type { Dataset, Standardization } from '../data/dataset';
import type { ParamLayout } from '../model/layout';
import { expandParams, packParams, toRawCoordinates } from '../model/params';
import { emUpdate } from '../solvers/mstep';

/** Mean and population sd of the target (sd 1 for a constant target). */
export function targetSpread(data: Dataset): { mean: number; sd: number } {
  let mean = 0;
  for (let i = 0; i < data.n; i++) mean += data.y[i];
  mean /= data.n;
  let squares = 0;
  for (let i = 0; i < data.n; i++) squares += (data.y[i] - mean) ** 2;
  return { mean, sd: Math.sqrt(squares / data.n) || 1 };
}

/**
 * Mean and population sd of column j of a row-major n × p matrix; a constant column gets sd 1 (it stays constant).
 * "Constant" is relative to the mean: the sum of n copies of 0.1 is not exactly n·0.1, and the sd of that round-off
 * must not blow it up into a column of ±1.
 */
export function columnSpread(X: Float64Array, n: number, p: number, j: number): { mean: number; sd: number } {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += X[i * p + j];
  mean /= n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (X[i * p + j] - mean) ** 2;
  const sd = Math.sqrt(squares / n);
  return { mean, sd: sd > 1e-12 * Math.max(Math.abs(mean), 1) ? sd : 1 };
}

/**
 * The data with its features as z-scores (the intercept column kept), and the statistics used — the data itself
 * when the model already works on standardized features. Starts are drawn on this scale: a gate row of size
 * ~1 on raw features of size ~100 saturates the gate before the first iteration.
 */
export function onStandardizedScale(data: Dataset): { data: Dataset; standardization?: Standardization } {
  const d = data.p - 1;
  if (data.standardization || d === 0) return { data };
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  const X = data.X.slice();
  for (let j = 0; j < d; j++) {
    const spread = columnSpread(data.X, data.n, data.p, j);
    mean[j] = spread.mean;
    scale[j] = spread.sd;
    for (let i = 0; i < data.n; i++) X[i * data.p + j] = (data.X[i * data.p + j] - mean[j]) / scale[j];
  }
  const standardization = { mean, scale };
  return { data: { ...data, X, standardization }, standardization };
}

/** θ drawn on z-scored features rewritten for the raw features (identity without statistics). */
export function toModelCoordinates(layout: ParamLayout, theta: Float64Array, standardization: Standardization | undefined): Float64Array {
  if (!standardization) return theta;
  return packParams(layout, toRawCoordinates(expandParams(layout, theta), standardization));
}

/**
 * Nearly hard responsibilities from a row → expert assignment: `share` on the assigned expert, the rest spread
 * over the others (a little mass everywhere, so that no expert starts empty and no block starts separated).
 */
export function assignmentResponsibilities(assignment: Int32Array, K: number, share = 0.98): Float64Array {
  const n = assignment.length;
  if (K === 1) return new Float64Array(n).fill(1);
  const resp = new Float64Array(n * K).fill((1 - share) / (K - 1));
  for (let i = 0; i < n; i++) resp[i * K + assignment[i]] = share;
  return resp;
}

/** One M-step from the given responsibilities (σ starts at sd(y) for blocks the M-step does not set). */
export function mStepFrom(layout: ParamLayout, data: Dataset, resp: Float64Array): Float64Array {
  const base = new Float64Array(layout.size);
  const { sd } = targetSpread(data);
  for (let s = 0; s < layout.sigmaCount; s++) base[layout.sigmaOffset + s] = Math.log(sd);
  return emUpdate(layout, data, base, { n: data.n, K: layout.K, resp }).theta;
}
