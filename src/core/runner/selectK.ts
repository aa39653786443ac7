/**
 * How many experts: fit the spec's model for each K in a range with the spec's multi-start, keep per K the best
 * restart that converged to a genuine (non-degenerate) optimum, and choose K by BIC — flexmix's `stepFlexmix`
 * followed by `BIC`, scikit-learn's `bic()` over a loop of K. AIC and the held-out log-likelihood are reported
 * beside it, so that a user sees when the criteria disagree.
 *
 * EM is the default solver: it reaches an optimum without a step size to tune, so a K that loses does so because
 * of the model, not because of a learning rate. Each K is one `runExperiment`, so the starts, the stopping rule
 * and the degeneracy detection are exactly those of a fit.
 */
import { UserInputError } from '../errors';
import { isInterrupted } from '../interrupt';
import { SOLVER_NAMES, type ExperimentSpec, type SolverName } from '../spec/types';
import { runExperiment, type RunOptions } from './runExperiment';
import type { DatasetSummary, SolverResult, StopCode } from './types';

/** Held out for the held-out column when the spec holds out nothing (seeded by the spec's split seed). */
export const SELECT_K_HOLD_OUT = 0.3;

export interface SelectKOptions extends Omit<RunOptions, 'resultsRoot' | 'rawSpec'> {
  /** The numbers of experts to compare, ascending, each ≥ 1. */
  readonly ks: readonly number[];
  /** Solvers whose restarts compete at each K; default EM only. */
  readonly solvers?: readonly SolverName[];
}

/** The restart that speaks for a K. */
export interface KFit {
  readonly solver: SolverName;
  readonly restart: number;
  readonly iterations: number;
  readonly logLik: number;
  readonly aic: number;
  readonly bic: number;
  readonly testLogLik?: number;
}

/**
 * - `ok`: at least one restart converged to a non-degenerate optimum;
 * - `allDegenerate`: every restart ended in a degenerate fit (no finite maximum, or a likelihood that exists only
 *   because of the variance floor): not comparable, never chosen;
 * - `notConverged`: some restarts are not degenerate, but none of them converged (their ℓ is not an optimum);
 * - `cancelled`: the comparison was stopped before this K finished.
 */
export type KStatus = 'ok' | 'allDegenerate' | 'notConverged' | 'cancelled';

export interface KCandidate {
  readonly K: number;
  /** Free parameters of the K-expert model (the k of AIC and BIC). */
  readonly parameters: number;
  readonly status: KStatus;
  readonly restarts: number;
  readonly converged: number;
  readonly degenerate: number;
  /** Stop reasons of the restarts, counted. */
  readonly stops: Partial<Record<StopCode, number>>;
  /** The best converged non-degenerate restart; absent unless status is `ok`. */
  readonly best?: KFit;
}

export interface HoldOut {
  readonly fraction: number;
  readonly rows: number;
  readonly splitSeed: number;
  /** True when the spec held out nothing and select-k added the seeded hold-out for this comparison. */
  readonly added: boolean;
}

export interface SelectKResult {
  readonly dataset: DatasetSummary;
  readonly solvers: readonly SolverName[];
  readonly holdOut: HoldOut;
  readonly candidates: readonly KCandidate[];
  /** The K with the lowest BIC among the `ok` candidates; absent when none is. */
  readonly chosen?: number;
  /** Why that K, in words (or why none). */
  readonly reason: string;
  readonly cancelled: boolean;
  readonly seconds: number;
}

export type SelectKEvent =
  | { readonly type: 'started'; readonly ks: readonly number[]; readonly restarts: number; readonly solvers: readonly SolverName[]; readonly holdOut: HoldOut }
  | { readonly type: 'kStarted'; readonly K: number; readonly parameters: number }
  | { readonly type: 'iteration'; readonly K: number; readonly solver: SolverName; readonly restart: number; readonly iteration: number; readonly logLik: number }
  | { readonly type: 'restartFinished'; readonly K: number; readonly result: SolverResult }
  | { readonly type: 'kFinished'; readonly candidate: KCandidate }
  /** A warning of the fit at K; `restart` set when it is about one restart (e.g. a degenerate fit). */
  | { readonly type: 'warning'; readonly K: number; readonly message: string; readonly restart?: number }
  | { readonly type: 'finished'; readonly result: SelectKResult };

/** "1..6", "2,3,5" or "4" → ascending distinct integers ≥ 1. */
export function parseKRange(text: string, flag = '--k'): number[] {
  const ks = new Set<number>();
  const bad = () => new UserInputError(`${flag} must be a range like 1..6 or a list like 1,2,4 of whole numbers ≥ 1 (got "${text}")`);
  for (const part of text.split(',').map((piece) => piece.trim())) {
    const range = /^(\d+)\s*\.\.\s*(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (from < 1 || to < from) throw bad();
      if (to - from > 50) throw new UserInputError(`${flag}: ${part} compares ${to - from + 1} values of K; compare at most 51 at once`);
      for (let K = from; K <= to; K++) ks.add(K);
    } else if (/^\d+$/.test(part) && Number(part) >= 1) {
      ks.add(Number(part));
    } else {
      throw bad();
    }
  }
  return [...ks].sort((a, b) => a - b);
}

/** The spec that is fitted at one K: the given solvers only, and the comparison's hold-out. */
export function specForK(spec: ExperimentSpec, K: number, solvers: readonly SolverName[], testFraction: number): ExperimentSpec {
  const enabled = Object.fromEntries(SOLVER_NAMES.map((name) => [name, { ...spec.solvers[name], enabled: solvers.includes(name) }]));
  return {
    ...spec,
    name: `${spec.name} K=${K}`,
    data: { ...spec.data, testFraction },
    model: { ...spec.model, experts: K },
    solvers: enabled as unknown as ExperimentSpec['solvers'],
  };
}

export async function* selectK(spec: ExperimentSpec, options: SelectKOptions): AsyncGenerator<SelectKEvent, SelectKResult, undefined> {
  const started = performance.now();
  const ks = [...options.ks].sort((a, b) => a - b);
  if (ks.length === 0 || ks.some((K) => !Number.isInteger(K) || K < 1)) throw new UserInputError('name at least one number of experts, each a whole number ≥ 1');
  if (spec.model.symmetric) {
    throw new UserInputError('a symmetric model has exactly 2 experts, so it cannot be compared across K: set model.symmetric to false', { pointer: '/model/symmetric' });
  }
  const solvers = options.solvers ?? ['em'];
  if (solvers.length === 0) throw new UserInputError('name at least one solver', { pointer: '/solvers' });
  const added = spec.data.testFraction === 0;
  const testFraction = added ? SELECT_K_HOLD_OUT : spec.data.testFraction;
  const holdOut0: HoldOut = { fraction: testFraction, rows: 0, splitSeed: spec.data.splitSeed, added };
  yield { type: 'started', ks, restarts: spec.init.restarts, solvers, holdOut: holdOut0 };

  const candidates: KCandidate[] = [];
  let dataset: DatasetSummary | undefined;
  let cancelled = false;
  for (const K of ks) {
    // A comparison cancelled before it began still fits (and cancels) the first K, so that it has a dataset.
    if (options.signal?.aborted && candidates.length > 0) {
      cancelled = true;
      break;
    }
    let parameters = 0;
    let results: SolverResult[] = [];
    try {
      for await (const event of runExperiment(specForK(spec, K, solvers, testFraction), { ...options, resultsRoot: false })) {
        if (event.type === 'runStarted') {
          dataset ??= event.dataset;
          parameters = event.parameterCount;
          yield { type: 'kStarted', K, parameters };
        } else if (event.type === 'iteration') {
          yield { type: 'iteration', K, solver: event.solver, restart: event.restart, iteration: event.report.iteration, logLik: event.report.logLik };
        } else if (event.type === 'solverFinished') {
          yield { type: 'restartFinished', K, result: event.result };
        } else if (event.type === 'warning') {
          yield { type: 'warning', K, message: event.message, ...(event.restart !== undefined ? { restart: event.restart } : {}) };
        } else if (event.type === 'runFinished') {
          results = event.results;
          cancelled = event.cancelled;
        }
      }
    } catch (error) {
      // With abortLoad, Ctrl-C during this K's data load ends the run before it starts; so does an interrupt
      // (src/core/interrupt.ts) while the dataset is built. The Ks fitted so far are compared; before the first one
      // there is nothing to compare, and the caller sees the signal's reason (or the interrupt).
      const stoppedLoading = isInterrupted(error) || (options.signal?.aborted === true && error === options.signal.reason);
      if (!stoppedLoading || dataset === undefined) throw error;
      cancelled = true;
      break;
    }
    const candidate = summarizeK(K, parameters, results, cancelled);
    candidates.push(candidate);
    yield { type: 'kFinished', candidate };
    if (cancelled) break;
  }
  if (!dataset) throw new Error('runExperiment finished without reporting its dataset');
  const chosen = chooseByBic(candidates);
  const result: SelectKResult = {
    dataset,
    solvers,
    holdOut: { ...holdOut0, rows: dataset.testRows },
    candidates,
    ...(chosen ? { chosen: chosen.K } : {}),
    reason: explainChoice(candidates, chosen, cancelled),
    cancelled,
    seconds: (performance.now() - started) / 1000,
  };
  yield { type: 'finished', result };
  return result;
}

/** One K's restarts → its status and the restart that speaks for it. */
export function summarizeK(K: number, parameters: number, results: readonly SolverResult[], cancelled: boolean): KCandidate {
  const stops: Partial<Record<StopCode, number>> = {};
  let converged = 0;
  let degenerate = 0;
  let best: SolverResult | undefined;
  for (const result of results) {
    stops[result.stopReason] = (stops[result.stopReason] ?? 0) + 1;
    const isDegenerate = (result.degeneracies?.length ?? 0) > 0;
    if (isDegenerate) degenerate++;
    if (result.stopReason !== 'converged' || !Number.isFinite(result.logLik)) continue;
    converged++;
    if (!isDegenerate && (!best || result.logLik > best.logLik)) best = result;
  }
  const status: KStatus = best
    ? 'ok'
    : cancelled
      ? 'cancelled'
      : results.length > 0 && degenerate === results.length
        ? 'allDegenerate'
        : 'notConverged';
  return {
    K,
    parameters,
    status,
    restarts: results.length,
    converged,
    degenerate,
    stops,
    ...(best
      ? {
          best: {
            solver: best.solver,
            restart: best.restart,
            iterations: best.iterations,
            logLik: best.logLik,
            aic: best.aic,
            bic: best.bic,
            ...(best.testLogLik !== undefined ? { testLogLik: best.testLogLik } : {}),
          },
        }
      : {}),
  };
}

export function chooseByBic(candidates: readonly KCandidate[]): (KCandidate & { best: KFit }) | undefined {
  let chosen: (KCandidate & { best: KFit }) | undefined;
  for (const candidate of candidates) {
    if (candidate.status !== 'ok' || !candidate.best) continue;
    // Ties go to the smaller K (candidates are in ascending K).
    if (!chosen || candidate.best.bic < chosen.best.bic) chosen = candidate as KCandidate & { best: KFit };
  }
  return chosen;
}

/**
 * "BIC is lowest at K = 2; K = 3 gains 1.2 nats for 7 more parameters; K = 1 loses 85.0 nats with 7 fewer.",
 * then whether AIC and the held-out log-likelihood agree, and which Ks could not be compared.
 */
export function explainChoice(candidates: readonly KCandidate[], chosen: (KCandidate & { best: KFit }) | undefined, cancelled: boolean): string {
  const sentences: string[] = [];
  const comparable = candidates.filter((c): c is KCandidate & { best: KFit } => c.status === 'ok' && c.best !== undefined);
  if (!chosen) {
    sentences.push(candidates.length === 0 ? 'No K was fitted' : 'No K has a restart that converged to a non-degenerate optimum, so none is chosen');
  } else {
    const clauses = [`BIC is lowest at K = ${chosen.K}`];
    const larger = comparable.find((c) => c.K > chosen.K);
    const smaller = [...comparable].reverse().find((c) => c.K < chosen.K);
    if (larger) clauses.push(`K = ${larger.K} ${gainPhrase(larger.best.logLik - chosen.best.logLik)} for ${larger.parameters - chosen.parameters} more parameters`);
    if (smaller) clauses.push(`K = ${smaller.K} ${gainPhrase(smaller.best.logLik - chosen.best.logLik)} with ${chosen.parameters - smaller.parameters} fewer`);
    sentences.push(clauses.join('; '));
    const byAic = argBest(comparable, (c) => -c.best.aic);
    if (byAic) sentences.push(byAic.K === chosen.K ? 'AIC agrees' : `AIC prefers K = ${byAic.K}`);
    const withTest = comparable.filter((c) => c.best.testLogLik !== undefined);
    const byTest = argBest(withTest, (c) => c.best.testLogLik!);
    if (byTest) sentences.push(byTest.K === chosen.K ? `the held-out log-likelihood is highest at K = ${chosen.K} too` : `the held-out log-likelihood is highest at K = ${byTest.K}`);
  }
  const skipped = (status: KStatus) => candidates.filter((c) => c.status === status).map((c) => c.K);
  const allDegenerate = skipped('allDegenerate');
  if (allDegenerate.length) sentences.push(`${listKs(allDegenerate)}: every restart ended in a degenerate fit, so ${allDegenerate.length === 1 ? 'it is' : 'they are'} not compared`);
  const notConverged = skipped('notConverged');
  if (notConverged.length) sentences.push(`${listKs(notConverged)}: no non-degenerate restart converged (more restarts or iterations may help), so ${notConverged.length === 1 ? 'it is' : 'they are'} not compared`);
  if (cancelled) sentences.push('the comparison was cancelled, so only the Ks fitted before that are compared');
  return sentences.map((sentence) => sentence.charAt(0).toUpperCase() + sentence.slice(1)).join('. ') + '.';
}

function gainPhrase(nats: number): string {
  if (Math.abs(nats) < 0.05) return 'reaches the same ℓ';
  return nats > 0 ? `gains ${nats.toFixed(1)} nats` : `loses ${(-nats).toFixed(1)} nats`;
}

function argBest<T>(items: readonly T[], score: (item: T) => number): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || score(item) > score(best)) best = item;
  return best;
}

function listKs(ks: readonly number[]): string {
  return ks.length === 1 ? `K = ${ks[0]}` : `K = ${ks.slice(0, -1).join(', ')} and ${ks[ks.length - 1]}`;
}
