/**
 * The summary table: one row per solver and restart with its final metrics, iterations, compute seconds and stop
 * reason (the runner's sentence says what to do next); the best restart per solver is starred. Series still
 * running show their latest iteration. A stop clause several rows share is written once, as a note under the
 * table (stopNotes.ts); each row's cell keeps the whole sentence as its tooltip.
 */
import { DEGENERACY_LABELS } from '../../src/core/diagnostics/degeneracyKinds';
import type { PanelResult } from '../../src/protocol/panelMessages';
import { runSolverLabel } from '../../src/core/solvers/labels';
import type { PanelStore, StoredSeries } from './store';
import { keyOf } from './store';
import { groupStopSentences } from './stopNotes';
import type { Theme } from './theme';

interface Column {
  readonly title: string;
  readonly tip?: string;
  readonly cell: (row: Row) => string;
  readonly className?: string;
}

interface Row {
  readonly series: StoredSeries;
  readonly result?: PanelResult;
  /** The stop sentence as the row shows it (shared clauses replaced by note numbers). */
  readonly stopText?: string;
}

const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '—');
const num = (v: number | null | undefined, digits = 4) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');
const sci = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toExponential(2) : '—');

function mStepCell({ series, result }: Row): string {
  if (series.solver !== 'em') return '';
  const capped = result?.cappedMSteps ?? series.reports.filter((report) => (report.inner?.cappedBlocks ?? 0) > 0).length;
  const steps = result?.iterations ?? Math.max(0, series.reports.length - 1);
  return capped === 0 ? (steps > 0 ? 'exact' : '—') : `${capped} of ${steps} capped`;
}

/** One badge per degenerate situation the run ended in, its sentence as the tooltip (docs/degenerate-fits.md). */
function appendDegeneracyBadges(cell: Element | null, result: PanelResult | undefined): void {
  for (const found of result?.degeneracies ?? []) {
    const badge = document.createElement('span');
    badge.className = 'badge degenerate';
    badge.textContent = `${DEGENERACY_LABELS[found.kind] ?? found.kind} · ${found.block}`;
    badge.title = `iteration ${found.iteration}: ${found.message}`;
    cell?.append(' ', badge);
  }
}

export function renderTable(container: HTMLElement, store: PanelStore, theme: Theme): void {
  const header = store.header;
  container.replaceChildren();
  if (!header) return;
  const classification = header.dataset.family !== 'gaussian';
  const hasTest = header.dataset.testRows > 0;
  const truth = header.dataset.truthKnown;
  const columns: Column[] = [
    { title: 'Solver', cell: (r) => runSolverLabel(r.series.solver, header), className: 'solver' },
    { title: 'Restart', cell: (r) => `${r.series.restart + 1}${r.result?.best && store.end.status !== 'running' ? ' ★' : ''}`, tip: '★ best restart of the solver (highest final objective among fits that are not degenerate)' },
    { title: 'Iterations', cell: (r) => String(r.result?.iterations ?? r.series.reports.at(-1)?.iteration ?? 0), className: 'num' },
    { title: 'Seconds', cell: (r) => num(r.result?.seconds ?? r.series.reports.at(-1)?.seconds, 3), className: 'num', tip: 'compute time of this solver and restart' },
    { title: 'ℓ (train)', cell: (r) => num(r.result?.logLik ?? r.series.reports.at(-1)?.logLik), className: 'num' },
    ...(hasTest ? [{ title: 'ℓ (test)', cell: (r: Row) => num(r.result?.testLogLik ?? r.series.reports.at(-1)?.testLogLik), className: 'num' }] : []),
    classification
      ? { title: 'Train acc.', cell: (r: Row) => pct(r.result?.trainAccuracy ?? r.series.reports.at(-1)?.trainAccuracy), className: 'num' }
      : { title: 'Train RMSE', cell: (r: Row) => num(r.result?.trainRmse ?? r.series.reports.at(-1)?.trainRmse), className: 'num' },
    ...(hasTest
      ? [
          classification
            ? { title: 'Test acc.', cell: (r: Row) => pct(r.result?.testAccuracy ?? r.series.reports.at(-1)?.testAccuracy), className: 'num' }
            : { title: 'Test RMSE', cell: (r: Row) => num(r.result?.testRmse ?? r.series.reports.at(-1)?.testRmse), className: 'num' },
        ]
      : []),
    ...(truth ? [{ title: 'Param. error', cell: (r: Row) => sci(r.result?.parameterError ?? r.series.reports.at(-1)?.parameterError), className: 'num' }] : []),
    { title: 'BIC', cell: (r) => num(r.result?.bic ?? r.series.reports.at(-1)?.bic, 2), className: 'num', tip: 'lower is better' },
    { title: 'ρ̂', cell: (r) => num(r.series.reports.at(-1)?.rate, 3), className: 'num', tip: 'observed linear rate at the last iteration' },
    ...(store.orderedSeries().some((series) => series.solver === 'em')
      ? [{ title: 'M-steps', cell: (r: Row) => mStepCell(r), tip: 'EM: "exact" when every M-step met its tolerance; otherwise how many stopped at their inner iteration cap' }]
      : []),
    { title: 'Stop', cell: (r) => r.result?.stopReason ?? (store.end.status === 'running' ? 'running…' : '—'), className: 'stop' },
    { title: 'What happened', cell: (r) => r.stopText ?? '', className: 'message' },
  ];

  const table = document.createElement('table');
  table.className = 'summary';
  const head = table.createTHead().insertRow();
  for (const column of columns) {
    const th = document.createElement('th');
    th.textContent = column.title;
    if (column.tip) th.title = column.tip;
    if (column.className) th.className = column.className;
    head.append(th);
  }
  const body = table.createTBody();
  const ordered = store.orderedSeries().map((series) => ({ series, result: store.results.get(keyOf(series.solver, series.restart)) }));
  const finished = ordered.filter((row) => row.result !== undefined);
  const stops = groupStopSentences(finished.map((row) => row.result!.stopMessage));
  for (const { series, result } of ordered) {
    const index = finished.findIndex((row) => row.series === series);
    const row: Row = { series, result, ...(index >= 0 ? { stopText: stops.rows[index].text } : {}) };
    const tr = body.insertRow();
    tr.dataset.solver = series.solver;
    tr.dataset.restart = String(series.restart);
    if (row.result?.best && store.end.status !== 'running') tr.classList.add('best');
    for (const column of columns) {
      const td = tr.insertCell();
      td.textContent = column.cell(row);
      if (column.className) td.className = column.className;
    }
    appendDegeneracyBadges(tr.querySelector('td.stop'), row.result);
    if (row.result) (tr.querySelector('td.message') as HTMLElement).title = row.result.stopMessage;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = theme.solver[series.solver];
    tr.cells[0].prepend(swatch);
  }
  container.append(table);
  if (stops.notes.length > 0) {
    const notes = document.createElement('ol');
    notes.className = 'stop-notes';
    notes.setAttribute('aria-label', 'Notes to the stop sentences');
    for (const text of stops.notes) {
      const item = document.createElement('li');
      item.textContent = text;
      notes.append(item);
    }
    container.append(notes);
  }
}
