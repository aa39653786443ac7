/**
 * The traces the panel holds as CSV: the same table (one implementation, src/core/runner/traceColumns.ts) as the
 * `traces.csv` the runner writes into a results folder, so either file reads the same way.
 */
import { traceTableCsv } from '../../src/core/runner/traceColumns';
import type { PanelStore } from './store';

export function tracesCsv(store: PanelStore): string {
  return traceTableCsv(store.orderedSeries());
}
