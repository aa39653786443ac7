/**
 * The run view's charts (chart.js; `reproductionCharts.ts` and `expertCharts.ts` reuse the axis theme and tick
 * helpers exported here): one line chart per `ChartSpec`, one dataset per run, solver, restart and line.
 *
 * Several runs on one deck: every dataset belongs to a `RunSource` (the single-run view has one, with runKey '').
 * A dataset's key is `runKey|solver:restart|line`; its colour is its solver's, its dash its run's (`RunSource.dash`;
 * test and gate lines keep their own dash), and its legend group is `runKey|solver`, so a legend entry hides a
 * solver of one run in every chart at once.
 *
 * Reading closely (issue 17.4): Ctrl + wheel zooms and drag pans (chartjs-plugin-zoom; hammerjs for the drag), a Reset
 * button per chart; a zoomed range is kept through live updates and rebuilds (the plugin writes it into the scale
 * options, which `update('none')` leaves alone). Optional EMA smoothing draws the smoothed line over the raw one,
 * which stays faintly behind; the EMA is carried along, so a live update smooths only its new points.
 *
 * Streaming appends the new points to the existing datasets and redraws with `update('none')` (no animation, no
 * re-parsing: `parsing: false` with `{x, y}` points): the work per update is the new points times the charts. A
 * full rebuild happens only when the set of charts, the x axis, the smoothing or ℓ* changes.
 */
import {
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
  type LegendItem,
  type Plugin,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { runSolverLabel } from '../../src/core/solvers/labels';
import type { SolverName } from '../../src/core/spec/types';
import { CHART_SPECS, xValue, type ChartContext, type ChartSpec, type LineSpec } from './chartSpecs';
import type { Appended, PanelStore, StoredSeries } from './store';
import { withAlpha, type Theme } from './theme';
import type { XAxis } from './vscodeApi';

// Decimation must be registered like any plugin: without it `plugins.decimation` below did nothing, and every
// iteration of a long trace was laid out and drawn on every update.
Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, LogarithmicScale, CategoryScale, Tooltip, Legend, Title, Decimation, zoomPlugin);

export interface Point {
  x: number;
  y: number;
}

/** One run shown on the deck. */
export interface RunSource {
  readonly store: PanelStore;
  /** Tells this run's datasets apart from other runs' ('' when the deck shows one run). */
  readonly runKey: string;
  /** Named in legends and tooltips when the deck shows several runs. */
  readonly runLabel?: string;
  /** Dash pattern of this run's main lines ([] or absent: solid). */
  readonly dash?: readonly number[];
  /** False: the store holds one restart per solver (a comparison's best restarts), so labels leave out "r1". */
  readonly restartInLabel?: boolean;
}

/** How the deck draws: x axis, log x, EMA weight (0: off). */
export interface DeckView {
  readonly axis: XAxis;
  readonly logX: boolean;
  /** EMA weight α in [0, 1): s_t = α s_{t−1} + (1 − α) y_t, debiased; 0 draws the raw curves only. */
  readonly smoothing: number;
}

interface DatasetMeta {
  readonly key: string;
  readonly group: string;
  readonly runKey: string;
  readonly solver: SolverName;
  readonly restart: number;
  readonly line: LineSpec;
  /** `raw`: the faint raw curve behind a smoothed one. */
  readonly role: 'main' | 'raw';
  /** EMA carried between updates (main datasets of a smoothed deck). */
  ema?: { accumulator: number; steps: number };
}

type LineDataset = ChartDataset<'line', Point[]> & { meta: DatasetMeta };

interface Entry {
  readonly spec: ChartSpec;
  readonly card: HTMLElement;
  readonly note: HTMLElement;
  readonly reset: HTMLButtonElement;
  readonly chart: Chart<'line', Point[]>;
}

/** A zoomed chart's ranges, kept across rebuilds (x only while the x axis is the same). */
interface SavedRange {
  readonly axis: string;
  readonly x?: { min: number; max: number };
  readonly y?: { min: number; max: number };
}

export interface ChartDescription {
  readonly id: string;
  readonly datasets: readonly { readonly label: string; readonly points: number }[];
}

/** What an exported PNG holds (also written to `document.body.dataset.lastExport` for tests). */
export interface ExportDescription {
  readonly chart: string;
  readonly width: number;
  readonly height: number;
  readonly title: readonly string[];
  readonly legend: readonly string[];
  readonly xTitle: string;
  readonly yTitle: string;
}

/** Exported PNGs: at least this many CSS pixels, drawn at twice the pixel density. */
const EXPORT_MIN_WIDTH = 720;
const EXPORT_MIN_HEIGHT = 420;
const EXPORT_PIXEL_RATIO = 2;
/** The raw curve behind a smoothed one. */
const RAW_ALPHA = 0.22;
/** Legend entries drawn inside a chart at most (a comparison of many runs keeps only the legend above the charts). */
const MAX_CANVAS_LEGEND_ENTRIES = 8;

export class ChartDeck {
  private entries: Entry[] = [];
  private visibleIds = '';
  private sources: RunSource[] = [];
  /** The charts this deck may draw (the run view's; a comparison passes its own). */
  private specs: readonly ChartSpec[] = CHART_SPECS;
  private view: DeckView = { axis: 'iteration', logX: false, smoothing: 0 };
  private theme: Theme | undefined;
  /** Keys of the series shown (an optimum picked in the optima table); undefined: all. */
  private focused: ReadonlySet<string> | undefined;
  /** Legend groups (`runKey|solver`) the user hid. */
  private readonly hiddenGroups = new Set<string>();
  private readonly savedRanges = new Map<string, SavedRange>();

  constructor(
    private readonly grid: HTMLElement,
    private readonly onExportPng: (chartId: string) => void,
    /** Called when a legend entry is toggled (the page's own legend follows). */
    private readonly onLegendChange: () => void = () => undefined,
  ) {}

  /**
   * Recreates the charts that apply to these runs (one store: the single-run view) and fills them with every point.
   * `chartSpecs`: the charts to choose from, kept for later rebuilds (default: the run view's `CHART_SPECS`).
   */
  rebuild(runs: PanelStore | readonly RunSource[], view: XAxis | DeckView, theme: Theme, chartSpecs?: readonly ChartSpec[]): void {
    if (chartSpecs) this.specs = chartSpecs;
    this.saveRanges();
    for (const entry of this.entries) entry.chart.destroy();
    this.entries = [];
    this.grid.replaceChildren();
    this.sources = isStoreLike(runs) ? [{ store: runs, runKey: '' }] : [...runs];
    this.view = typeof view === 'string' ? { ...this.view, axis: view } : view;
    this.theme = theme;
    const specs = this.visibleSpecs();
    this.visibleIds = specs.map((s) => s.id).join(',');
    for (const spec of specs) {
      const entry = this.createEntry(spec, theme);
      for (const source of this.sources) {
        const context = contextOf(source.store);
        for (const series of source.store.orderedSeries()) {
          for (const line of spec.lines) this.push(entry, source, series, line, 0, context);
        }
      }
      this.dropEmptyDatasets(entry);
      this.writeNote(entry);
      entry.chart.update('none');
      this.restoreRange(entry);
      this.describe(entry);
    }
  }

  /** True when the runs' state calls for a different set of charts (then `rebuild`). */
  needsRebuild(store?: PanelStore): boolean {
    if (store && this.sources.length === 1 && this.sources[0].store !== store) return true;
    return this.visibleSpecs().map((s) => s.id).join(',') !== this.visibleIds;
  }

  /** Adds the points an update of one run brought (`store`: the run's store; the single-run view's by default). */
  append(store: PanelStore, appended: readonly Appended[]): void {
    if (appended.length === 0) return;
    const source = this.sources.find((s) => s.store === store);
    if (!source) return;
    const context = contextOf(store);
    for (const entry of this.entries) {
      for (const { key, from } of appended) {
        const series = store.series.get(key);
        if (!series) continue;
        for (const line of entry.spec.lines) this.push(entry, source, series, line, from, context);
      }
      this.writeNote(entry);
      entry.chart.update('none');
      this.describe(entry);
    }
  }

  /** Re-applies colours and line styles (theme change, best restarts known). */
  restyle(theme: Theme): void {
    this.theme = theme;
    for (const entry of this.entries) {
      for (const dataset of entry.chart.data.datasets as LineDataset[]) Object.assign(dataset, this.lineStyle(dataset.meta));
      applyAxisTheme(entry.chart.options as ChartOptions<'line'>, theme);
      const legend = entry.chart.options.plugins?.legend?.labels;
      if (legend) legend.color = theme.foreground;
      this.writeNote(entry);
      entry.chart.update('none');
      this.describe(entry);
    }
  }

  /** Shows only the series with these keys (undefined: every series); the y axes fit what is shown. */
  focus(keys: ReadonlySet<string> | undefined): void {
    this.focused = keys;
    this.applyVisibility();
  }

  /** Legend groups of the runs shown: one per run and solver, with its label, colour, dash and whether it is hidden. */
  legendGroups(): { group: string; label: string; solver: SolverName; dash: readonly number[]; hidden: boolean }[] {
    const out: { group: string; label: string; solver: SolverName; dash: readonly number[]; hidden: boolean }[] = [];
    for (const source of this.sources) {
      for (const solver of source.store.header?.solvers ?? []) {
        const group = groupOf(source.runKey, solver);
        out.push({ group, label: this.groupLabel(source, solver), solver, dash: source.dash ?? [], hidden: this.hiddenGroups.has(group) });
      }
    }
    return out;
  }

  /** Shows every solver again (a new run starts with nothing hidden). */
  showAllGroups(): void {
    this.hiddenGroups.clear();
  }

  /** Hides or shows a run's solver in every chart (a click on its legend entry). */
  toggleGroup(group: string): void {
    if (this.hiddenGroups.has(group)) this.hiddenGroups.delete(group);
    else this.hiddenGroups.add(group);
    this.applyVisibility();
    this.onLegendChange();
  }

  /** Undoes every chart's zoom and pan. */
  resetZoom(chartId?: string): void {
    for (const entry of this.entries) {
      if (chartId !== undefined && entry.spec.id !== chartId) continue;
      entry.chart.resetZoom('none');
      this.savedRanges.delete(entry.spec.id);
      this.syncZoom(entry);
    }
  }

  /** Zooms a chart to these ranges, as a wheel or drag would (for tests and restored state). */
  zoomTo(chartId: string, ranges: { x?: { min: number; max: number }; y?: { min: number; max: number } }): void {
    const entry = this.entries.find((e) => e.spec.id === chartId);
    if (!entry) return;
    if (ranges.x) entry.chart.zoomScale('x', ranges.x, 'none');
    if (ranges.y) entry.chart.zoomScale('y', ranges.y, 'none');
    this.syncZoom(entry);
  }

  /**
   * The chart as a PNG data URL, drawn again off screen at twice the pixel density and at least 720 × 420 CSS
   * pixels, with the run's name and the chart's title, a legend and both axis titles, on the editor background
   * (a transparent PNG is unreadable elsewhere). The zoomed range and hidden entries are kept: what you see.
   */
  toPng(chartId: string, background: string, runName: string): string | undefined {
    const entry = this.entries.find((e) => e.spec.id === chartId);
    if (!entry || !this.theme) return undefined;
    const shown = entry.chart.canvas.getBoundingClientRect();
    const width = Math.max(EXPORT_MIN_WIDTH, Math.round(shown.width));
    const height = Math.max(EXPORT_MIN_HEIGHT, Math.round(shown.height) + 120);
    const title = [runName, entry.spec.title];
    // Copies that hold every point (not the decimated view the live chart draws at this moment).
    const datasets = (entry.chart.data.datasets as LineDataset[]).map((d) => {
      const { _data: _held, _decimated: _drawn, ...copy } = d as LineDataset & { _data?: unknown; _decimated?: unknown };
      return { ...copy, data: [...dataOf(d)] };
    });
    const options = this.chartOptions(entry.spec, this.theme, { title, background });
    const scales = options.scales as Record<string, Record<string, unknown>>;
    for (const axis of ['x', 'y']) {
      const live = entry.chart.options.scales?.[axis];
      if (live?.min !== undefined) scales[axis].min = live.min;
      if (live?.max !== undefined) scales[axis].max = live.max;
    }
    const description: ExportDescription = {
      chart: chartId,
      width: width * EXPORT_PIXEL_RATIO,
      height: height * EXPORT_PIXEL_RATIO,
      title,
      legend: this.legendItems().filter((item) => !item.hidden).map((item) => item.text),
      xTitle: this.xTitle(),
      yTitle: entry.spec.yTitle,
    };
    const url = renderOffscreen(width, height, (canvas) => new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets }, options }));
    document.body.dataset.lastExport = JSON.stringify(description);
    return url;
  }

  /** What each chart shows: its datasets and their point counts (also written to the card for tests). */
  descriptions(): ChartDescription[] {
    return this.entries.map((entry) => ({
      id: entry.spec.id,
      datasets: (entry.chart.data.datasets as LineDataset[]).map((d) => ({ label: String(d.label), points: dataOf(d).length })),
    }));
  }

  /** Lines drawn over all charts (the faint raw twins of smoothed lines not counted). */
  lineCount(): number {
    let count = 0;
    for (const entry of this.entries) for (const dataset of entry.chart.data.datasets as LineDataset[]) if (dataset.meta.role === 'main') count++;
    return count;
  }

  destroy(): void {
    for (const entry of this.entries) entry.chart.destroy();
    this.entries = [];
    this.sources = [];
    this.visibleIds = '';
    this.savedRanges.clear();
    this.grid.replaceChildren();
  }

  // -------------------------------------------------------------------------------------------------------------

  private visibleSpecs(): ChartSpec[] {
    return this.specs.filter((spec) => this.sources.some((source) => source.store.header && spec.visible(contextOf(source.store))));
  }

  private writeNote(entry: Entry): void {
    const first = this.sources[0];
    const parts = [first ? (entry.spec.note?.(contextOf(first.store)) ?? '') : ''];
    if (this.view.smoothing > 0) parts.push(`smoothed: EMA ${this.view.smoothing.toFixed(2)}, raw curve faint behind`);
    if (this.view.logX) parts.push(`log ${this.view.axis === 'iteration' ? 'iteration' : 'time'} axis: the start (x = 0) is not drawn`);
    entry.note.textContent = parts.filter(Boolean).join(' · ');
  }

  private describe(entry: Entry): void {
    this.writeRanges(entry);
    entry.card.dataset.datasets = JSON.stringify(
      (entry.chart.data.datasets as LineDataset[])
        .filter((d) => d.meta.role === 'main')
        .map((d) => ({ label: d.label, points: dataOf(d).length, color: d.borderColor, dash: d.borderDash, hidden: d.hidden === true, group: d.meta.group, last: dataOf(d).at(-1)?.y ?? null })),
    );
    entry.card.dataset.rawDatasets = JSON.stringify(
      (entry.chart.data.datasets as LineDataset[])
        .filter((d) => d.meta.role === 'raw')
        .map((d) => ({ label: d.label, points: dataOf(d).length, color: d.borderColor, hidden: d.hidden === true, last: dataOf(d).at(-1)?.y ?? null })),
    );
  }

  private xTitle(): string {
    const base = this.view.axis === 'iteration' ? 'iteration' : 'seconds (per-solver compute time)';
    return this.view.logX ? `${base}, log scale` : base;
  }

  private chartOptions(spec: ChartSpec, theme: Theme, exported?: { title: string[]; background: string }): ChartOptions<'line'> {
    const axis = this.view.axis;
    const options: ChartOptions<'line'> = {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: !exported,
      maintainAspectRatio: false,
      ...(exported ? { devicePixelRatio: EXPORT_PIXEL_RATIO } : {}),
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      elements: { point: { radius: 0, hitRadius: 6, hoverRadius: 3 }, line: { tension: 0 } },
      plugins: {
        legend: {
          // Many runs × solvers would crowd a 240 px chart: then only the page's legend above the charts (the export keeps it).
          display: exported !== undefined || this.legendGroups().length <= MAX_CANVAS_LEGEND_ENTRIES,
          position: exported ? 'bottom' : 'top',
          align: 'start',
          labels: { generateLabels: () => this.legendItems(), boxWidth: 18, boxHeight: 2, color: theme.foreground, font: { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) } },
          onClick: (_event, item) => this.toggleGroup(String((item as LegendItem & { group?: string }).group)),
        },
        title: exported
          ? { display: true, text: exported.title, color: theme.foreground, font: { family: theme.fontFamily, size: theme.fontSize + 2, weight: 'bold' } }
          : { display: false },
        tooltip: {
          filter: (item) => (item.dataset as LineDataset).meta?.role !== 'raw',
          callbacks: {
            title: (items) => (items.length ? `${axis === 'iteration' ? 'iteration' : 'seconds'} ${formatNumber(items[0].parsed.x ?? NaN)}` : ''),
            label: (item) => `${item.dataset.label}: ${spec.percent ? `${(100 * (item.parsed.y ?? NaN)).toFixed(2)}%` : formatNumber(item.parsed.y ?? NaN)}`,
          },
        },
        // Long traces: per pixel column the first, last, lowest and highest point (min-max keeps every extreme, so no
        // outlier is hidden); chart.js lays out and draws ~4 points per pixel instead of every iteration.
        decimation: { enabled: true, algorithm: 'min-max' },
        zoom: exported
          ? { zoom: { wheel: { enabled: false } }, pan: { enabled: false } }
          : {
              // Ctrl + wheel: zoom around the pointer (a plain wheel scrolls the panel, as on an embedded map); drag:
              // pan. Both axes; the Reset button undoes them.
              zoom: {
                wheel: { enabled: true, speed: 0.1, modifierKey: 'ctrl' },
                pinch: { enabled: true },
                mode: 'xy',
                onZoom: ({ chart }) => this.syncZoomOf(chart),
                onZoomComplete: ({ chart }) => this.syncZoomOf(chart),
                onZoomRejected: ({ chart }) => this.hintOf(chart),
              },
              pan: { enabled: true, mode: 'xy', threshold: 4, onPan: ({ chart }) => this.syncZoomOf(chart), onPanComplete: ({ chart }) => this.syncZoomOf(chart) },
            },
      },
      scales: {
        x: {
          type: this.view.logX ? 'logarithmic' : 'linear',
          title: { display: true, text: this.xTitle() },
          ...(this.view.logX ? { ticks: { callback: logTick } } : {}),
        },
        y: {
          type: spec.scale,
          title: { display: true, text: spec.yTitle },
          ...(spec.percent ? { ticks: { callback: percentTick } } : {}),
          ...(spec.scale === 'logarithmic' ? { ticks: { callback: logTick } } : {}),
        },
      },
    };
    applyAxisTheme(options, theme);
    // Whole iterations only (chart.js would label 0.5 steps on a short run).
    if (!this.view.logX && axis === 'iteration') (options.scales!.x!.ticks as Record<string, unknown>).precision = 0;
    if (exported) (options.plugins as Record<string, unknown>).exportBackground = { color: exported.background };
    return options;
  }

  private createEntry(spec: ChartSpec, theme: Theme): Entry {
    const card = document.createElement('section');
    card.className = 'chart-card';
    card.dataset.chartId = spec.id;
    card.dataset.yTitle = spec.yTitle;
    const header = document.createElement('header');
    const title = document.createElement('h3');
    title.textContent = spec.title;
    const actions = document.createElement('span');
    actions.className = 'chart-actions';
    const reset = document.createElement('button');
    reset.className = 'secondary small';
    reset.textContent = 'Reset zoom';
    reset.title = 'Back to the whole curve (Ctrl + wheel zooms, drag pans)';
    reset.dataset.action = 'reset-zoom';
    reset.hidden = true;
    reset.addEventListener('click', () => this.resetZoom(spec.id));
    const exportButton = document.createElement('button');
    exportButton.className = 'secondary small';
    exportButton.textContent = 'PNG';
    exportButton.title = `Save "${spec.title}" as a PNG image (2×, with title, legend and axis titles)`;
    exportButton.dataset.action = 'export-png';
    exportButton.addEventListener('click', () => this.onExportPng(spec.id));
    actions.append(reset, exportButton);
    header.append(title, actions);
    const note = document.createElement('p');
    note.className = 'note';
    const box = document.createElement('div');
    box.className = 'canvas-box';
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${spec.title}: Ctrl + wheel to zoom, drag to pan`);
    box.append(canvas);
    card.append(header, note, box);
    this.grid.append(card);

    const chart = new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets: [] }, options: this.chartOptions(spec, theme) });
    card.dataset.canvasLegend = String(chart.options.plugins?.legend?.display !== false);
    const entry = { spec, card, note, reset, chart };
    this.entries.push(entry);
    return entry;
  }

  /** Appends the points of `series` from index `from` to its dataset(s) for `line` (and its raw twin when smoothing). */
  private push(entry: Entry, source: RunSource, series: StoredSeries, line: LineSpec, from: number, context: ChartContext): void {
    const fresh = points(series, from, line, context, this.view);
    if (fresh.length === 0) return;
    const main = this.datasetFor(entry, source, series, line, 'main');
    if (this.view.smoothing <= 0) {
      appendPoints(dataOf(main), fresh);
      return;
    }
    appendPoints(dataOf(this.datasetFor(entry, source, series, line, 'raw')), fresh);
    appendPoints(dataOf(main), smoothPoints(fresh, this.view.smoothing, entry.spec.scale === 'logarithmic', (main.meta.ema ??= { accumulator: 0, steps: 0 })));
  }

  private datasetFor(entry: Entry, source: RunSource, series: StoredSeries, line: LineSpec, role: DatasetMeta['role']): LineDataset {
    const datasets = entry.chart.data.datasets as LineDataset[];
    const key = `${source.runKey}|${series.key}|${line.suffix}`;
    const found = datasets.find((d) => d.meta.key === key && d.meta.role === role);
    if (found) return found;
    const prefix = source.runLabel && this.sources.length > 1 ? `${source.runLabel} · ` : '';
    const restart = source.restartInLabel === false ? '' : ` r${series.restart + 1}`;
    const label = `${prefix}${runSolverLabel(series.solver, source.store.header)}${restart}${line.suffix ? ` ${line.suffix}` : ''}${role === 'raw' ? ' (raw)' : ''}`;
    const meta: DatasetMeta = { key, group: groupOf(source.runKey, series.solver), runKey: source.runKey, solver: series.solver, restart: series.restart, line, role };
    const dataset: LineDataset = { label, data: [], meta, ...this.lineStyle(meta), hidden: this.isHidden(meta) };
    // In series order (a stable drawing order); `order` puts raw curves behind the smoothed ones.
    datasets.push(dataset);
    return dataset;
  }

  /** Best restart (once known): full colour and thicker; other restarts: faded. Test / gate lines: dashed; a run: its dash. */
  private lineStyle(meta: DatasetMeta): Partial<ChartDataset<'line', Point[]>> {
    const source = this.sources.find((s) => s.runKey === meta.runKey);
    const store = source?.store;
    const best = store?.isBest(meta.solver, meta.restart);
    const restarts = store?.header?.restarts ?? 1;
    const faded = restarts > 1 && best === false;
    const theme = this.theme!;
    const alpha = (faded ? 0.4 : 1) * (meta.role === 'raw' ? RAW_ALPHA : 1);
    const colour = withAlpha(theme.solver[meta.solver], alpha);
    const width = best ? 2.25 : faded ? 1 : 1.5;
    return {
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: meta.role === 'raw' ? 1 : width,
      borderDash: meta.line.dashed ? [6, 4] : [...(source?.dash ?? [])],
      pointRadius: 0,
      order: meta.role === 'raw' ? 2 : best ? 0 : 1,
    };
  }

  private legendItems(): (LegendItem & { group: string })[] {
    const theme = this.theme!;
    return this.legendGroups().map(({ group, label, solver, dash, hidden }) => ({
      text: label,
      group,
      hidden,
      strokeStyle: theme.solver[solver],
      fillStyle: theme.solver[solver],
      lineWidth: 2,
      lineDash: [...dash],
      fontColor: theme.foreground,
      datasetIndex: undefined,
    }));
  }

  private groupLabel(source: RunSource, solver: SolverName): string {
    const label = runSolverLabel(solver, source.store.header);
    return source.runLabel && this.sources.length > 1 ? `${source.runLabel} · ${label}` : label;
  }

  private isHidden(meta: DatasetMeta): boolean {
    if (this.hiddenGroups.has(meta.group)) return true;
    const seriesKey = meta.key.split('|')[1];
    return this.focused !== undefined && !this.focused.has(seriesKey);
  }

  private applyVisibility(): void {
    for (const entry of this.entries) {
      for (const dataset of entry.chart.data.datasets as LineDataset[]) dataset.hidden = this.isHidden(dataset.meta);
      entry.chart.update('none');
      this.describe(entry);
    }
  }

  private dropEmptyDatasets(entry: Entry): void {
    entry.chart.data.datasets = (entry.chart.data.datasets as LineDataset[]).filter((d) => dataOf(d).length > 0);
  }



  /** A plain wheel over a chart scrolls the page; say once in a while how to zoom instead. */
  private hintOf(chart: Chart): void {
    const entry = this.entries.find((e) => e.chart === chart);
    if (!entry || entry.card.dataset.hint === 'shown') return;
    entry.card.dataset.hint = 'shown';
    const note = entry.note.textContent;
    entry.note.textContent = 'Ctrl + wheel zooms this chart · drag pans it';
    setTimeout(() => {
      entry.card.dataset.hint = '';
      if (entry.note.textContent === 'Ctrl + wheel zooms this chart · drag pans it') entry.note.textContent = note;
    }, 2500);
  }

  private syncZoomOf(chart: Chart): void {
    const entry = this.entries.find((e) => e.chart === chart);
    if (entry) this.syncZoom(entry);
  }

  /** Shows the Reset button while the chart is zoomed or panned, and says so on the card (for tests and CSS). */
  private syncZoom(entry: Entry): void {
    const zoomed = entry.chart.isZoomedOrPanned();
    entry.reset.hidden = !zoomed;
    entry.card.dataset.zoomed = String(zoomed);
    this.writeRanges(entry);
  }

  /** The axes' current ranges, on the card (for tests, and for people reading the DOM). */
  private writeRanges(entry: Entry): void {
    const y = entry.chart.scales.y;
    const x = entry.chart.scales.x;
    entry.card.dataset.yRange = y ? JSON.stringify([y.min, y.max]) : '';
    entry.card.dataset.xRange = x ? JSON.stringify([x.min, x.max]) : '';
  }

  /** Remembers the zoomed charts' ranges before a rebuild destroys them. */
  private saveRanges(): void {
    for (const entry of this.entries) {
      if (!entry.chart.isZoomedOrPanned()) {
        this.savedRanges.delete(entry.spec.id);
        continue;
      }
      const { x, y } = entry.chart.scales;
      this.savedRanges.set(entry.spec.id, { axis: `${this.view.axis}:${this.view.logX}`, x: { min: x.min, max: x.max }, y: { min: y.min, max: y.max } });
    }
  }

  private restoreRange(entry: Entry): void {
    const saved = this.savedRanges.get(entry.spec.id);
    if (saved) {
      // The y range always means the same; the x range only on the same x axis.
      if (saved.x && saved.axis === `${this.view.axis}:${this.view.logX}`) entry.chart.zoomScale('x', saved.x, 'none');
      if (saved.y) entry.chart.zoomScale('y', saved.y, 'none');
    }
    this.syncZoom(entry);
  }
}

/** Draws a chart on an off-screen canvas of `width` × `height` CSS pixels and returns it as a PNG data URL. */
export function renderOffscreen(width: number, height: number, draw: (canvas: HTMLCanvasElement) => Chart): string | undefined {
  const box = document.createElement('div');
  box.style.cssText = `position: fixed; left: -100000px; top: 0; width: ${width}px; height: ${height}px;`;
  const canvas = document.createElement('canvas');
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  canvas.width = width * EXPORT_PIXEL_RATIO;
  canvas.height = height * EXPORT_PIXEL_RATIO;
  box.append(canvas);
  document.body.append(box);
  try {
    const chart = draw(canvas);
    chart.resize(width, height);
    chart.update('none');
    const url = canvas.toDataURL('image/png');
    chart.destroy();
    return url;
  } finally {
    box.remove();
  }
}

/** Fills the chart area's background before drawing (an exported PNG is read outside the editor). */
export const exportBackground: Plugin = {
  id: 'exportBackground',
  beforeDraw(chart, _args, options: { color?: string }) {
    if (!options?.color) return;
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = options.color;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};
Chart.register(exportBackground);

/**
 * The debiased exponential moving average of `fresh` (TensorBoard's smoothing), continuing from `state`: on a log
 * axis it averages log y (a geometric mean, so a decade counts the same everywhere). O(points).
 */
export function smoothPoints(fresh: readonly Point[], weight: number, logarithmic: boolean, state: { accumulator: number; steps: number }): Point[] {
  const out: Point[] = [];
  for (const point of fresh) {
    const value = logarithmic ? Math.log(point.y) : point.y;
    state.accumulator = weight * state.accumulator + (1 - weight) * value;
    state.steps++;
    const debiased = state.accumulator / (1 - weight ** state.steps);
    out.push({ x: point.x, y: logarithmic ? Math.exp(debiased) : debiased });
  }
  return out;
}

/**
 * A dataset's points as the deck holds them. The decimation plugin swaps `data` for its decimated copy while it
 * draws a long trace and keeps the points in `_data`: appends and counts go there.
 */
function dataOf(dataset: LineDataset): Point[] {
  return (dataset as LineDataset & { _data?: Point[] })._data ?? dataset.data;
}

/**
 * Appends points to a dataset's array without chart.js noticing each one. chart.js wraps the array's `push` and
 * inserts an element per call, each insertion walking every element the dataset has: a chart fed one `push` per
 * point cost O(points held) per new point, and a long, fast run outran the panel. Written by index, the points are
 * picked up by the next `update()`, which inserts them in one go (or syncs to the decimated copy of a long trace).
 * Also no argument-count limit, unlike `push(...points)`.
 */
export function appendPoints<P>(target: P[], fresh: readonly P[]): void {
  let at = target.length;
  for (const point of fresh) target[at++] = point;
}

function groupOf(runKey: string, solver: SolverName): string {
  return `${runKey}|${solver}`;
}

function isStoreLike(value: PanelStore | readonly RunSource[]): value is PanelStore {
  return !Array.isArray(value);
}

function contextOf(store: PanelStore): ChartContext {
  return { store, best: store.bestLogLik() };
}

function points(series: StoredSeries, from: number, line: LineSpec, context: ChartContext, view: DeckView): Point[] {
  const out: Point[] = [];
  for (let i = from; i < series.reports.length; i++) {
    const report = series.reports[i];
    const y = line.value(report, context);
    if (y === undefined) continue;
    const x = xValue(report, view.axis);
    // A log x axis has no place for the start (x = 0).
    if (view.logX && !(x > 0)) continue;
    out.push({ x, y });
  }
  return out;
}

export function applyAxisTheme(options: ChartOptions<'line'> | ChartOptions<'scatter'>, theme: Theme): void {
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

/** Percent labels with as many decimals as the axis's span needs (97.5 % and 98 % must not both read "98%"). */
export function percentTick(this: { min: number; max: number }, value: number | string): string {
  const span = 100 * Math.abs(this.max - this.min);
  const decimals = span >= 10 ? 0 : span >= 1 ? 1 : 2;
  return `${(100 * Number(value)).toFixed(decimals)}%`;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(3);
  return Number(value.toPrecision(6)).toString();
}
