/**
 * The gate's log-probabilities log π_i· of one row, from its K − 1 free logits (the reference logit is 0), shared by
 * the evaluation's pass and the diagnostics that recompute them from θ (evaluations do not keep them: issue 15,
 * item 6).
 */
import { fastExp } from '../kernels/exp';
import type { ParamLayout } from './layout';

/** log π_i· from the K − 1 free gate logits, written at `out[outOffset …)`. */
export function gateLogProbabilitiesFromLogits(gateLogits: Float64Array, K: number, out: Float64Array, outOffset: number): void {
  if (K === 2) {
    // Two experts (tall data's usual gate, two calls per row of a pass): the loops below unrolled, the same bits —
    // the exponentials are e^0 = 1 and e^−|g|, summed in either order.
    const g = gateLogits[0];
    const lse = (g > 0 ? g : 0) + Math.log(1 + fastExp(-Math.abs(g)));
    out[outOffset] = g - lse;
    out[outOffset + 1] = -lse;
    return;
  }
  let max = 0;
  for (let k = 0; k < K - 1; k++) {
    const g = gateLogits[k];
    out[outOffset + k] = g;
    if (g > max) max = g;
  }
  out[outOffset + K - 1] = 0;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += fastExp(out[outOffset + k] - max);
  const lse = max + Math.log(sum);
  for (let k = 0; k < K; k++) out[outOffset + k] -= lse;
}

/**
 * log π_i· of row i of X (n × p, row-major) at θ, computed from θ directly (one dot product per free gate row):
 * for diagnostics that need the gate at an iterate whose evaluation is gone. `gateLogits` is a work array of K.
 */
export function rowGateLogProbabilities(layout: ParamLayout, X: Float64Array, i: number, theta: Float64Array, gateLogits: Float64Array, out: Float64Array): void {
  const { K, p } = layout;
  const constantGate = layout.gateWidth === 1;
  for (let k = 0; k < K - 1; k++) {
    const row = layout.gateRow(k);
    if (constantGate) {
      gateLogits[k] = theta[row];
      continue;
    }
    let sum = 0;
    for (let j = 0; j < p; j++) sum += X[i * p + j] * theta[row + j];
    gateLogits[k] = sum;
  }
  gateLogProbabilitiesFromLogits(gateLogits, K, out, 0);
}
