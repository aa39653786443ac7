/**
 * Weighted softmax (multinomial logistic) regression with soft targets — the sub-problem of every classifier
 * M-step: the gate (targets = responsibilities), categorical experts (targets = labels, weights = r_ik),
 * bernoulli experts (C = 2) and the symmetric logistic model (soft targets).
 *
 * maximize f(V) = Σ_i w_i Σ_c T_ic log softmax_c(V x_i) − λ/2‖V‖², V ∈ R^{(C−1)×p}, last class the reference.
 *
 * Small blocks ((C−1)·p ≤ NEWTON_PARAMETER_LIMIT): Newton to a tight tolerance on the Newton decrement, with a
 * Hessian accumulated in one blocked pass and reused while it models f well (`newtonCg.ts`). Larger blocks: L-BFGS
 * warm-started at the given V (DESIGN §2), or — `largeBlocks: 'newton-cg'`, EM's default — truncated Newton
 * (Hessian-free, Kronecker-preconditioned CG) to a tolerance on ‖∇f‖₂ per unit weight. All only ever accept steps
 * that increase f.
 */
import { solveSymmetricPositiveDefinite } from './denseSolve';
import { kernelsFor, scratch, type MatrixKernels } from '../kernels';
import { JsMatrixKernels } from '../kernels/js';
import { WasmMatrixKernels } from '../kernels/wasm/wasmKernels';
import { lbfgsMaximize } from './lbfgs';
import { throwIfInterrupted, throwIfInterruptedAtRow } from '../interrupt';
import { truncatedNewton, type PreconditionerMemory } from './newtonCg';

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
  /**
   * The rows of X the problem is over, in order (n of them; targets, labels and weights are per problem row): a
   * block without its rows of negligible weight (`negligibleRows.ts`). Absent: X's first n rows. Only Newton-CG's
   * large-block path is handed such a problem.
   */
  readonly rows?: Int32Array;
}

/** Where problem row i starts in X. */
export function rowOffset(problem: SoftmaxProblem, i: number): number {
  return (problem.rows ? problem.rows[i] : i) * problem.p;
}

const rowsKernels = new WeakMap<Int32Array, MatrixKernels>();

/** The kernels over the problem's rows: X's own, or (selected rows) those of a copy of them, made once per problem. */
export function problemKernels(problem: SoftmaxProblem): MatrixKernels {
  const { X, n, p, rows } = problem;
  if (!rows) return kernelsFor(X, n, p);
  let kernels = rowsKernels.get(rows);
  if (!kernels) {
    kernels = rowsOfX(X, p, rows);
    rowsKernels.set(rows, kernels);
  }
  return kernels;
}

/**
 * Kernels on a copy of some of the problem's rows (`local`, problem row indices, in order): rows of the problem's
 * WebAssembly float32 copy (the same values and arithmetic on those rows), or a float64 copy of X's rows.
 */
export function kernelsForRows(problem: SoftmaxProblem, local: Int32Array): MatrixKernels {
  const kernels = problemKernels(problem);
  if (kernels instanceof WasmMatrixKernels) return kernels.subset(local);
  const { rows } = problem;
  return float64RowCopy(problem.X, problem.p, rows ? Int32Array.from(local, (i) => rows[i]) : local);
}

/** Kernels on a copy of the given rows of X: of its WebAssembly kernels' float32 copy, or a float64 copy. */
function rowsOfX(X: Float64Array, p: number, xRows: Int32Array): MatrixKernels {
  const full = kernelsFor(X, X.length / p, p);
  return full instanceof WasmMatrixKernels ? full.subset(xRows) : float64RowCopy(X, p, xRows);
}

function float64RowCopy(X: Float64Array, p: number, xRows: Int32Array): MatrixKernels {
  const copy = new Float64Array(xRows.length * p);
  xRows.forEach((i, k) => copy.set(X.subarray(i * p, (i + 1) * p), k * p));
  return new JsMatrixKernels(copy, xRows.length, p);
}

/** A problem over selected rows is done with its copy of them: its memory serves the next copy (`WasmMatrixKernels.release`). */
export function releaseProblemKernels(problem: SoftmaxProblem): void {
  const kernels = problem.rows ? rowsKernels.get(problem.rows) : undefined;
  if (kernels instanceof WasmMatrixKernels) kernels.release();
  if (problem.rows) rowsKernels.delete(problem.rows);
}

export interface InnerSolve {
  readonly coef: Float64Array;
  readonly iterations: number;
  /** ‖∇f‖₂ divided by the total weight, at the returned point. */
  readonly gradientNorm: number;
  readonly objective: number;
  readonly method: 'newton' | 'newton-cg' | 'lbfgs';
  /** Passes over X the solve made (objective, gradient, Hessian–vector products, Hessian). */
  readonly passes?: number;
  /**
   * The block met its tolerance (Newton decrement, or L-BFGS gradient). False when it stopped at its iteration
   * cap, or could find no ascent step while its gradient was not negligible: an inexact M-step, not an exact one.
   */
  readonly converged: boolean;
}

export interface InnerSolveOptions {
  readonly maxIterations?: number;
  /**
   * Newton (small blocks): stop when the Newton decrement ≤ tolerance·(1 + |f|). Newton-CG: ‖∇f‖₂ per unit weight
   * (given: that alone; default: max(LARGE_BLOCK_TOLERANCE, LARGE_BLOCK_RELATIVE_TOLERANCE · its value at the
   * start)). L-BFGS: ‖∇f‖∞ per unit weight. Defaults: 1e-10, as said, 1e-6.
   */
  readonly tolerance?: number;
  /**
   * The solver of blocks too large for dense Newton. Default here `lbfgs`; EM's default (spec `solvers.em.mStep`) is
   * `newton-cg`: see docs/solvers.md for the measurements.
   */
  readonly largeBlocks?: LargeBlockSolver;
  /** −∇²f at the initial point, when the caller has it (small blocks: saves their Hessian pass). */
  readonly initialHessian?: Float64Array;
  /** Blocks with more coefficients than this are solved by L-BFGS. */
  readonly newtonLimit?: number;
  /**
   * Cap on the iterations of L-BFGS blocks (overrides `maxIterations` for them; Newton blocks are unaffected).
   * EM's inexact M-steps use it with a cap that grows over the iterations (`innerIterationCap` in mstep.ts).
   */
  readonly lbfgsIterations?: number;
  /**
   * L-BFGS blocks: curvature pairs left by an earlier solve of a similar problem (the same block at the previous
   * EM iteration), used as the starting quasi-Newton metric and replaced by this solve's pairs.
   */
  readonly curvature?: CurvatureMemory;
  /** Newton-CG blocks: the preconditioner kept from the same block's earlier solves (refreshed every few). */
  readonly preconditionerMemory?: PreconditionerMemory;
}

/** The (s, y) pairs of an L-BFGS solve, newest last; `lbfgs` reuses and updates them in place. */
export interface CurvatureMemory {
  s: Float64Array[];
  y: Float64Array[];
}

export function emptyCurvature(): CurvatureMemory {
  return { s: [], y: [] };
}

export const NEWTON_PARAMETER_LIMIT = 400;

export type LargeBlockSolver = 'newton-cg' | 'lbfgs';

/**
 * Newton-CG blocks stop when ‖∇f‖₂ / Σw ≤ max(LARGE_BLOCK_TOLERANCE, LARGE_BLOCK_RELATIVE_TOLERANCE · ‖∇f(θᵗ)‖₂ / Σw):
 * the M-step's stated tolerance for large blocks. The relative part: at the warm start θᵗ the block's gradient is
 * ∇ℓ(θᵗ)'s (Fisher's identity), so the M-step is solved to 1 % of how far θᵗ is from stationary — the inexact EM
 * map then has exactly EM's fixed points, and the tolerance tightens as EM converges, down to the absolute floor.
 * 1 % is LIBLINEAR's default for its Newton solver (there relative to the gradient at 0, a looser rule). On full
 * Fashion-MNIST 1e-3 gave the same ℓ after each of the first three EM iterations (within 0.3 %) for twice the
 * passes, and capped its experts from the third (docs/solvers.md).
 * The floor 1e-6 is well above the float32 kernels' round-off in the gradient (about 7e-8 per unit weight on 20 000
 * Fashion-MNIST rows, 9 classes) — float32 is not what stops 1e-6 — but reaching it from a random start on raw
 * pixels without a ridge took Newton-CG over 250 passes per block.
 */
export const LARGE_BLOCK_TOLERANCE = 1e-6;
export const LARGE_BLOCK_RELATIVE_TOLERANCE = 1e-2;
/** Newton iterations of a Newton-CG block at most, and CG iterations (Hessian–vector products) per Newton step. */
const NEWTON_CG_ITERATIONS = 50;
const CG_ITERATIONS = 50;
/** Passes over X one Newton-CG block may make (about the cost of L-BFGS's 100-iteration cap, twice over). */
export const NEWTON_CG_PASSES = 250;

/**
 * Rows per column of X from which a Newton-CG block with several free classes is preconditioned by one G_c per class
 * (`classBlockPreconditioner.ts`) rather than A ⊗ G. Building the m factors costs about as much as (8p + p) · p / 2n
 * passes over X — 46 on full Fashion-MNIST (76 rows per column), 92 on half of it, 550 on 2 000 rows — however few
 * passes they save. Measured (docs/solvers.md, session 13): 15 % less CPU over 100 EM iterations on all 60 000 rows,
 * 7 % and 13 % more over 30 iterations on 30 000 and 2 000, though they saved 11–21 % of the passes everywhere.
 */
export const CLASS_BLOCKS_MIN_ROWS_PER_COLUMN = 64;

/** ‖∇f‖ per unit weight below which a Newton solve that finds no ascent step is at its optimum (round-off). */
const NEGLIGIBLE_GRADIENT = 1e-8;

export function fitSoftmaxRegression(problem: SoftmaxProblem, init: Float64Array, options: InnerSolveOptions = {}): InnerSolve {
  const D = (problem.C - 1) * problem.p;
  if (init.length !== D) throw new Error(`softmax regression: initial coefficients have ${init.length} entries, expected ${D}`);
  const { newtonLimit = NEWTON_PARAMETER_LIMIT, largeBlocks = 'lbfgs' } = options;
  if (D <= newtonLimit) {
    return truncatedNewton(problem, init, {
      maxIterations: options.maxIterations ?? 50,
      maxCgIterations: D,
      stop: 'decrement',
      tolerance: options.tolerance ?? 1e-10,
      preconditioner: 'hessian',
      initialHessian: options.initialHessian,
    });
  }
  if (largeBlocks === 'lbfgs') return lbfgs(problem, init, options);
  return truncatedNewton(problem, init, {
    maxIterations: options.maxIterations ?? NEWTON_CG_ITERATIONS,
    maxCgIterations: CG_ITERATIONS,
    maxPasses: NEWTON_CG_PASSES,
    stop: 'gradient',
    tolerance: options.tolerance ?? LARGE_BLOCK_TOLERANCE,
    preconditioner: problem.C > 2 && problem.n >= CLASS_BLOCKS_MIN_ROWS_PER_COLUMN * problem.p ? 'class-blocks' : 'kronecker',
    relativeTolerance: options.tolerance === undefined ? LARGE_BLOCK_RELATIVE_TOLERANCE : 0,
    memory: options.preconditionerMemory,
  });
}

export function totalWeight(problem: SoftmaxProblem): number {
  if (!problem.weights) return problem.n;
  let sum = 0;
  for (let i = 0; i < problem.n; i++) sum += problem.weights[i];
  return sum;
}

/** Softmax probabilities for one row into `probs` (length C). */
function rowProbabilities(problem: SoftmaxProblem, V: Float64Array, i: number, probs: Float64Array): void {
  const { X, p, C } = problem;
  const offset = rowOffset(problem, i);
  let max = 0;
  for (let c = 0; c < C - 1; c++) {
    let eta = 0;
    const classOffset = c * p;
    for (let j = 0; j < p; j++) eta += V[classOffset + j] * X[offset + j];
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

/**
 * f(V), and ∇f into `grad` when given. The logits are the product X Vᵀ and the gradient the product Aᵀ X with
 * A_ic = w_i (T_ic − P_ic), both run by the data's kernels (`../kernels`) — in one pass over X, block by block,
 * when the gradient is wanted.
 */
export function softmaxObjective(problem: SoftmaxProblem, V: Float64Array, grad?: Float64Array): number {
  throwIfInterrupted(); // a pass over the rows: where Ctrl-C reaches a long M-step (src/core/interrupt.ts)
  const { n, p, C, ridge } = problem;
  const free = C - 1;
  const kernels = problemKernels(problem);
  const probs = new Float64Array(C);
  let value = 0;
  if (grad) {
    kernels.logitsAndGradient(
      V,
      free,
      (start, end, logits, coefficients) => {
        value += softmaxRows(problem, start, end, logits, probs, coefficients);
      },
      grad,
    );
  } else {
    const logits = scratch('softmax.logits', n * free);
    kernels.logits(V, free, logits);
    value = softmaxRows(problem, 0, n, logits, probs, undefined);
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

/**
 * Σ_{i ∈ [start, end)} w_i Σ_c T_ic log P_ic from the rows' free logits (row-major, starting at row `start`), and
 * when `coefficients` is given (same shape) the gradient coefficients w_i (T_ic − P_ic).
 */
function softmaxRows(
  problem: SoftmaxProblem,
  start: number,
  end: number,
  logits: Float64Array,
  probs: Float64Array,
  coefficients: Float64Array | undefined,
): number {
  const { C, weights, targets, labels } = problem;
  const free = C - 1;
  let value = 0;
  for (let i = start; i < end; i++) {
    throwIfInterruptedAtRow(i);
    const w = weights ? weights[i] : 1;
    const row = (i - start) * free;
    if (w === 0) {
      if (coefficients) coefficients.fill(0, row, row + free);
      continue;
    }
    let max = 0;
    for (let c = 0; c < free; c++) {
      const eta = logits[row + c];
      probs[c] = eta;
      if (eta > max) max = eta;
    }
    probs[free] = 0;
    let sum = 0;
    for (let c = 0; c < C; c++) {
      probs[c] = Math.exp(probs[c] - max);
      sum += probs[c];
    }
    for (let c = 0; c < C; c++) probs[c] /= sum;
    if (targets) {
      const offset = i * C;
      for (let c = 0; c < C; c++) {
        const t = targets[offset + c];
        if (t !== 0) value += w * t * Math.log(Math.max(probs[c], 1e-300));
      }
      if (coefficients) for (let c = 0; c < free; c++) coefficients[row + c] = w * (targets[offset + c] - probs[c]);
    } else {
      const label = labels![i];
      value += w * Math.log(Math.max(probs[label], 1e-300));
      if (coefficients) for (let c = 0; c < free; c++) coefficients[row + c] = w * ((c === label ? 1 : 0) - probs[c]);
    }
  }
  return value;
}

/** −∇²f(V) as a flat D × D matrix (positive semi-definite; + λI). */
export function softmaxNegativeHessian(problem: SoftmaxProblem, V: Float64Array): Float64Array {
  throwIfInterrupted();
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
    throwIfInterruptedAtRow(i);
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    rowProbabilities(problem, V, i, probs);
    const offset = rowOffset(problem, i);
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

/**
 * A step along the gradient g with an expanding search: the first trial changes no row's logits by more than
 * about one nat, the step doubles while f keeps rising (a saturated logit may need to move by tens of nats), and
 * halves from the first trial when even that does not increase f. Undefined when no step increases f (g is
 * round-off).
 */
export function gradientStep(
  problem: SoftmaxProblem,
  V: Float64Array,
  value: number,
  grad: Float64Array,
  onPass: () => void = () => {},
): { V: Float64Array; value: number } | undefined {
  const slope = dotProduct(grad, grad);
  if (!(slope > 0) || !Number.isFinite(slope)) return undefined;
  const at = (step: number) => {
    const trial = new Float64Array(V.length);
    for (let j = 0; j < V.length; j++) trial[j] = V[j] + step * grad[j];
    onPass();
    return { V: trial, value: softmaxObjective(problem, trial) };
  };
  const first = 1 / (Math.sqrt(slope) * largestRowNorm(problem));
  let best = at(first);
  if (best.value > value) {
    for (let step = 2 * first, doublings = 0; doublings < 60; step *= 2, doublings++) {
      const trial = at(step);
      if (!(trial.value > best.value)) break;
      best = trial;
    }
    return best;
  }
  for (let step = first / 2; step > first * 1e-12; step /= 2) {
    const trial = at(step);
    if (trial.value > value) return trial;
  }
  return undefined;
}

/** max_i ‖x_i‖₂, which bounds how far a unit coefficient step moves any row's logits. */
function largestRowNorm(problem: SoftmaxProblem): number {
  const { X, n, p } = problem;
  let largest = 0;
  for (let i = 0; i < n; i++) {
    let squares = 0;
    const offset = rowOffset(problem, i);
    for (let j = 0; j < p; j++) squares += X[offset + j] ** 2;
    if (squares > largest) largest = squares;
  }
  return Math.sqrt(largest) || 1;
}

function lbfgs(problem: SoftmaxProblem, init: Float64Array, options: InnerSolveOptions): InnerSolve {
  const { maxIterations = 100, tolerance = 1e-6 } = options;
  const iterations = options.lbfgsIterations ?? maxIterations;
  const weight = Math.max(totalWeight(problem), 1e-300);
  let passes = 0; // each objective-and-gradient evaluation is one fused pass over X
  const valueAndGradient = (V: Float64Array, grad: Float64Array): number => {
    passes++;
    return softmaxObjective(problem, V, grad);
  };
  const result = options.curvature
    ? warmLbfgs(valueAndGradient, init, iterations, tolerance * weight, options.curvature)
    : lbfgsMaximize(valueAndGradient, init, { maxIterations: iterations, gradientTolerance: tolerance * weight });
  return {
    coef: result.x,
    iterations: result.iterations,
    gradientNorm: result.gradientNorm / weight,
    objective: result.value,
    method: 'lbfgs',
    converged: result.converged,
    passes,
  };
}

const CURVATURE_PAIRS = 10;

/**
 * L-BFGS ascent (as `lbfgsMaximize`: two-loop direction, Armijo backtracking, so every accepted step increases f)
 * that starts from the curvature pairs in `memory` instead of from steepest ascent, and leaves its own pairs
 * there. Pairs from a neighbouring problem only shape the direction; the line search still guarantees ascent
 * on this one, and a non-ascent direction drops them.
 */
function warmLbfgs(
  valueAndGradient: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  maxIterations: number,
  gradientTolerance: number,
  memory: CurvatureMemory,
): { x: Float64Array; value: number; iterations: number; gradientNorm: number; converged: boolean } {
  const D = x0.length;
  if (memory.s.some((s) => s.length !== D)) memory.s.length = memory.y.length = 0;
  let x = x0.slice();
  let g = new Float64Array(D);
  let f = valueAndGradient(x, g);
  const direction = new Float64Array(D);
  let trialGradient = new Float64Array(D);
  let trial = new Float64Array(D);
  let iterations = 0;
  while (iterations < maxIterations && maxAbs(g) > gradientTolerance) {
    twoLoop(g, memory, direction);
    let slope = dotProduct(g, direction);
    if (!(slope > 0)) {
      direction.set(g);
      slope = dotProduct(g, g);
      memory.s.length = memory.y.length = 0;
    }
    let step = memory.s.length === 0 ? Math.min(1, 1 / Math.sqrt(slope)) : 1;
    let trialValue = f;
    let accepted = false;
    for (let halvings = 0; halvings < 40; halvings++) {
      for (let j = 0; j < D; j++) trial[j] = x[j] + step * direction[j];
      trialValue = valueAndGradient(trial, trialGradient);
      if (Number.isFinite(trialValue) && trialValue >= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(D);
    const y = new Float64Array(D);
    for (let j = 0; j < D; j++) {
      s[j] = trial[j] - x[j];
      y[j] = g[j] - trialGradient[j]; // −∇f pairs: sᵀy > 0 on a concave f
    }
    const sy = dotProduct(s, y);
    if (sy > 1e-12 * Math.sqrt(dotProduct(s, s) * dotProduct(y, y))) {
      memory.s.push(s);
      memory.y.push(y);
      if (memory.s.length > CURVATURE_PAIRS) {
        memory.s.shift();
        memory.y.shift();
      }
    }
    [x, trial] = [trial, x];
    [g, trialGradient] = [trialGradient, g];
    f = trialValue;
    iterations++;
  }
  return { x, value: f, iterations, gradientNorm: norm(g), converged: maxAbs(g) <= gradientTolerance };
}

/** direction ≈ H⁻¹ g from the pairs (H the negated Hessian), scaled by sᵀy / yᵀy of the newest pair. */
function twoLoop(g: Float64Array, memory: CurvatureMemory, out: Float64Array): void {
  out.set(g);
  const m = memory.s.length;
  const alpha = new Float64Array(m);
  const rho = memory.s.map((s, h) => 1 / dotProduct(s, memory.y[h]));
  for (let h = m - 1; h >= 0; h--) {
    alpha[h] = rho[h] * dotProduct(memory.s[h], out);
    const y = memory.y[h];
    for (let j = 0; j < out.length; j++) out[j] -= alpha[h] * y[j];
  }
  if (m > 0) {
    const y = memory.y[m - 1];
    const gamma = dotProduct(memory.s[m - 1], y) / dotProduct(y, y);
    for (let j = 0; j < out.length; j++) out[j] *= gamma;
  }
  for (let h = 0; h < m; h++) {
    const beta = rho[h] * dotProduct(memory.y[h], out);
    const s = memory.s[h];
    for (let j = 0; j < out.length; j++) out[j] += (alpha[h] - beta) * s[j];
  }
}

function dotProduct(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}

function maxAbs(v: Float64Array): number {
  let max = 0;
  for (let j = 0; j < v.length; j++) max = Math.max(max, Math.abs(v[j]));
  return max;
}

function norm(v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < v.length; j++) sum += v[j] * v[j];
  return Math.sqrt(sum);
}
