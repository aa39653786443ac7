/**
 * Running a sweep: one complete run per combination of the swept values (src/core/spec/sweep.ts), in order, into
 * one sweep folder:
 *
 *   <resultsRoot>/<timestamp>-<name>-sweep/
 *     sweep.json                       fields, values, combinations, each one's status, run folder and final metrics
 *     01-experts-1-adam.learningRate-0.001/   a normal run folder (spec.json, summary.json, traces/, traces.csv)
 *     …
 *
 * Crash safety is that of a run folder (results.ts): the sweep is written into `<id>.partial/` and renamed when it
 * ends (finished, cancelled or failed); sweep.json is rewritten atomically after every combination, so a killed
 * sweep leaves a `.partial` folder whose sweep.json says which combinations finished, each a complete run folder.
 *
 * Each combination is a `runExperiment` with the combination's spec, so it has the spec's restarts, stopping rule and
 * degeneracy checks exactly as a single run. Cancel stops the combination that is running (its run folder is kept,
 * marked cancelled, like any cancelled run) and starts no other; the finished ones are kept.
 *
 * K selection (selectK.ts) is the same loop over specs that differ in one field; it keeps nothing on disk and
 * chooses by BIC, while a sweep keeps every run and compares final metrics. Both build each point's spec from the
 * one spec and run it with `runExperiment`, and a sweep of `model.experts` alone is summarised with select-k's own
 * functions (`chooseKFromSweep`: the same candidates, choice by BIC and sentence).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isUserInputError, UserInputError } from '../errors';
import { isInterrupted } from '../interrupt';
import { pointLabel, shortFieldNames, sweepPoints, type SweepAxis, type SweepValue } from '../spec/sweep';
import type { ExperimentSpec, SolverName } from '../spec/types';
import { SOLVER_NAMES } from '../spec/types';
import { validateSpecObject } from '../spec/validate';
import { exists, PARTIAL_SUFFIX, writeJsonAtomic, type RunSummary, type SpecFile } from './results';
import { chooseByBic, explainChoice, summarizeK, type KCandidate } from './selectK';
import { runExperiment, slug, timestamp, type RunOptions } from './runExperiment';
import type { FitFigures, RunEvent, SolverResult, StopCode } from './types';

export const SWEEP_FILE = 'sweep.json';

/** A solver's final state in one combination: its best restart (the one starred in the run). */
export interface SolverFinal extends FitFigures {
  readonly restart: number;
  readonly iterations: number;
  readonly stopReason: StopCode;
  /** Every restart ended in a degenerate fit: no restart is starred, this is the highest objective among them. */
  readonly degenerate?: boolean;
}

export type CombinationStatus = 'pending' | 'running' | 'finished' | 'cancelled' | 'failed';

export interface SweepCombination {
  readonly index: number;
  /** The swept values, in the order of `SweepFile.fields`. */
  readonly values: readonly SweepValue[];
  readonly label: string;
  readonly status: CombinationStatus;
  /** Its run folder, inside the sweep folder (set once the run has started writing). */
  readonly runId: string;
  readonly seconds?: number;
  /** Why it failed (a mistake in the input, such as more experts than rows). */
  readonly error?: string;
  readonly solvers?: Partial<Record<SolverName, SolverFinal>>;
}

export type SweepStatus = 'running' | 'finished' | 'cancelled' | 'failed';

/** What `sweep.json` holds. */
export interface SweepFile {
  readonly version: 1;
  readonly sweepId: string;
  readonly name: string;
  readonly startedAt: string;
  readonly status: SweepStatus;
  readonly seconds?: number;
  /** Swept fields in the spec's order; the first is the summary chart's x axis. */
  readonly fields: readonly SweepAxis[];
  readonly solvers: readonly SolverName[];
  readonly combinations: readonly SweepCombination[];
}

/** One combination, ready to run. */
export interface PlannedCombination {
  readonly index: number;
  readonly values: readonly SweepValue[];
  readonly label: string;
  readonly runId: string;
  readonly spec: ExperimentSpec;
  /** The spec as written for this combination (the sweep's spec with the values put in, without `sweep`). */
  readonly raw: Record<string, unknown>;
}

export interface SweepPlan {
  readonly fields: readonly SweepAxis[];
  readonly combinations: readonly PlannedCombination[];
}

/** The combinations of a sweep spec, each validated and resolved. Throws a UserInputError for a spec without sweep. */
export function planSweep(spec: ExperimentSpec, raw: unknown): SweepPlan {
  const fields = spec.sweep;
  if (!fields || fields.length === 0) throw new UserInputError('the spec has no sweep', { pointer: '/sweep' });
  const width = String(fields.reduce((n, axis) => n * axis.values.length, 1)).length;
  const names = shortFieldNames(fields.map((axis) => axis.field));
  const combinations = sweepPoints(raw, fields).map((point) => {
    const validated = validateSpecObject(point.raw);
    if (!validated.ok) throw new UserInputError(`/sweep: with ${point.label}: ${validated.errors[0].message}`, { pointer: '/sweep' });
    const folder = point.values.map((value, i) => `${names[i]}-${value === null ? 'null' : String(value)}`).join('-');
    return {
      index: point.index,
      values: point.values,
      label: point.label,
      runId: `${String(point.index + 1).padStart(Math.max(2, width), '0')}-${folderName(folder)}`,
      spec: { ...validated.spec, name: `${spec.name} [${pointLabel(fields, point.values, true)}]` },
      raw: point.raw,
    };
  });
  return { fields, combinations };
}

/** Letters, digits, dots and dashes only: a folder name on every file system. */
function folderName(text: string): string {
  return text.replace(/[^A-Za-z0-9.+-]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'run';
}

/** Per solver, the starred restart (or, when every restart was degenerate, the highest objective, marked so). */
export function solverFinals(results: readonly Omit<SolverResult, 'trace'>[]): Partial<Record<SolverName, SolverFinal>> {
  const finals: Partial<Record<SolverName, SolverFinal>> = {};
  for (const solver of SOLVER_NAMES) {
    const own = results.filter((result) => result.solver === solver);
    let chosen = own.find((result) => result.best);
    const degenerate = chosen === undefined;
    for (const result of own) if (degenerate && Number.isFinite(result.objective) && (!chosen || result.objective > chosen.objective)) chosen = result;
    if (!chosen) continue;
    const optional = (['testLogLik', 'trainAccuracy', 'testAccuracy', 'trainRmse', 'testRmse'] as const).filter((key) => chosen![key] !== undefined);
    finals[solver] = {
      restart: chosen.restart,
      iterations: chosen.iterations,
      stopReason: chosen.stopReason,
      logLik: chosen.logLik,
      objective: chosen.objective,
      ...Object.fromEntries(optional.map((key) => [key, chosen![key]])),
      ...(degenerate ? { degenerate: true } : {}),
    };
  }
  return finals;
}

/**
 * The sweep folder: created as `<id>.partial/`, its sweep.json rewritten (atomically) after every change, renamed
 * to `<id>/` by `finish`.
 */
export class SweepWriter {
  private file: SweepFile;

  private constructor(
    private readonly partialDir: string,
    private readonly finalDir: string,
    file: SweepFile,
  ) {
    this.file = file;
  }

  /** Creates `<root>/<baseId>.partial/` (with a suffix if that id is taken) and writes sweep.json. */
  static async create(root: string, baseId: string, plan: SweepPlan, name: string, solvers: readonly SolverName[], startedAt = new Date()): Promise<SweepWriter> {
    await fs.mkdir(root, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const sweepId = attempt === 1 ? baseId : `${baseId}-${attempt}`;
      const finalDir = path.join(root, sweepId);
      if (await exists(finalDir)) continue;
      try {
        await fs.mkdir(finalDir + PARTIAL_SUFFIX);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      const file: SweepFile = {
        version: 1,
        sweepId,
        name,
        startedAt: startedAt.toISOString(),
        status: 'running',
        fields: plan.fields,
        solvers,
        combinations: plan.combinations.map(({ index, values, label, runId }) => ({ index, values, label, runId, status: 'pending' })),
      };
      const writer = new SweepWriter(finalDir + PARTIAL_SUFFIX, finalDir, file);
      await writer.save();
      return writer;
    }
  }

  get sweepId(): string {
    return this.file.sweepId;
  }

  /** Where the combinations' run folders go while the sweep runs. */
  get runsRoot(): string {
    return this.partialDir;
  }

  get current(): SweepFile {
    return this.file;
  }

  async update(combination: SweepCombination): Promise<void> {
    this.file = { ...this.file, combinations: this.file.combinations.map((c) => (c.index === combination.index ? combination : c)) };
    await this.save();
  }

  /** Writes the final sweep.json and publishes the folder under its final name; returns that folder. */
  async finish(status: Exclude<SweepStatus, 'running'>, seconds: number): Promise<string> {
    this.file = { ...this.file, status, seconds };
    await this.save();
    await fs.rename(this.partialDir, this.finalDir);
    return this.finalDir;
  }

  private save(): Promise<void> {
    return writeJsonAtomic(path.join(this.partialDir, SWEEP_FILE), this.file);
  }
}

export type SweepEvent =
  | { readonly type: 'sweepStarted'; readonly sweepId: string; readonly fields: readonly SweepAxis[]; readonly combinations: readonly Omit<PlannedCombination, 'spec' | 'raw'>[] }
  | { readonly type: 'combinationStarted'; readonly index: number; readonly label: string; readonly total: number }
  /** An event of the combination's run, as runExperiment yielded it. */
  | { readonly type: 'run'; readonly index: number; readonly event: RunEvent }
  | { readonly type: 'combinationFinished'; readonly combination: SweepCombination; readonly total: number }
  | { readonly type: 'sweepFinished'; readonly sweep: SweepFile; readonly dir?: string };

export interface SweepOptions extends Omit<RunOptions, 'runId' | 'rawSpec'> {
  /** The sweep spec as written (its combinations are built from it). */
  readonly rawSpec: unknown;
}

/** Runs every combination of `spec.sweep` in turn; see the file comment. */
export async function* runSweep(spec: ExperimentSpec, options: SweepOptions): AsyncGenerator<SweepEvent, SweepFile, undefined> {
  const started = performance.now();
  const startedAt = new Date();
  const plan = planSweep(spec, options.rawSpec);
  const solvers = SOLVER_NAMES.filter((name) => plan.combinations.some((c) => c.spec.solvers[name].enabled));
  const root = options.resultsRoot === false ? undefined : (options.resultsRoot ?? path.resolve(options.baseDir, spec.resultsDir));
  const baseId = `${timestamp(startedAt)}-${slug(spec.name)}-sweep`;
  const writer = root ? await SweepWriter.create(root, baseId, plan, spec.name, solvers, startedAt) : undefined;
  let file: SweepFile = writer?.current ?? {
    version: 1, sweepId: baseId, name: spec.name, startedAt: startedAt.toISOString(), status: 'running', fields: plan.fields, solvers,
    combinations: plan.combinations.map(({ index, values, label, runId }) => ({ index, values, label, runId, status: 'pending' as const })),
  };
  const record = async (combination: SweepCombination) => {
    file = { ...file, combinations: file.combinations.map((c) => (c.index === combination.index ? combination : c)) };
    await writer?.update(combination);
  };
  yield { type: 'sweepStarted', sweepId: file.sweepId, fields: plan.fields, combinations: plan.combinations.map(({ spec: _s, raw: _r, ...rest }) => rest) };

  const total = plan.combinations.length;
  let status: Exclude<SweepStatus, 'running'> = 'finished';
  let failure: unknown;
  for (const planned of plan.combinations) {
    if (options.signal?.aborted) {
      status = 'cancelled';
      break;
    }
    const base = { index: planned.index, values: planned.values, label: planned.label, runId: planned.runId };
    await record({ ...base, status: 'running' });
    yield { type: 'combinationStarted', index: planned.index, label: planned.label, total };
    const combinationStart = performance.now();
    let outcome: SweepCombination;
    try {
      let finished: Extract<RunEvent, { type: 'runFinished' }> | undefined;
      for await (const event of runExperiment(planned.spec, { ...options, resultsRoot: writer?.runsRoot ?? false, rawSpec: planned.raw, runId: planned.runId })) {
        if (event.type === 'runFinished') finished = event;
        yield { type: 'run', index: planned.index, event };
      }
      if (!finished) throw new Error('runExperiment ended without runFinished');
      outcome = {
        ...base,
        runId: finished.resultsDir ? path.basename(finished.resultsDir) : planned.runId,
        status: finished.cancelled ? 'cancelled' : 'finished',
        seconds: finished.seconds,
        solvers: solverFinals(finished.results),
      };
    } catch (error) {
      // Stopped by the signal, or by the interrupt flag of a CLI worker inside the combination's load.
      const aborted = (options.signal?.aborted === true && error === options.signal.reason) || isInterrupted(error);
      if (!aborted && !isUserInputError(error)) failure = error;
      outcome = { ...base, status: aborted ? 'cancelled' : 'failed', seconds: (performance.now() - combinationStart) / 1000, ...(aborted ? {} : { error: (error as Error)?.message ?? String(error) }) };
    }
    await record(outcome);
    yield { type: 'combinationFinished', combination: outcome, total };
    if (failure !== undefined) {
      status = 'failed';
      break;
    }
    if (outcome.status === 'cancelled') {
      status = 'cancelled';
      break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  file = { ...file, status, seconds };
  const dir = writer ? await writer.finish(status, seconds) : undefined;
  if (failure !== undefined) throw failure;
  yield { type: 'sweepFinished', sweep: file, ...(dir ? { dir } : {}) };
  return file;
}

/** A sweep folder's sweep.json, checked enough to list its runs. */
export async function readSweep(dir: string): Promise<SweepFile> {
  const text = await fs.readFile(path.join(dir, SWEEP_FILE), 'utf8');
  const file = JSON.parse(text) as SweepFile;
  if (file?.version !== 1 || !Array.isArray(file.combinations) || !Array.isArray(file.fields)) {
    throw new UserInputError(`${path.join(dir, SWEEP_FILE)} is not a MoE Lab sweep file`, { file: path.join(dir, SWEEP_FILE) });
  }
  return file;
}

/**
 * The run folders of a sweep that hold a complete run (finished or cancelled), in combination order: what a compare
 * view overlays.
 */
export async function sweepRunFolders(dir: string): Promise<string[]> {
  const file = await readSweep(dir);
  const folders: string[] = [];
  for (const combination of file.combinations) {
    if (combination.status !== 'finished' && combination.status !== 'cancelled') continue;
    const folder = path.join(dir, combination.runId);
    if (await exists(path.join(folder, 'summary.json'))) folders.push(folder);
  }
  return folders;
}

/** What K selection (selectK.ts) says about a sweep of `model.experts` alone. */
export interface SweepKChoice {
  readonly candidates: readonly KCandidate[];
  readonly chosen?: number;
  /** selectK's sentence: "BIC is lowest at K = 2; K = 3 gains 0.4 nats for 7 more parameters; …". */
  readonly reason: string;
}

/**
 * A sweep of `model.experts` alone is K selection by hand: each K's runs are summarised and compared exactly as
 * `moe-lab select-k` does (summarizeK, chooseByBic, explainChoice), from the run folders' summary.json and spec.json.
 * Every solver's restarts compete, as select-k's with `--solvers`. Undefined for other sweeps, or with no finished K.
 */
export async function chooseKFromSweep(dir: string, sweep: SweepFile): Promise<SweepKChoice | undefined> {
  if (sweep.fields.length !== 1 || sweep.fields[0].field !== 'model.experts') return undefined;
  const candidates: KCandidate[] = [];
  let cancelled = false;
  for (const combination of sweep.combinations) {
    if (combination.status !== 'finished' && combination.status !== 'cancelled') continue;
    try {
      const folder = path.join(dir, combination.runId);
      const summary = JSON.parse(await fs.readFile(path.join(folder, 'summary.json'), 'utf8')) as RunSummary;
      const specFile = JSON.parse(await fs.readFile(path.join(folder, 'spec.json'), 'utf8')) as SpecFile;
      const parameters = specFile.run?.parameterCount;
      if (parameters === undefined) continue;
      const isCancelled = combination.status === 'cancelled';
      cancelled ||= isCancelled;
      candidates.push(summarizeK(combination.values[0] as number, parameters, summary.results as SolverResult[], isCancelled));
    } catch {
      // A run folder that cannot be read is not compared (the table still lists the combination).
    }
  }
  if (candidates.length === 0) return undefined;
  candidates.sort((a, b) => a.K - b.K);
  const chosen = chooseByBic(candidates);
  return { candidates, ...(chosen ? { chosen: chosen.K } : {}), reason: explainChoice(candidates, chosen, cancelled) };
}
