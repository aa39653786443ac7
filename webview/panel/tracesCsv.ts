/**
 * The traces the panel holds as CSV, one row per solver, restart and iteration — the same columns as the
 * `traces.csv` the runner writes into a results folder, so either file reads the same way.
 */
import { TRACE_COLUMNS } from '../../src/core/runner/traceColumns';
import type { PanelStore } from './store';

const COLUMNS = TRACE_COLUMNS;

export function tracesCsv(store: PanelStore): string {
  const lines = [['solver', 'restart', ...COLUMNS, 'innerIterations', 'innerGradientNorm', 'innerCappedBlocks'].join(',')];
  for (const series of store.orderedSeries()) {
    for (const report of series.reports) {
      const cells = COLUMNS.map((column) => cell(report[column]));
      lines.push([series.solver, series.restart, ...cells, cell(report.inner?.iterations), cell(report.inner?.gradientNorm), cell(report.inner?.cappedBlocks)].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function cell(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}
