/**
 * EM's M-step (DESIGN §2): given responsibilities r at θᵗ, maximize Q(θ | θᵗ) block by block.
 * Gate: soft-target softmax regression. Gaussian experts: weighted least squares, then the variance in closed
 * form (floored). Bernoulli / categorical experts: weighted logistic / softmax regression. Every block is solved
 * to a tight tolerance (Newton), or by L-BFGS or Newton-CG for blocks too large for Newton; inner iterations, passes
 * over X, the final inner gradient norm and the number of blocks that stopped before their tolerance
 * (`cappedBlocks`) are returned, so that an M-step is called exact only when it was. Gaussian experts with a
 * softmax gate get their normal equations and the gate's Hessian from one shared blocked pass.
 *
 * With a ridge λ > 0 on a gaussian expert, β is solved with σ held at σᵗ and σ is then solved given β: an
 * expectation–conditional-maximization step, which still never decreases the penalized objective.
 */
import type { Dataset } from '../data/dataset';
import { solveSymmetricPositiveDefinite, weightedLeastSquares } from '../optim/denseSolve';
import { weightedGrams } from '../kernels/gram';
import {
  emptyCurvature,
  fitSoftmaxRegression,
  NEWTON_PARAMETER_LIMIT,
  type CurvatureMemory,
  type InnerSolve,
  type InnerSolveOptions,
  type SoftmaxProblem,
} from '../optim/softmaxRegression';
import { classPairs, hessianFromPairGrams, smallBlockNewton, type StartProbabilities } from '../optim/smallBlockNewton';
import { modelClass } from '../model/evaluate';
import type { PreconditionerMemory } from '../optim/newtonCg';
import type { ParamLayout } from '../model/layout';
import { throwIfInterrupted, throwIfInterruptedAtRow } from '../interrupt';

export interface InnerStats {
  /** Inner iterations summed over the M-step's blocks. */
  readonly iterations: number;
  /** Largest final inner gradient norm (per unit weight) over the blocks. */
  readonly gradientNorm: number;
  readonly method: 'closed-form' | 'newton' | 'newton-cg' | 'lbfgs' | 'gradient' | 'mixed';
  /** Passes over X made by the M-step's iterative blocks (objective, gradient, Hessian–vector products, Hessians). */
  readonly passes?: number;
  /**
   * Blocks of this M-step that stopped before their tolerance (at the inner iteration cap, or without an ascent
   * step): such an M-step still increases Q, so EM stays monotone, but it is not the exact maximizer.
   */
  readonly cappedBlocks?: number;
  /** Per iterative block (gate, expert k, β): what its solve did, in the order solved. */
  readonly blocks?: readonly BlockSolveStats[];
}

/** One block's inner solve within an M-step. */
export interface BlockSolveStats {
  readonly block: string;
  readonly method: InnerSolve['method'];
  readonly iterations: number;
  readonly passes: number;
  /** ‖∇f‖₂ (‖∇f‖∞ for L-BFGS) per unit weight at the end. */
  readonly gradientNorm: number;
  /** Met its tolerance (false: capped). */
  readonly converged: boolean;
}

export interface MStepResult {
  readonly theta: Float64Array;
  readonly inner: InnerStats;
  /** Degenerate situations met and what was done about them. */
  readonly notes: string[];
}

/** σ² is floored at this fraction of the target's variance (and never below 1e-12). */
export const VARIANCE_FLOOR_FRACTION = 1e-6;
/** An expert whose total responsibility is below this many rows is treated as empty. */
const EMPTY_EXPERT_WEIGHT = 1e-8;

export function varianceFloor(data: Dataset): number {
  let mean = 0;
  for (let i = 0; i < data.n; i++) mean += data.y[i];
  mean /= data.n;
  let sum = 0;
  for (let i = 0; i < data.n; i++) sum += (data.y[i] - mean) ** 2;
  return Math.max(VARIANCE_FLOOR_FRACTION * (sum / data.n), 1e-12);
}

class InnerTally {
  iterations = 0;
  gradientNorm = 0;
  cappedBlocks = 0;
  passes = 0;
  private methods = new Set<string>();
  private readonly blocks: BlockSolveStats[] = [];
  add(solve: InnerSolve, block: string): void {
    this.blocks.push({ block, method: solve.method, iterations: solve.iterations, passes: solve.passes ?? 0, gradientNorm: solve.gradientNorm, converged: solve.converged });
    this.iterations += solve.iterations;
    this.gradientNorm = Math.max(this.gradientNorm, solve.gradientNorm);
    this.methods.add(solve.method);
    if (!solve.converged) this.cappedBlocks++;
    this.passes += solve.passes ?? 0;
  }
  closedForm(): void {
    this.methods.add('closed-form');
  }
  stats(): InnerStats {
    const method = this.methods.size === 1 ? ([...this.methods][0] as InnerStats['method']) : 'mixed';
    const blocks = this.blocks.length > 0 ? { blocks: this.blocks } : {};
    return { iterations: this.iterations, gradientNorm: this.gradientNorm, method, cappedBlocks: this.cappedBlocks, passes: this.passes, ...blocks };
  }
}

const onesCache = new WeakMap<Dataset, Float64Array>();
function interceptColumn(data: Dataset): Float64Array {
  let ones = onesCache.get(data);
  if (!ones) {
    ones = new Float64Array(data.n).fill(1);
    onesCache.set(data, ones);
  }
  return ones;
}

/**
 * What one EM run keeps between its M-steps: per block (gate, each expert), the L-BFGS curvature pairs of its
 * last solve, which start the next solve of that block (its objective changes only through the responsibilities).
 */
export class MStepMemory {
  private readonly blocks = new Map<string, CurvatureMemory>();
  private readonly preconditioners = new Map<string, PreconditionerMemory>();

  /** The Newton-CG preconditioner kept for a block (see optim/kroneckerPreconditioner.ts). */
  preconditioner(name: string): PreconditionerMemory {
    let memory = this.preconditioners.get(name);
    if (!memory) {
      memory = { uses: 0 };
      this.preconditioners.set(name, memory);
    }
    return memory;
  }

  block(name: string): CurvatureMemory {
    let memory = this.blocks.get(name);
    if (!memory) {
      memory = emptyCurvature();
      this.blocks.set(name, memory);
    }
    return memory;
  }
}

export interface MStepOptions extends InnerSolveOptions {
  /** Kept across the M-steps of one run (see MStepMemory): L-BFGS curvature pairs, or Newton-CG preconditioners. */
  readonly memory?: MStepMemory;
}

/**
 * Inexact M-steps for blocks solved by L-BFGS: at EM iteration t (0-based) each such block gets at most
 * min(max, initial + growth·t) inner iterations. Every accepted inner step increases the block's part of Q, so
 * Q(θᵗ⁺¹ | θᵗ) ≥ Q(θᵗ | θᵗ) and ℓ still never decreases (a generalized EM); the growing cap lets the early
 * iterations, whose responsibilities are about to change anyway, stay cheap.
 */
export interface InnerIterationBudget {
  readonly initial: number;
  readonly growth: number;
  readonly max: number;
}

/** The budget that reached 82 % test accuracy fastest on Random-Invert Fashion-MNIST (docs/wide-data.md). */
export const DEFAULT_INNER_BUDGET: InnerIterationBudget = { initial: 5, growth: 5, max: 100 };

export function innerIterationCap(budget: InnerIterationBudget, t: number): number {
  return Math.max(1, Math.min(budget.max, Math.floor(budget.initial + budget.growth * t)));
}

/**
 * EM's M-step for one run with a growing inner budget and curvature kept between M-steps: call it once per EM
 * iteration, in order. Blocks small enough for Newton are still solved exactly.
 */
export function createInexactMStep(
  budget: InnerIterationBudget = DEFAULT_INNER_BUDGET,
  options: InnerSolveOptions = {},
): (layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Responsibilities) => MStepResult {
  const memory = new MStepMemory();
  let t = 0;
  return (layout, data, theta, ev) => emUpdate(layout, data, theta, ev, { ...options, largeBlocks: 'lbfgs', lbfgsIterations: innerIterationCap(budget, t++), memory });
}

/** Options for one block: its curvature memory, when the run keeps one. */
function forBlock(options: MStepOptions, name: string): InnerSolveOptions {
  if (!options.memory) return options;
  if (options.largeBlocks === 'newton-cg') return { ...options, preconditionerMemory: options.memory.preconditioner(name) };
  return { ...options, curvature: options.memory.block(name) };
}

/** Responsibilities r_ik, n × K (the E-step's output), as the M-step needs them. */
export interface Responsibilities {
  readonly n: number;
  readonly K: number;
  readonly resp: Float64Array;
}

export function emUpdate(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
  ev: Responsibilities,
  innerOptions: MStepOptions = {},
): MStepResult {
  const next = theta.slice();
  const notes: string[] = [];
  const tally = new InnerTally();
  const sums = layout.shape.family === 'gaussian' && !layout.shape.symmetric ? new ExpertSums(layout, data, ev) : undefined;
  updateGate(layout, data, next, ev, tally, innerOptions, sums);
  switch (layout.shape.family) {
    case 'gaussian':
      if (layout.shape.symmetric) updateSymmetricGaussian(layout, data, next, ev, notes);
      else updateGaussianExperts(layout, data, next, ev, notes, sums!.normalEquations(tally));
      tally.closedForm();
      break;
    case 'bernoulli':
    case 'categorical':
      if (layout.shape.symmetric) updateSymmetricLogistic(layout, data, next, ev, tally, innerOptions);
      else updateClassifierExperts(layout, data, next, ev, notes, tally, innerOptions);
      break;
  }
  return { theta: next, inner: tally.stats(), notes };
}

/**
 * The gate block. Closed form for a constant gate without ridge; small blocks (the dense-Newton size) by Newton
 * with a reused, BFGS-updated Hessian (`smallBlockNewton.ts`), whose Hessian pass at θᵗ also makes the gaussian
 * experts' sums when there are any (`ExpertSums`); larger blocks as every large softmax block.
 */
function updateGate(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
  ev: Responsibilities,
  tally: InnerTally,
  innerOptions: MStepOptions,
  sums: ExpertSums | undefined,
): void {
  const { K } = layout;
  const constantGate = layout.gateWidth === 1;
  const size = layout.gateRows * layout.gateWidth;
  if (size === 0) return;
  if (constantGate && layout.shape.ridge === 0) {
    // Closed form: π_k = mean responsibility, w_k = log(π_k / π_K). An empty expert would send w_k to −∞; its
    // weight is kept at 1e-300 instead, which changes Q by a negligible amount and keeps θ finite.
    const weight = expertWeights(ev).map((w) => Math.max(w, 1e-300));
    for (let k = 0; k < K - 1; k++) theta[layout.gateRow(k)] = Math.log(weight[k] / weight[K - 1]);
    tally.closedForm();
    return;
  }
  const problem: SoftmaxProblem = {
    X: constantGate ? interceptColumn(data) : data.X,
    n: data.n,
    p: layout.gateWidth,
    C: K,
    targets: ev.resp,
    ridge: layout.shape.ridge,
  };
  const init = theta.subarray(layout.gateOffset, layout.gateOffset + size);
  const small = size <= (innerOptions.newtonLimit ?? NEWTON_PARAMETER_LIMIT);
  const shareWithExperts = small && sums && !constantGate;
  const solve = small
    ? smallBlockNewton(problem, init, {
        tolerance: innerOptions.tolerance,
        maxIterations: innerOptions.maxIterations,
        startHessian: shareWithExperts ? (probabilities) => sums.withGateHessian(probabilities) : undefined,
      })
    : fitSoftmaxRegression(problem, init, forBlock(innerOptions, 'gate'));
  theta.set(solve.coef, layout.gateOffset);
  tally.add(solve, 'gate');
}

/** Σ_i r_ik per expert. */
export function expertWeights(ev: Responsibilities): Float64Array {
  const weight = new Float64Array(ev.K);
  for (let i = 0; i < ev.n; i++) for (let k = 0; k < ev.K; k++) weight[k] += ev.resp[i * ev.K + k];
  return weight;
}

/**
 * The dense sums of a gaussian M-step, Σ_i r_ik z_i z_iᵀ per expert with z_i = (x_i, y_i): each expert's weighted
 * normal equations and, in the corner entry, Σ_i r_ik y_i² (for its variance). Tall data spend most of an EM iteration
 * in passes over the rows, so when the gate is solved by dense Newton its Hessian at θᵗ comes from the same blocked
 * pass (`withGateHessian`); otherwise the sums get a pass of their own.
 *
 * Responsibilities sum to 1 over the experts, so the sums of the expert with the most weight are those of all rows,
 * Σ_i z_i zᵀ_i (computed once per data set), minus the others': one weight vector fewer in every pass. Its share of
 * the total is at least 1/K, so the subtraction costs at most a factor K in relative rounding. Rows whose
 * responsibilities do not sum to 1 (a caller's own responsibilities) get that expert's sums in a pass of their own.
 */
class ExpertSums {
  private sums: Float64Array[] | undefined;
  /** Passes over X made here besides the one shared with the gate (the all-rows sums once per data set, a fallback). */
  extraPasses = 0;
  /** The expert whose sums come by subtraction: the one with the largest total responsibility. */
  private readonly subtracted: number;
  /** The experts with a weight vector of their own, in pass order. */
  private readonly weighted: number[];

  constructor(
    private readonly layout: ParamLayout,
    private readonly data: Dataset,
    private readonly ev: Responsibilities,
  ) {
    const weights = expertWeights(ev);
    this.subtracted = weights.indexOf(Math.max(...weights));
    this.weighted = Array.from({ length: layout.K }, (_, k) => k).filter((k) => k !== this.subtracted);
  }

  /** The gate's −∇²Q at θᵗ (from its free-class probabilities there) and, in the same pass, the experts' sums. */
  withGateHessian(probabilities: StartProbabilities): Float64Array {
    const { K, p } = this.layout;
    const m = K - 1;
    const pairs = classPairs(m);
    const first = this.weighted.length;
    let probs = new Float64Array(0);
    const grams = this.pass(pairs.length, (start, rows, weights) => {
      if (probs.length < rows * m) probs = new Float64Array(rows * m);
      probabilities(start, start + rows, probs);
      pairs.forEach(([a, b], pair) => {
        const base = (first + pair) * rows;
        for (let r = 0; r < rows; r++) weights[base + r] = probs[r * m + a] * ((a === b ? 1 : 0) - probs[r * m + b]);
      });
    });
    return hessianFromPairGrams(grams, first * (p + 1) * (p + 1), p + 1, p, m, this.layout.shape.ridge);
  }

  /** Each expert's (p + 1) × (p + 1) sums; a pass of their own unless the gate's Hessian pass made them. */
  normalEquations(tally: InnerTally): Float64Array[] {
    if (!this.sums) {
      this.pass(0, () => {});
      if (this.weighted.length > 0) tally.passes++;
    }
    tally.passes += this.extraPasses;
    return this.sums!;
  }

  /**
   * One blocked pass for the weighted experts' vectors and `extra` more, filled by `fill` after them; returns all the
   * sums of that pass, and sets every expert's.
   */
  private pass(extra: number, fill: (start: number, rows: number, weights: Float64Array) => void): Float64Array {
    const { K, p } = this.layout;
    const { n, X, y } = this.data;
    const { resp } = this.ev;
    const q = p + 1;
    const weighted = this.weighted;
    let largestDeviation = 0;
    const S = weighted.length + extra;
    const grams =
      S === 0
        ? new Float64Array(0)
        : weightedGrams(X, n, p, S, (start, end, weights) => {
            throwIfInterrupted(); // a block of the pass: on a tall table the whole pass takes about a second under load
            const rows = end - start;
            weighted.forEach((k, s) => {
              for (let r = 0; r < rows; r++) weights[s * rows + r] = resp[(start + r) * K + k];
            });
            for (let r = 0; r < rows; r++) {
              let total = 0;
              for (let k = 0; k < K; k++) total += resp[(start + r) * K + k];
              const deviation = Math.abs(total - 1);
              if (deviation > largestDeviation) largestDeviation = deviation;
            }
            fill(start, rows, weights);
          }, y);
    const sums: Float64Array[] = new Array(K);
    weighted.forEach((k, s) => (sums[k] = grams.subarray(s * q * q, (s + 1) * q * q)));
    if (largestDeviation <= ROW_SUM_TOLERANCE) {
      const rest = this.allRows().slice();
      for (const k of weighted) for (let e = 0; e < q * q; e++) rest[e] -= sums[k][e];
      sums[this.subtracted] = rest;
    } else {
      const k = this.subtracted;
      sums[k] = weightedGrams(X, n, p, 1, (start, end, weights) => {
        for (let r = 0; r < end - start; r++) weights[r] = resp[(start + r) * K + k];
      }, y);
      this.extraPasses++;
    }
    this.sums = sums;
    return grams;
  }

  /** Σ_i z_i z_iᵀ over all rows, once per data set. */
  private allRows(): Float64Array {
    let sums = allRowSums.get(this.data);
    if (!sums) {
      sums = weightedGrams(this.data.X, this.data.n, this.data.p, 1, (start, end, weights) => weights.fill(1, 0, end - start), this.data.y);
      allRowSums.set(this.data, sums);
      this.extraPasses++;
    }
    return sums;
  }
}

/** Responsibilities of a row sum to 1 up to this (rounding): then one expert's sums are the rest of all rows'. */
const ROW_SUM_TOLERANCE = 1e-12;
const allRowSums = new WeakMap<Dataset, Float64Array>();

/** β = (Σ r z zᵀ)[x,x] + λI)⁻¹ (Σ r z zᵀ)[x,y] from an expert's (p + 1) × (p + 1) sums. */
function solveNormalEquations(sums: Float64Array, p: number, ridge: number): ReturnType<typeof solveSymmetricPositiveDefinite> {
  const q = p + 1;
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    for (let l = 0; l < p; l++) A[j * p + l] = sums[j * q + l];
    A[j * p + j] += ridge;
    b[j] = sums[j * q + p];
  }
  return solveSymmetricPositiveDefinite(A, b, p);
}

/**
 * A residual sum of squares computed from sums loses the digits that its terms share: it is used when it keeps at
 * least all but 4 of them (the rows are summed again otherwise).
 */
const RESIDUAL_CANCELLATION = 1e-4;

/**
 * Σ_i r_ik (y_i − βᵀx_i)² = yᵀRy − 2βᵀXᵀRy + βᵀXᵀRXβ from an expert's (p + 1) × (p + 1) sums, without a pass over the
 * rows; undefined when the fit is so close that the difference cancels (see RESIDUAL_CANCELLATION).
 */
export function residualSquaresFromSums(sums: Float64Array, p: number, beta: Float64Array): number | undefined {
  const q = p + 1;
  let fit = 0;
  let quadratic = 0;
  for (let j = 0; j < p; j++) {
    fit += beta[j] * sums[j * q + p];
    let row = 0;
    for (let l = 0; l < p; l++) row += sums[j * q + l] * beta[l];
    quadratic += beta[j] * row;
  }
  const targets = sums[p * q + p];
  const value = targets - 2 * fit + quadratic;
  const scale = targets + 2 * Math.abs(fit) + Math.abs(quadratic);
  return value >= RESIDUAL_CANCELLATION * scale ? value : undefined;
}

function updateGaussianExperts(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
  ev: Responsibilities,
  notes: string[],
  normalEquations: Float64Array[],
): void {
  const { K, p } = layout;
  const { n, X, y } = data;
  const floor = varianceFloor(data);
  const weights = expertWeights(ev);
  for (let k = 0; k < K; k++) {
    if (weights[k] < EMPTY_EXPERT_WEIGHT) {
      notes.push(`expert ${k + 1} has lost all responsibility (total weight ${weights[k].toExponential(2)}); its parameters are kept`);
      continue;
    }
    const sigma = layout.sigma(theta, k);
    const wls = solveNormalEquations(normalEquations[k], p, layout.shape.ridge * sigma * sigma);
    if (wls.addedRidge > 0) {
      notes.push(`expert ${k + 1}: singular weighted least-squares system; ridge ${wls.addedRidge.toExponential(2)} added`);
    }
    theta.set(wls.x, layout.betaRow(k, 0));
    const sigmaIndex = layout.logSigmaIndex(k);
    if (sigmaIndex < 0) continue;
    let residualSquares = residualSquaresFromSums(normalEquations[k], p, wls.x);
    if (residualSquares === undefined) {
      residualSquares = 0;
      for (let i = 0; i < n; i++) {
        throwIfInterruptedAtRow(i);
        let mu = 0;
        for (let j = 0; j < p; j++) mu += wls.x[j] * X[i * p + j];
        residualSquares += ev.resp[i * K + k] * (y[i] - mu) ** 2;
      }
    }
    let variance = residualSquares / weights[k];
    if (!(variance >= floor)) {
      notes.push(`expert ${k + 1}: variance collapsed to ${variance.toExponential(2)}; floored at ${floor.toExponential(2)}`);
      variance = floor;
    }
    theta[sigmaIndex] = 0.5 * Math.log(variance);
  }
}

function updateSymmetricGaussian(layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Responsibilities, notes: string[]): void {
  // Σ_i r_i1 (y_i − βᵀx_i)² + r_i2 (y_i + βᵀx_i)² = Σ_i (βᵀx_i)² − 2 (r_i1 − r_i2) y_i βᵀx_i + const, so β is
  // ordinary least squares on the target (r_i1 − r_i2) y_i.
  const { n, X, y, p } = data;
  const signedTarget = new Float64Array(n);
  for (let i = 0; i < n; i++) signedTarget[i] = (ev.resp[2 * i] - ev.resp[2 * i + 1]) * y[i];
  const sigma = layout.sigma(theta, 0);
  const wls = weightedLeastSquares(X, n, p, () => 1, signedTarget, layout.shape.ridge * sigma * sigma);
  if (wls.addedRidge > 0) notes.push(`singular least-squares system; ridge ${wls.addedRidge.toExponential(2)} added`);
  theta.set(wls.x, layout.betaRow(0, 0));
  const sigmaIndex = layout.logSigmaIndex(0);
  if (sigmaIndex < 0) return;
  let residualSquares = 0;
  for (let i = 0; i < n; i++) {
    let mu = 0;
    for (let j = 0; j < p; j++) mu += wls.x[j] * X[i * p + j];
    residualSquares += ev.resp[2 * i] * (y[i] - mu) ** 2 + ev.resp[2 * i + 1] * (y[i] + mu) ** 2;
  }
  const floor = varianceFloor(data);
  let variance = residualSquares / n;
  if (!(variance >= floor)) {
    notes.push(`variance collapsed to ${variance.toExponential(2)}; floored at ${floor.toExponential(2)}`);
    variance = floor;
  }
  theta[sigmaIndex] = 0.5 * Math.log(variance);
}

function updateClassifierExperts(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
  ev: Responsibilities,
  notes: string[],
  tally: InnerTally,
  innerOptions: MStepOptions,
): void {
  const { K, p } = layout;
  const { n, C } = { n: data.n, C: layout.shape.C };
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = modelClass(layout, data.y[i]);
  const expertWeight = expertWeights(ev);
  const size = (C - 1) * p;
  const weights = new Float64Array(n);
  for (let k = 0; k < K; k++) {
    if (expertWeight[k] < EMPTY_EXPERT_WEIGHT) {
      notes.push(`expert ${k + 1} has lost all responsibility (total weight ${expertWeight[k].toExponential(2)}); its parameters are kept`);
      continue;
    }
    for (let i = 0; i < n; i++) weights[i] = ev.resp[i * K + k];
    const offset = layout.betaRow(k, 0);
    const solve = fitSoftmaxRegression(
      { X: data.X, n, p, C, labels, weights, ridge: layout.shape.ridge },
      theta.subarray(offset, offset + size),
      forBlock(innerOptions, `expert ${k + 1}`),
    );
    theta.set(solve.coef, offset);
    tally.add(solve, `expert ${k + 1}`);
  }
}

function updateSymmetricLogistic(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
  ev: Responsibilities,
  tally: InnerTally,
  innerOptions: MStepOptions,
): void {
  // Expert 2 predicts sigmoid(−βᵀx), i.e. expert 1 on the flipped label, so the β-block of Q is one logistic
  // regression with soft target t_i = r_i1·y_i + r_i2·(1 − y_i) for "y = 1".
  const { n, p } = data;
  const targets = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = ev.resp[2 * i] * data.y[i] + ev.resp[2 * i + 1] * (1 - data.y[i]);
    targets[2 * i] = t;
    targets[2 * i + 1] = 1 - t;
  }
  const offset = layout.betaRow(0, 0);
  const solve = fitSoftmaxRegression(
    { X: data.X, n, p, C: 2, targets, ridge: layout.shape.ridge },
    theta.subarray(offset, offset + p),
    forBlock(innerOptions, 'beta'),
  );
  theta.set(solve.coef, offset);
  tally.add(solve, 'beta');
}
