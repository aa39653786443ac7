/**
 * The run view's charts (chart.js; `reproductionCharts.ts` draws the reproduction view with the axis theme and
 * tick helpers exported here): one line chart per `ChartSpec`, one dataset per solver, restart and line.
 * Streaming appends the new points to the existing datasets and redraws with `update('none')` (no animation, no
 * re-parsing: `parsing: false` with `{x, y}` points). A full rebuild happens only when the set of charts or the
 * x axis changes, or when ℓ* becomes known.
 */
import {
  CategoryScale,
  Chart,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
} from 'chart.js';
import { runSolverLabel } from '../../src/core/solvers/labels';
import type { SolverName } from '../../src/core/spec/types';
import { CHART_SPECS, xValue, type ChartContext, type ChartSpec, type LineSpec } from './chartSpecs';
import type { Appended, PanelStore, StoredSeries } from './store';
import { withAlpha, type Theme } from './theme';
import type { XAxis } from './vscodeApi';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip);

interface Point {
  x: number;
  y: number;
}

type LineDataset = ChartDataset<'line', Point[]> & { meta: { key: string; solver: SolverName; restart: number; line: LineSpec } };

interface Entry {
  readonly spec: ChartSpec;
  readonly card: HTMLElement;
  readonly note: HTMLElement;
  readonly chart: Chart<'line', Point[]>;
}

export interface ChartDescription {
  readonly id: string;
  readonly datasets: readonly { readonly label: string; readonly points: number }[];
}

export class ChartDeck {
  private entries: Entry[] = [];
  private visibleIds = '';
  /** Keys of the series shown (an optimum picked in the optima table); undefined: all. */
  private focused: ReadonlySet<string> | undefined;

  constructor(
    private readonly grid: HTMLElement,
    private readonly onExportPng: (chartId: string) => void,
  ) {}

  /** Recreates the charts that apply to this run and fills them with every point. */
  rebuild(store: PanelStore, axis: XAxis, theme: Theme): void {
    for (const entry of this.entries) entry.chart.destroy();
    this.entries = [];
    this.grid.replaceChildren();
    const context = contextOf(store);
    const specs = CHART_SPECS.filter((spec) => spec.visible(context));
    this.visibleIds = specs.map((s) => s.id).join(',');
    for (const spec of specs) {
      const entry = this.createEntry(spec, axis, theme);
      for (const series of store.orderedSeries()) {
        for (const line of spec.lines) {
          const dataset = this.datasetFor(entry, series, line, store, theme);
          dataset.data.push(...points(series, 0, line, context, axis));
        }
      }
      this.dropEmptyDatasets(entry);
      entry.note.textContent = spec.note?.(context) ?? '';
      entry.chart.update('none');
      this.describe(entry);
    }
  }

  /** True when the run's state calls for a different set of charts (then `rebuild`). */
  needsRebuild(store: PanelStore): boolean {
    const context = contextOf(store);
    return CHART_SPECS.filter((spec) => spec.visible(context)).map((s) => s.id).join(',') !== this.visibleIds;
  }

  /** Adds the points an update brought. */
  append(store: PanelStore, appended: readonly Appended[], axis: XAxis, theme: Theme): void {
    if (appended.length === 0) return;
    const context = contextOf(store);
    for (const entry of this.entries) {
      for (const { key, from } of appended) {
        const series = store.series.get(key);
        if (!series) continue;
        for (const line of entry.spec.lines) {
          const fresh = points(series, from, line, context, axis);
          if (fresh.length === 0) continue;
          this.datasetFor(entry, series, line, store, theme).data.push(...fresh);
        }
      }
      entry.note.textContent = entry.spec.note?.(context) ?? '';
      entry.chart.update('none');
      this.describe(entry);
    }
  }

  /** Re-applies colours and line styles (theme change, best restarts known). */
  restyle(store: PanelStore, theme: Theme): void {
    for (const entry of this.entries) {
      for (const dataset of entry.chart.data.datasets as LineDataset[]) Object.assign(dataset, lineStyle(dataset.meta.solver, dataset.meta.restart, dataset.meta.line, store, theme));
      applyAxisTheme(entry.chart.options as ChartOptions<'line'>, theme);
      entry.note.textContent = entry.spec.note?.(contextOf(store)) ?? '';
      entry.chart.update('none');
      this.describe(entry);
    }
  }

  /** Shows only the series with these keys (undefined: every series); the y axes fit what is shown. */
  focus(keys: ReadonlySet<string> | undefined): void {
    this.focused = keys;
    for (const entry of this.entries) {
      for (const dataset of entry.chart.data.datasets as LineDataset[]) dataset.hidden = this.isHidden(dataset.meta.key);
      entry.chart.update('none');
      this.describe(entry);
    }
  }

  /** The chart as a PNG data URL, on the editor background (a transparent PNG is unreadable elsewhere). */
  toPng(chartId: string, background: string): string | undefined {
    const entry = this.entries.find((e) => e.spec.id === chartId);
    return entry ? canvasPng(entry.chart.canvas, background) : undefined;
  }

  /** What each chart shows: its datasets and their point counts (also written to the card for tests). */
  descriptions(): ChartDescription[] {
    return this.entries.map((entry) => ({
      id: entry.spec.id,
      datasets: entry.chart.data.datasets.map((d) => ({ label: String(d.label), points: d.data.length })),
    }));
  }

  destroy(): void {
    for (const entry of this.entries) entry.chart.destroy();
    this.entries = [];
  }

  private describe(entry: Entry): void {
    entry.card.dataset.datasets = JSON.stringify(entry.chart.data.datasets.map((d) => ({ label: d.label, points: d.data.length, color: d.borderColor, hidden: d.hidden === true })));
  }

  private createEntry(spec: ChartSpec, axis: XAxis, theme: Theme): Entry {
    const card = document.createElement('section');
    card.className = 'chart-card';
    card.dataset.chartId = spec.id;
    const header = document.createElement('header');
    const title = document.createElement('h3');
    title.textContent = spec.title;
    const exportButton = document.createElement('button');
    exportButton.className = 'secondary small';
    exportButton.textContent = 'PNG';
    exportButton.title = `Save "${spec.title}" as a PNG image`;
    exportButton.dataset.action = 'export-png';
    exportButton.addEventListener('click', () => this.onExportPng(spec.id));
    header.append(title, exportButton);
    const note = document.createElement('p');
    note.className = 'note';
    const box = document.createElement('div');
    box.className = 'canvas-box';
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', spec.title);
    box.append(canvas);
    card.append(header, note, box);
    this.grid.append(card);

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
            title: (items) => (items.length ? `${axis === 'iteration' ? 'iteration' : 'seconds'} ${formatNumber(items[0].parsed.x ?? NaN)}` : ''),
            label: (item) => `${item.dataset.label}: ${spec.percent ? `${(100 * (item.parsed.y ?? NaN)).toFixed(2)}%` : formatNumber(item.parsed.y ?? NaN)}`,
          },
        },
      },
      scales: {
        x: { type: 'linear', title: { display: true, text: axis === 'iteration' ? 'iteration' : 'seconds (per-solver compute time)' } },
        y: {
          type: spec.scale,
          ...(spec.percent ? { ticks: { callback: (value) => `${Math.round(100 * Number(value))}%` } } : {}),
          ...(spec.scale === 'logarithmic' ? { ticks: { callback: logTick } } : {}),
        },
      },
    };
    applyAxisTheme(options, theme);
    const chart = new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets: [] }, options });
    const entry = { spec, card, note, chart };
    this.entries.push(entry);
    return entry;
  }

  private datasetFor(entry: Entry, series: StoredSeries, line: LineSpec, store: PanelStore, theme: Theme): LineDataset {
    const datasets = entry.chart.data.datasets as LineDataset[];
    const found = datasets.find((d) => d.meta.key === series.key && d.meta.line === line);
    if (found) return found;
    const label = `${runSolverLabel(series.solver, store.header)} r${series.restart + 1}${line.suffix ? ` ${line.suffix}` : ''}`;
    const dataset: LineDataset = {
      label,
      data: [],
      meta: { key: series.key, solver: series.solver, restart: series.restart, line },
      ...lineStyle(series.solver, series.restart, line, store, theme),
      hidden: this.isHidden(series.key),
    };
    // Keep datasets in series order so the drawing order is stable.
    datasets.push(dataset);
    return dataset;
  }

  private isHidden(key: string): boolean {
    return this.focused !== undefined && !this.focused.has(key);
  }

  private dropEmptyDatasets(entry: Entry): void {
    entry.chart.data.datasets = entry.chart.data.datasets.filter((d) => d.data.length > 0);
  }
}

/** A chart's canvas as a PNG data URL on `background` (a transparent PNG is unreadable outside the editor). */
export function canvasPng(source: HTMLCanvasElement, background: string): string | undefined {
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height;
  const context = canvas.getContext('2d');
  if (!context) return undefined;
  context.fillStyle = background;
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(source, 0, 0);
  return canvas.toDataURL('image/png');
}

function contextOf(store: PanelStore): ChartContext {
  return { store, best: store.bestLogLik() };
}

function points(series: StoredSeries, from: number, line: LineSpec, context: ChartContext, axis: XAxis): Point[] {
  const out: Point[] = [];
  for (let i = from; i < series.reports.length; i++) {
    const report = series.reports[i];
    const y = line.value(report, context);
    if (y !== undefined) out.push({ x: xValue(report, axis), y });
  }
  return out;
}

/** Best restart (once known): full colour and thicker; other restarts: faded. Test / gate lines: dashed. */
function lineStyle(solver: SolverName, restart: number, line: LineSpec, store: PanelStore, theme: Theme): Partial<ChartDataset<'line', Point[]>> {
  const best = store.isBest(solver, restart);
  const restarts = store.header?.restarts ?? 1;
  const faded = restarts > 1 && best === false;
  const colour = withAlpha(theme.solver[solver], faded ? 0.4 : 1);
  return {
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: best ? 2.25 : faded ? 1 : 1.5,
    borderDash: line.dashed ? [6, 4] : [],
    pointRadius: 0,
    order: best ? 0 : 1,
  };
}

export function applyAxisTheme(options: ChartOptions<'line'>, theme: Theme): void {
  const font = { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 1) };
  for (const axis of ['x', 'y'] as const) {
    const scale = (options.scales![axis] ??= {}) as Record<string, unknown> & { ticks?: Record<string, unknown>; title?: Record<string, unknown> };
    scale.ticks = { ...(scale.ticks ?? {}), color: theme.muted, font };
    scale.grid = { color: theme.grid };
    scale.border = { color: theme.grid };
    scale.title = { ...(scale.title ?? {}), color: theme.muted, font };
  }
  options.color = theme.foreground;
  options.font = font;
}

/**
 * Log-axis labels: powers of ten (plus 2× and 5× over a few decades; every tick within one decade), written
 * compactly (`0.001`, `1e-6`) instead of chart.js's fixed-decimals locale format.
 */
export function logTick(this: { min: number; max: number }, value: number | string): string {
  const v = Number(value);
  if (!(v > 0)) return '';
  const decades = Math.log10(this.max / this.min);
  const mantissa = Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
  const keep = decades <= 1.2 || mantissa === 1 || (decades <= 3 && (mantissa === 2 || mantissa === 5));
  if (!keep) return '';
  const exponent = Math.floor(Math.log10(v) + 1e-9);
  return exponent <= -4 || exponent >= 5 ? `${mantissa}e${exponent}` : String(Number(v.toPrecision(3)));
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(3);
  return Number(value.toPrecision(6)).toString();
}
