/**
 * The numeric fields of an iteration report, in the order of every traces CSV (the results folder's `traces.csv`
 * and the panel's export) and as the panel's message check reads them, and the one writer of that table. No Node
 * import: safe in the browser.
 */
import { SOLVER_NAMES } from '../spec/types';
import type { IterationReport } from './types';

/** The metrics of a report: a number (null on the wire when non-finite) or absent. */
export const TRACE_METRICS = [
  'logLik',
  'objective',
  'testLogLik',
  'trainAccuracy',
  'testAccuracy',
  'trainRmse',
  'testRmse',
  'parameterError',
  'gateError',
  'truthGap',
  'gradientNorm',
  'klStep',
  'rate',
  'rateFromObjective',
  'snr',
  'responsibilityEntropy',
  'aic',
  'bic',
] as const satisfies readonly (keyof IterationReport)[];

/** Columns of a traces CSV after `solver` and `restart`. */
export const TRACE_COLUMNS = ['iteration', 'seconds', ...TRACE_METRICS] as const satisfies readonly (keyof IterationReport)[];

/**
 * Fields of a report that are known only once its solver has stopped (they look back from the final value), so a
 * live stream sends them after the reports themselves (`PanelResult.retrospective`).
 */
export const RETROSPECTIVE_METRICS = ['rateFromObjective'] as const satisfies readonly (keyof IterationReport)[];
export type RetrospectiveMetric = (typeof RETROSPECTIVE_METRICS)[number];

/** One column per retrospective metric, one entry per report of a trace (null where it has no value). */
export type RetrospectiveColumns = { readonly [K in RetrospectiveMetric]: readonly (number | null)[] };

export function retrospectiveColumns(trace: readonly IterationReport[]): RetrospectiveColumns {
  return Object.fromEntries(RETROSPECTIVE_METRICS.map((metric) => [metric, trace.map((report) => finiteOrNull(report[metric]))])) as unknown as RetrospectiveColumns;
}

/** Writes the retrospective columns into reports that were streamed before their solver stopped. */
export function applyRetrospective(reports: readonly IterationReport[], columns: RetrospectiveColumns): void {
  for (const metric of RETROSPECTIVE_METRICS) {
    const values = columns[metric];
    reports.forEach((report, t) => {
      const value = values[t];
      if (typeof value === 'number' && Number.isFinite(value)) report[metric] = value;
    });
  }
}

/** One trace as the CSV needs it. */
export interface TraceTableSeries {
  readonly solver: string;
  readonly restart: number;
  readonly reports: readonly IterationReport[];
}

/**
 * The traces table (`traces.csv` in a results folder, and the panel's Export CSV): one row per solver, restart and
 * iteration, ordered by solver (em, gem, gd, adam) then restart, an empty cell where a value is absent or not finite. The one implementation both use, so the two files
 * are the same for the same run.
 */
export function traceTableCsv(series: Iterable<TraceTableSeries>): string {
  const lines = [['solver', 'restart', ...TRACE_COLUMNS, 'innerIterations', 'innerGradientNorm', 'innerCappedBlocks'].join(',')];
  const ordered = [...series].sort((a, b) => solverRank(a.solver) - solverRank(b.solver) || a.restart - b.restart);
  for (const { solver, restart, reports } of ordered) {
    for (const report of reports) {
      const cells = TRACE_COLUMNS.map((column) => cell(report[column]));
      lines.push([solver, restart, ...cells, cell(report.inner?.iterations), cell(report.inner?.gradientNorm), cell(report.inner?.cappedBlocks)].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function solverRank(solver: string): number {
  const rank = (SOLVER_NAMES as readonly string[]).indexOf(solver);
  return rank < 0 ? SOLVER_NAMES.length : rank;
}

function cell(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
