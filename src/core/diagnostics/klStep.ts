/**
 * EM's step measured in its own geometry (DESIGN §3): the KL divergence between the complete-data distributions
 * p(y, z | x; θᵗ) and p(y, z | x; θᵗ⁺¹), averaged over the rows:
 *   (1/n) Σ_i Σ_k π_ik(θᵗ) [ log π_ik(θᵗ) − log π_ik(θᵗ⁺¹) + KL(p_k(·|x_i; θᵗ) ‖ p_k(·|x_i; θᵗ⁺¹)) ].
 */
import type { Dataset } from '../data/dataset';
import type { Evaluation } from '../model/evaluate';
import type { ParamLayout } from '../model/layout';
import { throwIfInterruptedAtRow } from '../interrupt';

export function completeDataKl(
  layout: ParamLayout,
  data: Dataset,
  before: Evaluation,
  thetaBefore: Float64Array,
  after: Evaluation,
  thetaAfter: Float64Array,
): number {
  const { K, p } = layout;
  const { C, family } = layout.shape;
  const { X } = data;
  const sigmaBefore = Array.from({ length: K }, (_, k) => layout.sigma(thetaBefore, k));
  const sigmaAfter = Array.from({ length: K }, (_, k) => layout.sigma(thetaAfter, k));
  const gaussian = family === 'gaussian';
  // Gaussian experts: μ_ik(θᵗ) − μ_ik(θᵗ⁺¹) = x_iᵀ Δ_k with Δ_k = sign_k·(β_k(θᵗ) − β_k(θᵗ⁺¹)); the evaluations do not
  // keep the means (n × K doubles each).
  const meanShift = new Float64Array(gaussian ? K * p : 0);
  if (gaussian) {
    for (let k = 0; k < K; k++) {
      const row = layout.betaRow(k, 0);
      const sign = layout.expertSign(k);
      for (let j = 0; j < p; j++) meanShift[k * p + j] = sign * (thetaBefore[row + j] - thetaAfter[row + j]);
    }
  }
  let total = 0;
  for (let i = 0; i < before.n; i++) {
    throwIfInterruptedAtRow(i);
    for (let k = 0; k < K; k++) {
      const index = i * K + k;
      const logPiBefore = before.logPi[index];
      const pi = Math.exp(logPiBefore);
      if (pi === 0) continue;
      let expertKl = 0;
      if (gaussian) {
        const s1 = sigmaBefore[k];
        const s2 = sigmaAfter[k];
        let dm = 0;
        for (let j = 0; j < p; j++) dm += X[i * p + j] * meanShift[k * p + j];
        expertKl = Math.log(s2 / s1) + (s1 * s1 + dm * dm) / (2 * s2 * s2) - 0.5;
      } else {
        for (let c = 0; c < C; c++) {
          const q1 = before.probs![index * C + c];
          const q2 = after.probs![index * C + c];
          if (q1 > 0) expertKl += q1 * Math.log(q1 / Math.max(q2, 1e-300));
        }
      }
      total += pi * (logPiBefore - after.logPi[index] + expertKl);
    }
  }
  return total / before.n;
}
