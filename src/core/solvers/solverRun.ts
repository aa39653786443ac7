/**
 * The loop every solver shares (DESIGN §2): from θ⁰, one update per `step()`, the same stopping rule for all
 * (|ℓᵗ⁺¹ − ℓᵗ| ≤ tol·(1 + |ℓᵗ|), max iterations, a time budget, cancellation), a non-finite objective or
 * parameter stopping the solver as "diverged" with its trace kept, and one `IterationReport` per iteration.
 */
import type { Dataset } from '../data/dataset';
import { DEGENERACY_LABELS, DegeneracyWatch } from '../diagnostics/degeneracy';
import { describeNoMaximum } from '../diagnostics/degeneracyKinds';
import { completeDataKl } from '../diagnostics/klStep';
import { informationCriteria, mixing, predictionQuality, signalToNoise } from '../diagnostics/metrics';
import { missingInformation } from '../diagnostics/missingInformation';
import { parameterError, symmetricLogisticError } from '../diagnostics/parameterError';
import { RateTracker, rateFromObjective, stepNorm } from '../diagnostics/rate';
import { evaluate, gradient, type Evaluation } from '../model/evaluate';
import type { ParamLayout } from '../model/layout';
import { expandParams, paramsToJson, toRawCoordinates, type FullParams } from '../model/params';
import type { IterationReport, SolverResult, StopReason } from '../runner/types';
import { SPEC_DEFAULTS } from '../spec/defaults';
import type { StoppingSpec } from '../spec/types';
import type { SolverAlgorithm, StepContext, StepOutcome } from './algorithm';
import { isInterrupted, throwIfInterrupted, uninterruptible } from '../interrupt';
import { solverLabel } from './labels';

export interface SolverRunSetup {
  readonly layout: ParamLayout;
  readonly train: Dataset;
  readonly test?: Dataset;
  /** Ground truth on the raw features, when known and of the model's shape. */
  readonly truth?: FullParams;
  /** Whether the gate error against the truth means anything (false when the model's gate cannot represent it). */
  readonly compareGate?: boolean;
  /** ℓ(θ*) on the training rows. */
  readonly truthLogLik?: number;
  readonly theta0: Float64Array;
  readonly stopping: StoppingSpec;
  readonly restart: number;
  /** Threshold ε for "iterations to reach parameter error < ε". */
  readonly errorThreshold: number;
  /**
   * Evaluate each new iterate into the arrays of the current evaluation once the update has read them, and let
   * other evaluations take over those of one that nothing reads any more (`EvaluateOptions.reuse`); default true.
   * False allocates afresh, as a reference for tests.
   */
  readonly recycleEvaluations?: boolean;
}

interface CachedGradient {
  readonly theta: Float64Array;
  readonly value: Float64Array;
  readonly seconds: number;
}

/** ‖∇F/n‖ at or below which a solver whose objective stopped changing has converged (spec: stopping.gradientTolerance). */
export const DEFAULT_GRADIENT_TOLERANCE = SPEC_DEFAULTS.stopping.gradientTolerance;
/** Iterations in a row with an objective change below the tolerance, but a large gradient, before "stalled". */
export const STALL_WINDOW = 5;

/** Rows × parameters above which the missing-information rate is not computed (≈ 2 s on one core). */
export const MISSING_INFORMATION_WORK_LIMIT = 2e6;

/** What an iteration's report measures with passes over the rows (computed before the iterate is committed). */
interface Measured {
  readonly trainQuality: ReturnType<typeof predictionQuality>;
  readonly testLogLik?: number;
  readonly testQuality: ReturnType<typeof predictionQuality>;
  readonly mix: ReturnType<typeof mixing>;
}

export class SolverRun {
  private theta: Float64Array;
  /**
   * The evaluation at θ: its responsibilities are the next update's E-step. Once the update has read them, the next
   * iterate is evaluated into its arrays (`step`), which leaves this object detached (its scalars stay readable).
   */
  private ev: Evaluation;
  /**
   * An evaluation that an accelerator's step replaced (the loop did not evaluate into it), once nothing reads it:
   * the next one takes over its arrays. Handed out once (`takeRetired`), so two evaluations never share them.
   */
  private retired: Evaluation | undefined;
  /** The last test-set evaluation, read only inside `measure`, likewise reused by the next one. */
  private retiredTest: Evaluation | undefined;
  /** `SolverRunSetup.recycleEvaluations`, default true. */
  private readonly recycle: boolean;
  private iteration = 0;
  private computeSeconds = 0;
  private stopReason: StopReason | undefined;
  private readonly trace: IterationReport[] = [];
  private readonly rates = new RateTracker();
  private cachedGradient: CachedGradient | undefined;
  private readonly context: StepContext;
  private iterationsToError: number | null = null;
  private readonly degeneracies: DegeneracyWatch;
  /** Consecutive iterations whose objective change was below the tolerance. */
  private smallChanges = 0;
  /** The largest |ΔF| among those consecutive iterations (0: F did not move at all). */
  private largestSmallChange = 0;

  constructor(
    private readonly algorithm: SolverAlgorithm,
    private readonly setup: SolverRunSetup,
  ) {
    this.recycle = setup.recycleEvaluations !== false;
    this.theta = setup.theta0.slice();
    this.degeneracies = new DegeneracyWatch(setup.layout, setup.train);
    const started = performance.now();
    // ∇ℓ at every iterate is wanted (the report's gradient norm, GD's and Adam's step): in the same pass over X.
    this.ev = evaluate(setup.layout, setup.train, this.theta, { gradient: true });
    this.computeSeconds += (performance.now() - started) / 1000;
    this.context = {
      layout: setup.layout,
      data: setup.train,
      gradientAt: (theta, ev) => this.gradientAt(theta, ev),
      takeRetired: () => this.takeRetired(),
    };
    this.trace.push(this.report(undefined, undefined, {}));
    if (!Number.isFinite(this.ev.objective)) {
      this.stopReason = { code: 'diverged', message: 'the starting point has a non-finite log-likelihood; check the data and the initialization' };
    }
  }

  get solver() {
    return this.algorithm.name;
  }
  get restart(): number {
    return this.setup.restart;
  }
  get finished(): boolean {
    return this.stopReason !== undefined;
  }
  get lastReport(): IterationReport {
    return this.trace[this.trace.length - 1];
  }
  get elapsedSeconds(): number {
    return this.computeSeconds;
  }

  /** Stops from outside (cancellation); the trace so far is kept. */
  cancel(): void {
    this.stopReason ??= { code: 'cancelled', message: `cancelled after ${this.iteration} iterations; results so far are kept` };
  }

  /** One iteration; returns its report, or undefined when the solver has stopped. */
  step(): IterationReport | undefined {
    if (this.stopReason) return undefined;
    const { layout, train, stopping } = this.setup;
    const started = performance.now();
    let outcome;
    let nextEv: Evaluation;
    try {
      outcome = this.algorithm.step(this.theta, this.ev, this.context);
      // The update has read the E-step: the next iterate goes into the current evaluation's arrays, the KL step
      // between the two summed row by row before each row is overwritten (the two are never both in memory).
      const inPlace = this.recycle ? { reuse: this.ev, klStepFrom: this.theta } : {};
      nextEv = outcome.evaluation ?? evaluate(layout, train, outcome.theta, { gradient: true, ...inPlace });
    } catch (error) {
      // Ctrl-C inside the update (src/core/interrupt.ts): the half-computed iterate is dropped, the last one kept.
      if (isInterrupted(error)) {
        this.cancel();
        return undefined;
      }
      this.stopReason = { code: 'diverged', message: `stopped at iteration ${this.iteration + 1}: ${(error as Error).message}; trace kept` };
      return undefined;
    }
    return this.accept(outcome, nextEv, started);
  }

  private accept(outcome: StepOutcome, nextEv: Evaluation, started: number): IterationReport | undefined {
    const { layout, stopping } = this.setup;
    this.computeSeconds += (performance.now() - started) / 1000;
    if (!Number.isFinite(nextEv.objective) || !outcome.theta.every(Number.isFinite)) {
      const hint = this.algorithm.name === 'em' ? '' : ' (learning rate too large?)';
      this.stopReason = {
        code: 'diverged',
        message: `diverged at iteration ${this.iteration + 1}: the log-likelihood or a parameter became non-finite${hint}; the trace up to iteration ${this.iteration} is kept`,
      };
      return undefined;
    }
    // The report's passes over the rows come before any state changes, and may be interrupted like the update: on a
    // large dataset they take a good part of an iteration. From the first change on, nothing is cut halfway.
    let kl: number;
    let measured: Measured;
    try {
      throwIfInterrupted();
      kl = nextEv.klStep ?? completeDataKl(layout, this.setup.train, this.ev, this.theta, nextEv, outcome.theta);
      measured = this.measure(outcome.theta, nextEv);
    } catch (error) {
      if (!isInterrupted(error)) throw error;
      this.cancel();
      return undefined;
    }
    return uninterruptible(() => this.commit(outcome, nextEv, kl, measured));
  }

  private commit(outcome: StepOutcome, nextEv: Evaluation, kl: number, measured: Measured): IterationReport {
    const { stopping } = this.setup;
    const previousTheta = this.theta;
    const previousObjective = this.ev.objective;
    // An accelerator evaluated the new iterate apart: the KL step was the last reader of the one it replaces.
    if (this.recycle && outcome.evaluation !== undefined && this.ev !== nextEv) this.retired = this.ev;
    this.theta = outcome.theta;
    this.ev = nextEv;
    // Accelerated EM counts its EM-map evaluations, so that its iterations compare with plain EM's.
    this.iteration += outcome.mapEvaluations ?? 1;
    const rate = this.rates.record(stepNorm(outcome.theta, previousTheta));
    // Degenerate situations are named once, at the iteration they appear, among the iteration's notes.
    const found = this.degeneracies.observe(this.iteration, this.theta, this.ev).map((d) => d.message);
    const notes = [...(outcome.notes ?? []), ...found];
    const report = this.report(kl, rate.smoothed, { inner: outcome.inner, notes }, measured);
    this.trace.push(report);
    this.checkStop(previousObjective, stopping);
    return report;
  }

  /**
   * The stopping rules (docs/stopping.md is their one description):
   * - converged: |ΔF| ≤ tol·(1 + |F|) and ‖∇F/n‖ ≤ gradientTolerance, F the objective (ℓ, or ℓ − λ/2‖θ‖² with a
   *   ridge). A small change alone is not enough: Adam's momentum can turn around with one step that happens to
   *   change F by almost nothing, and an M-step that cannot move changes it by nothing at all.
   * - stalled: |ΔF| stayed below the tolerance for STALL_WINDOW iterations in a row while the gradient did not
   *   become small — the solver is stuck or crawling away from a stationary point.
   * - maxIterations, timeBudget: the limits.
   * Tolerance 0 disables the first two: the run goes to its limits.
   */
  private checkStop(previousObjective: number, stopping: StoppingSpec): void {
    const change = this.ev.objective - previousObjective;
    const objective = this.setup.layout.shape.ridge > 0 ? 'F' : 'ℓ';
    const gradientNorm = this.lastReport.gradientNorm;
    const gradientTolerance = stopping.gradientTolerance ?? DEFAULT_GRADIENT_TOLERANCE;
    // Tolerance 0 switches the change rule off (docs/stopping.md): at a fixed point ΔF is exactly 0, and "|ΔF| ≤ 0"
    // would stop the run that the user asked to go to its limits.
    const smallChange = stopping.tolerance > 0 && Math.abs(change) <= stopping.tolerance * (1 + Math.abs(previousObjective));
    const smallGradient = gradientNorm <= gradientTolerance;
    this.smallChanges = smallChange ? this.smallChanges + 1 : 0;
    this.largestSmallChange = smallChange ? Math.max(this.largestSmallChange, Math.abs(change)) : 0;
    const changeRule = `|Δ${objective}| ≤ ${stopping.tolerance}·(1 + |${objective}|)`;
    const gradientText = `‖∇${objective}/n‖ = ${gradientNorm.toExponential(1)}`;
    if (smallChange && smallGradient) {
      this.stopReason = { code: 'converged', message: `converged after ${this.iteration} iterations: ${changeRule} and ${gradientText} ≤ ${gradientTolerance}${ridgeNote(this.setup.layout)}` };
    } else if (this.smallChanges >= STALL_WINDOW) {
      this.stopReason = {
        code: 'stalled',
        message: `stalled after ${this.iteration} iterations: ${changeRule} for ${STALL_WINDOW} iterations in a row, but ${gradientText} > ${gradientTolerance}, so this is not a stationary point; ${this.stallAdvice(Math.abs(previousObjective))}`,
      };
    } else if (this.iteration >= stopping.maxIterations) {
      const direction = change > 0 ? `${objective} still rose ${change.toExponential(1)} in the last step` : `${objective} fell ${(-change).toExponential(1)} in the last step`;
      const advice = this.noMaximumAdvice() ?? (change > 0 ? 'raise max iterations or loosen the tolerance' : 'the learning rate may be too large');
      this.stopReason = { code: 'maxIterations', message: `max iterations (${stopping.maxIterations}) reached while ${direction} (${gradientText}): ${advice}` };
    } else if (stopping.timeBudgetSeconds > 0 && this.computeSeconds >= stopping.timeBudgetSeconds) {
      this.stopReason = {
        code: 'timeBudget',
        message: `time budget (${stopping.timeBudgetSeconds} s) used after ${this.iteration} iterations while ${objective} still changed by ${change.toExponential(1)} per step (${gradientText}): ${this.noMaximumAdvice() ?? 'raise the budget to go on'}`,
      };
    }
  }

  /** When the likelihood was found to have no finite maximum, what to do instead of iterating longer. */
  private noMaximumAdvice(): string | undefined {
    const first = this.degeneracies.all.find((d) => d.kind === 'separation' || d.kind === 'saturatedGate');
    if (!first) return undefined;
    const what = describeNoMaximum(first);
    return `the likelihood has no finite maximum here (${what}, detected at iteration ${first.iteration}), so more iterations cannot help: add a ridge (--ridge, model.ridge)`;
  }

  /** Why a solver stalled, from what its last iterations did, and what to try. */
  private stallAdvice(objectiveSize: number): string {
    const floored = this.lastReport.notes?.find((note) => note.includes('floored'));
    const moved = this.largestSmallChange > 8 * Number.EPSILON * (1 + objectiveSize);
    if (this.algorithm.name === 'em') {
      if (floored) return `${floored}: that expert fits a few rows exactly, where the likelihood has no maximum (a degenerate fit); try another start`;
      if (!moved) return 'the M-step cannot move from here (a saturated gate or an expert without responsibility): try another start, or standardized features';
      return 'EM still gains, but less than the tolerance per iteration (a rate close to 1): lower the tolerance to let it go on';
    }
    if (this.algorithm.name === 'adam') return "Adam's steps cancel out (its momentum turns around): try a smaller learning rate";
    return moved
      ? 'the steps gain less than the tolerance per iteration: a larger learning rate or a lower tolerance lets it go on'
      : 'the steps no longer change the objective: try another learning rate';
  }

  /** The retired evaluation, for a new one to take over; undefined once taken (or when recycling is off). */
  private takeRetired(): Evaluation | undefined {
    const retired = this.retired;
    this.retired = undefined;
    return retired;
  }

  /** ∇ℓ at θ, cached so the diagnostics and the next update share one computation (timed to the solver). */
  private gradientAt(theta: Float64Array, ev: Evaluation): Float64Array {
    const cached = this.cachedGradient;
    if (cached && cached.theta === theta) {
      this.computeSeconds += cached.seconds;
      return cached.value;
    }
    return this.computeGradient(theta, ev).value;
  }

  private computeGradient(theta: Float64Array, ev: Evaluation): CachedGradient {
    const started = performance.now();
    const value = gradient(this.setup.layout, this.setup.train, theta, ev);
    const entry = { theta, value, seconds: (performance.now() - started) / 1000 };
    this.cachedGradient = entry;
    return entry;
  }

  /** The report's passes over the training and test rows for an iterate. */
  private measure(theta: Float64Array, ev: Evaluation): Measured {
    const { layout, train, test } = this.setup;
    throwIfInterrupted();
    const trainQuality = predictionQuality(layout, train, ev);
    const testEv = test && test.n > 0 ? evaluate(layout, test, theta, { reuse: this.recycle ? this.retiredTest : undefined }) : undefined;
    const testQuality = testEv ? predictionQuality(layout, test!, testEv) : {};
    // Only ℓ and the quality leave this function: the next test evaluation may take the arrays over.
    if (this.recycle && testEv) this.retiredTest = testEv;
    throwIfInterrupted();
    return { trainQuality, testLogLik: testEv?.logLik, testQuality, mix: mixing(ev) };
  }

  private report(
    klStep: number | undefined,
    rate: number | undefined,
    extra: Pick<IterationReport, 'inner' | 'notes'>,
    measured: Measured = this.measure(this.theta, this.ev),
  ): IterationReport {
    const { layout, train, truth, truthLogLik } = this.setup;
    const grad = this.computeGradient(this.theta, this.ev).value;
    const full = expandParams(layout, this.theta);
    const raw = toRawCoordinates(full, train.standardization);
    const { trainQuality, testLogLik, testQuality, mix } = measured;
    const { symmetric, family, gate } = layout.shape;
    const measure = symmetric && family === 'bernoulli' && gate === 'softmax' ? symmetricLogisticError : parameterError;
    const error = truth ? measure(raw, truth) : undefined;
    if (error && this.iterationsToError === null && error.expert < this.setup.errorThreshold) this.iterationsToError = this.iteration;
    return {
      iteration: this.iteration,
      seconds: this.computeSeconds,
      logLik: this.ev.logLik,
      objective: this.ev.objective,
      testLogLik,
      trainAccuracy: trainQuality.accuracy,
      testAccuracy: testQuality.accuracy,
      trainRmse: trainQuality.rmse,
      testRmse: testQuality.rmse,
      parameterError: error?.expert,
      gateError: this.setup.compareGate === false ? undefined : error?.gate,
      truthGap: truthLogLik !== undefined ? truthLogLik - this.ev.logLik : undefined,
      gradientNorm: norm(grad) / train.n,
      klStep,
      rate,
      snr: signalToNoise(raw),
      mixingWeights: mix.weights,
      gateWeights: mix.gateWeights,
      responsibilityEntropy: mix.entropy,
      ...informationCriteria(this.ev.logLik, layout.freeParameters, train.n),
      ...(extra.inner ? { inner: extra.inner } : {}),
      ...(extra.notes && extra.notes.length > 0 ? { notes: extra.notes } : {}),
    };
  }

  result(): SolverResult {
    const stop = this.stopReason ?? { code: 'cancelled' as const, message: 'stopped before finishing' };
    const { layout, train } = this.setup;
    const retrospective = rateFromObjective(this.trace.map((report) => report.objective));
    this.trace.forEach((report, t) => {
      if (retrospective[t] !== undefined) report.rateFromObjective = retrospective[t];
    });
    const final = this.lastReport;
    const full = expandParams(layout, this.theta);
    const cappedMSteps = this.algorithm.name === 'em' ? this.trace.filter((report) => (report.inner?.cappedBlocks ?? 0) > 0).length : undefined;
    const degeneracies = this.degeneracies.all;
    const kinds = [...new Set(degeneracies.map((d) => `${DEGENERACY_LABELS[d.kind]} (${d.block})`))];
    const stopMessage = [
      stop.message,
      ...(this.algorithm.acceleration ? [`its iterations count EM-map evaluations (${solverLabel('em', undefined, this.algorithm.acceleration)})`] : []),
      ...(cappedMSteps ? [`${cappedMSteps} of ${this.iteration} M-steps stopped at their inner iteration cap before their tolerance (inexact M-steps)`] : []),
      ...(kinds.length > 0 ? [`degenerate fit: ${kinds.join(', ')} (see the warnings)`] : []),
    ].join('; ');
    // The missing information costs about 4·D passes over the rows: skip it on large problems.
    const affordable = train.n * layout.size <= MISSING_INFORMATION_WORK_LIMIT;
    // Its rate describes EM near a stationary point only: at any other iterate (max iterations, stalled) the
    // matrix is not the local linearization of EM, and its spectral radius can even exceed 1.
    const wanted = this.algorithm.name === 'em' && stop.code === 'converged';
    const mim = wanted && affordable ? missingInformation(layout, train, this.theta) : undefined;
    return {
      solver: this.algorithm.name,
      ...(this.algorithm.acceleration ? { acceleration: this.algorithm.acceleration } : {}),
      restart: this.setup.restart,
      iterations: this.iteration,
      converged: stop.code === 'converged',
      stopReason: stop.code,
      stopMessage,
      logLik: final.logLik,
      objective: final.objective,
      testLogLik: final.testLogLik,
      trainAccuracy: final.trainAccuracy,
      testAccuracy: final.testAccuracy,
      trainRmse: final.trainRmse,
      testRmse: final.testRmse,
      parameterError: final.parameterError,
      gateError: final.gateError,
      ...(this.setup.truth ? { iterationsToError: this.iterationsToError } : {}),
      seconds: this.computeSeconds,
      aic: final.aic,
      bic: final.bic,
      params: paramsToJson(full),
      paramsRaw: paramsToJson(toRawCoordinates(full, train.standardization)),
      ...(cappedMSteps !== undefined ? { cappedMSteps } : {}),
      ...(degeneracies.length > 0 ? { degeneracies } : {}),
      ...(mim ? { missingInformation: mim } : {}),
      best: false,
      trace: this.trace,
    };
  }

  get parameters(): Float64Array {
    return this.theta;
  }
}

function ridgeNote(layout: ParamLayout): string {
  return layout.shape.ridge > 0 ? ` (F = ℓ − ${layout.shape.ridge}/2·‖θ‖², the penalized objective)` : '';
}


function norm(v: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < v.length; j++) sum += v[j] * v[j];
  return Math.sqrt(sum);
}
