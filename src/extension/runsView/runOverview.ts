/**
 * The MoE Lab view's data (issue 17.1), without VS Code: one `RunOverview` per run folder (status, duration, best ℓ,
 * test metric, K, the spec's key settings), the grouping of runs by spec and data file, and the text of each row.
 * Reads the same files as `storedRuns.ts` (summary.json, spec.json, traces/); anything unreadable is left out.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunSummary, SpecFile } from '../../core/runner/results';
import { SOLVER_LABELS } from '../../core/solvers/labels';
import { isSyntheticSource, SOLVER_NAMES, type ExperimentSpec, type SolverName } from '../../core/spec/types';
import { describeRunFolder, listStoredRuns } from '../results/storedRuns';

export type RunOverviewStatus = 'running' | 'finished' | 'cancelled' | 'interrupted' | 'failed';

export interface RunOverview {
  /** The run folder (absent for a live run before its folder exists, and for a failed run that wrote none). */
  readonly dir?: string;
  readonly runId: string;
  readonly name: string;
  readonly status: RunOverviewStatus;
  readonly startedAt?: string;
  readonly seconds?: number;
  readonly experts?: number;
  /** The data file (absolute) or `synthetic (…)`. */
  readonly data?: string;
  readonly solvers: readonly SolverName[];
  /** Highest training ℓ over solvers and restarts, and the solver that reached it. */
  readonly bestLogLik?: number;
  readonly bestSolver?: SolverName;
  /** Held-out metric of that best run: accuracy (classification) or RMSE (regression). */
  readonly testMetric?: { readonly kind: 'accuracy' | 'rmse'; readonly value: number };
  /** The spec's key settings, as `[label, value]` (for the tooltip). */
  readonly settings: readonly (readonly [string, string])[];
  readonly error?: string;
}

/** A spec's runs (the same spec name on the same data), newest first. */
export interface RunGroup {
  readonly key: string;
  readonly name: string;
  readonly data?: string;
  readonly runs: readonly RunOverview[];
}

/** Every run folder directly inside the roots, newest first. */
export async function listRunOverviews(roots: readonly string[]): Promise<RunOverview[]> {
  const infos = await listStoredRuns(roots);
  const overviews = await Promise.all(infos.map((info) => readRunOverview(info.dir)));
  return overviews.filter((o): o is RunOverview => o !== undefined);
}

/** One run folder, or undefined when it is not one. */
export async function readRunOverview(dir: string): Promise<RunOverview | undefined> {
  const info = await describeRunFolder(dir);
  if (!info) return undefined;
  const specFile = await readJson<Partial<SpecFile>>(path.join(dir, 'spec.json'));
  const summary = info.status === 'interrupted' ? undefined : await readJson<RunSummary>(path.join(dir, 'summary.json'));
  const spec = specFile?.resolved;
  const results = Array.isArray(summary?.results) ? summary.results : await readPartialResults(dir);
  const best = bestResult(results);
  const family = summary?.dataset?.family ?? specFile?.run?.dataset?.family;
  const testValue = best ? (family === 'gaussian' ? best.testRmse : best.testAccuracy) : undefined;
  return {
    dir,
    runId: info.runId,
    name: info.name,
    status: info.status,
    startedAt: info.startedAt,
    seconds: info.seconds,
    experts: spec?.model?.experts,
    data: dataOf(spec, summary?.dataset?.source ?? specFile?.run?.dataset?.source),
    solvers: SOLVER_NAMES.filter((s) => info.solvers.includes(s) || (spec?.solvers?.[s]?.enabled ?? false)),
    bestLogLik: best?.logLik,
    bestSolver: best?.solver,
    testMetric: isFiniteNumber(testValue) ? { kind: family === 'gaussian' ? 'rmse' : 'accuracy', value: testValue } : undefined,
    settings: spec ? keySettings(spec, family) : [],
    error: info.status === 'interrupted' ? 'interrupted before it finished: the folder holds the solvers that had ended' : undefined,
  };
}

/** Runs grouped by spec name and data file; groups ordered by their newest run, runs newest first. */
export function groupRuns(runs: readonly RunOverview[]): RunGroup[] {
  const groups = new Map<string, { name: string; data?: string; runs: RunOverview[] }>();
  for (const run of runs) {
    const key = `${run.name}\u0000${run.data ?? ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { name: run.name, data: run.data, runs: [] }));
    group.runs.push(run);
  }
  const newest = (run: RunOverview) => run.startedAt ?? run.runId;
  const ordered = [...groups.entries()].map(([key, group]) => ({ key, ...group, runs: [...group.runs].sort((a, b) => newest(b).localeCompare(newest(a))) }));
  return ordered.sort((a, b) => newest(b.runs[0]).localeCompare(newest(a.runs[0])));
}

/** The run's row text after its label: status, duration, best ℓ, test metric, K. */
export function runDescription(run: RunOverview): string {
  const parts: string[] = [run.status];
  if (run.seconds !== undefined) parts.push(formatSeconds(run.seconds));
  if (run.bestLogLik !== undefined) parts.push(`ℓ ${formatLogLik(run.bestLogLik)}`);
  if (run.testMetric) parts.push(run.testMetric.kind === 'accuracy' ? `test acc ${(100 * run.testMetric.value).toFixed(1)}%` : `test RMSE ${run.testMetric.value.toPrecision(4)}`);
  if (run.experts !== undefined) parts.push(`K=${run.experts}`);
  return parts.join(' · ');
}

/** The run's row label: its start time (runs of one spec differ by when they ran), else its id. */
export function runLabel(run: RunOverview): string {
  if (!run.startedAt) return run.runId;
  const date = new Date(run.startedAt);
  if (Number.isNaN(date.getTime())) return run.runId;
  const pad = (n: number) => String(n).padStart(2, '0');
  // Short: the row also carries status, time, ℓ, test metric and K; the tooltip has the run id with its year.
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The hover text: what the run is, how it ended, and the spec's key settings (Markdown-safe plain lines). */
export function runTooltipLines(run: RunOverview): string[] {
  const lines = [`${run.name} — ${run.runId}`, `${run.status}${run.seconds !== undefined ? ` in ${formatSeconds(run.seconds)}` : ''}${run.error ? `: ${run.error}` : ''}`];
  if (run.bestLogLik !== undefined) lines.push(`best ℓ ${formatLogLik(run.bestLogLik)}${run.bestSolver ? ` (${SOLVER_LABELS[run.bestSolver]})` : ''}`);
  for (const [label, value] of run.settings) lines.push(`${label}: ${value}`);
  return lines;
}

/** The key settings of a spec: what a user changes between two runs (`family`: what `auto` experts resolved to). */
export function keySettings(spec: ExperimentSpec, family?: string): [string, string][] {
  const settings: [string, string][] = [];
  const source = spec.data?.source;
  if (source) {
    settings.push(
      isSyntheticSource(source)
        ? ['data', `synthetic ${source.synthetic.kind}, K* = ${source.synthetic.experts}, d = ${source.synthetic.dim}, n = ${source.synthetic.samples}, SNR ${source.synthetic.snr}`]
        : ['data', `${source.csv} → ${source.target}${source.features ? ` (${source.features.length} features)` : ''}`],
    );
    settings.push(['split', `test ${spec.data.testFraction}, seed ${spec.data.splitSeed}${spec.data.standardize ? ', standardized' : ''}`]);
  }
  if (spec.model) settings.push(['model', `K = ${spec.model.experts}, ${spec.model.expert === 'auto' && family ? family : spec.model.expert} experts, ${spec.model.gate} gate${spec.model.ridge ? `, ridge ${spec.model.ridge}` : ''}`]);
  if (spec.solvers) {
    const solvers = SOLVER_NAMES.filter((s) => spec.solvers[s]?.enabled).map((s) => {
      const lr = spec.solvers[s].learningRate;
      return lr !== undefined ? `${SOLVER_LABELS[s]} (η ${lr})` : SOLVER_LABELS[s];
    });
    settings.push(['solvers', solvers.join(', ')]);
  }
  if (spec.stopping) settings.push(['stopping', `≤ ${spec.stopping.maxIterations} iterations, tol ${spec.stopping.tolerance}`]);
  if (spec.init) settings.push(['starts', `${spec.init.restarts} × ${spec.init.strategy}, seed ${spec.init.seed}`]);
  return settings;
}

export function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : seconds < 120 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

function formatLogLik(value: number): string {
  return Math.abs(value) >= 1e5 ? value.toExponential(4) : value.toFixed(2);
}

interface ResultLike {
  readonly solver: SolverName;
  readonly logLik: number | null;
  readonly testAccuracy?: number | null;
  readonly testRmse?: number | null;
}

function bestResult(results: readonly ResultLike[]): (ResultLike & { logLik: number }) | undefined {
  let best: (ResultLike & { logLik: number }) | undefined;
  for (const result of results) if (isFiniteNumber(result.logLik) && (!best || result.logLik > best.logLik)) best = result as ResultLike & { logLik: number };
  return best;
}

/** An interrupted run's finished solvers (each trace file holds its final metrics). */
async function readPartialResults(dir: string): Promise<ResultLike[]> {
  let names: string[];
  try {
    names = (await fs.readdir(path.join(dir, 'traces'))).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const results: ResultLike[] = [];
  for (const name of names) {
    const trace = await readJson<ResultLike>(path.join(dir, 'traces', name));
    if (trace && SOLVER_NAMES.includes(trace.solver)) results.push(trace);
  }
  return results;
}

function dataOf(spec: ExperimentSpec | undefined, source: unknown): string | undefined {
  if (spec?.data?.source && isSyntheticSource(spec.data.source)) {
    const s = spec.data.source.synthetic;
    return `synthetic ${s.kind} (seed ${s.seed})`;
  }
  return typeof source === 'string' ? source : undefined;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
