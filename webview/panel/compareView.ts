/**
 * The panel's comparison view (issue 17.2): several stored runs overlaid on the same charts — colour by solver,
 * line style by run — under a table naming the runs with their results (the legend), the table of their spec
 * differences, and the list of charts left out with why (`comparePlan.ts` decides). Static: a comparison is of
 * runs that have ended, so it is drawn once (and again on a theme change).
 */
import { CategoryScale, Chart, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, Tooltip, type ChartDataset, type ChartOptions } from 'chart.js';
import { SOLVER_LABELS } from '../../src/core/solvers/labels';
import type { PanelComparison, PanelSnapshot } from '../../src/protocol/panelMessages';
import { applyAxisTheme, formatNumber, logTick, renderOffscreen } from './charts';
import { planComparison, runContext, runDash, type CompareChart } from './comparePlan';
import type { Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip);

interface Point {
  x: number;
  y: number;
}

/** What was drawn (for the host's status and the tests). */
export interface ComparisonDrawn {
  readonly charts: number;
  readonly datasets: number;
  readonly hidden: readonly string[];
}

export class ComparisonView {
  current: PanelComparison | undefined;
  private charts: { id: string; spec: CompareChart; lines: ChartDataset<'line', Point[]>[]; theme: Theme; chart: Chart<'line', Point[]> }[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly onExportPng: (chartId: string) => void,
  ) {}

  render(comparison: PanelComparison, theme: Theme): ComparisonDrawn {
    this.destroy();
    this.current = comparison;
    const plan = planComparison(comparison);
    const title = el('h2', 'run-name', comparison.title);
    const intro = el('p', 'dataset', `${comparison.runs.length} runs · best restart of each solver · training rows · colour: solver, line style: run`);
    const runsTitle = el('h3', 'section-title', 'Runs');
    const runs = runsTable(comparison, theme);
    const diffTitle = el('h3', 'section-title', 'Spec differences');
    const diff = differencesTable(comparison);
    const hidden = el('ul', 'hidden-charts');
    for (const chart of plan.hidden) {
      const item = el('li', undefined, `${chart.title} is hidden: ${chart.reason}.`);
      hidden.append(item);
    }
    hidden.hidden = plan.hidden.length === 0;
    const grid = el('div', 'charts');
    this.root.replaceChildren(title, intro, runsTitle, runs, diffTitle, diff, hidden, grid);

    let datasets = 0;
    const contexts = comparison.runs.map((run) => runContext(run.snapshot));
    for (const spec of plan.charts) {
      const lines = comparison.runs.flatMap((run, index) => linesOf(run.snapshot, index, spec, contexts[index], theme));
      if (lines.length === 0) continue;
      datasets += lines.length;
      this.charts.push({ id: spec.id, spec, lines, theme, chart: this.drawChart(grid, spec, lines, theme) });
    }
    this.root.dataset.comparisonId = comparison.id;
    return { charts: this.charts.length, datasets, hidden: plan.hidden.map((h) => `${h.title}: ${h.reason}`) };
  }

  /** The chart as a PNG data URL, drawn off screen at twice the density with a title and a legend naming the runs. */
  toPng(chartId: string, background: string, title = 'Comparison'): string | undefined {
    const entry = this.charts.find((c) => c.id === chartId);
    if (!entry) return undefined;
    const options = chartOptions(entry.spec, entry.theme);
    options.plugins = {
      ...options.plugins,
      legend: { display: true, position: 'bottom', labels: { color: entry.theme.foreground, usePointStyle: false } },
      title: { display: true, text: [title, entry.spec.title], color: entry.theme.foreground },
      exportBackground: { color: background },
    } as typeof options.plugins;
    const datasets = entry.lines.map((d) => ({ ...d, data: [...d.data] }));
    return renderOffscreen(900, 560, (canvas) => new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets }, options }));
  }

  destroy(): void {
    for (const { chart } of this.charts) chart.destroy();
    this.charts = [];
  }

  private drawChart(grid: HTMLElement, spec: CompareChart, lines: ChartDataset<'line', Point[]>[], theme: Theme): Chart<'line', Point[]> {
    const card = el('section', 'chart-card');
    card.dataset.chartId = spec.id;
    const header = el('header');
    const exportButton = el('button', 'secondary small', 'PNG');
    exportButton.title = `Save "${spec.title}" as a PNG image`;
    exportButton.dataset.action = 'export-png';
    exportButton.addEventListener('click', () => this.onExportPng(spec.id));
    header.append(el('h3', undefined, spec.title), exportButton);
    const box = el('div', 'canvas-box');
    const canvas = el('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', spec.title);
    box.append(canvas);
    card.append(header, el('p', 'note', spec.note), box);
    grid.append(card);
    card.dataset.datasets = JSON.stringify(lines.map((d) => ({ label: d.label, points: d.data.length, color: d.borderColor, dash: d.borderDash })));
    return new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets: lines }, options: chartOptions(spec, theme) });
  }
}

function chartOptions(spec: CompareChart, theme: Theme): ChartOptions<'line'> {
  const options: ChartOptions<'line'> = {
    animation: false,
    parsing: false,
    normalized: true,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', intersect: false, axis: 'x' },
    elements: { point: { radius: 0, hitRadius: 6, hoverRadius: 3 }, line: { tension: 0 } },
    plugins: {
      legend: { display: false },
      tooltip: {
        callbacks: {
          title: (items) => (items.length ? `iteration ${formatNumber(items[0].parsed.x ?? NaN)}` : ''),
          label: (item) => `${item.dataset.label}: ${spec.percent ? `${(100 * (item.parsed.y ?? NaN)).toFixed(2)}%` : formatNumber(item.parsed.y ?? NaN)}`,
        },
      },
    },
    scales: {
      x: { type: 'linear', title: { display: true, text: 'iteration' } },
      y: {
        type: spec.scale,
        title: { display: true, text: spec.yLabel },
        // One decimal: accuracy often spans a few percent, where whole percents repeat on adjacent ticks.
        ...(spec.percent ? { ticks: { callback: (value) => `${Number((100 * Number(value)).toFixed(1))}%` } } : {}),
        ...(spec.scale === 'logarithmic' ? { ticks: { callback: logTick } } : {}),
      },
    },
  };
  applyAxisTheme(options, theme);
  return options;
}

/** One dataset per solver of the run (its best restart), in the solver's colour and the run's dash. */
function linesOf(snapshot: PanelSnapshot, index: number, spec: CompareChart, context: ReturnType<typeof runContext>, theme: Theme): ChartDataset<'line', Point[]>[] {
  const lines: ChartDataset<'line', Point[]>[] = [];
  for (const series of snapshot.series) {
    const data: Point[] = [];
    for (const report of series.reports) {
      const y = spec.value(report, context);
      if (y !== undefined) data.push({ x: report.iteration, y });
    }
    if (data.length === 0) continue;
    const colour = theme.solver[series.solver];
    lines.push({
      label: `${SOLVER_LABELS[series.solver]} · run ${index + 1}`,
      data,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 1.75,
      borderDash: runDash(index),
      pointRadius: 0,
    });
  }
  return lines;
}

/** The legend: each run's line style, name, status and results. */
function runsTable(comparison: PanelComparison, theme: Theme): HTMLElement {
  const table = el('table', 'summary compare-runs');
  const head = el('tr');
  for (const title of ['Line', 'Run', 'Status', 'Solvers', 'Best ℓ', 'Test', 'K', 'Time']) head.append(el('th', title === 'Best ℓ' || title === 'K' || title === 'Time' ? 'num' : undefined, title));
  table.append(head);
  for (const [index, run] of comparison.runs.entries()) {
    const { header, results, end } = run.snapshot;
    const best = results.reduce<(typeof results)[number] | undefined>((a, b) => (isNumber(b.logLik) && (!a || !isNumber(a.logLik) || b.logLik > a.logLik) ? b : a), undefined);
    const test = best ? (header.dataset.family === 'gaussian' ? numberText(best.testRmse, (v) => `RMSE ${v.toPrecision(4)}`) : numberText(best.testAccuracy, (v) => `${(100 * v).toFixed(1)}%`)) : '—';
    const row = el('tr');
    const line = el('td');
    line.append(dashSample(index, theme.foreground));
    const solvers = el('td', 'solvers');
    for (const solver of header.solvers) {
      const swatch = el('span', 'swatch');
      swatch.style.background = theme.solver[solver];
      solvers.append(swatch, `${SOLVER_LABELS[solver]} `);
    }
    row.append(
      line,
      el('td', undefined, run.label),
      el('td', undefined, end.status),
      solvers,
      el('td', 'num', best && isNumber(best.logLik) ? `${formatNumber(Number(best.logLik.toPrecision(6)))} (${SOLVER_LABELS[best.solver]})` : '—'),
      el('td', undefined, test),
      el('td', 'num', String(header.experts)),
      el('td', 'num', end.seconds !== undefined ? `${end.seconds.toFixed(2)} s` : '—'),
    );
    row.title = `${header.runId} · ${header.dataset.source}`;
    table.append(row);
  }
  const box = el('div', 'table-box');
  box.append(table);
  return box;
}

function differencesTable(comparison: PanelComparison): HTMLElement {
  if (comparison.differences.length === 0) {
    return el('p', 'note spec-diff-none', 'The stored specs are identical: the runs differ only in when they ran (and in anything not in the spec, such as the data file’s contents).');
  }
  const table = el('table', 'summary spec-diff');
  const head = el('tr');
  head.append(el('th', undefined, 'Field'), ...comparison.runs.map((_, i) => el('th', undefined, `run ${i + 1}`)));
  table.append(head);
  for (const difference of comparison.differences) {
    const row = el('tr');
    row.dataset.path = difference.path;
    row.append(el('td', 'field', difference.path), ...difference.values.map((value) => el('td', value === null ? 'absent' : undefined, value ?? '(not set)')));
    table.append(row);
  }
  const box = el('div', 'table-box');
  box.append(table);
  return box;
}

/** A short line in the run's dash, for the legend. */
function dashSample(index: number, colour: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '44');
  svg.setAttribute('height', '8');
  svg.setAttribute('aria-label', `line style of run ${index + 1}`);
  const line = document.createElementNS(ns, 'line');
  for (const [name, value] of Object.entries({ x1: '0', y1: '4', x2: '44', y2: '4', stroke: colour, 'stroke-width': '2', 'stroke-dasharray': runDash(index).join(' ') })) line.setAttribute(name, value);
  svg.append(line);
  return svg;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function numberText(value: number | null | undefined, format: (v: number) => string): string {
  return isNumber(value) ? format(value) : '—';
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
