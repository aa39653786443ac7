/**
 * The EM map θ ↦ M(θ) as the accelerators see it: a black box that takes θ and its evaluation (the E-step) and
 * returns the M-step's θ. Every call is one EM-map evaluation, the unit in which accelerated EM counts its
 * iterations, so that it is compared with plain EM on equal terms.
 */
import type { Dataset } from '../../data/dataset';
import { evaluate, type Evaluation } from '../../model/evaluate';
import type { ParamLayout } from '../../model/layout';
import type { InnerStats, MStepResult, Responsibilities } from '../mstep';

export type EmMap = (layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Responsibilities) => MStepResult;

/** One point the accelerator visited: θ, its evaluation (with ∇ℓ when it may become the next iterate). */
export interface Visited {
  readonly theta: Float64Array;
  readonly ev: Evaluation;
}

/** ℓ (or F with a ridge) of an evaluation, −∞ when θ or the objective is not finite: such a point is never accepted. */
export function objectiveOf(point: Visited): number {
  return Number.isFinite(point.ev.objective) && point.theta.every(Number.isFinite) ? point.ev.objective : Number.NEGATIVE_INFINITY;
}

/**
 * Evaluates θ (the E-step and ℓ). With `withGradient`, ∇ℓ comes in the same pass: ask for it where θ may become
 * the next iterate, which the solver loop then reuses instead of evaluating θ again. `reuse`: an evaluation that
 * nothing reads any more, whose arrays the new one takes over (`EvaluateOptions.reuse`).
 */
export function visit(layout: ParamLayout, data: Dataset, theta: Float64Array, withGradient = true, reuse?: Evaluation): Visited {
  return { theta, ev: evaluate(layout, data, theta, { gradient: withGradient, reuse }) };
}

/** The inner statistics of several M-steps as one: iterations and capped blocks add up, the worst gradient norm. */
export function mergeInnerStats(all: readonly InnerStats[]): InnerStats | undefined {
  if (all.length === 0) return undefined;
  const methods = new Set(all.map((s) => s.method));
  return {
    iterations: all.reduce((sum, s) => sum + s.iterations, 0),
    gradientNorm: Math.max(...all.map((s) => s.gradientNorm)),
    method: methods.size === 1 ? all[0].method : 'mixed',
    cappedBlocks: all.reduce((sum, s) => sum + (s.cappedBlocks ?? 0), 0),
  };
}

/** The distinct notes of the M-steps on the accepted path, in order. */
export function mergeNotes(results: readonly MStepResult[]): string[] {
  return [...new Set(results.flatMap((r) => r.notes))];
}
