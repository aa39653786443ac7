/**
 * One pass over the rows at a parameter θ: gate probabilities, expert predictions, responsibilities (the E-step)
 * and the total log-likelihood with every constant (DESIGN §1). Everything is computed in log space.
 */
import type { Dataset } from '../data/dataset';
import { kernelsFor, scratch } from '../kernels';
import { ParamLayout } from './layout';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export interface Evaluation {
  readonly n: number;
  readonly K: number;
  /** ℓ(θ) = Σ_i log Σ_k π_ik p_k(y_i | x_i), natural log, all constants included. */
  readonly logLik: number;
  /** ℓ(θ) − λ/2·‖coefficients‖² (equals logLik when λ = 0). */
  readonly objective: number;
  /** log π_ik, n × K. */
  readonly logPi: Float64Array;
  /** Responsibilities r_ik = P(z_i = k | x_i, y_i; θ), n × K. */
  readonly resp: Float64Array;
  /** log Σ_k π_ik p_ik per row (the row's contribution to ℓ). */
  readonly rowLogLik: Float64Array;
  /** Gaussian experts: means μ_ik, n × K. */
  readonly mean?: Float64Array;
  /** Classifier experts: P_k(class c | x_i), n × K × C, in model class order (see `modelClass`). */
  readonly probs?: Float64Array;
}

/**
 * The class index the model uses for a target value. Categorical: the class index itself (the last class is
 * the reference). Bernoulli: the free row is "y = 1" (index 0) and the reference is "y = 0" (index 1), so that
 * P(y = 1 | x, k) = sigmoid(β_kᵀx).
 */
export function modelClass(layout: ParamLayout, y: number): number {
  return layout.shape.family === 'bernoulli' ? (y === 1 ? 0 : 1) : y;
}

export function ridgePenalty(layout: ParamLayout, theta: Float64Array): number {
  const lambda = layout.shape.ridge;
  if (lambda === 0) return 0;
  let sum = 0;
  for (let j = 0; j < layout.sigmaOffset; j++) sum += theta[j] * theta[j];
  return 0.5 * lambda * sum;
}

export function evaluate(layout: ParamLayout, data: Dataset, theta: Float64Array): Evaluation {
  const { K } = layout;
  const { family, C } = layout.shape;
  const { y, n } = data;
  const logPi = new Float64Array(n * K);
  const resp = new Float64Array(n * K);
  const rowLogLik = new Float64Array(n);
  const mean = family === 'gaussian' ? new Float64Array(n * K) : undefined;
  const probs = family === 'gaussian' ? undefined : new Float64Array(n * K * C);
  const logSigma = new Float64Array(K);
  for (let k = 0; k < K; k++) logSigma[k] = Math.log(layout.sigma(theta, k));
  const inverseSigma = logSigma.map((value) => Math.exp(-value));
  const logJoint = new Float64Array(K);
  const eta = new Float64Array(Math.max(C, 1));
  const gateLogits = new Float64Array(K);
  // Every gate and expert logit of every row in one product (see `allLogits`).
  const { logits, m, expertColumn } = allLogits(layout, data, theta);
  const constantGate = layout.gateWidth === 1;
  const free = layout.expertRows;
  const bernoulli = family === 'bernoulli'; // see modelClass
  const signs = Float64Array.from({ length: K }, (_, k) => layout.expertSign(k));
  const columns = Int32Array.from({ length: K }, (_, k) => expertColumn(k));
  let logLik = 0;

  for (let i = 0; i < n; i++) {
    const rowOffset = i * K;
    const logitRow = i * m;
    for (let k = 0; k < K - 1; k++) gateLogits[k] = constantGate ? theta[layout.gateRow(k)] : logits[logitRow + k];
    gateLogProbabilitiesFromLogits(gateLogits, K, logPi, rowOffset);
    for (let k = 0; k < K; k++) {
      let logDensity: number;
      const sign = signs[k];
      const column = logitRow + columns[k];
      if (mean) {
        const mu = sign * logits[column];
        mean[rowOffset + k] = mu;
        const z = (y[i] - mu) * inverseSigma[k];
        logDensity = -HALF_LOG_TWO_PI - logSigma[k] - 0.5 * z * z;
      } else {
        // Softmax over the C − 1 free logits and the reference 0, one exp per class.
        let max = 0;
        for (let r = 0; r < free; r++) {
          const value = sign * logits[column + r];
          eta[r] = value;
          if (value > max) max = value;
        }
        eta[free] = 0;
        const probOffset = (rowOffset + k) * C;
        let sum = 0;
        for (let c = 0; c < C; c++) {
          const e = Math.exp(eta[c] - max);
          probs![probOffset + c] = e;
          sum += e;
        }
        const inverse = 1 / sum;
        for (let c = 0; c < C; c++) probs![probOffset + c] *= inverse;
        logDensity = eta[bernoulli ? (y[i] === 1 ? 0 : 1) : y[i]] - max - Math.log(sum);
      }
      logJoint[k] = logPi[rowOffset + k] + logDensity;
    }
    // log Σ_k exp(logJoint_k) and the responsibilities from the same exponentials.
    let maxJoint = -Infinity;
    for (let k = 0; k < K; k++) if (logJoint[k] > maxJoint) maxJoint = logJoint[k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(logJoint[k] - maxJoint);
      resp[rowOffset + k] = e;
      sum += e;
    }
    const rowTotal = maxJoint === -Infinity ? -Infinity : maxJoint + Math.log(sum);
    for (let k = 0; k < K; k++) resp[rowOffset + k] /= sum;
    rowLogLik[i] = rowTotal;
    logLik += rowTotal;
  }
  const objective = logLik - ridgePenalty(layout, theta);
  return { n, K, logLik, objective, logPi, resp, rowLogLik, mean, probs };
}

/**
 * The rows of θ that multiply x — the gate rows (unless the gate is constant) followed by every stored expert
 * row — are contiguous in the layout, so they form one m × p coefficient matrix W and all logits of all rows
 * are one product X Wᵀ, run by the data's kernels (`../kernels`). Column `expertColumn(k) + r` of a row holds
 * row r of expert k's stored block (before the sign of a symmetric model's second expert).
 */
function allLogits(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
): { logits: Float64Array; m: number; first: number; expertColumn: (k: number) => number } {
  const { p } = layout;
  const first = layout.gateWidth === 1 ? layout.betaOffset : 0;
  const m = (layout.sigmaOffset - first) / p;
  const logits = scratch('evaluate.logits', data.n * m);
  kernelsFor(data.X, data.n, p).logits(theta.subarray(first, layout.sigmaOffset), m, logits);
  const gateColumns = first === 0 ? layout.gateRows : 0;
  const expertColumn = (k: number): number => gateColumns + (layout.shape.symmetric ? 0 : k) * layout.expertRows;
  return { logits, m, first, expertColumn };
}

/** log π_i· from the K − 1 free gate logits (the reference logit is 0), written at `out[outOffset …)`. */
function gateLogProbabilitiesFromLogits(gateLogits: Float64Array, K: number, out: Float64Array, outOffset: number): void {
  let max = 0;
  for (let k = 0; k < K - 1; k++) {
    const g = gateLogits[k];
    out[outOffset + k] = g;
    if (g > max) max = g;
  }
  out[outOffset + K - 1] = 0;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(out[outOffset + k] - max);
  const lse = max + Math.log(sum);
  for (let k = 0; k < K; k++) out[outOffset + k] -= lse;
}

/** log π_i· for one row, written at `out[outOffset .. outOffset + K)`. */
export function gateLogProbabilities(
  layout: ParamLayout,
  theta: Float64Array,
  X: Float64Array,
  xOffset: number,
  out: Float64Array,
  outOffset: number,
): void {
  const { K, p } = layout;
  const constantGate = layout.gateWidth === 1;
  let max = 0; // the reference logit is 0
  for (let k = 0; k < K - 1; k++) {
    const g = constantGate ? theta[layout.gateRow(k)] : dot(theta, layout.gateRow(k), X, xOffset, p);
    out[outOffset + k] = g;
    if (g > max) max = g;
  }
  out[outOffset + K - 1] = 0;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(out[outOffset + k] - max);
  const lse = max + Math.log(sum);
  for (let k = 0; k < K; k++) out[outOffset + k] -= lse;
}

/**
 * ∇_θ of Q(θ | resp) − λ/2‖·‖², where Q(θ | r) = Σ_i Σ_k r_ik (log π_ik(θ) + log p_k(y_i | x_i; θ)) and
 * `ev` is the evaluation at θ. With resp = ev.resp this is ∇ℓ(θ) (Fisher's identity); with responsibilities
 * held at an earlier iterate it is Gradient EM's direction. The result is a total over rows, written to `out`.
 */
export function gradientQ(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
  ev: Evaluation,
  resp: Float64Array,
  out: Float64Array,
): Float64Array {
  const { K, p } = layout;
  const { family, C } = layout.shape;
  const { X, y, n } = data;
  out.fill(0);
  const constantGate = layout.gateWidth === 1;
  const sigma = new Float64Array(K);
  for (let k = 0; k < K; k++) sigma[k] = layout.sigma(theta, k);
  // ∂/∂(row c of W) = Σ_i A_ic x_i for the same W as `allLogits`: build A (n × m), then one product Aᵀ X.
  const first = constantGate ? layout.betaOffset : 0;
  const m = (layout.sigmaOffset - first) / p;
  const gateColumns = constantGate ? 0 : layout.gateRows;
  const free = layout.expertRows;
  const A = scratch('gradientQ.coefficients', n * m);
  A.fill(0);

  const signs = Float64Array.from({ length: K }, (_, k) => layout.expertSign(k));
  const columns = Int32Array.from({ length: K }, (_, k) => gateColumns + (layout.shape.symmetric ? 0 : k) * free);
  const sigmaIndices = Int32Array.from({ length: K }, (_, k) => layout.logSigmaIndex(k));
  const gaussian = family === 'gaussian';
  const { logPi, mean, probs } = ev;
  for (let i = 0; i < n; i++) {
    const rowOffset = i * K;
    const aRow = i * m;
    for (let k = 0; k < K - 1; k++) {
      const weight = resp[rowOffset + k] - Math.exp(logPi[rowOffset + k]);
      if (constantGate) out[layout.gateRow(k)] += weight;
      else A[aRow + k] = weight;
    }
    const label = gaussian ? -1 : modelClass(layout, y[i]);
    for (let k = 0; k < K; k++) {
      const r = resp[rowOffset + k];
      if (r === 0) continue;
      const signed = signs[k] * r;
      const column = aRow + columns[k];
      if (gaussian) {
        const residual = y[i] - mean![rowOffset + k];
        const inverseVariance = 1 / (sigma[k] * sigma[k]);
        A[column] += signed * residual * inverseVariance;
        if (sigmaIndices[k] >= 0) out[sigmaIndices[k]] += r * (residual * residual * inverseVariance - 1);
      } else {
        const probOffset = (rowOffset + k) * C;
        for (let c = 0; c < C - 1; c++) A[column + c] -= signed * probs![probOffset + c];
        if (label < C - 1) A[column + label] += signed;
      }
    }
  }
  if (m > 0) {
    const blocks = new Float64Array(m * p);
    kernelsFor(X, n, p).gradient(A, m, blocks);
    for (let j = 0; j < m * p; j++) out[first + j] += blocks[j];
  }
  const lambda = layout.shape.ridge;
  if (lambda > 0) for (let j = 0; j < layout.sigmaOffset; j++) out[j] -= lambda * theta[j];
  return out;
}

/** ∇ℓ(θ) (penalized when λ > 0), a total over rows. */
export function gradient(layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Evaluation): Float64Array {
  return gradientQ(layout, data, theta, ev, ev.resp, new Float64Array(layout.size));
}

export function dot(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, length: number): number {
  let sum = 0;
  for (let j = 0; j < length; j++) sum += a[aOffset + j] * b[bOffset + j];
  return sum;
}

/** out[outOffset + j] += alpha · x[xOffset + j]. */
export function axpy(alpha: number, x: Float64Array, xOffset: number, out: Float64Array, outOffset: number, length: number): void {
  for (let j = 0; j < length; j++) out[outOffset + j] += alpha * x[xOffset + j];
}

export function logSumExp(values: Float64Array, offset: number, length: number): number {
  let max = -Infinity;
  for (let j = 0; j < length; j++) if (values[offset + j] > max) max = values[offset + j];
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = 0; j < length; j++) sum += Math.exp(values[offset + j] - max);
  return max + Math.log(sum);
}
