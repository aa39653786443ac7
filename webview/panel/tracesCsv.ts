/**
 * The traces the panel holds as CSV, one row per solver, restart and iteration — the same columns as the
 * `traces.csv` the runner writes into a results folder, so either file reads the same way.
 */
import type { IterationReport } from '../../src/core/runner/types';
import type { PanelStore } from './store';

const COLUMNS: readonly (keyof IterationReport)[] = [
  'iteration',
  'seconds',
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
];

export function tracesCsv(store: PanelStore): string {
  const lines = [['solver', 'restart', ...COLUMNS, 'innerIterations', 'innerGradientNorm'].join(',')];
  for (const series of store.orderedSeries()) {
    for (const report of series.reports) {
      const cells = COLUMNS.map((column) => cell(report[column]));
      lines.push([series.solver, series.restart, ...cells, cell(report.inner?.iterations), cell(report.inner?.gradientNorm)].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

function cell(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}
