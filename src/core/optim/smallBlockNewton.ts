/**
 * Newton's method for small soft-target softmax blocks on tall data — the softmax gate of a narrow MoE, whose
 * M-step is `maximize f(V) = Σ_i w_i Σ_c T_ic log softmax_c(V x_i) − λ/2‖V‖²` (`softmaxRegression.ts`), V ∈ R^{m×p},
 * D = m·p small enough for a dense D × D Hessian.
 *
 * On a million rows each pass over X costs far more than anything done with D × D matrices, and of the passes the
 * Hessian (Σ_i H_i ⊗ x_i x_iᵀ, one weighted Gram matrix per class pair) costs several times a pass for f and ∇f.
 * So the exact Hessian is computed at the start only — by the caller, when it can share that pass with other sums
 * (the gaussian experts' normal equations, `solvers/mstep.ts`) — and each later step is a quasi-Newton step: the
 * start's Hessian updated by BFGS with the (step, gradient change) pairs of the accepted steps, applied by the
 * two-loop recursion with the start's Cholesky factor as its base. Each iteration is then one pass (f, ∇f and the
 * logits at the new point), and the steps converge superlinearly. The Hessian is recomputed at the current point
 * only when the model fails: a full step that does not increase f enough, or a decrement that stops shrinking.
 *
 * A step is tried in full first (one pass, which also gives ∇f there); if it fails the Armijo test, shorter steps
 * are tried on the cached logits (X(V + αS)ᵀ = (1 − α)·XVᵀ + α·X(V + S)ᵀ: no pass over X per trial). Every accepted
 * step increases f, so an M-step solved this way keeps EM monotone whether or not it meets its tolerance.
 *
 * Stop: when the decrement gᵀB⁻¹g (B the quasi-Newton Hessian) is at most 2·tolerance·(1 + |f|), after one last full
 * Newton step with the exact Hessian at that point, as the dense Newton of `newtonCg.ts` stops (its quadratic
 * convergence makes the gradient negligible); the result's gradient norm is the one at the returned point.
 */
import { factorSymmetricPositiveDefinite, type SpdFactor } from './denseSolve';
import { twoLoopDirection } from './lbfgs';
import { scratch } from '../kernels';
import { fastExp } from '../kernels/exp';
import { weightedGrams } from '../kernels/gram';
import { fusedLogitsAndGradient } from '../kernels/narrow';
import type { InnerSolve, SoftmaxProblem } from './softmaxRegression';
import { gradientStep, totalWeight } from './softmaxRegression';
import { throwIfInterrupted } from '../interrupt';

/** Free-class probabilities of the starting point for rows [start, end): out[(i − start)·m + c]. */
export type StartProbabilities = (start: number, end: number, out: Float64Array) => void;

export interface SmallBlockOptions {
  /** Stop when the decrement ≤ 2·tolerance·(1 + |f|) (default 1e-10). */
  readonly tolerance?: number;
  /** Iterations at most (default 50); a solve stopped there is not converged. */
  readonly maxIterations?: number;
  /**
   * −∇²f at the starting point (D × D, ridge included), computed by the caller from the starting point's
   * probabilities — so that it can share that pass over X with sums of its own. Default: `softmaxGramHessian`.
   */
  readonly startHessian?: (probabilities: StartProbabilities) => Float64Array;
}

/** The decrement must shrink at least this much per accepted step, or the Hessian is recomputed. */
const CONTRACTION = 0.25;
/** ‖∇f‖ per unit weight below which a solve that finds no ascent step is at its optimum (round-off). */
const NEGLIGIBLE_GRADIENT = 1e-8;
const ARMIJO = 1e-4;

interface State {
  readonly V: Float64Array;
  /** X Vᵀ, n × m (one of the solver's two logits arrays). */
  readonly logits: Float64Array;
  readonly value: number;
  readonly grad: Float64Array;
}

export function smallBlockNewton(problem: SoftmaxProblem, init: Float64Array, options: SmallBlockOptions = {}): InnerSolve {
  return new SmallBlockSolver(problem).run(init, options);
}

/**
 * −∇²f (D × D, ridge included) from free-class probabilities, in one blocked pass (`weightedGrams`): per class pair
 * a ≤ b the weighted Gram matrix Σ_i w_i P_ia (δ_ab − P_ib) x_i x_iᵀ.
 */
export function softmaxGramHessian(problem: SoftmaxProblem, probabilities: StartProbabilities): Float64Array {
  const { X, n, p, C, weights, ridge } = problem;
  const m = C - 1;
  const pairs = classPairs(m);
  let probs = new Float64Array(0);
  const grams = weightedGrams(X, n, p, pairs.length, (start, end, out) => {
    const rows = end - start;
    if (probs.length < rows * m) probs = new Float64Array(rows * m);
    probabilities(start, end, probs);
    pairs.forEach(([a, b], s) => {
      for (let r = 0; r < rows; r++) {
        const w = weights ? weights[start + r] : 1;
        out[s * rows + r] = w * probs[r * m + a] * ((a === b ? 1 : 0) - probs[r * m + b]);
      }
    });
  });
  return hessianFromPairGrams(grams, 0, p, p, m, ridge);
}

/** The class pairs a ≤ b of m free classes, in the order of the Hessian's Gram matrices. */
export function classPairs(m: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) pairs.push([a, b]);
  return pairs;
}

/**
 * The D × D Hessian from its pair Gram matrices, stored q × q (q ≥ p: a Gram matrix with an extra column is read
 * in its top-left p × p corner) from index `first` on, one per class pair; λ added on the diagonal.
 */
export function hessianFromPairGrams(grams: Float64Array, first: number, q: number, p: number, m: number, ridge: number): Float64Array {
  const D = m * p;
  const H = new Float64Array(D * D);
  classPairs(m).forEach(([a, b], pair) => {
    const base = first + pair * q * q;
    for (let j = 0; j < p; j++) {
      for (let l = 0; l < p; l++) {
        const value = grams[base + j * q + l];
        H[(a * p + j) * D + b * p + l] = value;
        H[(b * p + l) * D + a * p + j] = value;
      }
    }
  });
  for (let r = 0; r < D; r++) H[r * D + r] += ridge;
  return H;
}

class SmallBlockSolver {
  private passes = 0;
  private readonly m: number;
  private readonly D: number;
  private readonly weight: number;
  /** The two n × m logits arrays: the current point's and the trial's. */
  private readonly buffers: [Float64Array, Float64Array];
  private readonly rowProbabilities: Float64Array;

  constructor(private readonly problem: SoftmaxProblem) {
    this.m = problem.C - 1;
    this.D = this.m * problem.p;
    this.weight = Math.max(totalWeight(problem), 1e-300);
    const size = problem.n * this.m;
    this.buffers = [scratch('smallBlockNewton.logits.a', size), scratch('smallBlockNewton.logits.b', size)];
    this.rowProbabilities = new Float64Array(problem.C);
  }

  run(init: Float64Array, options: SmallBlockOptions): InnerSolve {
    const { tolerance = 1e-10, maxIterations = 50 } = options;
    let state = this.evaluateAt(init.slice(), this.buffers[0]);
    const start = state;
    const startHessian = options.startHessian
      ? this.countPass(options.startHessian((first, end, out) => this.probabilities(start, first, end, out)))
      : this.hessian(state);
    let factor = this.factor(startHessian);
    const pairs: { s: Float64Array; y: Float64Array }[] = [];
    /** The state whose exact Hessian `factor` is, when no BFGS pair has changed it since. */
    let exactAt: State | undefined = state;
    let previousDecrement = Infinity;
    let iterations = 0;
    let converged = false;
    for (; iterations < maxIterations; iterations++) {
      const S = this.direction(state.grad, factor, pairs);
      const decrement = dot(state.grad, S);
      if (!(decrement > 0)) {
        if (pairs.length > 0) {
          // Round-off made the quasi-Newton direction useless: start over from the exact Hessian here.
          pairs.length = 0;
          factor = this.factor(this.hessian(state));
          exactAt = state;
          iterations--;
          continue;
        }
        converged = this.gradientNorm(state) <= NEGLIGIBLE_GRADIENT;
        break;
      }
      if (decrement <= 2 * tolerance * (1 + Math.abs(state.value))) {
        // Converged: one last full step, a true Newton step (its quadratic convergence is what makes the gradient
        // negligible; a quasi-Newton step only divides it by a few dozen), unless round-off makes it worse.
        let last = S;
        if (exactAt !== state) {
          factor = this.factor(this.hessian(state));
          last = this.direction(state.grad, factor, []);
        }
        const final = this.evaluateAt(addScaled(state.V, 1, last), this.other(state));
        if (final.value >= state.value) {
          state = final;
          iterations++;
        }
        converged = true;
        break;
      }
      const next = this.step(state, S, decrement);
      if (!next) {
        const fallback = gradientStep(this.problem, state.V, state.value, state.grad, () => this.countPass(undefined));
        if (!fallback) {
          converged = this.gradientNorm(state) <= NEGLIGIBLE_GRADIENT;
          break;
        }
        state = this.evaluateAt(fallback.V, this.other(state));
        pairs.length = 0;
        factor = this.factor(this.hessian(state));
        exactAt = state;
        previousDecrement = Infinity;
        continue;
      }
      if (!next.full || decrement > CONTRACTION * previousDecrement) {
        // The model was poor (a shortened step, or slow progress): the exact Hessian at the new point.
        pairs.length = 0;
        factor = this.factor(this.hessian(next.state));
        exactAt = next.state;
      } else {
        const s = new Float64Array(this.D);
        const y = new Float64Array(this.D);
        for (let j = 0; j < this.D; j++) {
          s[j] = next.state.V[j] - state.V[j];
          y[j] = state.grad[j] - next.state.grad[j]; // −∇f differences: sᵀy > 0 on a concave f
        }
        if (dot(s, y) > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) pairs.push({ s, y });
        exactAt = undefined;
      }
      previousDecrement = decrement;
      state = next.state;
    }
    return {
      coef: state.V,
      iterations,
      gradientNorm: this.gradientNorm(state),
      objective: state.value,
      method: 'newton',
      converged,
      passes: this.passes,
    };
  }

  /** One more pass over X; also where Ctrl-C reaches a long solve (src/core/interrupt.ts). */
  private countPass<T>(value: T): T {
    this.passes++;
    throwIfInterrupted();
    return value;
  }

  private other(state: State): Float64Array {
    return state.logits === this.buffers[0] ? this.buffers[1] : this.buffers[0];
  }

  private gradientNorm(state: State): number {
    return Math.sqrt(dot(state.grad, state.grad)) / this.weight;
  }

  private factor(H: Float64Array): SpdFactor {
    return factorSymmetricPositiveDefinite(H, this.D);
  }

  /** −∇²f at the state's point, from its logits: one blocked pass. */
  private hessian(state: State): Float64Array {
    return this.countPass(softmaxGramHessian(this.problem, (start, end, out) => this.probabilities(state, start, end, out)));
  }

  private probabilities(state: State, start: number, end: number, out: Float64Array): void {
    const { m } = this;
    const { logits } = state;
    for (let i = start; i < end; i++) {
      const at = i * m;
      let max = 0;
      for (let c = 0; c < m; c++) if (logits[at + c] > max) max = logits[at + c];
      let sum = fastExp(-max);
      const row = (i - start) * m;
      for (let c = 0; c < m; c++) {
        const e = fastExp(logits[at + c] - max);
        out[row + c] = e;
        sum += e;
      }
      for (let c = 0; c < m; c++) out[row + c] /= sum;
    }
  }

  /** B⁻¹ g by the two-loop recursion over the BFGS pairs, with the factored Hessian as the base. */
  private direction(g: Float64Array, factor: SpdFactor, pairs: readonly { s: Float64Array; y: Float64Array }[]): Float64Array {
    const out = new Float64Array(g.length);
    const rho = pairs.map(({ s, y }) => 1 / dot(s, y));
    twoLoopDirection(g, pairs.map(({ s }) => s), pairs.map(({ y }) => y), rho, (q, r) => factor.solve(q, r), out);
    return out;
  }

  /**
   * The full step if it passes the Armijo test (one pass), else the longest of α = ½, ¼, … that does on the cached
   * logits, recomputed exactly at the accepted point (which must still increase f). Undefined: no ascent step.
   */
  private step(state: State, S: Float64Array, decrement: number): { state: State; full: boolean } | undefined {
    const trial = this.evaluateAt(addScaled(state.V, 1, S), this.other(state));
    if (trial.value >= state.value + ARMIJO * decrement) return { state: trial, full: true };
    for (let alpha = 0.5; alpha > 1e-10; alpha *= 0.5) {
      if (this.valueBetween(state, trial, alpha) >= state.value + ARMIJO * alpha * decrement) {
        const shorter = this.evaluateAt(addScaled(state.V, alpha, S), trial.logits);
        return shorter.value > state.value ? { state: shorter, full: false } : undefined;
      }
    }
    return undefined;
  }

  /** f at V + α(V_trial − V) from the two points' logits (no pass over X). */
  private valueBetween(state: State, trial: State, alpha: number): number {
    const { n, ridge } = this.problem;
    const size = n * this.m;
    const logits = scratch('smallBlockNewton.between', size);
    for (let k = 0; k < size; k++) logits[k] = state.logits[k] + alpha * (trial.logits[k] - state.logits[k]);
    let value = this.rows(0, n, logits, 0, undefined);
    if (ridge > 0) {
      let squares = 0;
      for (let j = 0; j < this.D; j++) squares += (state.V[j] + alpha * (trial.V[j] - state.V[j])) ** 2;
      value -= 0.5 * ridge * squares;
    }
    return value;
  }

  /** f, ∇f and the logits at V in one fused pass over X; the logits go to `logits`. */
  private evaluateAt(V: Float64Array, logits: Float64Array): State {
    const { problem, m } = this;
    const { n, p, ridge } = problem;
    const grad = new Float64Array(this.D);
    let value = 0;
    fusedLogitsAndGradient(
      problem.X,
      n,
      p,
      V,
      m,
      (start, end, blockLogits, coefficients) => {
        logits.set(blockLogits.subarray(0, (end - start) * m), start * m);
        value += this.rows(start, end, blockLogits, start, coefficients);
      },
      grad,
    );
    this.countPass(undefined);
    if (ridge > 0) {
      for (let j = 0; j < V.length; j++) grad[j] -= ridge * V[j];
      value -= 0.5 * ridge * dot(V, V);
    }
    return { V, logits, value, grad };
  }

  /**
   * Σ_{i ∈ [start, end)} w_i Σ_c T_ic log P_ic from the rows' free logits (`logits[(i − offset)·m + c]`), and the
   * gradient coefficients w_i (T_ic − P_ic) into `coefficients[(i − start)·m + c]` when given.
   */
  private rows(start: number, end: number, logits: Float64Array, offset: number, coefficients: Float64Array | undefined): number {
    const { C, weights, targets, labels } = this.problem;
    const m = this.m;
    if (m === 1 && targets) return binaryRows(start, end, logits, offset, targets, weights, coefficients);
    const probs = this.rowProbabilities;
    let value = 0;
    for (let i = start; i < end; i++) {
      const w = weights ? weights[i] : 1;
      const at = (i - offset) * m;
      const row = (i - start) * m;
      if (w === 0) {
        if (coefficients) coefficients.fill(0, row, row + m);
        continue;
      }
      let max = 0;
      for (let c = 0; c < m; c++) if (logits[at + c] > max) max = logits[at + c];
      let sum = fastExp(-max);
      for (let c = 0; c < m; c++) {
        probs[c] = fastExp(logits[at + c] - max);
        sum += probs[c];
      }
      // log P_ic = η_ic − log Σ_b exp η_ib (η of the reference class 0): one logarithm per row, never −∞.
      const logNormalizer = max + Math.log(sum);
      if (targets) {
        const offsetT = i * C;
        let fit = 0;
        let mass = targets[offsetT + m];
        for (let c = 0; c < m; c++) {
          fit += targets[offsetT + c] * logits[at + c];
          mass += targets[offsetT + c];
        }
        value += w * (fit - mass * logNormalizer);
        if (coefficients) for (let c = 0; c < m; c++) coefficients[row + c] = w * (targets[offsetT + c] - probs[c] / sum);
      } else {
        const label = labels![i];
        value += w * ((label < m ? logits[at + label] : 0) - logNormalizer);
        if (coefficients) for (let c = 0; c < m; c++) coefficients[row + c] = w * ((c === label ? 1 : 0) - probs[c] / sum);
      }
    }
    return value;
  }
}

/**
 * `rows` for one free class with soft targets (the gate of two experts): log P_i0 = η − log(1 + e^η),
 * log P_i1 = −log(1 + e^η), with log(1 + e^η) = max(η, 0) + log1p(e^−|η|) — one exponential and one logarithm per row.
 */
function binaryRows(
  start: number,
  end: number,
  logits: Float64Array,
  offset: number,
  targets: Float64Array,
  weights: Float64Array | undefined,
  coefficients: Float64Array | undefined,
): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const eta = logits[i - offset];
    const t0 = targets[2 * i];
    const mass = t0 + targets[2 * i + 1];
    const e = fastExp(-Math.abs(eta));
    const softplus = (eta > 0 ? eta : 0) + Math.log1p(e);
    const probability = eta >= 0 ? 1 / (1 + e) : e / (1 + e);
    const w = weights ? weights[i] : 1;
    if (w !== 0) value += w * (t0 * eta - mass * softplus);
    if (coefficients) coefficients[i - start] = w * (t0 - probability);
  }
  return value;
}

function addScaled(V: Float64Array, alpha: number, S: Float64Array): Float64Array {
  const out = new Float64Array(V.length);
  for (let j = 0; j < V.length; j++) out[j] = V[j] + alpha * S[j];
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}
