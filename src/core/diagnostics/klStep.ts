/**
 * EM's step measured in its own geometry (DESIGN §3): the KL divergence between the complete-data distributions
 * p(y, z | x; θᵗ) and p(y, z | x; θᵗ⁺¹), averaged over the rows:
 *   (1/n) Σ_i Σ_k π_ik(θᵗ) [ log π_ik(θᵗ) − log π_ik(θᵗ⁺¹) + KL(p_k(·|x_i; θᵗ) ‖ p_k(·|x_i; θᵗ⁺¹)) ].
 *
 * Row by row (`KlStepRows`), so that it can be summed inside the pass that evaluates θᵗ⁺¹ into θᵗ's arrays
 * (`EvaluateOptions.klStepFrom`): each row's values at θᵗ are read just before they are overwritten, and the two
 * evaluations are never both whole in memory (issue 15, item 6). The gate's log π, which evaluations do not keep,
 * is recomputed from θ (one dot product per free gate row).
 */
import type { Dataset } from '../data/dataset';
import type { Evaluation } from '../model/evaluate';
import { rowGateLogProbabilities } from '../model/gate';
import type { ParamLayout } from '../model/layout';
import { throwIfInterruptedAtRow } from '../interrupt';

/** The KL step between two evaluations kept whole (e.g. accelerated EM's, which visits several points). */
export function completeDataKl(
  layout: ParamLayout,
  data: Dataset,
  before: Evaluation,
  thetaBefore: Float64Array,
  after: Evaluation,
  thetaAfter: Float64Array,
): number {
  const rows = new KlStepRows(layout, data, thetaBefore, thetaAfter);
  const logPiAfter = new Float64Array(layout.K);
  const gateLogits = new Float64Array(layout.K);
  for (let i = 0; i < before.n; i++) {
    throwIfInterruptedAtRow(i);
    rows.keepBefore(i, before.probs);
    rowGateLogProbabilities(layout, data.X, i, thetaAfter, gateLogits, logPiAfter);
    rows.add(i, logPiAfter, 0, after.probs);
  }
  return rows.total / before.n;
}

/**
 * The KL step summed one row at a time: `keepBefore(i, …)` computes row i's log π at θᵗ and copies its class
 * probabilities, then `add(i, …)` adds the row's term from its values at θᵗ⁺¹. Gaussian experts' means are not stored
 * by the evaluations: μ_ik(θᵗ) − μ_ik(θᵗ⁺¹) = x_iᵀΔ_k with Δ_k = sign_k·(β_k(θᵗ) − β_k(θᵗ⁺¹)).
 */
export class KlStepRows {
  /** Σ over the rows added so far (divide by n for the step). */
  total = 0;
  private readonly K: number;
  private readonly C: number;
  private readonly p: number;
  private readonly X: Float64Array;
  private readonly gaussian: boolean;
  private readonly sigmaBefore: number[];
  private readonly sigmaAfter: number[];
  private readonly meanShift: Float64Array;
  private readonly logPiBefore: Float64Array;
  private readonly probsBefore: Float64Array;
  private readonly gateLogits: Float64Array;

  constructor(
    private readonly layout: ParamLayout,
    data: Dataset,
    private readonly thetaBefore: Float64Array,
    thetaAfter: Float64Array,
  ) {
    const { K, p } = layout;
    const { C, family } = layout.shape;
    this.K = K;
    this.C = C;
    this.p = p;
    this.X = data.X;
    this.gaussian = family === 'gaussian';
    this.sigmaBefore = Array.from({ length: K }, (_, k) => layout.sigma(thetaBefore, k));
    this.sigmaAfter = Array.from({ length: K }, (_, k) => layout.sigma(thetaAfter, k));
    this.meanShift = new Float64Array(this.gaussian ? K * p : 0);
    if (this.gaussian) {
      for (let k = 0; k < K; k++) {
        const row = layout.betaRow(k, 0);
        const sign = layout.expertSign(k);
        for (let j = 0; j < p; j++) this.meanShift[k * p + j] = sign * (thetaBefore[row + j] - thetaAfter[row + j]);
      }
    }
    this.logPiBefore = new Float64Array(K);
    this.gateLogits = new Float64Array(K);
    this.probsBefore = new Float64Array(this.gaussian ? 0 : K * C);
  }

  /** Row i's values at θᵗ: log π from θᵗ, the class probabilities copied (the array may be overwritten next). */
  keepBefore(i: number, probs: Float64Array | undefined): void {
    const { K, C } = this;
    rowGateLogProbabilities(this.layout, this.X, i, this.thetaBefore, this.gateLogits, this.logPiBefore);
    if (!this.gaussian) this.probsBefore.set(probs!.subarray(i * K * C, (i + 1) * K * C));
  }

  /** Adds row i's term from its values at θᵗ⁺¹ (its log π at `logPi[piOffset …)`). */
  add(i: number, logPi: Float64Array, piOffset: number, probs: Float64Array | undefined): void {
    const { K, C, p, X, gaussian, sigmaBefore, sigmaAfter, meanShift, logPiBefore, probsBefore } = this;
    for (let k = 0; k < K; k++) {
      const before = logPiBefore[k];
      const pi = Math.exp(before);
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
          const q1 = probsBefore[k * C + c];
          const q2 = probs![(i * K + k) * C + c];
          if (q1 > 0) expertKl += q1 * Math.log(q1 / Math.max(q2, 1e-300));
        }
      }
      this.total += pi * (before - logPi[piOffset + k] + expertKl);
    }
  }
}
