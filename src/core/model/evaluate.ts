/**
 * One pass over the rows at a parameter θ: gate probabilities, expert predictions, responsibilities (the E-step)
 * and the total log-likelihood with every constant (DESIGN §1). Everything is computed in log space.
 */
import type { Dataset } from '../data/dataset';
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
  const { K, p } = layout;
  const { family, C } = layout.shape;
  const { X, y, n } = data;
  const logPi = new Float64Array(n * K);
  const resp = new Float64Array(n * K);
  const rowLogLik = new Float64Array(n);
  const mean = family === 'gaussian' ? new Float64Array(n * K) : undefined;
  const probs = family === 'gaussian' ? undefined : new Float64Array(n * K * C);
  const logSigma = new Float64Array(K);
  for (let k = 0; k < K; k++) logSigma[k] = Math.log(layout.sigma(theta, k));
  const logJoint = new Float64Array(K);
  const eta = new Float64Array(Math.max(C, 1));
  let logLik = 0;

  for (let i = 0; i < n; i++) {
    const xOffset = i * p;
    const rowOffset = i * K;
    gateLogProbabilities(layout, theta, X, xOffset, logPi, rowOffset);
    for (let k = 0; k < K; k++) {
      let logDensity: number;
      if (mean) {
        const mu = layout.expertSign(k) * dot(theta, layout.betaRow(k, 0), X, xOffset, p);
        mean[rowOffset + k] = mu;
        const z = (y[i] - mu) * Math.exp(-logSigma[k]);
        logDensity = -HALF_LOG_TWO_PI - logSigma[k] - 0.5 * z * z;
      } else {
        const sign = layout.expertSign(k);
        for (let r = 0; r < C - 1; r++) eta[r] = sign * dot(theta, layout.betaRow(k, r), X, xOffset, p);
        eta[C - 1] = 0;
        const lse = logSumExp(eta, 0, C);
        const probOffset = (rowOffset + k) * C;
        for (let c = 0; c < C; c++) probs![probOffset + c] = Math.exp(eta[c] - lse);
        logDensity = eta[modelClass(layout, y[i])] - lse;
      }
      logJoint[k] = logPi[rowOffset + k] + logDensity;
    }
    const rowTotal = logSumExp(logJoint, 0, K);
    rowLogLik[i] = rowTotal;
    logLik += rowTotal;
    for (let k = 0; k < K; k++) resp[rowOffset + k] = Math.exp(logJoint[k] - rowTotal);
  }
  const objective = logLik - ridgePenalty(layout, theta);
  return { n, K, logLik, objective, logPi, resp, rowLogLik, mean, probs };
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

  for (let i = 0; i < n; i++) {
    const xOffset = i * p;
    const rowOffset = i * K;
    for (let k = 0; k < K - 1; k++) {
      const weight = resp[rowOffset + k] - Math.exp(ev.logPi[rowOffset + k]);
      if (constantGate) out[layout.gateRow(k)] += weight;
      else axpy(weight, X, xOffset, out, layout.gateRow(k), p);
    }
    for (let k = 0; k < K; k++) {
      const r = resp[rowOffset + k];
      if (r === 0) continue;
      const sign = layout.expertSign(k);
      if (family === 'gaussian') {
        const residual = y[i] - ev.mean![rowOffset + k];
        const inverseVariance = 1 / (sigma[k] * sigma[k]);
        axpy(sign * r * residual * inverseVariance, X, xOffset, out, layout.betaRow(k, 0), p);
        const sigmaIndex = layout.logSigmaIndex(k);
        if (sigmaIndex >= 0) out[sigmaIndex] += r * (residual * residual * inverseVariance - 1);
      } else {
        const label = modelClass(layout, y[i]);
        const probOffset = (rowOffset + k) * C;
        for (let c = 0; c < C - 1; c++) {
          const residual = (c === label ? 1 : 0) - ev.probs![probOffset + c];
          axpy(sign * r * residual, X, xOffset, out, layout.betaRow(k, c), p);
        }
      }
    }
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
