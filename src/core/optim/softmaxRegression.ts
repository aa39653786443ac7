/**
 * Weighted softmax (multinomial logistic) regression with soft targets — the sub-problem of every classifier
 * M-step: the gate (targets = responsibilities), categorical experts (targets = labels, weights = r_ik),
 * bernoulli experts (C = 2) and the symmetric logistic model (soft targets).
 *
 * maximize f(V) = Σ_i w_i Σ_c T_ic log softmax_c(V x_i) − λ/2‖V‖², V ∈ R^{(C−1)×p}, last class the reference.
 *
 * Newton with backtracking to a tight tolerance while (C−1)·p is small; L-BFGS warm-started at the given V for
 * larger blocks (DESIGN §2). Both only ever accept steps that increase f.
 */
import { solveSymmetricPositiveDefinite } from './denseSolve';
import { lbfgsMaximize } from './lbfgs';

export interface SoftmaxProblem {
  /** Rows × p, row-major. */
  readonly X: Float64Array;
  readonly n: number;
  readonly p: number;
  readonly C: number;
  /** Soft targets, n × C, rows summing to 1 — or `labels`. */
  readonly targets?: Float64Array;
  /** Hard targets: class index per row (model class order). */
  readonly labels?: ArrayLike<number>;
  /** Row weights (default 1). */
  readonly weights?: Float64Array;
  readonly ridge: number;
}

export interface InnerSolve {
  readonly coef: Float64Array;
  readonly iterations: number;
  /** ‖∇f‖₂ divided by the total weight, at the returned point. */
  readonly gradientNorm: number;
  readonly objective: number;
  readonly method: 'newton' | 'lbfgs';
}

export interface InnerSolveOptions {
  readonly maxIterations?: number;
  /** Newton: stop when the Newton decrement ≤ tolerance·(1 + |f|). L-BFGS: gradient tolerance per unit weight. */
  readonly tolerance?: number;
  /** Blocks with more coefficients than this are solved by L-BFGS. */
  readonly newtonLimit?: number;
}

export const NEWTON_PARAMETER_LIMIT = 400;

export function fitSoftmaxRegression(problem: SoftmaxProblem, init: Float64Array, options: InnerSolveOptions = {}): InnerSolve {
  const D = (problem.C - 1) * problem.p;
  if (init.length !== D) throw new Error(`softmax regression: initial coefficients have ${init.length} entries, expected ${D}`);
  const { newtonLimit = NEWTON_PARAMETER_LIMIT } = options;
  return D <= newtonLimit ? newton(problem, init, options) : lbfgs(problem, init, options);
}

function totalWeight(problem: SoftmaxProblem): number {
  if (!problem.weights) return problem.n;
  let sum = 0;
  for (let i = 0; i < problem.n; i++) sum += problem.weights[i];
  return sum;
}

/** Softmax probabilities for one row into `probs` (length C). */
function rowProbabilities(problem: SoftmaxProblem, V: Float64Array, i: number, probs: Float64Array): void {
  const { X, p, C } = problem;
  const offset = i * p;
  let max = 0;
  for (let c = 0; c < C - 1; c++) {
    let eta = 0;
    const rowOffset = c * p;
    for (let j = 0; j < p; j++) eta += V[rowOffset + j] * X[offset + j];
    probs[c] = eta;
    if (eta > max) max = eta;
  }
  probs[C - 1] = 0;
  let sum = 0;
  for (let c = 0; c < C; c++) {
    probs[c] = Math.exp(probs[c] - max);
    sum += probs[c];
  }
  for (let c = 0; c < C; c++) probs[c] /= sum;
}

function target(problem: SoftmaxProblem, i: number, c: number): number {
  if (problem.targets) return problem.targets[i * problem.C + c];
  return problem.labels![i] === c ? 1 : 0;
}

/** f(V), and ∇f into `grad` when given. */
export function softmaxObjective(problem: SoftmaxProblem, V: Float64Array, grad?: Float64Array): number {
  const { X, n, p, C, weights, ridge } = problem;
  const probs = new Float64Array(C);
  let value = 0;
  grad?.fill(0);
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    rowProbabilities(problem, V, i, probs);
    for (let c = 0; c < C; c++) {
      const t = target(problem, i, c);
      if (t !== 0) value += w * t * Math.log(Math.max(probs[c], 1e-300));
    }
    if (grad) {
      const offset = i * p;
      for (let c = 0; c < C - 1; c++) {
        const coefficient = w * (target(problem, i, c) - probs[c]);
        if (coefficient === 0) continue;
        const rowOffset = c * p;
        for (let j = 0; j < p; j++) grad[rowOffset + j] += coefficient * X[offset + j];
      }
    }
  }
  if (ridge > 0) {
    let squares = 0;
    for (let j = 0; j < V.length; j++) {
      squares += V[j] * V[j];
      if (grad) grad[j] -= ridge * V[j];
    }
    value -= 0.5 * ridge * squares;
  }
  return value;
}

/** −∇²f(V) as a flat D × D matrix (positive semi-definite; + λI). */
export function softmaxNegativeHessian(problem: SoftmaxProblem, V: Float64Array): Float64Array {
  const { X, n, p, C, weights, ridge } = problem;
  const free = C - 1;
  const D = free * p;
  // −∇²f = Σ_i H_i ⊗ x_i x_iᵀ with H_i[a][b] = w_i P_ia (δ_ab − P_ib). Accumulate, per class pair a ≤ b, the
  // packed upper triangle of Σ_i H_i[a][b] x_i x_iᵀ: one contiguous inner loop per pair, then unpack once.
  const triangle = (p * (p + 1)) / 2;
  const pairs = (free * (free + 1)) / 2;
  const packed = new Float64Array(pairs * triangle);
  const outer = new Float64Array(triangle);
  const probs = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    rowProbabilities(problem, V, i, probs);
    const offset = i * p;
    let m = 0;
    for (let j = 0; j < p; j++) {
      const xj = X[offset + j];
      for (let l = j; l < p; l++) outer[m++] = xj * X[offset + l];
    }
    let pair = 0;
    for (let a = 0; a < free; a++) {
      for (let b = a; b < free; b++, pair++) {
        const h = w * probs[a] * ((a === b ? 1 : 0) - probs[b]);
        if (h === 0) continue;
        const base = pair * triangle;
        for (let t = 0; t < triangle; t++) packed[base + t] += h * outer[t];
      }
    }
  }
  const H = new Float64Array(D * D);
  let pair = 0;
  for (let a = 0; a < free; a++) {
    for (let b = a; b < free; b++, pair++) {
      let t = pair * triangle;
      for (let j = 0; j < p; j++) {
        for (let l = j; l < p; l++, t++) {
          const value = packed[t];
          H[(a * p + j) * D + b * p + l] = value;
          H[(a * p + l) * D + b * p + j] = value;
          H[(b * p + j) * D + a * p + l] = value;
          H[(b * p + l) * D + a * p + j] = value;
        }
      }
    }
  }
  for (let r = 0; r < D; r++) H[r * D + r] += ridge;
  return H;
}

function newton(problem: SoftmaxProblem, init: Float64Array, options: InnerSolveOptions): InnerSolve {
  const { maxIterations = 50, tolerance = 1e-10 } = options;
  const D = init.length;
  let V: Float64Array = init.slice();
  const grad = new Float64Array(D);
  let value = softmaxObjective(problem, V, grad);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const H = softmaxNegativeHessian(problem, V);
    const { x: direction } = solveSymmetricPositiveDefinite(H, grad, D);
    let decrement = 0;
    for (let j = 0; j < D; j++) decrement += grad[j] * direction[j];
    if (!(decrement > 2 * tolerance * (1 + Math.abs(value)))) {
      // Converged: one last full Newton step (quadratic convergence) unless round-off makes it worse.
      const trial = V.map((v, j) => v + direction[j]);
      if (decrement > 0 && softmaxObjective(problem, trial) >= value) {
        V = trial;
        value = softmaxObjective(problem, V, grad);
        iterations++;
      }
      break;
    }
    const next = backtrack(problem, V, value, direction, decrement);
    if (!next) break;
    V = next.V;
    value = softmaxObjective(problem, V, grad);
  }
  return { coef: V, iterations, gradientNorm: norm(grad) / Math.max(totalWeight(problem), 1e-300), objective: value, method: 'newton' };
}

function backtrack(
  problem: SoftmaxProblem,
  V: Float64Array,
  value: number,
  direction: Float64Array,
  decrement: number,
): { V: Float64Array; value: number } | undefined {
  const trial = new Float64Array(V.length);
  for (let step = 1; step > 1e-12; step *= 0.5) {
    for (let j = 0; j < V.length; j++) trial[j] = V[j] + step * direction[j];
    const trialValue = softmaxObjective(problem, trial);
    if (trialValue >= value + 1e-4 * step * decrement) return { V: trial, value: trialValue };
  }
  return undefined;
}

function lbfgs(problem: SoftmaxProblem, init: Float64Array, options: InnerSolveOptions): InnerSolve {
  const { maxIterations = 100, tolerance = 1e-6 } = options;
  const weight = Math.max(totalWeight(problem), 1e-300);
  const result = lbfgsMaximize((V, grad) => softmaxObjective(problem, V, grad), init, {
    maxIterations,
    gradientTolerance: tolerance * weight,
  });
  return { coef: result.x, iterations: result.iterations, gradientNorm: result.gradientNorm / weight, objective: result.value, method: 'lbfgs' };
}

function norm(v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < v.length; j++) sum += v[j] * v[j];
  return Math.sqrt(sum);
}
