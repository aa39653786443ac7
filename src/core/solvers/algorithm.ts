/**
 * One small interface for every solver: given θᵗ and its evaluation, produce θᵗ⁺¹. The loop around it
 * (stopping rules, diagnostics, timing, cancellation) lives in `solverRun.ts`, so that each solver file holds
 * only its update and its state.
 */
import type { Dataset } from '../data/dataset';
import type { Evaluation } from '../model/evaluate';
import type { ParamLayout } from '../model/layout';
import { SPEC_DEFAULTS } from '../spec/defaults';
import type { EmAcceleration, SolverName } from '../spec/types';
import type { InnerStats } from './mstep';

export interface StepContext {
  readonly layout: ParamLayout;
  readonly data: Dataset;
  /** ∇ℓ(θ) (penalized), total over rows, computed once per iterate and shared with the diagnostics. */
  gradientAt(theta: Float64Array, ev: Evaluation): Float64Array;
  /**
   * An evaluation that nothing reads any more (the iterate before the last), for a new evaluation to take over
   * its arrays (`evaluate(…, { reuse })`); each is handed out once. Undefined when there is none.
   */
  takeRetired?(): Evaluation | undefined;
}

export interface StepOutcome {
  readonly theta: Float64Array;
  readonly inner?: InnerStats;
  readonly notes?: readonly string[];
  /** The evaluation at `theta` with ∇ℓ, when the solver already made it (the loop then does not evaluate again). */
  readonly evaluation?: Evaluation;
  /**
   * EM-map evaluations this update used (accelerated EM: 1 to 3), counted as that many iterations so that EM
   * variants compare on equal terms. Absent: 1.
   */
  readonly mapEvaluations?: number;
}

export interface SolverAlgorithm {
  readonly name: SolverName;
  /** EM only: the accelerator wrapped around the EM map, when one is. */
  readonly acceleration?: Exclude<EmAcceleration, 'none'>;
  step(theta: Float64Array, ev: Evaluation, context: StepContext): StepOutcome;
}

export interface SolverOptions {
  /** Learning rate η for gd, adam and gem. */
  readonly learningRate?: number;
  /** Gradient steps per Gradient-EM iteration. */
  readonly steps?: number;
}

/** Each solver's settings when none are given (the spec's defaults, src/core/spec/defaults.ts). */
export const SOLVER_DEFAULTS = SPEC_DEFAULTS.solvers;

export const DEFAULT_LEARNING_RATE: Readonly<Record<Exclude<SolverName, 'em'>, number>> = {
  gd: SOLVER_DEFAULTS.gd.learningRate,
  gem: SOLVER_DEFAULTS.gem.learningRate,
  adam: SOLVER_DEFAULTS.adam.learningRate,
};
