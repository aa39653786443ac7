/**
 * DAAREM: damped Anderson acceleration with restarts and monotonicity control (Henderson & Varadhan 2019, JCGS
 * 28:834–846), applied to the EM map in the solvers' unconstrained coordinates θ (log σ, the gate's free rows).
 *
 * Each iteration costs one EM-map evaluation: with θ the current point and f = M(θ) − θ its residual, the
 * differences of the last points and residuals (at most `order` of them) give the damped Anderson proposal
 * θ + f − (ΔX + ΔF)γ, γ from dampedAnderson.ts. The rules, as the authors' R package daarem applies them:
 * - Monotonicity control: the proposal is taken only if its objective (ℓ, or F with a ridge) is at least θ's;
 *   otherwise the plain EM step M(θ) is, which never decreases it. (The package allows a small decrease,
 *   `mon.tol`; MoE Lab allows none.) A non-finite proposal also restarts the history.
 * - Damping schedule: the target ratio δ = 1/(1 + a^(κ − s)), s counting accepted proposals; so the first
 *   steps are nearly plain EM and the full Anderson step is earned.
 * - Restarts: the history is emptied after `order` iterations; if the objective then is below what it was at
 *   the last restart, s falls by `order` (not below −2κ), damping more.
 */
import type { Dataset } from '../../data/dataset';
import type { Evaluation } from '../../model/evaluate';
import type { ParamLayout } from '../../model/layout';
import type { StepOutcome } from '../algorithm';
import type { MStepResult } from '../mstep';
import { dampedAndersonCoefficients } from './dampedAnderson';
import { mergeInnerStats, mergeNotes, objectiveOf, visit, type EmMap, type Visited } from './emMap';
import { difference } from './vectors';

export interface DaaremOptions {
  /** Anderson order m: at most this many past differences (the package's default 5, and at most ⌈D/2⌉). */
  readonly order?: number;
  /** Base a of the damping schedule (the package's `alpha`, 1.2). */
  readonly base?: number;
  /** κ of the damping schedule (the package's `kappa`, 25). */
  readonly kappa?: number;
}

/** The package's first ridge λ (before any solve). */
const INITIAL_LAMBDA = 1e5;

export class Daarem {
  private previous: { theta: Float64Array; residual: Float64Array } | undefined;
  private pointDifferences: Float64Array[] = [];
  private residualDifferences: Float64Array[] = [];
  private accepted = 0;
  private lambda = INITIAL_LAMBDA;
  /** The objective at the last restart (ℓ* in the paper). */
  private objectiveAtRestart = Number.NEGATIVE_INFINITY;
  private readonly base: number;
  private readonly kappa: number;
  private readonly order: number;

  constructor(
    private readonly map: EmMap,
    parameterCount: number,
    { order = 5, base = 1.2, kappa = 25 }: DaaremOptions = {},
  ) {
    this.order = Math.max(1, Math.min(order, Math.ceil(parameterCount / 2)));
    this.base = base;
    this.kappa = kappa;
  }

  /** `retired`: an evaluation nothing reads any more, whose arrays the proposal's evaluation takes over. */
  step(layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Evaluation, retired?: Evaluation): StepOutcome {
    const mapped = this.map(layout, data, theta, ev);
    const residual = difference(mapped.theta, theta);
    const previous = this.previous;
    this.previous = { theta, residual };
    if (!previous) {
      const next = visit(layout, data, mapped.theta, true, retired);
      this.objectiveAtRestart = objectiveOf(next);
      return outcome(next, [mapped]);
    }
    this.pointDifferences.push(difference(theta, previous.theta));
    this.residualDifferences.push(difference(residual, previous.residual));
    const proposed = visit(layout, data, this.proposal(theta, residual), true, retired);
    let next: Visited;
    if (objectiveOf(proposed) >= ev.objective) {
      next = proposed;
      this.accepted++;
    } else {
      // The rejected proposal is read no more: the plain EM step's evaluation takes its arrays.
      const rejected = objectiveOf(proposed) === Number.NEGATIVE_INFINITY;
      next = visit(layout, data, mapped.theta, true, proposed.ev);
      if (rejected) this.clearHistory();
    }
    if (this.pointDifferences.length >= this.order) this.restart(objectiveOf(next));
    return outcome(next, [mapped]);
  }

  /** θ + f − (ΔX + ΔF)γ with γ the damped least-squares coefficients. */
  private proposal(theta: Float64Array, residual: Float64Array): Float64Array {
    const exponent = this.kappa - this.accepted;
    const { gamma, lambda } = dampedAndersonCoefficients(this.residualDifferences, residual, {
      lowRatio: this.ratio(exponent + 0.5),
      highRatio: this.ratio(exponent - 0.5),
      lambdaStart: this.lambda,
    });
    this.lambda = lambda;
    const out = new Float64Array(theta.length);
    for (let i = 0; i < theta.length; i++) out[i] = theta[i] + residual[i];
    gamma.forEach((g, j) => {
      const dx = this.pointDifferences[j];
      const df = this.residualDifferences[j];
      for (let i = 0; i < out.length; i++) out[i] -= g * (dx[i] + df[i]);
    });
    return out;
  }

  /** √δ at the given exponent, δ = 1/(1 + a^exponent). */
  private ratio(exponent: number): number {
    return 1 / Math.sqrt(1 + this.base ** exponent);
  }

  private restart(objective: number): void {
    this.clearHistory();
    if (objective < this.objectiveAtRestart) this.accepted = Math.max(this.accepted - this.order, -2 * this.kappa);
    this.objectiveAtRestart = objective;
  }

  private clearHistory(): void {
    this.pointDifferences = [];
    this.residualDifferences = [];
  }
}

function outcome(point: Visited, path: readonly MStepResult[]): StepOutcome {
  return { theta: point.theta, evaluation: point.ev, mapEvaluations: 1, inner: mergeInnerStats(path.map((s) => s.inner)), notes: mergeNotes(path) };
}
