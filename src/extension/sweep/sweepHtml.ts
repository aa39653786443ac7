/**
 * The "Sweep" panel's page, drawn on the host from a sweep's `sweep.json`: the summary charts (the final ℓ of each
 * solver's best restart, and the held-out ℓ when rows were held out, against the first swept field) and a table of
 * the combinations with a button per run that opens it in the convergence panel.
 *
 * One chart with one line per solver per value of the other swept fields, rather than small multiples: the
 * question a sweep answers is "which value is best, and does that depend on the solver or the other field?", which
 * needs the lines on one shared y axis. Colour is the solver (the convergence panel's colours) and the line style
 * the other field's value, the same encoding as the compare view (colour by solver, line style by run). With the
 * few values a sweep has (at most 100 combinations, usually 2–4 values of a second field) the lines stay apart.
 * The x positions are the swept values in the order written, equally spaced: learning rates are written as a
 * geometric grid, so this reads as a log axis for them and as a linear one for K.
 *
 * Static SVG, as the "Number of Experts" panel: no chart library in the page; its one script sends the buttons'
 * clicks to the host. No VS Code import: the page is plain data.
 */
import { SOLVER_LABELS } from '../../core/solvers/labels';
import { formatSweepValue, shortFieldNames, type SweepValue } from '../../core/spec/sweep';
import type { SolverName } from '../../core/spec/types';
import type { SweepCombination, SweepFile, SweepKChoice } from '../../core/runner/sweep';
import { escapeHtml, SUMMARY_PAGE_STYLE, webviewPage } from '../webviewPage';

export interface SweepPage {
  readonly title: string;
  readonly sweep: SweepFile;
  readonly nonce: string;
  readonly cspSource: string;
  /** Show the Compare Runs button (the compare view is available). */
  readonly canCompare: boolean;
  /** For a sweep of model.experts alone: K selection's choice and reason (src/core/runner/sweep.ts). */
  readonly kChoice?: SweepKChoice;
  /** The sweep folder, kept in the webview's state so that the panel comes back after a window reload. */
  readonly dir?: string;
}

/** What the Sweep panel's page keeps in its webview state (read back by the panel serializer). */
export interface SweepPanelState {
  readonly version: 1;
  readonly dir: string;
}

/** The state, or undefined when `value` is not one the page saved (state is data like any webview message). */
export function parseSweepPanelState(value: unknown): SweepPanelState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, dir } = value as Record<string, unknown>;
  return version === 1 && typeof dir === 'string' && dir.length > 0 && dir.length < 4096 ? { version, dir } : undefined;
}

export type SummaryMetric = 'logLik' | 'testLogLik';

export interface SummaryPoint {
  /** Position on the x axis: the index of the value among the first field's values. */
  readonly x: number;
  readonly value: number;
  /** The combination the point comes from. */
  readonly combination: number;
  /** Every restart of that solver was degenerate (drawn hollow). */
  readonly degenerate: boolean;
}

export interface SummarySeries {
  readonly solver: SolverName;
  /** The other swept fields' values of this line ('' with one swept field). */
  readonly group: string;
  /** Index of the group, for the line style. */
  readonly groupIndex: number;
  readonly points: readonly SummaryPoint[];
}

/** Grid lines at most (a bound, so that no range can make the tick loop long). */
const MAX_TICKS = 12;

/** Line styles for the values of the other swept fields (solid first). */
const DASHES = ['', '7 4', '2 3', '10 3 2 3', '4 4 1 4'];

/**
 * The summary chart's lines: per solver, per combination of the other fields' values, the finished combinations'
 * final `metric` against the first field. Cancelled and failed combinations have no final metric and no point.
 */
export function summarySeries(sweep: SweepFile, metric: SummaryMetric): SummarySeries[] {
  const names = shortFieldNames(sweep.fields.map((axis) => axis.field));
  const groups: string[] = [];
  const groupOf = (c: SweepCombination) => c.values.slice(1).map((value, i) => `${names[i + 1]} = ${formatSweepValue(value)}`).join(', ');
  for (const c of sweep.combinations) if (!groups.includes(groupOf(c))) groups.push(groupOf(c));
  const xValues = sweep.fields[0].values;
  const series: SummarySeries[] = [];
  for (const solver of sweep.solvers) {
    for (const [groupIndex, group] of groups.entries()) {
      const points: SummaryPoint[] = [];
      for (const c of sweep.combinations) {
        const final = c.solvers?.[solver];
        const value = final?.[metric];
        if (c.status !== 'finished' || groupOf(c) !== group || value === undefined || !Number.isFinite(value)) continue;
        points.push({ x: xValues.findIndex((v) => sameValue(v, c.values[0])), value, combination: c.index, degenerate: final?.degenerate === true });
      }
      if (points.length > 0) series.push({ solver, group, groupIndex, points });
    }
  }
  return series;
}

function sameValue(a: SweepValue, b: SweepValue): boolean {
  return a === b;
}

export function sweepHtml(page: SweepPage): string {
  const { sweep } = page;
  const names = shortFieldNames(sweep.fields.map((axis) => axis.field));
  const done = sweep.combinations.filter((c) => c.status === 'finished').length;
  const product = sweep.fields.map((axis) => `${axis.field} (${axis.values.map(formatSweepValue).join(', ')})`).join(' × ');
  const facts = [product, `${done} of ${sweep.combinations.length} runs finished`, ...(sweep.seconds !== undefined ? [`${sweep.seconds.toFixed(1)} s`] : [])];
  const heldOut = summarySeries(sweep, 'testLogLik');
  const charts = [
    chartSvg('Final log-likelihood ℓ of the best restart (higher is better)', 'final-loglik', sweep, summarySeries(sweep, 'logLik'), 'ℓ (training rows)'),
    ...(heldOut.length > 0 ? [chartSvg('Held-out log-likelihood (higher is better)', 'held-out', sweep, heldOut, 'held-out ℓ')] : []),
  ];
  const compare = page.canCompare ? '<button data-action="compare">Compare Runs</button>' : '';
  const style = `<style nonce="${page.nonce}">${SUMMARY_PAGE_STYLE}
  .chart { flex: 1 1 380px; max-width: 640px; border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 8px; }
  svg text.axis-title { fill: var(--vscode-foreground); font-size: 11px; }
  .grid { stroke: var(--vscode-panel-border); stroke-opacity: 0.4; }
  .legend { font-size: 12px; margin-bottom: 4px; }
  .legend span.entry { margin-right: 12px; white-space: nowrap; }
  .legend svg { vertical-align: middle; margin-right: 4px; }
  .solver-em { --series: var(--vscode-charts-blue, #3794ff); }
  .solver-gem { --series: var(--vscode-charts-purple, #b180d7); }
  .solver-gd { --series: var(--vscode-charts-orange, #d18616); }
  .solver-adam { --series: var(--vscode-charts-green, #89d185); }
  path.series, line.series { stroke: var(--series); }
  line.style { stroke: var(--vscode-foreground); }
  circle.series { fill: var(--series); stroke: var(--series); }
  circle.series.degenerate { fill: var(--vscode-editor-background); }
  td { white-space: nowrap; }
  th.text, td.text { text-align: left; }
  td.best { font-weight: 600; }
  button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 10px; border-radius: 2px; cursor: pointer; }
  button.link { background: none; color: var(--vscode-textLink-foreground); padding: 0; }
  .actions { margin: 4px 0 12px; display: flex; gap: 8px; }
</style>`;
  return webviewPage({
    cspSource: page.cspSource,
    nonce: page.nonce,
    title: page.title,
    styles: 'nonce',
    head: style,
    bodyAttributes: `data-status="${sweep.status}" data-combinations="${sweep.combinations.length}"`,
    body: `<h2>${escapeHtml(page.title)}<span class="badge">${sweep.status}</span></h2>
<p class="facts">${escapeHtml(facts.join(' · '))}</p>
${page.kChoice ? `<p class="reason" id="k-choice" data-chosen="${page.kChoice.chosen ?? ''}">${page.kChoice.chosen !== undefined ? `<strong>K = ${page.kChoice.chosen}.</strong> ` : ''}${escapeHtml(page.kChoice.reason)} <span class="facts">(as Choose Number of Experts decides: the best converged, non-degenerate restart of any solver per K, BIC lowest wins)</span></p>` : ''}
<div class="actions">${compare}<button data-action="reveal">Reveal Folder</button></div>
<div class="charts">
  ${charts.join('\n  ')}
</div>
${combinationTable(sweep, names)}
<script nonce="${page.nonce}">
  const vscode = acquireVsCodeApi();
${page.dir ? `  vscode.setState(${scriptJson({ version: 1, dir: page.dir } satisfies SweepPanelState)});
` : ''}  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const index = button.dataset.index === undefined ? undefined : Number(button.dataset.index);
    vscode.postMessage(index === undefined ? { type: button.dataset.action } : { type: button.dataset.action, index });
  });
</script>`,
  });
}

function combinationTable(sweep: SweepFile, names: readonly string[]): string {
  const solvers = sweep.solvers;
  const withTest = solvers.filter((s) => sweep.combinations.some((c) => c.solvers?.[s]?.testLogLik !== undefined));
  const bestOf = new Map<SolverName, number>();
  for (const s of solvers) {
    let top: { index: number; value: number } | undefined;
    for (const c of sweep.combinations) {
      const final = c.solvers?.[s];
      if (c.status === 'finished' && final && !final.degenerate && (!top || final.logLik > top.value)) top = { index: c.index, value: final.logLik };
    }
    if (top) bestOf.set(s, top.index);
  }
  const cell = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(2));
  const header = [
    '<th>#</th>',
    ...names.map((name) => `<th>${escapeHtml(name)}</th>`),
    ...solvers.map((s) => `<th>${SOLVER_LABELS[s]} ℓ</th>`),
    ...withTest.map((s) => `<th>${SOLVER_LABELS[s]} held-out ℓ</th>`),
    '<th>seconds</th><th class="text">status</th><th class="text"></th>',
  ];
  const rows = sweep.combinations.map((c) => {
    const hasRun = c.status === 'finished' || c.status === 'cancelled';
    const status = c.status === 'failed' ? `failed: ${c.error ?? ''}` : c.status === 'pending' ? 'not run' : c.status;
    return `<tr data-index="${c.index}" data-status="${c.status}"><td>${c.index + 1}</td>${c.values.map((v) => `<td>${escapeHtml(formatSweepValue(v))}</td>`).join('')}${solvers
      .map((s) => {
        const best = bestOf.get(s) === c.index;
        return `<td data-solver="${s}"${best ? ' class="best"' : ''}>${cell(c.solvers?.[s]?.logLik)}${best ? ' ★' : ''}</td>`;
      })
      .join('')}${withTest.map((s) => `<td>${cell(c.solvers?.[s]?.testLogLik)}</td>`).join('')}<td>${c.seconds === undefined ? '—' : c.seconds.toFixed(2)}</td><td class="text">${escapeHtml(status)}</td><td class="text">${
      hasRun ? `<button class="link" data-action="openRun" data-index="${c.index}">Open</button>` : ''
    }</td></tr>`;
  });
  return `<table id="combinations"><thead><tr>${header.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table><p class="facts">★ the highest ℓ of each solver over the sweep. ℓ is the final log-likelihood of the solver's best restart.</p>`;
}

/** The summary chart: `series` against the first field's values, with a legend for solvers and line styles. */
function chartSvg(title: string, id: string, sweep: SweepFile, series: readonly SummarySeries[], yTitle: string): string {
  const width = 600;
  const height = 280;
  const margin = { left: 72, right: 16, top: 10, bottom: 40 };
  const names = shortFieldNames(sweep.fields.map((axis) => axis.field));
  const xValues = sweep.fields[0].values;
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  if (values.length === 0) return `<section class="chart" data-chart="${id}"><h3>${escapeHtml(title)}</h3><p class="facts">No finished run to show.</p></section>`;
  let [yMin, yMax] = [Math.min(...values), Math.max(...values)];
  // Solvers often reach the same optimum to the last bits: a range that small is a flat line, not a scale to draw.
  const flat = Math.max(1e-9 * Math.max(Math.abs(yMin), Math.abs(yMax)), 1e-12);
  if (yMax - yMin < flat) [yMin, yMax] = [yMin - Math.max(1, Math.abs(yMin) * 1e-3), yMax + Math.max(1, Math.abs(yMax) * 1e-3)];
  const pad = (yMax - yMin) * 0.08;
  [yMin, yMax] = [yMin - pad, yMax + pad];
  const plotWidth = width - margin.left - margin.right;
  const x = (i: number) => margin.left + (xValues.length === 1 ? 0.5 : (0.04 + (0.92 * i) / (xValues.length - 1))) * plotWidth;
  const y = (v: number) => margin.top + (1 - (v - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom);
  const bottom = height - margin.bottom;
  const parts: string[] = [];
  const step = niceStep((yMax - yMin) / 8);
  const first = Math.ceil(yMin / step);
  for (let i = 0; i <= MAX_TICKS && (first + i) * step <= yMax; i++) {
    const v = (first + i) * step;
    parts.push(`<line class="grid" x1="${margin.left}" y1="${y(v).toFixed(1)}" x2="${width - margin.right}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${formatTick(v, step)}</text>`);
  }
  parts.push(`<line class="axis" x1="${margin.left}" y1="${bottom}" x2="${width - margin.right}" y2="${bottom}"/>`);
  parts.push(`<line class="axis" x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${bottom}"/>`);
  xValues.forEach((value, i) => parts.push(`<text x="${x(i).toFixed(1)}" y="${bottom + 14}" text-anchor="middle">${escapeHtml(formatSweepValue(value))}</text>`));
  parts.push(`<text class="axis-title" x="${margin.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(sweep.fields[0].field)}</text>`);
  parts.push(`<text class="axis-title" transform="translate(12 ${(margin.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yTitle)}</text>`);
  for (const s of series) {
    const dash = DASHES[s.groupIndex % DASHES.length];
    const path = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    const label = `${SOLVER_LABELS[s.solver]}${s.group ? `, ${s.group}` : ''}`;
    parts.push(`<path d="${path}" class="series solver-${s.solver}" data-series="${escapeHtml(label)}" fill="none" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    for (const p of s.points) {
      parts.push(
        `<circle class="series solver-${s.solver}${p.degenerate ? ' degenerate' : ''}" data-solver="${s.solver}" data-combination="${p.combination}" cx="${x(p.x).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3.5" stroke-width="1.5"><title>${escapeHtml(`${label}: ${names[0]} = ${formatSweepValue(xValues[p.x])}, ${p.value.toFixed(4)}${p.degenerate ? ' (every restart degenerate)' : ''}`)}</title></circle>`,
      );
    }
  }
  return `<section class="chart" data-chart="${id}"><h3>${escapeHtml(title)}</h3>${legend(sweep, series)}<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg></section>`;
}

function legend(sweep: SweepFile, series: readonly SummarySeries[]): string {
  const sample = (cls: string, dash: string) =>
    `<svg width="26" height="8" aria-hidden="true"><line class="${cls}" x1="1" y1="4" x2="25" y2="4" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/></svg>`;
  const solvers = sweep.solvers.filter((solver) => series.some((s) => s.solver === solver));
  const entries = solvers.map((solver) => `<span class="entry">${sample(`series solver-${solver}`, '')}${SOLVER_LABELS[solver]}</span>`);
  const groups = [...new Map(series.filter((s) => s.group).map((s) => [s.groupIndex, s.group])).entries()];
  const styles = groups.map(([index, group]) => `<span class="entry">${sample('style', DASHES[index % DASHES.length])}${escapeHtml(group)}</span>`);
  return `<div class="legend">${entries.join('')}${styles.length ? `<br>${styles.join('')}` : ''}</div>`;
}

/** 1, 2 or 5 times a power of ten, at least `raw`: grid lines at round values. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power;
}

/** As many decimals as the step needs. */
function formatTick(value: number, step: number): string {
  const magnitude = Math.max(Math.abs(value), step);
  if (magnitude >= 1e6 || step < 1e-4) return value.toExponential(2);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return (Math.abs(value) < step / 2 ? 0 : value).toFixed(decimals);
}

/** JSON inside a <script>: `<` escaped, so no string can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
