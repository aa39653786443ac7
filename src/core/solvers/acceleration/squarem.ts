/**
 * SQUAREM (Varadhan & Roland 2008, "Simple and globally convergent methods for accelerating the convergence of
 * any EM algorithm", Scand. J. Statist. 35:335–353), scheme S3, in the solvers' unconstrained coordinates θ
 * (log σ, the gate's K − 1 free rows; the last gate row is the reference, fixed at 0).
 *
 * One cycle from θ₀: θ₁ = M(θ₀), θ₂ = M(θ₁), r = θ₁ − θ₀, v = θ₂ − 2θ₁ + θ₀, step length α = ‖r‖/‖v‖ (S3; the
 * paper writes it −‖r‖/‖v‖ with the opposite sign convention), the squared extrapolation
 * θ′ = θ₀ + 2α r + α² v, then one EM step from θ′ to stabilize it (when |α − 1| > 0.01, as the R package does).
 *
 * Safeguards, as the authors' R package SQUAREM applies them:
 * - α is kept in [1, maxStep]; α = 1 gives θ′ = θ₂, two plain EM steps. maxStep starts at 1 and is multiplied by
 *   4 each time α reaches it, so that the extrapolation earns its length.
 * - Monotonicity: when the cycle's result has a lower objective than θ₀ (ℓ, or F with a ridge), or a non-finite
 *   one, the cycle returns θ₂ instead — two EM steps, which never decrease it — and maxStep is divided by 4 if α
 *   had reached it (never below 1).
 * A cycle costs 2 or 3 EM-map evaluations; the solver loop counts iterations in those.
 */
import type { Dataset } from '../../data/dataset';
import type { Evaluation } from '../../model/evaluate';
import type { ParamLayout } from '../../model/layout';
import type { StepOutcome } from '../algorithm';
import type { MStepResult } from '../mstep';
import { mergeInnerStats, mergeNotes, objectiveOf, visit, type EmMap, type Visited } from './emMap';
import { difference, squaredNorm } from './vectors';

export interface SquaremOptions {
  /** Factor by which the largest allowed step length grows (and shrinks after a rejected cycle); R's `mstep`. */
  readonly stepFactor?: number;
  /** The largest step length at the start; R's `step.max0`. */
  readonly initialMaxStep?: number;
  /** One EM step from the extrapolated point before judging it (the R package's default; false: 2 maps per cycle). */
  readonly stabilize?: boolean;
}

export class Squarem {
  private maxStep: number;
  private readonly stepFactor: number;
  private readonly initialMaxStep: number;
  private readonly stabilizes: boolean;

  constructor(
    private readonly map: EmMap,
    { stepFactor = 4, initialMaxStep = 1, stabilize = true }: SquaremOptions = {},
  ) {
    this.stabilizes = stabilize;
    this.stepFactor = stepFactor;
    this.initialMaxStep = initialMaxStep;
    this.maxStep = initialMaxStep;
  }

  /** `retired`: an evaluation nothing reads any more, whose arrays θ₁'s evaluation takes over. */
  cycle(layout: ParamLayout, data: Dataset, theta0: Float64Array, ev0: Evaluation, retired?: Evaluation): StepOutcome {
    const first = this.map(layout, data, theta0, ev0);
    const r = difference(first.theta, theta0);
    const at1 = visit(layout, data, first.theta, false, retired);
    const sr2 = squaredNorm(r);
    // EM has not moved, or θ₁ cannot be extrapolated from: return the plain EM step (the loop's rules decide).
    if (sr2 === 0 || objectiveOf(at1) === Number.NEGATIVE_INFINITY) return outcome(visit(layout, data, first.theta), [first], 1);
    const second = this.map(layout, data, first.theta, at1.ev);
    const v = difference(difference(second.theta, first.theta), r);
    const sv2 = squaredNorm(v);
    const plain = () => visit(layout, data, second.theta);
    if (sv2 === 0) return outcome(plain(), [first, second], 2);

    const alpha = Math.max(1, Math.min(this.maxStep, Math.sqrt(sr2 / sv2)));
    let accepted: Visited | undefined;
    let path: MStepResult[] = [first, second];
    let evaluations = 2;
    if (alpha === 1) {
      accepted = plain();
    } else {
      const extrapolated = new Float64Array(theta0.length);
      for (let j = 0; j < theta0.length; j++) extrapolated[j] = theta0[j] + 2 * alpha * r[j] + alpha * alpha * v[j];
      // As the R package: a step length within 1 % of 1 is nearly θ₂ already and is not stabilized.
      const candidate = this.stabilize(layout, data, extrapolated, this.stabilizes && Math.abs(alpha - 1) > 0.01);
      evaluations += candidate.evaluations;
      if (candidate.point && objectiveOf(candidate.point) >= ev0.objective) {
        accepted = candidate.point;
        path = [first, second, ...candidate.steps];
      }
    }
    if (!accepted) {
      // The published safeguard: fall back to the plain EM steps and shorten the largest allowed step.
      if (alpha === this.maxStep) this.maxStep = Math.max(this.initialMaxStep, this.maxStep / this.stepFactor);
      return outcome(plain(), path, evaluations);
    }
    if (alpha === this.maxStep) this.maxStep *= this.stepFactor;
    return outcome(accepted, path, evaluations);
  }

  /** The extrapolated point, after one EM step from it when `stabilizing` (its E-step must be finite to take it). */
  private stabilize(layout: ParamLayout, data: Dataset, extrapolated: Float64Array, stabilizing: boolean): { point?: Visited; steps: MStepResult[]; evaluations: number } {
    const at = visit(layout, data, extrapolated, !stabilizing);
    if (objectiveOf(at) === Number.NEGATIVE_INFINITY) return { steps: [], evaluations: 0 };
    if (!stabilizing) return { point: at, steps: [], evaluations: 0 };
    const step = this.map(layout, data, extrapolated, at.ev);
    if (!step.theta.every(Number.isFinite)) return { steps: [], evaluations: 1 };
    return { point: visit(layout, data, step.theta), steps: [step], evaluations: 1 };
  }
}

function outcome(point: Visited, path: readonly MStepResult[], mapEvaluations: number): StepOutcome {
  return { theta: point.theta, evaluation: point.ev, mapEvaluations, inner: mergeInnerStats(path.map((s) => s.inner)), notes: mergeNotes(path) };
}
