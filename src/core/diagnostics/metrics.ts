/**
 * Per-iteration summaries of an evaluation: accuracy or RMSE of the predictive distribution, the experts'
 * share of the data, the entropy of the responsibilities, SNR, and AIC / BIC.
 */
import type { Dataset } from '../data/dataset';
import type { Evaluation } from '../model/evaluate';
import type { ParamLayout } from '../model/layout';
import type { FullParams } from '../model/params';

/** Classification accuracy of argmax_c Σ_k π_ik P_k(c | x_i), or RMSE of the predictive mean Σ_k π_ik μ_ik. */
export function predictionQuality(_layout: ParamLayout, data: Dataset, ev: Evaluation): { accuracy?: number; rmse?: number } {
  // The evaluation summed the squared errors of the predictive mean, or counted the rows it classifies correctly,
  // in its pass over the rows.
  if (ev.squaredError !== undefined) return { rmse: Math.sqrt(ev.squaredError / data.n) };
  return { accuracy: ev.correct! / data.n };
}

/**
 * The experts' shares of the data: Σ_i r_ik / n (responsibilities: who explains each row, given its target),
 * Σ_i π_ik / n (the gate: who is assigned each row from its features alone), and the mean entropy (nats) of the
 * responsibilities (summed by the evaluation's pass). One pass over the E-step's responsibilities.
 */
export function mixing(ev: Evaluation): { weights: number[]; gateWeights: number[]; entropy: number } {
  const weights = new Array<number>(ev.K).fill(0);
  for (let i = 0; i < ev.n; i++) for (let k = 0; k < ev.K; k++) weights[k] += ev.resp[i * ev.K + k];
  return { weights: weights.map((w) => w / ev.n), gateWeights: Array.from(ev.gateWeights, (w) => w / ev.n), entropy: ev.responsibilityEntropy / ev.n };
}

/**
 * Gaussian experts: min_{k≠j} ‖β_k − β_j‖ / σ̄ with σ̄ the root mean of σ_k²; for (β*, −β*) with unit noise this
 * is 2‖β*‖. Classifier experts: the smallest separation min_{k≠j} ‖β_k − β_j‖_F.
 */
export function signalToNoise(params: FullParams): number {
  const { K, R, p } = params;
  if (K < 2) return Number.NaN;
  const size = R * p;
  let minDistance = Infinity;
  for (let k = 0; k < K; k++) {
    for (let l = k + 1; l < K; l++) {
      let squares = 0;
      for (let j = 0; j < size; j++) squares += (params.beta[k * size + j] - params.beta[l * size + j]) ** 2;
      minDistance = Math.min(minDistance, Math.sqrt(squares));
    }
  }
  if (!params.sigma) return minDistance;
  let meanVariance = 0;
  for (const s of params.sigma) meanVariance += s * s;
  return minDistance / Math.sqrt(meanVariance / K);
}

/** Lower is better for both: AIC = 2k − 2ℓ, BIC = k·ln n − 2ℓ, with k free parameters. */
export function informationCriteria(logLik: number, freeParameters: number, n: number): { aic: number; bic: number } {
  return { aic: 2 * freeParameters - 2 * logLik, bic: freeParameters * Math.log(n) - 2 * logLik };
}
