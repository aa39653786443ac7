/**
 * The experiment runner: a resolved spec in, an async stream of `RunEvent`s out (run started, one report per
 * solver, restart and iteration, solver finished with its stop reason, run finished). Within a restart the
 * solvers advance in turn, one iteration each, so that a live view shows them side by side; each keeps its own
 * compute clock. Cancellation (an AbortSignal) is honoured between iterations and keeps what was computed; during
 * the CSV load it stops the read and rejects with the signal's reason.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExpertFamily } from '../data/dataset';
import { signalToNoise } from '../diagnostics/metrics';
import { alignRunLabels, groupOptima } from '../diagnostics/optima';
import { compareWithTruth } from '../diagnostics/truthComparison';
import { UserInputError } from '../errors';
import { initialParameters, startStrategy } from '../init';
import { evaluate } from '../model/evaluate';
import { ParamLayout } from '../model/layout';
import { packParams, toStandardizedCoordinates } from '../model/params';
import { createSolver } from '../solvers/create';
import { SolverRun } from '../solvers/solverRun';
import { SOLVER_NAMES, type ExperimentSpec, type SolverName } from '../spec/types';
import { dataSample } from './dataSample';
import { loadData, type LoadedData } from './loadData';
import { ResultsWriter, type RunSummary } from './results';
import type { DatasetSummary, RunEvent, SolverResult } from './types';
import { interruptRequested, isInterrupted } from '../interrupt';

export interface RunOptions {
  /** Folder that relative paths in the spec are resolved against. */
  readonly baseDir: string;
  readonly workspaceRoot?: string;
  readonly signal?: AbortSignal;
  /**
   * Let the signal stop the data load too (rejecting with its reason, no results folder). The CLI wants that: a
   * Ctrl-C during a long read must not wait for it. The extension does not: a run it stops always leaves a complete
   * cancelled results folder, so the load finishes and the run stops at its first iteration.
   */
  readonly abortLoad?: boolean;
  /** Where run folders go; default: the spec's resultsDir under baseDir. `false`: write nothing. */
  readonly resultsRoot?: string | false;
  /** The spec as the user wrote it, saved beside the resolved one. */
  readonly rawSpec?: unknown;
  /** The spec file being run, recorded in spec.json so that a spec's own runs can be told from others'. */
  readonly specFile?: string;
  /** Name of the run folder (made unique in resultsRoot); default `<timestamp>-<name>`. A sweep names its runs. */
  readonly runId?: string;
}

/** Yield to the event loop at least this often so that cancel messages and UI work get through. */
const YIELD_INTERVAL_MS = 15;

export function enabledSolvers(spec: ExperimentSpec): SolverName[] {
  return SOLVER_NAMES.filter((name) => spec.solvers[name].enabled);
}

export function modelLayout(spec: ExperimentSpec, data: LoadedData): ParamLayout {
  const family: ExpertFamily = data.family;
  const C = data.train.classes?.length ?? 0;
  if (family !== 'gaussian' && C < 2) throw new UserInputError(`the target "${data.train.targetName}" has fewer than two classes`, { pointer: '/data/target' });
  if (spec.model.symmetric && (spec.model.experts !== 2 || family === 'categorical')) {
    throw new UserInputError('a symmetric model needs exactly 2 experts and gaussian or bernoulli experts', { pointer: '/model/symmetric' });
  }
  if (spec.model.experts > data.train.n) {
    throw new UserInputError(`${spec.model.experts} experts for ${data.train.n} training rows: use fewer experts than rows`, { pointer: '/model/experts' });
  }
  return new ParamLayout({
    family,
    K: spec.model.experts,
    p: data.train.p,
    C,
    gate: spec.model.gate,
    symmetric: spec.model.symmetric,
    fixedSigma: family === 'gaussian' ? spec.model.fixedSigma : undefined,
    ridge: spec.model.ridge,
  });
}

export async function* runExperiment(spec: ExperimentSpec, options: RunOptions): AsyncGenerator<RunEvent, void, undefined> {
  const startedAt = new Date();
  const started = performance.now();
  const loadSignal = options.abortLoad ? options.signal : undefined;
  const data = await loadData(spec, { baseDir: options.baseDir, workspaceRoot: options.workspaceRoot, signal: loadSignal });
  // Cancelled while loading: nothing was computed, so there is no run to keep; the caller sees the signal's reason.
  loadSignal?.throwIfAborted();
  const layout = modelLayout(spec, data);
  const warnings = [...data.warnings];
  const comparison = data.truth ? compareWithTruth(layout, data.truth.params, data.truth.file.family, warnings) : undefined;
  const truth = comparison?.truth;
  const truthLogLik = comparison?.logLik
    ? evaluate(layout, data.train, packParams(layout, toStandardizedCoordinates(comparison.truth, data.train.standardization))).logLik
    : undefined;
  const solvers = enabledSolvers(spec);
  if (solvers.length === 0) throw new UserInputError('no solver is enabled', { pointer: '/solvers' });

  const dataset: DatasetSummary = {
    source: data.source,
    rows: data.train.n,
    testRows: data.test?.n ?? 0,
    features: data.train.featureNames,
    target: data.train.targetName,
    family: layout.shape.family,
    classes: data.train.classes,
    droppedRows: data.droppedRows,
    truthKnown: truth !== undefined,
    ...(truth ? { truthSnr: signalToNoise(truth), ...(truthLogLik !== undefined ? { truthLogLik } : {}) } : {}),
  };
  const resultsRoot = options.resultsRoot === false ? undefined : (options.resultsRoot ?? path.resolve(options.baseDir, spec.resultsDir));
  const baseId = options.runId ?? `${timestamp(startedAt)}-${slug(spec.name)}`;
  const writer = resultsRoot ? await ResultsWriter.create(resultsRoot, baseId) : undefined;
  const runId = writer?.runId ?? baseId;
  await writer?.writeSpec(spec, options.rawSpec, {
    startedAt: startedAt.toISOString(),
    dataset,
    parameterCount: layout.freeParameters,
    ...(options.specFile ? { specFile: options.specFile } : {}),
  });

  const sample = dataSample(data.train);
  yield { type: 'runStarted', runId, spec, dataset, solvers, restarts: spec.init.restarts, parameterCount: layout.freeParameters, ...(sample ? { sample } : {}) };
  for (const message of warnings) yield { type: 'warning', message };

  const results: SolverResult[] = [];
  let lastYield = performance.now();
  let cancelled = false;
  // Stop asked: by the signal (between iterations) or by an interrupt that reaches inside them (src/core/interrupt.ts).
  const stopRequested = () => options.signal?.aborted === true || interruptRequested();
  for (let restart = 0; restart < spec.init.restarts && !cancelled; restart++) {
    let runs: SolverRun[];
    try {
      const theta0 = initialParameters(layout, data.train, {
        strategy: spec.init.strategy,
        seed: spec.init.seed + restart,
        truth,
        perturbation: spec.init.perturbation,
      });
      runs = solvers.map(
        (name) =>
          new SolverRun(createSolver({ solver: name, ...spec.solvers[name] }), {
            layout,
            train: data.train,
            test: data.test,
            truth,
            compareGate: comparison?.gate ?? false,
            truthLogLik,
            theta0,
            stopping: spec.stopping,
            restart,
            errorThreshold: spec.errorThreshold,
          }),
      );
    } catch (error) {
      // Interrupted while this restart's start was computed (a short EM, k-means): it has no iterate to keep.
      if (!isInterrupted(error)) throw error;
      cancelled = true;
      break;
    }
    for (const run of runs) yield { type: 'iteration', solver: run.solver, restart, report: run.lastReport };
    const reported = new Set<SolverRun>();
    while (reported.size < runs.length) {
      for (const run of runs) {
        if (reported.has(run)) continue;
        if (stopRequested()) {
          cancelled = true;
          run.cancel();
        }
        const report = run.step();
        if (interruptRequested()) cancelled = true; // the step may have been cut: a cancelled run
        if (report) {
          yield { type: 'iteration', solver: run.solver, restart, report };
          for (const note of report.notes ?? []) yield { type: 'warning', message: `${run.solver}, restart ${restart + 1}, iteration ${report.iteration}: ${note}`, solver: run.solver, restart };
        }
        if (run.finished) {
          reported.add(run);
          const result = { ...run.result(), start: startStrategy(spec.init.strategy, spec.init.seed + restart) };
          results.push(result);
          await writer?.writeSolverResult(result);
          yield { type: 'solverFinished', solver: run.solver, restart, result };
        }
        if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
    }
  }
  for (const solver of markBestRestarts(results)) {
    yield { type: 'warning', message: `every ${solver} restart ended in a degenerate fit (see the warnings above), so no best restart is marked` };
  }
  // Issue 14: every run's experts in the best optimum's order, then the distinct optima (docs in optima.ts).
  const { results: aligned, alignment } = alignRunLabels(results);
  results.splice(0, results.length, ...aligned);
  const { optima } = groupOptima(results);
  const seconds = (performance.now() - started) / 1000;
  let resultsDir: string | undefined;
  if (writer) {
    const summary: RunSummary = {
      runId,
      name: spec.name,
      complete: !cancelled,
      cancelled,
      startedAt: startedAt.toISOString(),
      seconds,
      dataset,
      machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length },
      results: results.map(({ trace: _trace, ...rest }) => rest),
      optima,
      labelsAligned: alignment !== undefined,
      ...(alignment ? { labelAlignment: alignment } : {}),
    };
    resultsDir = await writer.finish(summary, results);
  }
  yield { type: 'runFinished', runId, resultsDir, cancelled, seconds, results, optima, ...(alignment ? { labelAlignment: alignment } : {}) };
}

/**
 * Per solver, the restart with the highest final objective among those that are not degenerate (a fit whose
 * likelihood exists only because of the variance floor, or that has no finite maximum, is shown but not starred).
 * Returns the solvers whose every restart was degenerate, which then have no best.
 */
export function markBestRestarts(results: SolverResult[]): SolverName[] {
  const withoutBest: SolverName[] = [];
  for (const solver of SOLVER_NAMES) {
    let best: SolverResult | undefined;
    let candidates = 0;
    for (const result of results) {
      if (result.solver !== solver || !Number.isFinite(result.objective)) continue;
      candidates++;
      if (result.degeneracies?.length) continue;
      if (!best || result.objective > best.objective) best = result;
    }
    if (best) best.best = true;
    else if (candidates > 0) withoutBest.push(solver);
  }
  return withoutBest;
}

/** `20261206-071500`, local time: run folders sort by when they started. */
export function timestamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
}
