/**
 * What every reproduction experiment shares: running one solver from θ⁰ with cancellation checked between
 * iterations (and the event loop given a turn, so a worker's cancel message gets through), progress reporting,
 * synthetic data in the paper's settings, learning-rate grids, and the monotonicity check.
 */
import type { Dataset } from '../data/dataset';
import { interruptRequested, isInterrupted } from '../interrupt';
import { datasetFromArrays } from '../data/select';
import { evaluate } from '../model/evaluate';
import { ParamLayout, type ModelShape } from '../model/layout';
import { packParams, paramsFromJson, type FullParams } from '../model/params';
import type { IterationReport, SolverResult } from '../runner/types';
import type { SolverAlgorithm } from '../solvers/algorithm';
import type { SolverChoice } from '../solvers/create';
import { SOLVER_LABELS } from '../solvers/labels';
import { SolverRun, type SolverRunSetup } from '../solvers/solverRun';
import type { SyntheticKind } from '../spec/types';
import { generateSynthetic, type TruthFile } from '../synth/generate';
import type { ExperimentName, ReproduceOptions } from './types';

/** Thrown when the signal aborts; the orchestrator keeps the experiments that finished. */
export class ReproductionCancelled extends Error {
  override readonly name = 'ReproductionCancelled';
  constructor(readonly experiment: ExperimentName) {
    super(`cancelled during ${experiment}`);
  }
}

const YIELD_INTERVAL_MS = 25;

export class ExperimentContext {
  private done = 0;
  private lastYield = performance.now();

  constructor(
    readonly experiment: ExperimentName,
    readonly options: ReproduceOptions,
    private total: number,
  ) {}

  get quick(): boolean {
    return this.options.quick;
  }

  /**
   * Throws `ReproductionCancelled` when the signal has aborted or an interrupt was requested (src/core/interrupt.ts:
   * the flag is set before the worker's message loop sees the cancel, and may already have cut a solver's update).
   */
  checkCancelled(): void {
    if (this.options.signal?.aborted || interruptRequested()) throw new ReproductionCancelled(this.experiment);
  }

  /** Gives the event loop a turn now and then (cancel messages, progress posting). */
  async breathe(): Promise<void> {
    if (performance.now() - this.lastYield < YIELD_INTERVAL_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    this.checkCancelled();
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** One unit of work finished. */
  advance(message: string, units = 1): void {
    this.done += units;
    this.options.onProgress?.({ experiment: this.experiment, done: Math.min(this.done, this.total), total: this.total, message });
  }

  /** Progress within a unit (no unit finished). */
  note(message: string): void {
    this.options.onProgress?.({ experiment: this.experiment, done: Math.min(this.done, this.total), total: this.total, message });
  }
}

export interface RunOutcome {
  readonly result: SolverResult;
  /** θ at the last iteration. */
  readonly theta: Float64Array;
  /** θᵗ for every t, when `keepIterates` was asked for. */
  readonly iterates?: Float64Array[];
}

export interface RunSolverOptions {
  /** Stop once this returns true for the newest report (after at least one iteration). */
  readonly stopWhen?: (report: IterationReport, run: SolverRun) => boolean;
  readonly keepIterates?: boolean;
  /** Called after each iteration (progress within long runs). */
  readonly onIteration?: (report: IterationReport) => void;
}

/** Runs one solver to its stopping rule, checking for cancellation between iterations. */
export async function runSolver(context: ExperimentContext, algorithm: SolverAlgorithm, setup: SolverRunSetup, options: RunSolverOptions = {}): Promise<RunOutcome> {
  context.checkCancelled();
  const run = interruptibleStart(context, () => new SolverRun(algorithm, setup));
  const iterates = options.keepIterates ? [run.parameters.slice()] : undefined;
  while (!run.finished) {
    const report = run.step();
    if (report) {
      iterates?.push(run.parameters.slice());
      options.onIteration?.(report);
      if (options.stopWhen?.(report, run)) run.cancel();
    }
    await context.breathe();
  }
  // An interrupt inside an update ends the run as "cancelled" (solverRun.ts): a stop of the reproduction, not a
  // result of the experiment.
  context.checkCancelled();
  return { result: run.result(), theta: run.parameters.slice(), iterates };
}

/** `start()`, with an interrupt inside it (the first evaluation, a pass over the rows) turned into a cancel. */
function interruptibleStart<T>(context: ExperimentContext, start: () => T): T {
  try {
    return start();
  } catch (error) {
    if (isInterrupted(error)) throw new ReproductionCancelled(context.experiment);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Solvers

export function describeChoice(choice: SolverChoice): string {
  if (choice.solver === 'em') return 'EM (no step size)';
  if (choice.solver === 'gem') return `Gradient EM (η = ${choice.learningRate}, m = ${choice.steps} steps)`;
  return `${SOLVER_LABELS[choice.solver]} (η = ${choice.learningRate})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Data

export interface SyntheticInstance {
  readonly train: Dataset;
  readonly test?: Dataset;
  /** Ground truth on the (unstandardized) features. */
  readonly truth: FullParams;
  readonly truthFile: TruthFile;
}

/**
 * Synthetic data from `generateSynthetic` (x ~ N(0, I_d), softmax gate with ‖w‖ ≈ 2, unit noise, ‖β_k‖ = SNR),
 * unstandardized so that parameters are on the truth's own coordinates; `testRows` extra rows are held out.
 */
export function syntheticInstance(options: {
  kind: SyntheticKind;
  experts: number;
  dim: number;
  samples: number;
  snr: number;
  seed: number;
  symmetric: boolean;
  testRows?: number;
}): SyntheticInstance {
  const testRows = options.testRows ?? 0;
  const generated = generateSynthetic({ ...options, samples: options.samples + testRows });
  const names = {
    features: generated.truth.features,
    target: 'y',
    classes: options.kind === 'logistic' ? ['0', '1'] : undefined,
  };
  const total = options.samples + testRows;
  const split = datasetFromArrays(generated.X, generated.y, names, {
    standardize: false,
    testFraction: testRows > 0 ? testRows / total : 0,
    splitSeed: options.seed,
  });
  return { train: split.train, test: split.test, truth: paramsFromJson(generated.truth), truthFile: generated.truth };
}

/** Rows [from, to) of a dataset. */
export function rows(data: Dataset, from: number, to: number): Dataset {
  return pick(data, Array.from({ length: to - from }, (_, k) => from + k));
}

/** The listed rows of a dataset (same columns, classes and standardization). */
export function pick(data: Dataset, index: readonly number[]): Dataset {
  const { p } = data;
  const X = new Float64Array(index.length * p);
  const y = new Float64Array(index.length);
  index.forEach((i, k) => {
    X.set(data.X.subarray(i * p, (i + 1) * p), k * p);
    y[k] = data.y[i];
  });
  return { ...data, X, y, n: index.length };
}

/** Seeded in-place shuffle for held-out splits. */
export function shuffle(values: number[], seed: number): void {
  // A small LCG is enough for a held-out split; the data's own splits use the project's Random.
  let state = seed >>> 0 || 1;
  for (let i = values.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
}

export function shapeFor(kind: SyntheticKind, experts: number, p: number, extra: Partial<ModelShape> = {}): ParamLayout {
  return new ParamLayout({
    family: kind === 'linear' ? 'gaussian' : 'bernoulli',
    K: experts,
    p,
    C: kind === 'linear' ? 0 : 2,
    gate: 'softmax',
    symmetric: false,
    ridge: 0,
    ...extra,
  });
}

/** ℓ(θ*) on `data`. */
export function truthLogLik(layout: ParamLayout, data: Dataset, truth: FullParams): number {
  return evaluate(layout, data, packParams(layout, truth)).logLik;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

export interface MonotoneSummary {
  readonly runs: number;
  readonly violations: number;
  /** Largest relative decrease (ℓᵗ − ℓᵗ⁺¹)/(1 + |ℓᵗ|) seen (≤ 0 when ℓ never fell). */
  readonly worstRelativeDrop: number;
}

/** ℓ may not fall by more than this relative amount (round-off at convergence). */
export const MONOTONE_TOLERANCE = 1e-9;

export function monotoneSummary(traces: readonly (readonly Pick<IterationReport, 'objective'>[])[]): MonotoneSummary {
  let violations = 0;
  let worst = -Infinity;
  for (const trace of traces) {
    let violated = false;
    for (let t = 1; t < trace.length; t++) {
      const before = trace[t - 1].objective;
      const drop = (before - trace[t].objective) / (1 + Math.abs(before));
      if (drop > worst) worst = drop;
      if (drop > MONOTONE_TOLERANCE) violated = true;
    }
    if (violated) violations++;
  }
  return { runs: traces.length, violations, worstRelativeDrop: Number.isFinite(worst) ? worst : 0 };
}

/** ℓ fell by more than this many times (1 + |ℓ⁰|) below its start: the iterates blew up. */
export const BLOW_UP_FACTOR = 1e3;

/**
 * Whether a run diverged: the engine stopped it on a non-finite ℓ or parameter, or ℓ ended far below where it
 * started (an ascent method whose objective falls by orders of magnitude has left every neighbourhood of a
 * maximizer; with a few more iterations it overflows).
 */
export function divergence(result: SolverResult): { diverged: boolean; message: string } {
  if (result.stopReason === 'diverged') return { diverged: true, message: result.stopMessage };
  const start = result.trace[0]?.objective ?? Number.NaN;
  if (result.objective < start - BLOW_UP_FACTOR * (1 + Math.abs(start))) {
    return { diverged: true, message: `ℓ fell from ${start.toPrecision(4)} to ${result.objective.toPrecision(4)} in ${result.iterations} iterations (the iterates blew up)` };
  }
  return { diverged: false, message: result.stopMessage };
}

/** Largest |a − b| over two equally long vectors (Infinity when the lengths differ). */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]));
  return worst;
}

export function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}
