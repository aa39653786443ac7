/**
 * Parameter error against ground truth (DESIGN §3): experts are only identified up to a relabelling, so the
 * error is the minimum over label permutations of ‖β̂ − β*‖_F / ‖β*‖_F; the gate error is reported separately,
 * with the same permutation and the gate re-referenced to the permuted last expert.
 */
import type { FullParams } from '../model/params';

export interface ParameterError {
  /** Relative Frobenius error of the expert coefficients. */
  readonly expert: number;
  /** Relative Frobenius error of the gate (absolute when the true gate is 0). */
  readonly gate: number;
  /** permutation[k] = fitted expert matched to true expert k. */
  readonly permutation: readonly number[];
  /** Symmetric logistic model only: the match used the gate ↔ expert exchange (see `exchangeGateAndExperts`). */
  readonly exchanged?: boolean;
}

/**
 * In the symmetric two-expert logistic model, P(y = 1 | x) = σ(wᵀx)σ(βᵀx) + σ(−wᵀx)σ(−βᵀx) is unchanged when w
 * and β trade places, so (w, β) and (β, w) have the same likelihood: the error is the smaller of the two.
 */
export function symmetricLogisticError(fitted: FullParams, truth: FullParams): ParameterError {
  const direct = parameterError(fitted, truth);
  const swapped = parameterError(exchangeGateAndExperts(fitted), truth);
  return swapped.expert < direct.expert ? { ...swapped, exchanged: true } : direct;
}

/** (W = [w, 0], β = [b, −b]) → (W = [b, 0], β = [w, −w]). */
export function exchangeGateAndExperts(params: FullParams): FullParams {
  const { p } = params;
  const w = params.W.subarray(0, p).slice();
  const b = params.beta.subarray(0, p).slice();
  const W = new Float64Array(2 * p);
  W.set(b, 0);
  const beta = new Float64Array(2 * p);
  beta.set(w, 0);
  beta.set(w.map((v) => 0 - v), p);
  return { ...params, W, beta };
}

export function parameterError(fitted: FullParams, truth: FullParams): ParameterError {
  if (fitted.K !== truth.K || fitted.p !== truth.p || fitted.R !== truth.R) {
    throw new Error(`truth has shape K=${truth.K}, p=${truth.p}, R=${truth.R}; the model has K=${fitted.K}, p=${fitted.p}, R=${fitted.R}`);
  }
  const blockSize = fitted.R * fitted.p;
  const truthNorm = Math.sqrt(sumSquares(truth.beta)) || 1;
  let best = { error: Infinity, permutation: [] as number[] };
  for (const permutation of permutations(fitted.K)) {
    let squares = 0;
    for (let k = 0; k < fitted.K; k++) {
      for (let j = 0; j < blockSize; j++) squares += (fitted.beta[permutation[k] * blockSize + j] - truth.beta[k * blockSize + j]) ** 2;
    }
    const error = Math.sqrt(squares) / truthNorm;
    if (error < best.error) best = { error, permutation };
  }
  return { expert: best.error, gate: gateError(fitted, truth, best.permutation), permutation: best.permutation };
}

function gateError(fitted: FullParams, truth: FullParams, permutation: readonly number[]): number {
  const { K, p } = fitted;
  const reference = permutation[K - 1];
  let squares = 0;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < p; j++) {
      const relabelled = fitted.W[permutation[k] * p + j] - fitted.W[reference * p + j];
      const truthValue = truth.W[k * p + j] - truth.W[(K - 1) * p + j];
      squares += (relabelled - truthValue) ** 2;
    }
  }
  let truthSquares = 0;
  for (let k = 0; k < K; k++) for (let j = 0; j < p; j++) truthSquares += (truth.W[k * p + j] - truth.W[(K - 1) * p + j]) ** 2;
  return Math.sqrt(squares) / (Math.sqrt(truthSquares) || 1);
}

function sumSquares(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v * v;
  return sum;
}

/** All permutations of 0..K−1 (K ≤ 8 in practice: 40 320). */
export function permutations(K: number): number[][] {
  if (K > 8) throw new Error('parameter error by permutation supports at most 8 experts');
  const result: number[][] = [];
  const current: number[] = [];
  const used = new Array<boolean>(K).fill(false);
  const visit = () => {
    if (current.length === K) {
      result.push(current.slice());
      return;
    }
    for (let k = 0; k < K; k++) {
      if (used[k]) continue;
      used[k] = true;
      current.push(k);
      visit();
      current.pop();
      used[k] = false;
    }
  };
  visit();
  return result;
}
