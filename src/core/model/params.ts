/**
 * Parameters in full, readable form — every expert's coefficients (the symmetric model expanded to β, −β), the
 * gate with its zero reference row, and σ — and conversions between the standardized feature space the solvers
 * work in and the raw feature space of the CSV (where ground truth is stated).
 */
import type { Standardization } from '../data/dataset';
import type { ParamLayout } from './layout';

export interface FullParams {
  readonly K: number;
  /** Coefficients per row, the intercept last. */
  readonly p: number;
  /** Coefficient rows per expert: 1, or C − 1 for categorical experts. */
  readonly R: number;
  /** Gate, K × p, last row 0 (a constant gate has only the intercept). */
  readonly W: Float64Array;
  /** Experts, K × R × p. */
  readonly beta: Float64Array;
  /** Gaussian experts' noise standard deviations. */
  readonly sigma?: Float64Array;
}

export function expandParams(layout: ParamLayout, theta: Float64Array): FullParams {
  const { K, p } = layout;
  const R = layout.expertRows;
  const W = new Float64Array(K * p);
  for (let k = 0; k < K - 1; k++) {
    const offset = layout.gateRow(k);
    if (layout.gateWidth === 1) W[k * p + p - 1] = theta[offset];
    else W.set(theta.subarray(offset, offset + p), k * p);
  }
  const beta = new Float64Array(K * R * p);
  for (let k = 0; k < K; k++) {
    const sign = layout.expertSign(k);
    for (let r = 0; r < R; r++) {
      const offset = layout.betaRow(k, r);
      for (let j = 0; j < p; j++) beta[(k * R + r) * p + j] = sign * theta[offset + j];
    }
  }
  const sigma = layout.shape.family === 'gaussian' ? Float64Array.from({ length: K }, (_, k) => layout.sigma(theta, k)) : undefined;
  return { K, p, R, W, beta, sigma };
}

/**
 * θ from full parameters: gate rows re-referenced to the last expert (w_k − w_K), the first expert's block for a
 * symmetric model, log σ (the mean of log σ_k for a shared σ).
 */
export function packParams(layout: ParamLayout, full: FullParams): Float64Array {
  const { K, p } = layout;
  const theta = new Float64Array(layout.size);
  for (let k = 0; k < K - 1; k++) {
    const offset = layout.gateRow(k);
    if (layout.gateWidth === 1) theta[offset] = full.W[k * p + p - 1] - full.W[(K - 1) * p + p - 1];
    else for (let j = 0; j < p; j++) theta[offset + j] = full.W[k * p + j] - full.W[(K - 1) * p + j];
  }
  for (let k = 0; k < layout.expertBlocks; k++) {
    for (let r = 0; r < layout.expertRows; r++) {
      theta.set(full.beta.subarray((k * layout.expertRows + r) * p, (k * layout.expertRows + r + 1) * p), layout.betaRow(k, r));
    }
  }
  if (layout.sigmaCount > 0 && full.sigma) {
    if (layout.shape.symmetric) theta[layout.sigmaOffset] = 0.5 * (Math.log(full.sigma[0]) + Math.log(full.sigma[1]));
    else for (let k = 0; k < K; k++) theta[layout.sigmaOffset + k] = Math.log(full.sigma[k]);
  }
  return theta;
}

/** Rewrites coefficient rows v (on standardized x) as rows on raw x: v_j / s_j, intercept v₀ − Σ v_j m_j / s_j. */
export function toRawCoordinates(full: FullParams, standardization: Standardization | undefined): FullParams {
  if (!standardization) return full;
  return { ...full, W: mapRows(full.W, full.p, (row) => rowToRaw(row, standardization)), beta: mapRows(full.beta, full.p, (row) => rowToRaw(row, standardization)) };
}

/** The inverse of `toRawCoordinates`. */
export function toStandardizedCoordinates(full: FullParams, standardization: Standardization | undefined): FullParams {
  if (!standardization) return full;
  return {
    ...full,
    W: mapRows(full.W, full.p, (row) => rowToStandardized(row, standardization)),
    beta: mapRows(full.beta, full.p, (row) => rowToStandardized(row, standardization)),
  };
}

function mapRows(values: Float64Array, p: number, map: (row: Float64Array) => void): Float64Array {
  const out = values.slice();
  for (let offset = 0; offset < out.length; offset += p) map(out.subarray(offset, offset + p));
  return out;
}

function rowToRaw(row: Float64Array, { mean, scale }: Standardization): void {
  const d = row.length - 1;
  let shift = 0;
  for (let j = 0; j < d; j++) {
    row[j] /= scale[j];
    shift += row[j] * mean[j];
  }
  row[d] -= shift;
}

function rowToStandardized(row: Float64Array, { mean, scale }: Standardization): void {
  const d = row.length - 1;
  let shift = 0;
  for (let j = 0; j < d; j++) {
    shift += row[j] * mean[j];
    row[j] *= scale[j];
  }
  row[d] += shift;
}

/** Nested arrays for JSON output: W as K × p, beta as K × p (or K × (C−1) × p), sigma. */
export function paramsToJson(full: FullParams): { W: number[][]; beta: number[][] | number[][][]; sigma?: number[] } {
  const rows = (values: Float64Array, count: number) =>
    Array.from({ length: count }, (_, r) => Array.from(values.subarray(r * full.p, (r + 1) * full.p)));
  const W = rows(full.W, full.K);
  const flatBeta = rows(full.beta, full.K * full.R);
  const beta = full.R === 1 ? flatBeta : Array.from({ length: full.K }, (_, k) => flatBeta.slice(k * full.R, (k + 1) * full.R));
  return { W, beta, ...(full.sigma ? { sigma: Array.from(full.sigma) } : {}) };
}

/** Reads the JSON form back (the truth file uses it). */
export function paramsFromJson(json: { W: number[][]; beta: number[][] | number[][][]; sigma?: number[] }): FullParams {
  const K = json.W.length;
  const p = json.W[0]?.length ?? 0;
  const betaRows: number[][] = (json.beta as unknown[]).flatMap((entry) =>
    Array.isArray((entry as unknown[])[0]) ? (entry as number[][]) : [entry as number[]],
  );
  const R = betaRows.length / K;
  return {
    K,
    p,
    R,
    W: Float64Array.from(json.W.flat()),
    beta: Float64Array.from(betaRows.flat()),
    sigma: json.sigma ? Float64Array.from(json.sigma) : undefined,
  };
}
