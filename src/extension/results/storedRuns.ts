/**
 * Past runs on disk (the runner's results folders, DESIGN §4): listing them and reading one back as a RunRecord
 * for the panel. A finished or cancelled run has `summary.json`; a run that was killed mid-way is a
 * `<runId>.partial/` folder with the solvers it finished. No VS Code import.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PARTIAL_SUFFIX, type RunStart, type RunSummary, type SpecFile } from '../../core/runner/results';
import { SWEEP_FILE } from '../../core/runner/sweep';
import type { DatasetSummary, SolverResult } from '../../core/runner/types';
import type { ExperimentSpec } from '../../core/spec/types';
import { isRecord, isNonNegativeInteger, isString } from '../../protocol/guards';
import { isDatasetSummary, isIterationReport, isPanelResult } from '../../protocol/panelMessages';
import { RunRecord } from '../run/runRecord';

export interface StoredRunInfo {
  readonly dir: string;
  readonly runId: string;
  readonly name: string;
  readonly startedAt?: string;
  /** `interrupted`: a `.partial` folder, left by a run whose worker was killed (window reload, crash) before it finished. */
  readonly status: 'finished' | 'cancelled' | 'interrupted';
  readonly solvers: readonly string[];
  readonly seconds?: number;
}

/**
 * Run folders inside each root (newest first), and the run folders of each sweep folder there (a folder holding
 * `sweep.json`: one run per combination), so a results folder lists its sweeps' runs without a search of the
 * workspace. Unreadable entries are skipped.
 */
export async function listStoredRuns(roots: readonly string[]): Promise<StoredRunInfo[]> {
  const found = new Map<string, StoredRunInfo>();
  for (const root of roots) {
    for (const dir of await subfolders(root)) {
      if (found.has(dir)) continue;
      const info = await describeRunFolder(dir);
      if (info) {
        found.set(dir, info);
        continue;
      }
      if (!(await isSweepFolder(dir))) continue;
      for (const runDir of await subfolders(dir)) {
        if (found.has(runDir)) continue;
        const run = await describeRunFolder(runDir);
        if (run) found.set(runDir, run);
      }
    }
  }
  return [...found.values()].sort((a, b) => (b.startedAt ?? b.runId).localeCompare(a.startedAt ?? a.runId));
}

/** A sweep's folder (src/core/runner/sweep.ts): it holds `sweep.json` and one run folder per combination. */
export async function isSweepFolder(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(path.join(dir, SWEEP_FILE))).isFile();
  } catch {
    return false;
  }
}

/** The folders directly inside `dir` (none when it cannot be read). */
/** The folders directly inside `dir` (none when it cannot be read). */
export async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => path.join(dir, entry.name));
  } catch {
    return [];
  }
}

export async function describeRunFolder(dir: string): Promise<StoredRunInfo | undefined> {
  const summary = await readJson<RunSummary>(path.join(dir, 'summary.json'));
  if (summary && typeof summary.runId === 'string' && Array.isArray(summary.results)) {
    return {
      dir,
      runId: summary.runId,
      name: String(summary.name ?? summary.runId),
      startedAt: typeof summary.startedAt === 'string' ? summary.startedAt : undefined,
      status: summary.cancelled ? 'cancelled' : 'finished',
      solvers: [...new Set(summary.results.map((r) => r.solver))],
      seconds: typeof summary.seconds === 'number' ? summary.seconds : undefined,
    };
  }
  if (!dir.endsWith(PARTIAL_SUFFIX)) return undefined;
  const spec = await readJson<Partial<SpecFile>>(path.join(dir, 'spec.json'));
  if (!spec?.resolved) return undefined;
  const traces = await readTraces(dir);
  return {
    dir,
    runId: path.basename(dir).slice(0, -PARTIAL_SUFFIX.length),
    name: spec.resolved.name,
    startedAt: isRunStart(spec.run) ? spec.run.startedAt : undefined,
    status: 'interrupted',
    solvers: [...new Set(traces.map((t) => t.solver))],
  };
}

/** Reads a run folder back as the panel shows it. Throws with a plain message when it is not a run folder. */
export async function loadStoredRun(dir: string): Promise<RunRecord> {
  const summary = await readJson<RunSummary>(path.join(dir, 'summary.json'));
  const specFile = await readJson<Partial<SpecFile>>(path.join(dir, 'spec.json'));
  const spec = specFile?.resolved;
  const start = isRunStart(specFile?.run) ? specFile.run : undefined;
  const traces = await readTraces(dir);
  if (!summary && !spec) throw new Error(`${dir} is not a MoE Lab run folder (no summary.json or spec.json)`);
  const results = (summary?.results ?? []).filter((r) => isPanelResult(r));
  const first = results[0] ?? traces[0];
  const parameterCount =
    start?.parameterCount ?? (first && Number.isFinite(first.aic) && Number.isFinite(first.logLik) ? Math.round((first.aic + 2 * first.logLik) / 2) : 0);
  const runId = summary?.runId ?? path.basename(dir).replace(/\.partial$/, '');
  return RunRecord.fromStored(
    {
      runId,
      name: summary?.name ?? spec?.name ?? runId,
      dataset: summary?.dataset ?? start?.dataset ?? datasetFromTraces(spec, traces),
      startedAt: summary?.startedAt ?? start?.startedAt ?? '',
      cancelled: summary?.cancelled ?? false,
      complete: summary?.complete ?? false,
      // An interrupted run has no summary: what is known is the compute time of the solvers it completed.
      seconds: summary?.seconds ?? completedSeconds(traces),
      results,
    },
    spec,
    traces,
    dir,
    parameterCount,
  );
}

/** The compute seconds of the solvers a run completed (a lower bound on its duration); undefined when none did. */
function completedSeconds(traces: readonly SolverResult[]): number | undefined {
  const seconds = traces.map((trace) => trace.seconds).filter((value) => typeof value === 'number' && Number.isFinite(value));
  return seconds.length > 0 ? seconds.reduce((sum, value) => sum + value, 0) : undefined;
}

async function readTraces(dir: string): Promise<SolverResult[]> {
  let names: string[];
  try {
    names = (await fs.readdir(path.join(dir, 'traces'))).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const traces: SolverResult[] = [];
  for (const name of names) {
    const trace = await readJson<SolverResult>(path.join(dir, 'traces', name));
    if (trace && isPanelResult(trace) && Array.isArray(trace.trace) && trace.trace.every((r) => isIterationReport(r))) traces.push(trace);
  }
  return traces;
}

/** The start block of spec.json, checked enough to be shown (the folder may come from another version or be edited). */
function isRunStart(value: unknown): value is RunStart {
  return isRecord(value) && isString(value.startedAt) && isNonNegativeInteger(value.parameterCount) && isDatasetSummary(value.dataset);
}

/** A placeholder dataset description for an interrupted run written before spec.json had its start block. */
function datasetFromTraces(spec: ExperimentSpec | undefined, traces: readonly SolverResult[]): DatasetSummary {
  const first = traces[0]?.trace[0];
  const source = spec ? ('csv' in spec.data.source ? spec.data.source.csv : 'synthetic data') : 'unknown';
  return {
    source,
    rows: 0,
    testRows: 0,
    features: [],
    target: spec && 'target' in spec.data.source ? spec.data.source.target : 'y',
    family: first?.trainAccuracy !== undefined ? 'categorical' : 'gaussian',
    droppedRows: 0,
    truthKnown: first?.parameterError !== undefined,
  };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
