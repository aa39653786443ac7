/**
 * The run the panel shows, as the host sent it: a snapshot, then append-only updates. A slice that would leave a
 * gap (it starts after the points the panel has) is not applied; the panel asks the host to resync instead.
 * Points already held are skipped, so a repeated slice is harmless. No DOM or chart code here.
 */
import type { IterationReport } from '../../src/core/runner/types';
import type { SolverName } from '../../src/core/spec/types';
import { SOLVER_NAMES } from '../../src/core/spec/types';
import { applyRetrospective } from '../../src/core/runner/traceColumns';
import type { PanelResult, PanelRunHeader, PanelSnapshot, RunEnd, UpdateMessage } from '../../src/protocol/panelMessages';

export interface StoredSeries {
  readonly key: string;
  readonly solver: SolverName;
  readonly restart: number;
  readonly reports: IterationReport[];
}

/** Which points of which series an update added. */
export interface Appended {
  readonly key: string;
  readonly from: number;
}

export type UpdateOutcome =
  | { readonly kind: 'applied'; readonly appended: readonly Appended[]; readonly newSeries: boolean; readonly resultsChanged: boolean; readonly endChanged: boolean }
  | { readonly kind: 'otherRun' }
  | { readonly kind: 'gap' };

export function keyOf(solver: SolverName, restart: number): string {
  return `${solver}:${restart}`;
}

export class PanelStore {
  header: PanelRunHeader | undefined;
  readonly series = new Map<string, StoredSeries>();
  readonly results = new Map<string, PanelResult>();
  warnings: string[] = [];
  end: RunEnd = { status: 'running' };

  get runId(): string | undefined {
    return this.header?.runId;
  }

  load(snapshot: PanelSnapshot): void {
    this.header = snapshot.header;
    this.series.clear();
    this.results.clear();
    for (const slice of snapshot.series) this.seriesFor(slice.solver, slice.restart).reports.push(...slice.reports.slice(0));
    for (const result of snapshot.results) this.setResult(result);
    this.warnings = [...snapshot.warnings];
    this.end = snapshot.end;
  }

  apply(update: UpdateMessage): UpdateOutcome {
    if (!this.header || update.runId !== this.header.runId) return { kind: 'otherRun' };
    for (const slice of update.series) {
      const have = this.series.get(keyOf(slice.solver, slice.restart))?.reports.length ?? 0;
      if (slice.from > have) return { kind: 'gap' };
    }
    const appended: Appended[] = [];
    let newSeries = false;
    for (const slice of update.series) {
      const key = keyOf(slice.solver, slice.restart);
      if (!this.series.has(key)) newSeries = true;
      const series = this.seriesFor(slice.solver, slice.restart);
      const have = series.reports.length;
      const fresh = slice.reports.slice(have - slice.from);
      if (fresh.length === 0) continue;
      series.reports.push(...fresh);
      appended.push({ key, from: have });
    }
    for (const result of update.results) this.setResult(result);
    this.warnings.push(...update.warnings);
    const endChanged = JSON.stringify(update.end) !== JSON.stringify(this.end);
    this.end = update.end;
    return { kind: 'applied', appended, newSeries, resultsChanged: update.results.length > 0, endChanged };
  }

  toSnapshot(): PanelSnapshot | undefined {
    if (!this.header) return undefined;
    return {
      header: this.header,
      series: this.orderedSeries().map((s) => ({ solver: s.solver, restart: s.restart, from: 0, reports: s.reports })),
      results: [...this.results.values()],
      warnings: this.warnings,
      end: this.end,
    };
  }

  orderedSeries(): StoredSeries[] {
    return [...this.series.values()].sort((a, b) => SOLVER_NAMES.indexOf(a.solver) - SOLVER_NAMES.indexOf(b.solver) || a.restart - b.restart);
  }

  /** ℓ*: the highest training log-likelihood any solver and restart reached — known once the run is over. */
  bestLogLik(): number | undefined {
    if (this.end.status === 'running') return undefined;
    let best = -Infinity;
    for (const series of this.series.values()) {
      for (const report of series.reports) if (typeof report.logLik === 'number' && Number.isFinite(report.logLik) && report.logLik > best) best = report.logLik;
    }
    return Number.isFinite(best) ? best : undefined;
  }

  /** The best restart per solver, once the results say so. */
  isBest(solver: SolverName, restart: number): boolean | undefined {
    const result = this.results.get(keyOf(solver, restart));
    if (!result || this.end.status === 'running') return undefined;
    return result.best;
  }

  /** A result, and the retrospective values of its trace filled into the reports held (they streamed without them). */
  private setResult(result: PanelResult): void {
    this.results.set(keyOf(result.solver, result.restart), result);
    const series = this.series.get(keyOf(result.solver, result.restart));
    if (series && result.retrospective) applyRetrospective(series.reports, result.retrospective);
  }

  private seriesFor(solver: SolverName, restart: number): StoredSeries {
    const key = keyOf(solver, restart);
    let series = this.series.get(key);
    if (!series) {
      series = { key, solver, restart, reports: [] };
      this.series.set(key, series);
    }
    return series;
  }
}
