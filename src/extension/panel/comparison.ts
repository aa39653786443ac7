/**
 * Compare Runs (issue 17.2), host side without VS Code: reads stored run folders into one `PanelComparison` — each
 * run's snapshot reduced to the best restart of each solver (one line per solver and run keeps six overlaid runs
 * readable and the message small), and the differences of their stored specs (`spec.json`'s `resolved` block).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { specDifferences } from '../../core/spec/specDiff';
import { MAX_COMPARED_RUNS, type ComparedRun, type PanelComparison, type PanelSnapshot } from '../../protocol/panelMessages';
import { loadStoredRun } from '../results/storedRuns';

/** Reads the runs (in the order given; a folder given twice counts once). Throws with a plain message on a folder that is not a run. */
export async function loadComparison(runDirs: readonly string[], title?: string): Promise<PanelComparison> {
  const dirs = [...new Set(runDirs.map((dir) => path.resolve(dir)))];
  if (dirs.length === 0) throw new Error('no runs to compare');
  if (dirs.length > MAX_COMPARED_RUNS) throw new Error(`at most ${MAX_COMPARED_RUNS} runs can be compared at once (${dirs.length} were chosen)`);
  const runs: ComparedRun[] = [];
  const specs: unknown[] = [];
  for (const [index, dir] of dirs.entries()) {
    const record = await loadStoredRun(dir);
    const snapshot = bestRestarts(record.snapshot());
    runs.push({ label: `run ${index + 1}: ${snapshot.header.name} · ${startTime(snapshot.header.startedAt) ?? snapshot.header.runId}`, snapshot });
    specs.push(await readResolvedSpec(dir));
  }
  return {
    id: `compare-${path.basename(dirs[0]).slice(0, 150)}-${dirs.length}`.replace(/[^\w.-]/g, '_'),
    title: title ?? `Compare ${dirs.length} runs`,
    runs,
    differences: specDifferences(specs),
  };
}

/** The snapshot with, per solver, only its best restart (the one flagged `best`, else the highest final ℓ). */
export function bestRestarts(snapshot: PanelSnapshot): PanelSnapshot {
  const keep = new Map<string, number>();
  for (const solver of snapshot.header.solvers) {
    const results = snapshot.results.filter((r) => r.solver === solver);
    const flagged = results.find((r) => r.best);
    if (flagged) {
      keep.set(solver, flagged.restart);
      continue;
    }
    let best: { restart: number; logLik: number } | undefined;
    for (const series of snapshot.series.filter((s) => s.solver === solver)) {
      const last = series.reports[series.reports.length - 1]?.logLik;
      const logLik = typeof last === 'number' && Number.isFinite(last) ? last : -Infinity;
      if (!best || logLik > best.logLik) best = { restart: series.restart, logLik };
    }
    if (best) keep.set(solver, best.restart);
  }
  return {
    ...snapshot,
    series: snapshot.series.filter((s) => keep.get(s.solver) === s.restart),
    results: snapshot.results.filter((r) => keep.get(r.solver) === r.restart),
  };
}

async function readResolvedSpec(dir: string): Promise<unknown> {
  try {
    return (JSON.parse(await fs.readFile(path.join(dir, 'spec.json'), 'utf8')) as { resolved?: unknown }).resolved ?? {};
  } catch {
    return {};
  }
}

function startTime(iso: string): string | undefined {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
