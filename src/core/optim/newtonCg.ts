/**
 * Truncated Newton (Newton-CG with a line search, as LIBLINEAR's Newton solver for logistic regression) for the
 * weighted soft-target softmax regression of `softmaxRegression.ts`: maximize f(V), V ∈ R^{m×p}, m = C − 1.
 *
 * Each Newton direction S solves −∇²f(V) S = ∇f(V) by conjugate gradients, never forming the Hessian: a
 * Hessian–vector product is one fused kernel pass over X (the logits U = X Dᵀ of the CG direction D, then the
 * gradient-shaped product Aᵀ X with A_ic = w_i P_ic (U_ic − Σ_b P_ib U_ib)). The pass also leaves U, so the logits
 * of the Newton direction, X Sᵀ = Σ α_k U_k, come for free, and the line search on f(V + αS) runs on cached logits
 * without touching X. Every accepted step increases f (checked on logits recomputed from scratch), so an M-step
 * solved this way keeps EM monotone whether or not it reaches its tolerance. With float32 kernels, f's round-off
 * (about 3e-8 of |f|) can exceed the gain of a step near the optimum, and every step is then rejected: from there
 * on the solve evaluates f and ∇f with the float64 kernels on the same float32 copy of X (`withPrecision`), so that
 * its tolerance is met, and certified, on f's float64 model rather than ending capped.
 *
 * Two uses:
 *   - large blocks (the softmax gate and classifier experts of wide data, `mStep: 'newton-cg'`): CG preconditioned by
 *     a Kronecker-factored approximation of the Hessian at the start (`kroneckerPreconditioner.ts`), one block per
 *     class where the data are large (`classBlockPreconditioner.ts`), or its diagonal, updated by BFGS with the CG
 *     pairs of the block's latest Newton systems; stop when ‖∇f‖₂ / Σw ≤ max(tolerance, relativeTolerance · its
 *     value at the start), or as capped after a budget of passes;
 *   - small blocks (the dense-Newton size): the exact Hessian at the starting point, accumulated in one blocked pass
 *     (`kernels/gram.ts`, or handed in by the caller from a pass it shares) and factored once. Steps S = H₀⁻¹∇f (no
 *     CG, no pass for the direction) while the Newton decrement shrinks at least tenfold per full step; otherwise,
 *     and always before the last step, the Hessian is recomputed at the current point, so that the solve ends with
 *     a true Newton step. Stop on the Newton decrement, as dense Newton did.
 */
import { scratch, type MatrixKernels } from '../kernels';
import { WasmMatrixKernels } from '../kernels/wasm/wasmKernels';
import { weightedGrams } from '../kernels/gram';
import { factorSymmetricPositiveDefinite, type SpdFactor } from './denseSolve';
import type { CurvatureMemory, InnerSolve, SoftmaxProblem } from './softmaxRegression';
import { twoLoopSolver } from './twoLoopKernel';
import { gradientStep, kernelsForRows, problemKernels, releaseProblemKernels, rowOffset, totalWeight } from './softmaxRegression';
import { gradientBound, valueBound, withoutNegligibleRows, type ReducedBlock } from './negligibleRows';
import { throwIfInterrupted } from '../interrupt';
import { classCoupling, curvatureWeights, kroneckerPreconditioner, sampledGramFactor, weightChange, type GramFactor, type GramInverse } from './kroneckerPreconditioner';
import { classBlockInverses, classBlockPreconditioner } from './classBlockPreconditioner';

export interface TruncatedNewtonOptions {
  /** Newton iterations at most. */
  readonly maxIterations: number;
  /** CG iterations (Hessian–vector products) per Newton step at most. */
  readonly maxCgIterations: number;
  /**
   * Passes over X for the whole solve at most (a block whose optimum is far away or at infinity — separable rows —
   * would otherwise spend thousands): the solve stops as capped once it has made this many.
   */
  readonly maxPasses?: number;
  /**
   * `gradient`: stop when ‖∇f‖₂ / Σw ≤ tolerance. `decrement`: stop when the Newton decrement ∇fᵀS ≤
   * 2·tolerance·(1 + |f|), after one last full step.
   */
  readonly stop: 'gradient' | 'decrement';
  readonly tolerance: number;
  /**
   * CG's preconditioner. `hessian`: the exact Hessian at the start (small blocks only: it is D × D). `kronecker`:
   * A ⊗ G (`kroneckerPreconditioner.ts`). `class-blocks`: one G_c per free class (`classBlockPreconditioner.ts`; A ⊗ G
   * where there is one free class). `diagonal`: Jacobi.
   */
  readonly preconditioner: 'hessian' | 'kronecker' | 'class-blocks' | 'diagonal' | 'none';
  /**
   * `gradient` stop also when ‖∇f‖₂ ≤ relativeTolerance · ‖∇f(init)‖₂: the block's gradient at the warm start is
   * the gradient of ℓ there (Fisher's identity), so this solves the M-step to a relative accuracy.
   */
  readonly relativeTolerance?: number;
  /** Kept by the caller between solves of the same block (`kronecker` preconditioner). */
  readonly memory?: PreconditionerMemory;
  /** −∇²f at the starting point, when the caller already has it (D × D, ridge included). */
  readonly initialHessian?: Float64Array;
}

/** What the solver knows at its current point: V, its logits, the free-class probabilities, f and ∇f. */
interface State {
  /** Which of the two sets of n × m work arrays holds this state's logits and probabilities. */
  slot: Slot;
  V: Float64Array;
  logits: Float64Array;
  probs: Float64Array;
  value: number;
  grad: Float64Array;
}

/** One Newton step of a large-block solve, for diagnostics (`setNewtonStepTrace`). */
export interface NewtonStepTrace {
  /** Index of the solve since the trace was set (a block's solve), and of the step within it. */
  readonly solve: number;
  readonly step: number;
  /** ‖∇f‖₂/Σw before the step, and the solve's target. */
  readonly gradientNorm: number;
  readonly target: number;
  /** CG's relative residual asked for, reached, and the CG iterations (Hessian–vector passes) it took. */
  readonly forcing: number;
  readonly residual: number;
  readonly cgIterations: number;
  /** Step length accepted (1: full step; 0: none), and the passes the step's line search took. */
  readonly stepLength: number;
  readonly lineSearchPasses: number;
  /** Rows the solve's f and ∇f read (of the block's, when it leaves out rows of negligible weight). */
  readonly blockRows: number;
  /** Rows CG's Hessian–vector products read (of n), and the share of the step's curvature they leave out. */
  readonly rows: number;
  readonly skippedCurvature: number;
  /** Whether this step's CG copied its rows (false: it kept the previous step's copy, or read every row). */
  readonly copiedRows: boolean;
  /** CG's preconditioner for this step. */
  readonly preconditioner: TruncatedNewtonOptions['preconditioner'];
  /** Whether f and ∇f were evaluated by the float64 kernels (after float32 round-off of f stopped the solve). */
  readonly float64: boolean;
}

let stepTrace: ((step: NewtonStepTrace) => void) | undefined;
let traceSolves = 0;
/** Diagnostics only (scripts/fmnistIterations.ts --trace): called after every Newton step of a CG-based solve. */
export function setNewtonStepTrace(trace: ((step: NewtonStepTrace) => void) | undefined): void {
  stepTrace = trace;
  traceSolves = 0;
}

type Slot = 'a' | 'b';
const other = (slot: Slot): Slot => (slot === 'a' ? 'b' : 'a');

export function truncatedNewton(problem: SoftmaxProblem, init: Float64Array, options: TruncatedNewtonOptions): InnerSolve {
  const reduced = reducedBlock(problem, options);
  let spent = 0;
  if (reduced) {
    const solver = new TruncatedNewtonSolver(reduced.problem, reduced);
    try {
      const solve = solver.run(init, options);
      if (solve.converged && solver.certified) return solve;
      spent = solve.passes ?? 0;
    } finally {
      releaseProblemKernels(reduced.problem);
    }
  }
  const solve = new TruncatedNewtonSolver(problem).run(init, options);
  return spent > 0 ? { ...solve, passes: (solve.passes ?? 0) + spent } : solve;
}

/**
 * A large weighted block's solve leaves out its rows of least weight (`negligibleRows.ts`) when together they can
 * move its gradient by at most NEGLIGIBLE_SHARE of the tolerance its last solve had (the block's memory knows it):
 * about 40 % of an expert's rows on Fashion-MNIST once EM has sorted them.
 */
function reducedBlock(problem: SoftmaxProblem, options: TruncatedNewtonOptions): ReducedBlock | undefined {
  const last = options.memory?.initialGradient;
  if (options.stop !== 'gradient' || !sampledPreconditioner(options.preconditioner) || last === undefined) return undefined;
  const tolerance = Math.max(options.tolerance * totalWeight(problem), (options.relativeTolerance ?? 0) * last);
  return withoutNegligibleRows(problem, NEGLIGIBLE_SHARE * tolerance);
}

/** Rows left out of a block may move its gradient by at most this share of its tolerance. */
const NEGLIGIBLE_SHARE = 0.01;

/**
 * −∇²f(V) d by the solver's own Hessian–vector pass (for tests: it must equal the finite differences of ∇f), and the
 * passes it took.
 */
export function softmaxHessianVector(problem: SoftmaxProblem, V: Float64Array, d: Float64Array): Float64Array {
  const solver = new TruncatedNewtonSolver(problem);
  return solver.hessianVector(V, d);
}

class TruncatedNewtonSolver {
  /** Kernel passes over X so far (a fused logits + gradient pass counts once, as it reads X once). */
  passes = 0;

  /**
   * One more pass over this problem's rows (`fraction` of them), counted in the block's rows: a problem without its
   * rows of negligible weight reads `rowShare` of X per pass. Also where Ctrl-C reaches a long solve
   * (src/core/interrupt.ts).
   */
  private countPass(fraction = 1): void {
    this.passes += fraction * this.rowShare;
    throwIfInterrupted();
  }
  private readonly m: number;
  private readonly D: number;
  /** CG pairs (d, −∇²f d) of the latest Newton systems, which precondition the next one's CG. */
  private pairs: CurvatureMemory = { s: [], y: [] };
  /** The rows the last Newton step's CG read, and kernels on their copy. */
  private subset: RowSubset | undefined;
  /** The block's total weight (rows left out included): its gradient norms are per unit of it. */
  private readonly weight: number;
  /** b of the rows left out (0: none), and the share of the block's rows a pass over this problem reads. */
  private readonly leftOutGradient: number;
  private readonly rowShare: number;
  /**
   * Whether the solve's result holds for the whole block: always without rows left out; with them, when its gain
   * exceeds what they could have lost (`valueBound`).
   */
  certified = true;
  /** Whether f and ∇f are evaluated by the float64 kernels (`canRefine`). */
  private precise = false;

  constructor(
    private readonly problem: SoftmaxProblem,
    private readonly reduced?: ReducedBlock,
  ) {
    this.m = problem.C - 1;
    this.D = this.m * problem.p;
    this.weight = Math.max(totalWeight(problem) + (reduced?.weightOut ?? 0), 1e-300);
    this.leftOutGradient = reduced ? gradientBound(reduced) : 0;
    this.rowShare = reduced ? problem.n / reduced.allRows : 1;
  }

  /** The kernels that evaluate f and ∇f: the problem's, or their float64 twin once the solve is `precise`. */
  private valueKernels(): MatrixKernels {
    const kernels = problemKernels(this.problem);
    return this.precise && kernels instanceof WasmMatrixKernels ? kernels.withPrecision('f64') : kernels;
  }

  /** Whether f could be evaluated more precisely: float32 kernels, not yet switched to their float64 twin. */
  private canRefine(): boolean {
    const kernels = problemKernels(this.problem);
    return !this.precise && kernels instanceof WasmMatrixKernels && kernels.precision === 'f32';
  }

  /** An upper bound on the whole block's ‖∇f‖₂ per unit weight, from this problem's gradient. */
  private gradientNorm(grad: Float64Array): number {
    return (norm(grad) + this.leftOutGradient) / this.weight;
  }

  run(init: Float64Array, options: TruncatedNewtonOptions): InnerSolve {
    let state = this.stateAt(init.slice(), 'a');
    let preconditioner: SpdFactor | undefined;
    /** The factored Hessian is the one at the current point (chord steps are then true Newton steps). */
    let fresh = false;
    if (options.preconditioner === 'hessian') {
      preconditioner = factorSymmetricPositiveDefinite(options.initialHessian ?? this.hessian(state), this.D);
      fresh = true;
    }
    let iterations = 0;
    let converged = false;
    let previousDecrement = Infinity;
    const maxPasses = options.maxPasses ?? Infinity;
    let cgPreconditioner: SpdFactor | undefined;
    // `class-blocks` is A ⊗ G where there is one free class (then A ⊗ G is exact but for its sample).
    const cgKind = options.preconditioner === 'class-blocks' && this.m === 1 ? 'kronecker' : options.preconditioner;
    const start = state;
    let startValue = start.value;
    const initialGradient = norm(state.grad) / this.weight;
    // Relative to a lower bound on the whole block's initial gradient (rows left out could only have added b).
    const target = Math.max(options.tolerance, (options.relativeTolerance ?? 0) * Math.max(0, initialGradient - this.leftOutGradient / this.weight));
    const solveIndex = traceSolves++;
    if (options.memory) options.memory.initialGradient = norm(state.grad) + this.leftOutGradient;
    if (options.memory?.cgPairs?.s[0]?.length === this.D) this.pairs = options.memory.cgPairs;
    for (; iterations < options.maxIterations && this.passes < maxPasses; iterations++) {
      const gradientNorm = this.gradientNorm(state.grad);
      if (options.stop === 'gradient' && gradientNorm <= target) {
        converged = true;
        break;
      }
      if (cgKind === 'diagonal' && !cgPreconditioner) cgPreconditioner = this.diagonalPreconditioner(state);
      if (cgKind === 'kronecker' && !cgPreconditioner) cgPreconditioner = this.kronecker(state, options.memory);
      if (cgKind === 'class-blocks' && !cgPreconditioner) cgPreconditioner = this.classBlocks(state, options.memory);
      // Eisenstat–Walker forcing: a loose solve far from the optimum, a tighter one near it (superlinear) — but
      // never tighter than the stopping rule needs: after a step the gradient is about the CG residual, so a
      // residual of half the target is enough (a last Newton step solved further would be passes for nothing).
      const forcing = Math.max(Math.min(0.5, Math.sqrt(gradientNorm / (initialGradient || 1))), options.stop === 'gradient' ? (0.5 * target) / gradientNorm : 0);
      let direction = preconditioner
        ? this.chordDirection(state, preconditioner)
        : this.conjugateGradient(state, cgPreconditioner, Math.min(0.5, forcing), Math.max(1, Math.min(options.maxCgIterations, maxPasses - this.passes - 1)));
      let decrement = dot(state.grad, direction.S);
      if (preconditioner && !fresh && !(decrement > 2 * options.tolerance * (1 + Math.abs(state.value)))) {
        // About to stop: the last step must be a true Newton step (its quadratic convergence is what makes the
        // gradient negligible), so the Hessian is refreshed at this point first.
        preconditioner = factorSymmetricPositiveDefinite(this.hessian(state), this.D);
        fresh = true;
        direction = this.chordDirection(state, preconditioner);
        decrement = dot(state.grad, direction.S);
      }
      if (!(decrement > 0)) {
        converged = this.metTolerance(gradientNorm, options.stop, target);
        break;
      }
      if (options.stop === 'decrement' && !(decrement > 2 * options.tolerance * (1 + Math.abs(state.value)))) {
        // Converged: one last full Newton step (quadratic convergence) unless round-off makes it worse.
        const last = this.tryStep(state, direction, 1);
        if (last) state = last;
        if (last) iterations++;
        converged = true;
        break;
      }
      const passesBefore = this.passes;
      let next = this.lineSearch(state, direction, decrement);
      // Every step rejected: where f's float32 round-off (about 3e-8 of |f| on Fashion-MNIST) exceeds the gain the
      // model predicts, f and ∇f are evaluated in float64 from here on, and the step is tried again.
      const refine = !next && this.canRefine();
      if (!next && !refine) next = this.gradientFallback(state);
      stepTrace?.({
        solve: solveIndex,
        step: iterations,
        gradientNorm,
        target,
        forcing,
        residual: direction.residual ?? 0,
        cgIterations: direction.cgIterations ?? 0,
        stepLength: next ? next.alpha : 0,
        lineSearchPasses: this.passes - passesBefore,
        blockRows: this.problem.n,
        rows: direction.rows ?? this.problem.n,
        skippedCurvature: direction.skippedCurvature ?? 0,
        copiedRows: direction.copiedRows ?? false,
        preconditioner: cgKind,
        float64: this.precise,
      });
      if (refine) {
        this.precise = true;
        const refined = this.stateAt(state.V.slice(), other(state.slot));
        // The start's f in the same arithmetic, for the gain that certifies the rows left out (see run's end).
        startValue = this.stateAt(start.V.slice(), other(refined.slot)).value;
        state = refined;
        continue;
      }
      if (!next) {
        converged = this.metTolerance(gradientNorm, options.stop, target);
        break;
      }
      state = next.state;
      fresh = false;
      // The Hessian of the start stopped being a good model (a shortened step, or a decrement that shrinks slowly):
      // a fresh one at the current point, i.e. a true Newton step next.
      if (preconditioner && (!next.full || decrement > REFRESH_CONTRACTION * previousDecrement)) {
        preconditioner = factorSymmetricPositiveDefinite(this.hessian(state), this.D);
        fresh = true;
      }
      previousDecrement = decrement;
    }
    if (options.memory) options.memory.cgPairs = this.pairs;
    this.releaseSubset();
    if (!converged && options.stop === 'gradient') converged = this.gradientNorm(state.grad) <= target;
    if (this.reduced) this.certified = state.value - startValue >= valueBound(this.reduced, start.V, state.V);
    return {
      coef: state.V,
      iterations,
      gradientNorm: this.gradientNorm(state.grad),
      objective: state.value,
      method: options.preconditioner === 'hessian' ? 'newton' : 'newton-cg',
      converged,
      passes: this.passes,
    };
  }

  /**
   * Whether a solve that found no ascent step (round-off: the gain is below f's last bits) may be called converged.
   * A gradient stop only at its own tolerance — a caller that asked for less than round-off allows is told it did
   * not get it; a decrement stop when the gradient is negligible.
   */
  private metTolerance(gradientNorm: number, stop: TruncatedNewtonOptions['stop'], target: number): boolean {
    return stop === 'gradient' ? gradientNorm <= target : gradientNorm <= NEGLIGIBLE_GRADIENT;
  }

  hessianVector(V: Float64Array, d: Float64Array): Float64Array {
    const out = new Float64Array(this.D);
    this.hessianTimes(this.stateAt(V.slice(), 'a'), d, out, scratch('newton.directionLogits', this.problem.n * this.m));
    return out;
  }

  /** f, ∇f, logits and probabilities at V, in one fused pass. `slot` picks which of two buffer sets to use. */
  private stateAt(V: Float64Array, slot: Slot): State {
    const { problem, m } = this;
    const { n, ridge } = problem;
    const kernels = this.valueKernels();
    const logits = scratch(`newton.logits.${slot}`, n * m);
    const probs = scratch(`newton.probs.${slot}`, n * m);
    const grad = new Float64Array(this.D);
    let value = 0;
    kernels.logitsAndGradient(
      V,
      m,
      (start, end, blockLogits, coefficients) => {
        logits.set(blockLogits.subarray(0, (end - start) * m), start * m);
        value += softmaxRowsFromLogits(problem, start, end, logits, probs, coefficients);
      },
      grad,
    );
    this.countPass();
    if (ridge > 0) {
      for (let j = 0; j < V.length; j++) grad[j] -= ridge * V[j];
      value -= 0.5 * ridge * dot(V, V);
    }
    return { slot, V, logits, probs, value, grad };
  }

  /**
   * Jacobi preconditioner for CG: the diagonal of −∇²f at the solve's start, Σ_i w_i P_ic (1 − P_ic) x_ij² + λ, floored
   * at 1e-6 of its mean so that constant columns do not divide by zero. One pass over the float64 X in plain
   * JavaScript, once per solve; on pixel data, whose columns differ widely in scale, it cuts the CG iterations.
   */
  private diagonalPreconditioner(state: State): SpdFactor {
    const { problem, m, D } = this;
    const { X, n, p, weights, ridge } = problem;
    const diagonal = new Float64Array(D);
    const h = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      const w = weights ? weights[i] : 1;
      if (w === 0) continue;
      for (let c = 0; c < m; c++) {
        const pc = state.probs[i * m + c];
        h[c] = w * pc * (1 - pc);
      }
      const offset = rowOffset(problem, i);
      for (let j = 0; j < p; j++) {
        const x = X[offset + j];
        if (x === 0) continue;
        const square = x * x;
        for (let c = 0; c < m; c++) diagonal[c * p + j] += h[c] * square;
      }
    }
    let mean = 0;
    for (let k = 0; k < D; k++) mean += diagonal[k] / D;
    const floor = 1e-6 * mean + 1e-300;
    for (let k = 0; k < D; k++) diagonal[k] = Math.max(diagonal[k] + ridge, floor);
    return {
      addedRidge: 0,
      solve: (r, out) => {
        for (let k = 0; k < D; k++) out[k] = r[k] / diagonal[k];
      },
    };
  }

  /**
   * The Kronecker-factored preconditioner (`kroneckerPreconditioner.ts`) at the solve's start: A from this state's
   * probabilities, G's factor from the caller's memory while it is fresh enough, else from a sample of rows.
   */
  private kronecker(state: State, memory: PreconditionerMemory | undefined): SpdFactor {
    const { problem, m } = this;
    const weights = xRowWeights(problem, curvatureWeights(problem, state.probs));
    const gram = keptOrBuilt(memory, memory?.gram, weights, KRONECKER_REBUILD, () => sampledGramFactor(problem, weights), (kept, made) => (kept.gram = made));
    return kroneckerPreconditioner(gram, classCoupling(problem, state.probs).A, m);
  }

  /**
   * The per-class preconditioner (`classBlockPreconditioner.ts`) at the solve's start: the factors of G_1 … G_m from
   * the caller's memory while they are fresh enough, else from samples of rows. They cost m of A ⊗ G's one factor,
   * so they are kept longer (CLASS_BLOCKS_REBUILD).
   */
  private classBlocks(state: State, memory: PreconditionerMemory | undefined): SpdFactor {
    const { problem } = this;
    // Staleness is judged on the classes' summed curvature, as for A ⊗ G: one number for the m factors.
    const weights = xRowWeights(problem, curvatureWeights(problem, state.probs));
    const build = () => classBlockInverses(problem, state.probs, (classWeights) => xRowWeights(problem, classWeights));
    const inverses = keptOrBuilt(memory, memory?.classBlocks, weights, CLASS_BLOCKS_REBUILD, build, (kept, made) => (kept.classBlocks = made));
    return classBlockPreconditioner(inverses, problem.p);
  }

  /** S = H₀⁻¹ ∇f with H₀ the factored Hessian of an earlier point (no pass over X; its logits only if needed). */
  private chordDirection(state: State, factor: SpdFactor): Direction {
    const S = new Float64Array(this.D);
    factor.solve(state.grad, S);
    return { S };
  }

  /**
   * CG on −∇²f S = ∇f to ‖residual‖ ≤ forcing·‖∇f‖ (or until the curvature along a direction vanishes), with the
   * preconditioner when given. Also returns the logits of S (n × m), from the passes it made.
   */
  private conjugateGradient(
    state: State,
    preconditioner: SpdFactor | undefined,
    forcing: number,
    maxIterations: number,
  ): Direction {
    const { D, m, problem } = this;
    const n = problem.n;
    const S = new Float64Array(D);
    const subset = this.curvatureSubset(state);
    const rows = subset?.rows;
    const rowKernels = subset?.kernels;
    const logitsS = scratch('newton.logitsS', n * m).fill(0);
    const directionLogits = scratch('newton.directionLogits', n * m);
    const r = state.grad.slice();
    const z = new Float64Array(D);
    let Hd = new Float64Array(D);
    if (preconditioner && this.pairs.s.length > 0) preconditioner = limitedMemoryPreconditioner(preconditioner, this.pairs);
    const pairs: CurvatureMemory = { s: [], y: [] };
    if (preconditioner) preconditioner.solve(r, z);
    else z.set(r);
    const d = z.slice();
    let rz = dot(r, z);
    const target = forcing * norm(state.grad);
    let iterations = 0;
    while (iterations < maxIterations) {
      if (rows) this.rowsHessianTimes(state, d, Hd, rows, rowKernels!);
      else this.hessianTimes(state, d, Hd, directionLogits);
      iterations++;
      const curvature = dot(d, Hd);
      if (!(curvature > 1e-300)) break; // a flat direction: S so far is the step (it is never empty on the first: see lineSearch)
      const alpha = rz / curvature;
      for (let j = 0; j < D; j++) {
        S[j] += alpha * d[j];
        r[j] -= alpha * Hd[j];
      }
      if (!rows) for (let k = 0; k < n * m; k++) logitsS[k] += alpha * directionLogits[k];
      if (preconditioner) {
        pairs.s.push(d.slice());
        pairs.y.push(Hd);
        Hd = new Float64Array(D);
      }
      if (norm(r) <= target) break;
      if (preconditioner) preconditioner.solve(r, z);
      else z.set(r);
      const next = dot(r, z);
      const beta = next / rz;
      rz = next;
      for (let j = 0; j < D; j++) d[j] = z[j] + beta * d[j];
    }
    // The next Newton systems' preconditioner learns this one's curvature (only a preconditioned CG: the small
    // blocks' chord steps have the exact Hessian already).
    if (preconditioner && pairs.s.length > 0) this.pairs = newestPairs(this.pairs, spreadPairs(pairs, CG_PAIRS_PER_SYSTEM), CG_PAIRS);
    // With rows skipped, the logits of S are known on the kept rows only: the line search makes them if it needs them.
    const residual = norm(r) / (norm(state.grad) || 1);
    return { S, logitsS: rows ? undefined : logitsS, cgIterations: iterations, residual, rows: rows?.length ?? n, skippedCurvature: subset?.skipped ?? 0, copiedRows: subset?.copied ?? false };
  }

  /**
   * The rows CG's Hessian–vector products read, and kernels on a copy of them: all but those of least curvature
   * w_i (1 − Σ_c P_ic²) that together carry at most HESSIAN_SKIPPED_CURVATURE of it (confident rows, and rows another
   * expert is responsible for), or undefined (all rows) when that would skip less than HESSIAN_MIN_SKIPPED_ROWS of
   * them. Decided at every Newton step, from its point's probabilities; the previous step's copy is kept when it
   * still leaves out at most that share of the curvature and is not much larger than a fresh choice (copying the
   * rows costs about a pass).
   */
  private curvatureSubset(state: State): RowSubset | undefined {
    const { problem, m } = this;
    const { n, weights } = problem;
    const { probs } = state;
    const curvature = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      // 1 − Σ_c P_ic² over all C classes: tr(B_i) with the reference class counted as the others are.
      let reference = 1;
      let squares = 0;
      for (let c = 0; c < m; c++) {
        reference -= probs[i * m + c];
        squares += probs[i * m + c] ** 2;
      }
      curvature[i] = (weights ? weights[i] : 1) * Math.max(0, 1 - squares - reference * reference);
      total += curvature[i];
    }
    const sorted = curvature.slice().sort();
    let skipped = 0;
    let cut = 0;
    while (cut < n && skipped + sorted[cut] <= HESSIAN_SKIPPED_CURVATURE * total) skipped += sorted[cut++];
    if (cut < HESSIAN_MIN_SKIPPED_ROWS * n) return this.releaseSubset();
    const kept = this.subset;
    if (kept && kept.rows.length <= SUBSET_REUSE_SLACK * (n - cut)) {
      let held = 0;
      for (let k = 0; k < kept.rows.length; k++) held += curvature[kept.rows[k]];
      if (total - held <= HESSIAN_SKIPPED_CURVATURE * total) return (this.subset = { ...kept, skipped: (total - held) / total, copied: false });
    }
    const threshold = sorted[cut];
    const rows = new Int32Array(n - cut);
    let k = 0;
    for (let i = 0; i < n && k < rows.length; i++) if (curvature[i] >= threshold) rows[k++] = i;
    const chosen = rows.subarray(0, k);
    let held = 0;
    for (let r = 0; r < chosen.length; r++) held += curvature[chosen[r]];
    this.releaseSubset(); // first, so that the new copy can take the old one's memory
    return (this.subset = { rows: chosen, kernels: kernelsForRows(this.problem, chosen), skipped: (total - held) / total, copied: true });
  }

  /** Drops the current row copy, whose memory then serves the next copy of X's rows (`WasmMatrixKernels.release`). */
  private releaseSubset(): undefined {
    if (this.subset?.kernels instanceof WasmMatrixKernels) this.subset.kernels.release();
    return (this.subset = undefined);
  }

  /** out = −∇²f(V) d summed over the given rows only (ridge included): a pass over that part of X. */
  private rowsHessianTimes(state: State, d: Float64Array, out: Float64Array, rows: Int32Array, kernels: MatrixKernels): void {
    const { problem, m } = this;
    const { weights, ridge } = problem;
    const { probs } = state;
    kernels.logitsAndGradient(
      d,
      m,
      (start, end, blockLogits, coefficients) => {
        for (let k = start; k < end; k++) {
          const i = rows[k];
          const w = weights ? weights[i] : 1;
          const row = (k - start) * m;
          const at = i * m;
          let mean = 0;
          for (let c = 0; c < m; c++) mean += probs[at + c] * blockLogits[row + c];
          for (let c = 0; c < m; c++) coefficients[row + c] = w * probs[at + c] * (blockLogits[row + c] - mean);
        }
      },
      out,
    );
    this.countPass(rows.length / problem.n);
    if (ridge > 0) for (let j = 0; j < d.length; j++) out[j] += ridge * d[j];
  }

  /** out = −∇²f(V) d (ridge included); the logits X dᵀ are left in `directionLogits`. One fused pass. */
  private hessianTimes(state: State, d: Float64Array, out: Float64Array, directionLogits: Float64Array): void {
    const { problem, m } = this;
    const { n, weights, ridge } = problem;
    const { probs } = state;
    const kernels = problemKernels(problem);
    kernels.logitsAndGradient(
      d,
      m,
      (start, end, blockLogits, coefficients) => {
        directionLogits.set(blockLogits.subarray(0, (end - start) * m), start * m);
        for (let i = start; i < end; i++) {
          const w = weights ? weights[i] : 1;
          const row = (i - start) * m;
          const at = i * m;
          if (w === 0) {
            coefficients.fill(0, row, row + m);
            continue;
          }
          let mean = 0;
          for (let c = 0; c < m; c++) mean += probs[at + c] * blockLogits[row + c];
          for (let c = 0; c < m; c++) coefficients[row + c] = w * probs[at + c] * (blockLogits[row + c] - mean);
        }
      },
      out,
    );
    this.countPass();
    if (ridge > 0) for (let j = 0; j < d.length; j++) out[j] += ridge * d[j];
  }

  /**
   * Armijo backtracking along S from α = 1 on cached logits (X(V + αS)ᵀ = XVᵀ + α XSᵀ: no pass over X per trial),
   * then f and ∇f recomputed from scratch at the accepted point, which must still increase f.
   */
  private lineSearch(state: State, direction: Direction, decrement: number): { state: State; full: boolean; alpha: number } | undefined {
    // The full step first, evaluated exactly (one fused pass that also gives ∇f there): Newton's usual case.
    const full = this.tryStep(state, direction, 1);
    if (full && full.value >= state.value + 1e-4 * decrement) return { state: full, full: true, alpha: 1 };
    if (!direction.logitsS) {
      direction.logitsS = scratch('newton.logitsS', this.problem.n * this.m);
      this.valueKernels().logits(direction.S, this.m, direction.logitsS);
      this.countPass();
    }
    for (let alpha = 0.5; alpha > 1e-10; alpha *= 0.5) {
      const value = this.valueAlong(state, direction, alpha);
      if (value >= state.value + 1e-4 * alpha * decrement) {
        const next = this.tryStep(state, direction, alpha);
        return next ? { state: next, full: false, alpha } : undefined;
      }
    }
    return undefined;
  }

  /** The state at V + αS when f is not lower there (recomputed exactly), else undefined. */
  private tryStep(state: State, direction: { S: Float64Array }, alpha: number): State | undefined {
    const V = state.V.map((v, j) => v + alpha * direction.S[j]);
    const next = this.stateAt(V, other(state.slot));
    return next.value >= state.value ? next : undefined;
  }

  /** f(V + αS) from the cached logits. */
  private valueAlong(state: State, direction: Direction, alpha: number): number {
    const { problem, m } = this;
    const { n, ridge } = problem;
    const trial = scratch('newton.trialLogits', n * m);
    const { logits } = state;
    const { S } = direction;
    const logitsS = direction.logitsS!;
    for (let k = 0; k < n * m; k++) trial[k] = logits[k] + alpha * logitsS[k];
    let value = softmaxRowsFromLogits(problem, 0, n, trial, undefined, undefined);
    if (ridge > 0) {
      let squares = 0;
      for (let j = 0; j < S.length; j++) squares += (state.V[j] + alpha * S[j]) ** 2;
      value -= 0.5 * ridge * squares;
    }
    return value;
  }

  /** On a saturated softmax the Newton direction can be useless: a searched gradient step (see softmaxRegression). */
  private gradientFallback(state: State): { state: State; full: boolean; alpha: number } | undefined {
    const step = gradientStep(this.problem, state.V, state.value, state.grad, () => this.countPass());
    if (!step) return undefined;
    const next = this.stateAt(step.V, other(state.slot));
    return next.value >= state.value ? { state: next, full: false, alpha: -1 } : undefined;
  }

  /**
   * −∇²f at the state's point (D × D, ridge included): Σ_i H_i ⊗ x_i x_iᵀ with H_i[a][b] = w_i P_ia (δ_ab − P_ib),
   * one weighted Gram matrix per class pair a ≤ b, all in one blocked pass.
   */
  private hessian(state: State): Float64Array {
    this.countPass();
    return softmaxHessianFromProbabilities(this.problem, state.probs);
  }
}

/**
 * CG's preconditioner updated by BFGS with CG pairs (d, −∇²f d) of an earlier Newton system (Morales & Nocedal,
 * "Automatic preconditioning by limited memory quasi-Newton updating", SIAM J. Optim. 10, 2000), applied by the
 * two-loop recursion. Pairs of one CG run are conjugate, so on the Hessian they came from the updated preconditioner
 * inverts it exactly on their span: the next CG need not find those directions again. Every pair has dᵀHd > 0, so
 * the update of an SPD base stays SPD.
 */
export function limitedMemoryPreconditioner(base: SpdFactor, pairs: CurvatureMemory): SpdFactor {
  const rho = pairs.s.map((s, k) => 1 / dot(s, pairs.y[k]));
  return {
    addedRidge: base.addedRidge,
    solve: twoLoopSolver(pairs.s, pairs.y, rho, (q, z) => base.solve(q, z)),
  };
}

/**
 * At most `count` of a CG run's pairs, evenly spread over its iterations, first and last included (Morales and
 * Nocedal's uniform sampling): the early directions carry the largest curvature, the late ones the smallest.
 */
export function spreadPairs(pairs: CurvatureMemory, count: number): CurvatureMemory {
  const total = pairs.s.length;
  if (total <= count) return pairs;
  const chosen = Array.from({ length: count }, (_, k) => Math.round((k * (total - 1)) / (count - 1)));
  return { s: chosen.map((k) => pairs.s[k]), y: chosen.map((k) => pairs.y[k]) };
}

/** The newest `count` pairs of `kept` followed by `added` (oldest first, as the two-loop recursion reads them). */
export function newestPairs(kept: CurvatureMemory, added: CurvatureMemory, count: number): CurvatureMemory {
  return { s: [...kept.s, ...added.s].slice(-count), y: [...kept.y, ...added.y].slice(-count) };
}

/** A Newton direction, and the logits X Sᵀ (n × m) once something computed them. */
interface Direction {
  readonly S: Float64Array;
  logitsS?: Float64Array;
  /** CG's iterations and final relative residual, the rows its products read and the curvature they left out. */
  readonly cgIterations?: number;
  readonly residual?: number;
  readonly rows?: number;
  readonly skippedCurvature?: number;
  readonly copiedRows?: boolean;
}

/**
 * CG's preconditioner is updated with the pairs of the block's latest Newton systems: at most CG_PAIRS_PER_SYSTEM
 * from each CG run, spread over it, and the newest CG_PAIRS in all (the Hessian changes little from one Newton step
 * to the next, and from one M-step to the next once EM settles). On full Fashion-MNIST (ridge 1, 8 EM iterations)
 * they cut the passes of the 8 iterations by 36 % and their CPU time by about a third (docs/solvers.md); pairs of
 * the latest system only (10), 23 %.
 */
const CG_PAIRS_PER_SYSTEM = 10;
const CG_PAIRS = 30;

/** Solves of one block (M-steps of one EM run) that may reuse G's factor before it is rebuilt. */
const KRONECKER_MAX_USES = 10;
/**
 * G's factor is rebuilt when its rows' weights w_i h_i have moved by more than this (relative ℓ1 change). A block's
 * weights move by 15–50 % per EM iteration on Fashion-MNIST, so 10 % rebuilt every G at every M-step; with the CG
 * pairs making up for a staler G, 25 % took 6 % fewer passes and 16 % less CPU time over 8 EM iterations, 50 % about
 * the same, and rebuilding only every 10 uses many more passes (docs/solvers.md).
 */
const KRONECKER_STALE_CHANGE = 0.25;

/**
 * Solves that may reuse the class blocks' factors, and the change of the rows' weights that rebuilds them. A build
 * costs about 25 passes on a Fashion-MNIST expert (A ⊗ G's about 5); with A ⊗ G's rules (10, 25 %) 100 exact EM
 * iterations on full Fashion-MNIST built them 28 times and took about as much CPU as A ⊗ G (382 against 389 s), with
 * these 12 times and 15 % less (329 s; docs/solvers.md, session 13). The CG pairs make up for staler factors.
 */
const CLASS_BLOCKS_MAX_USES = 30;
const CLASS_BLOCKS_STALE_CHANGE = 0.5;

/** When a block's kept preconditioner factor is rebuilt: after `maxUses` solves, or once its rows' weights moved by more than `staleChange`. */
interface RebuildRule {
  readonly maxUses: number;
  readonly staleChange: number;
}
const KRONECKER_REBUILD: RebuildRule = { maxUses: KRONECKER_MAX_USES, staleChange: KRONECKER_STALE_CHANGE };
const CLASS_BLOCKS_REBUILD: RebuildRule = { maxUses: CLASS_BLOCKS_MAX_USES, staleChange: CLASS_BLOCKS_STALE_CHANGE };

/**
 * The factor the block's memory keeps (`kept`) while `rule` allows, else a new one from `build`, stored (`store`)
 * with the row weights it was drawn with; the use is counted. Without a memory every solve builds its own.
 */
function keptOrBuilt<T>(
  memory: PreconditionerMemory | undefined,
  kept: T | undefined,
  weights: Float64Array,
  rule: RebuildRule,
  build: () => T,
  store: (memory: PreconditionerMemory, made: T) => void,
): T {
  // `kept` comes from the memory, so a memory is there whenever a factor is kept.
  if (kept !== undefined && memory?.weights && memory.uses < rule.maxUses && !(weightChange(weights, memory.weights) > rule.staleChange)) {
    memory.uses++;
    return kept;
  }
  const factor = build();
  if (memory) {
    store(memory, factor);
    memory.weights = weights;
    memory.uses = 1;
  }
  return factor;
}

/** Preconditioners drawn from a sample of the block's rows, kept in the block's memory between solves. */
function sampledPreconditioner(preconditioner: TruncatedNewtonOptions['preconditioner']): boolean {
  return preconditioner === 'kronecker' || preconditioner === 'class-blocks';
}

/**
 * What a block keeps between its solves: the Kronecker preconditioner's G factor (or the class blocks' factors), the
 * rows' weights they were drawn with and their uses, and
 * the CG pairs of its last Newton systems (the first CG of the next M-step is preconditioned with them too).
 */
export interface PreconditionerMemory {
  /** CG pairs of the block's latest Newton systems (they update the next CG's preconditioner). */
  cgPairs?: CurvatureMemory;
  gram?: GramFactor;
  /** G_1⁻¹ … G_m⁻¹ of the class blocks (`class-blocks` with m > 1). */
  classBlocks?: GramInverse[];
  /** The row weights G (or the class blocks) were drawn with, per row of X (a block over selected rows has 0 for the others). */
  weights?: Float64Array;
  uses: number;
  /** ‖∇f‖₂ at the start of the block's last solve (it sizes the rows the next may leave out). */
  initialGradient?: number;
}

/**
 * Small blocks re-use the Hessian of an earlier point while the Newton decrement shrinks at least this much per
 * step (and full steps are taken); otherwise the Hessian is recomputed at the current point.
 */
const REFRESH_CONTRACTION = 0.1;

/**
 * CG's Hessian–vector products skip the rows of least curvature that together carry at most this share of it — when
 * that skips at least HESSIAN_MIN_SKIPPED_ROWS of them (below that the copy of the kept rows is not worth it). f and
 * ∇f, hence the stopping rule, the line search and the M-step's optimum, read every row of the block (but those of
 * negligible weight, left out with the bounds of `negligibleRows.ts`); only CG's model of the curvature, which is
 * approximate anyway (the solve is truncated), loses up to 1 % of it. On full Fashion-MNIST
 * an expert's products then read 35–40 % of the rows once the responsibilities are nearly 0/1 (the other
 * expert's rows, and confident ones); skipping ≤ 1e-3 instead of 1e-2 read more rows for about the same number of
 * CG iterations (docs/solvers.md).
 */
export const HESSIAN_SKIPPED_CURVATURE = 1e-2;
const HESSIAN_MIN_SKIPPED_ROWS = 0.2;
/** A Newton step's CG reuses the previous step's copy of rows while it has at most this many times the rows needed. */
const SUBSET_REUSE_SLACK = 1.25;

/** Rows of X CG's products read, and kernels on a copy of them. */
interface RowSubset {
  readonly rows: Int32Array;
  readonly kernels: MatrixKernels;
  /** The share of the current point's curvature that the rows leave out (at most HESSIAN_SKIPPED_CURVATURE). */
  readonly skipped: number;
  /** Whether the rows were copied for this Newton step (false: the previous step's copy, kept). */
  readonly copied: boolean;
}

/** ‖∇f‖ per unit weight below which a solve that finds no ascent step is at its optimum (round-off). */
const NEGLIGIBLE_GRADIENT = 1e-8;

/**
 * −∇²f (D × D, ridge included) from the free-class probabilities of every row (n × m), by `weightedGrams`: one
 * blocked pass over X for all (m + 1)·m / 2 class pairs.
 */
export function softmaxHessianFromProbabilities(problem: SoftmaxProblem, probs: Float64Array): Float64Array {
  if (problem.rows) throw new Error('softmax Hessian: a block over selected rows is solved by Newton-CG, never by dense Newton');
  const { X, n, p, C, weights, ridge } = problem;
  const m = C - 1;
  const D = m * p;
  const pairs: [number, number][] = [];
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) pairs.push([a, b]);
  const grams = weightedGrams(X, n, p, pairs.length, (start, end, out) => {
    const rows = end - start;
    pairs.forEach(([a, b], s) => {
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        const w = weights ? weights[i] : 1;
        const pa = probs[i * m + a];
        out[s * rows + r] = w * pa * ((a === b ? 1 : 0) - probs[i * m + b]);
      }
    });
  });
  const H = new Float64Array(D * D);
  pairs.forEach(([a, b], s) => {
    const base = s * p * p;
    for (let j = 0; j < p; j++) {
      for (let l = 0; l < p; l++) {
        const value = grams[base + j * p + l];
        H[(a * p + j) * D + b * p + l] = value;
        H[(b * p + l) * D + a * p + j] = value;
      }
    }
  });
  for (let r = 0; r < D; r++) H[r * D + r] += ridge;
  return H;
}

/**
 * Σ_{i ∈ [start, end)} w_i Σ_c T_ic log P_ic from the rows' free logits (`logits` indexed by absolute row, n × m);
 * writes the free-class probabilities into `probs` (absolute rows) and the gradient coefficients w_i (T_ic − P_ic)
 * into `coefficients` (relative rows) when given.
 */
export function softmaxRowsFromLogits(
  problem: SoftmaxProblem,
  start: number,
  end: number,
  logits: Float64Array,
  probs: Float64Array | undefined,
  coefficients: Float64Array | undefined,
): number {
  const { C, weights, targets, labels } = problem;
  const m = C - 1;
  const p = rowProbabilities(C);
  let value = 0;
  for (let i = start; i < end; i++) {
    const w = weights ? weights[i] : 1;
    const at = i * m;
    const row = (i - start) * m;
    let max = 0;
    for (let c = 0; c < m; c++) if (logits[at + c] > max) max = logits[at + c];
    let sum = Math.exp(-max);
    p[m] = sum;
    for (let c = 0; c < m; c++) {
      p[c] = Math.exp(logits[at + c] - max);
      sum += p[c];
    }
    for (let c = 0; c < C; c++) p[c] /= sum;
    if (probs) for (let c = 0; c < m; c++) probs[at + c] = p[c];
    if (w === 0) {
      if (coefficients) coefficients.fill(0, row, row + m);
      continue;
    }
    // log P_ic = η_ic − log Σ_b exp η_ib (η of the reference class 0): one logarithm per row, never −∞.
    const logNormalizer = max + Math.log(sum);
    if (targets) {
      const offset = i * C;
      let fit = 0;
      let mass = targets[offset + m];
      for (let c = 0; c < m; c++) {
        fit += targets[offset + c] * logits[at + c];
        mass += targets[offset + c];
      }
      value += w * (fit - mass * logNormalizer);
      if (coefficients) for (let c = 0; c < m; c++) coefficients[row + c] = w * (targets[offset + c] - p[c]);
    } else {
      const label = labels![i];
      value += w * ((label < m ? logits[at + label] : 0) - logNormalizer);
      if (coefficients) for (let c = 0; c < m; c++) coefficients[row + c] = w * ((c === label ? 1 : 0) - p[c]);
    }
  }
  return value;
}

let rowBuffer = new Float64Array(16);
/** A work array for one row's C probabilities (rows are evaluated one block at a time, never concurrently). */
function rowProbabilities(C: number): Float64Array {
  if (rowBuffer.length < C) rowBuffer = new Float64Array(C);
  return rowBuffer;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}

function norm(v: Float64Array): number {
  return Math.sqrt(dot(v, v));
}

/** Per-row weights of a problem (n), as weights per row of X (0 for rows the problem leaves out). */
function xRowWeights(problem: SoftmaxProblem, weights: Float64Array): Float64Array {
  const { rows, X, p } = problem;
  if (!rows) return weights;
  const out = new Float64Array(X.length / p);
  rows.forEach((i, k) => (out[i] = weights[k]));
  return out;
}
