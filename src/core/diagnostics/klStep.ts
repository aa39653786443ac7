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
import { gateLogProbabilitiesFromLogits, rowGateLogProbabilities } from '../model/gate';
import { fastExp } from '../kernels/exp';
import { logitsJs } from '../kernels/js';
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

/** Rows of θᵗ's gate logits and mean shifts computed per product (a `logitsJs` call). */
const KL_BLOCK_ROWS = 4096;

/**
 * The KL step summed one row at a time: `keepBefore(i, …)` takes row i's log π at θᵗ and copies its class
 * probabilities, then `add(i, …)` adds the row's term from its values at θᵗ⁺¹. Rows must be visited in order. Gaussian
 * experts' means are not stored by the evaluations: μ_ik(θᵗ) − μ_ik(θᵗ⁺¹) = x_iᵀΔ_k with Δ_k = sign_k·(β_k(θᵗ) −
 * β_k(θᵗ⁺¹)). The gate logits at θᵗ and the x_iᵀΔ_k are one product with X, made for KL_BLOCK_ROWS rows at a time by
 * the same kernel as an evaluation's logits (a dot product per row and coefficient row, summed in column order):
 * on tall data a row's own dot products, one call each, took a fifth of an EM iteration.
 */
export class KlStepRows {
  /** Σ over the rows added so far (divide by n for the step). */
  total = 0;
  private readonly K: number;
  private readonly C: number;
  private readonly p: number;
  private readonly n: number;
  private readonly X: Float64Array;
  private readonly gaussian: boolean;
  /** Gate logits come from θᵗ's intercepts, the same for every row (a gate of width 1). */
  private readonly constantGate: boolean;
  /** The free gate logits of a constant gate; otherwise unused. */
  private readonly constantGateLogits: Float64Array;
  /** Per expert: log(σ_after / σ_before) − 1/2, σ_before², and 1 / (2σ_after²). */
  private readonly logSigmaRatio: Float64Array;
  private readonly varianceBefore: Float64Array;
  private readonly halfPrecisionAfter: Float64Array;
  /** The coefficient rows of the block product: θᵗ's free gate rows (unless constant), then Δ_k (gaussian). */
  readonly coefficients: Float64Array;
  /** Rows of `coefficients` (0: nothing to compute per row). */
  readonly columns: number;
  private readonly gateColumns: number;
  /** The current block's products: `ownBlock`, or a block handed over by `takeBlock`. */
  private block: Float64Array;
  private readonly ownBlock: Float64Array;
  private blockStart = 0;
  private blockEnd = 0;
  /** Where row i's mean shifts start in `block` (set by keepBefore). */
  private shiftAt = 0;
  private readonly logPiBefore: Float64Array;
  private readonly probsBefore: Float64Array;
  private readonly gateLogits: Float64Array;

  constructor(layout: ParamLayout, data: Dataset, thetaBefore: Float64Array, thetaAfter: Float64Array) {
    const { K, p } = layout;
    const { C, family } = layout.shape;
    this.K = K;
    this.C = C;
    this.p = p;
    this.n = data.n;
    this.X = data.X;
    this.gaussian = family === 'gaussian';
    this.constantGate = layout.gateWidth === 1;
    this.constantGateLogits = Float64Array.from({ length: Math.max(K - 1, 0) }, (_, k) => thetaBefore[layout.gateRow(k)]);
    this.logSigmaRatio = new Float64Array(K);
    this.varianceBefore = new Float64Array(K);
    this.halfPrecisionAfter = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const s1 = layout.sigma(thetaBefore, k);
      const s2 = layout.sigma(thetaAfter, k);
      this.logSigmaRatio[k] = Math.log(s2 / s1) - 0.5;
      this.varianceBefore[k] = s1 * s1;
      this.halfPrecisionAfter[k] = 1 / (2 * s2 * s2);
    }
    this.gateColumns = this.constantGate ? 0 : K - 1;
    this.columns = this.gateColumns + (this.gaussian ? K : 0);
    this.coefficients = new Float64Array(this.columns * p);
    for (let k = 0; k < this.gateColumns; k++) this.coefficients.set(thetaBefore.subarray(layout.gateRow(k), layout.gateRow(k) + p), k * p);
    if (this.gaussian) {
      for (let k = 0; k < K; k++) {
        const row = layout.betaRow(k, 0);
        const sign = layout.expertSign(k);
        const at = (this.gateColumns + k) * p;
        for (let j = 0; j < p; j++) this.coefficients[at + j] = sign * (thetaBefore[row + j] - thetaAfter[row + j]);
      }
    }
    this.ownBlock = new Float64Array(Math.min(this.n, KL_BLOCK_ROWS) * this.columns);
    this.block = this.ownBlock;
    this.logPiBefore = new Float64Array(K);
    this.gateLogits = new Float64Array(K);
    this.probsBefore = new Float64Array(this.gaussian ? 0 : K * C);
  }

  /** Row i's values at θᵗ: log π from θᵗ, the class probabilities copied (the array may be overwritten next). */
  keepBefore(i: number, probs: Float64Array | undefined): void {
    const { K, C, columns } = this;
    if (i < this.blockStart || i >= this.blockEnd) this.computeBlock(i);
    const at = (i - this.blockStart) * columns;
    const [logits, from] = this.constantGate ? [this.constantGateLogits, 0] : [this.block, at];
    for (let k = 0; k < K - 1; k++) this.gateLogits[k] = logits[from + k];
    gateLogProbabilitiesFromLogits(this.gateLogits, K, this.logPiBefore, 0);
    this.shiftAt = at + this.gateColumns;
    if (!this.gaussian) this.probsBefore.set(probs!.subarray(i * K * C, (i + 1) * K * C));
  }

  /** Adds row i's term from its values at θᵗ⁺¹ (its log π at `logPi[piOffset …)`). */
  add(i: number, logPi: Float64Array, piOffset: number, probs: Float64Array | undefined): void {
    const { K, C, gaussian, block, shiftAt, logSigmaRatio, varianceBefore, halfPrecisionAfter, logPiBefore, probsBefore } = this;
    for (let k = 0; k < K; k++) {
      const before = logPiBefore[k];
      const pi = fastExp(before);
      if (pi === 0) continue;
      let expertKl = 0;
      if (gaussian) {
        const dm = block[shiftAt + k];
        expertKl = logSigmaRatio[k] + (varianceBefore[k] + dm * dm) * halfPrecisionAfter[k];
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

  /**
   * Rows [start, end)'s products X_b coefficientsᵀ, made by a pass that reads the rows anyway (`ExtraLogits` of
   * kernels/narrow.ts, the same arithmetic as `computeBlock`): used, not copied, until a row outside them is asked for.
   */
  takeBlock(start: number, end: number, products: Float64Array): void {
    this.block = products;
    this.blockStart = start;
    this.blockEnd = end;
  }

  /** The block of rows from `first` on: θᵗ's gate logits and the mean shifts, one product. */
  private computeBlock(first: number): void {
    const { p, columns } = this;
    const end = Math.min(this.n, first + KL_BLOCK_ROWS);
    this.block = this.ownBlock;
    if (columns > 0) logitsJs(this.X.subarray(first * p, end * p), end - first, p, this.coefficients, columns, this.block);
    this.blockStart = first;
    this.blockEnd = end;
  }
}
