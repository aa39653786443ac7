/**
 * Everything known about one run, in the shape the panel shows: built from the live event stream (`apply`) or
 * read back from a results folder (`fromStored`). Append-only per solver and restart, so the panel feed can send
 * just what is new. No VS Code import (tested in plain Node).
 */
import type { IterationReport, RunEvent, SolverResult } from '../../core/runner/types';
import type { RunSummary } from '../../core/runner/results';
import { applyRetrospective, retrospectiveColumns } from '../../core/runner/traceColumns';
import type { ExperimentSpec, SolverName } from '../../core/spec/types';
import { SOLVER_NAMES } from '../../core/spec/types';
import type { PanelResult, PanelRunHeader, PanelSnapshot, RunEnd } from '../../protocol/panelMessages';

export interface Series {
  readonly solver: SolverName;
  readonly restart: number;
  readonly reports: IterationReport[];
}

export function seriesKey(solver: SolverName, restart: number): string {
  return `${solver}:${restart}`;
}

export class RunRecord {
  readonly series = new Map<string, Series>();
  readonly results: PanelResult[] = [];
  readonly warnings: string[] = [];
  end: RunEnd = { status: 'running' };
  /** Increases on every change (the feed compares it). */
  version = 0;

  constructor(public header: PanelRunHeader) {}

  /** A live run's record from its `runStarted` event. */
  static fromStart(event: Extract<RunEvent, { type: 'runStarted' }>, startedAt = new Date()): RunRecord {
    const header = headerOf(event.runId, event.spec, event.dataset, event.solvers, event.restarts, event.parameterCount, 'live', startedAt.toISOString());
    return new RunRecord(event.sample ? { ...header, sample: event.sample } : header);
  }

  /** A finished (or cancelled, or interrupted) run read back from its results folder. */
  static fromStored(
    summary: Pick<RunSummary, 'runId' | 'name' | 'dataset' | 'startedAt' | 'cancelled' | 'complete'> & { seconds?: number; results: readonly PanelResult[] },
    spec: ExperimentSpec | undefined,
    traces: readonly SolverResult[],
    resultsDir: string,
    parameterCount = 0,
  ): RunRecord {
    const solvers = SOLVER_NAMES.filter((name) => traces.some((t) => t.solver === name) || summary.results.some((r) => r.solver === name));
    const restarts = Math.max(1, ...traces.map((t) => t.restart + 1), ...summary.results.map((r) => r.restart + 1));
    const header = headerOf(summary.runId, spec, summary.dataset, solvers, restarts, parameterCount, 'stored', summary.startedAt, summary.name);
    const record = new RunRecord(header);
    const ordered = [...traces].sort((a, b) => SOLVER_NAMES.indexOf(a.solver) - SOLVER_NAMES.indexOf(b.solver) || a.restart - b.restart);
    for (const trace of ordered) record.seriesFor(trace.solver, trace.restart).reports.push(...trace.trace);
    const results = summary.results.length > 0 ? summary.results : ordered.map(({ trace: _trace, ...rest }) => rest);
    record.results.push(...results);
    record.end = {
      status: summary.cancelled ? 'cancelled' : summary.complete ? 'finished' : 'interrupted',
      resultsDir,
      ...(summary.seconds !== undefined ? { seconds: summary.seconds } : {}),
      ...(summary.complete || summary.cancelled ? {} : { error: 'the run was interrupted before it finished; these are the solvers it completed' }),
    };
    record.version++;
    return record;
  }

  get runId(): string {
    return this.header.runId;
  }

  get running(): boolean {
    return this.end.status === 'running';
  }

  seriesFor(solver: SolverName, restart: number): Series {
    const key = seriesKey(solver, restart);
    let series = this.series.get(key);
    if (!series) {
      series = { solver, restart, reports: [] };
      this.series.set(key, series);
    }
    return series;
  }

  /** Applies one live event (`runStarted` is handled by `fromStart`). */
  apply(event: RunEvent): void {
    switch (event.type) {
      case 'iteration':
        this.seriesFor(event.solver, event.restart).reports.push(event.report);
        break;
      case 'solverFinished': {
        // The retrospective values (rateFromObjective) exist only now: fill them into the reports held, and send
        // them with the result to a panel that already has those reports.
        const result = panelResultOf(event.result);
        if (result.retrospective) applyRetrospective(this.seriesFor(result.solver, result.restart).reports, result.retrospective);
        this.results.push(result);
        break;
      }
      case 'warning':
        this.warnings.push(event.message);
        break;
      case 'runFinished': {
        // `best` is decided only at the end: take the final flags.
        this.results.length = 0;
        for (const result of event.results) this.results.push(panelResultOf(result));
        this.end = { status: event.cancelled ? 'cancelled' : 'finished', seconds: event.seconds, ...(event.resultsDir ? { resultsDir: event.resultsDir } : {}) };
        break;
      }
      default:
        return;
    }
    this.version++;
  }

  fail(message: string): void {
    this.end = { status: 'failed', error: message, ...(this.end.resultsDir ? { resultsDir: this.end.resultsDir } : {}) };
    this.version++;
  }

  /** Iterations reported so far, over every solver and restart (iteration 0, the start, excluded). */
  get iterationCount(): number {
    let count = 0;
    for (const series of this.series.values()) count += Math.max(0, series.reports.length - 1);
    return count;
  }

  orderedSeries(): Series[] {
    return [...this.series.values()].sort((a, b) => SOLVER_NAMES.indexOf(a.solver) - SOLVER_NAMES.indexOf(b.solver) || a.restart - b.restart);
  }

  snapshot(): PanelSnapshot {
    return {
      header: this.header,
      series: this.orderedSeries().map((s) => ({ solver: s.solver, restart: s.restart, from: 0, reports: s.reports })),
      results: [...this.results],
      warnings: [...this.warnings],
      end: this.end,
    };
  }
}

/** A result without its trace, with the trace's retrospective columns (when it has any reports). */
function panelResultOf(result: SolverResult): PanelResult {
  const { trace, ...rest } = result;
  return trace.length > 0 ? { ...rest, retrospective: retrospectiveColumns(trace) } : rest;
}

function headerOf(
  runId: string,
  spec: ExperimentSpec | undefined,
  dataset: PanelRunHeader['dataset'],
  solvers: readonly SolverName[],
  restarts: number,
  parameterCount: number,
  origin: PanelRunHeader['origin'],
  startedAt: string,
  name?: string,
): PanelRunHeader {
  // Optional all the way: a stored run written before a field existed has a spec without it.
  const acceleration = spec?.solvers?.em?.acceleration;
  return {
    runId,
    name: name ?? spec?.name ?? runId,
    origin,
    dataset,
    solvers: [...solvers],
    restarts,
    experts: spec?.model.experts ?? 0,
    parameterCount,
    maxIterations: spec?.stopping.maxIterations ?? 0,
    ...(acceleration && acceleration !== 'none' ? { emAcceleration: acceleration } : {}),
    startedAt,
  };
}
