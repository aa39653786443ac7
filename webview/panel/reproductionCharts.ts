/**
 * One chart.js chart per reproduction `ChartSpec` (src/core/reproduce/charts.ts): per series the mean line and,
 * when it has one, its 10–90 % band as a filled area between the lower and upper curves; log axes where the spec
 * says; dashed series (baselines, continued runs) and point-only series (the paper's values). The same data the CLI
 * renders to PNG (scripts/renderCharts.mjs), here in the theme's colours: a solver has its colour of the run view.
 */
import { Chart, Filler, Legend, type ChartDataset, type ChartOptions, type PointStyle } from 'chart.js';
import { dashesOf, isBaseline } from '../../src/core/reproduce/chartStyle';
import type { ChartSeries, ChartSpec } from '../../src/core/reproduce/types';
import type { SolverName } from '../../src/core/spec/types';
import { applyAxisTheme, formatNumber, logTick } from './charts';
import { withAlpha, type Theme } from './theme';

// The run view registers the line chart parts (charts.ts); bands need the filler, and these charts show a legend.
Chart.register(Filler, Legend);

type Point = { x: number; y: number | null };
type Dataset = ChartDataset<'line', Point[]>;

/** Prefix of the band datasets' labels (left out of the legend and the tooltips). */
const BAND = '__band ';
export interface DrawnSeries {
  readonly label: string;
  /** Points with a value (nulls are gaps). */
  readonly points: number;
  readonly color: string;
  readonly dashed: boolean;
  /** The dash pattern ([] for a solid line). */
  readonly dash: number[];
  readonly band: boolean;
  readonly pointsOnly: boolean;
}

export function drawReproductionChart(
  canvas: HTMLCanvasElement,
  spec: ChartSpec,
  theme: Theme,
  exported?: { readonly title: readonly string[]; readonly background: string },
): Chart<'line', Point[]> {
  const range = curveRange(spec);
  const datasets = datasetsOf(spec, theme, range);
  const options: ChartOptions<'line'> = {
    animation: false,
    responsive: !exported,
    maintainAspectRatio: false,
    ...(exported ? { devicePixelRatio: 2 } : {}),
    interaction: { mode: 'nearest', intersect: false },
    elements: { line: { tension: 0 } },
    plugins: {
      legend: { labels: legendLabels(theme) },
      title: exported ? { display: true, text: [...exported.title], color: theme.foreground, font: { family: theme.fontFamily, size: theme.fontSize + 2, weight: 'bold' } } : { display: false },
      zoom: { zoom: { wheel: { enabled: false } }, pan: { enabled: false } },
      tooltip: {
        filter: (item) => !String(item.dataset.label).startsWith(BAND),
        callbacks: { label: (item) => `${item.dataset.label}: ${formatNumber(item.parsed.y ?? NaN)}` },
      },
    },
    scales: {
      // The x range is the curves' (reference lines and the paper's markers never stretch it).
      x: {
        type: spec.xLog ? 'logarithmic' : 'linear',
        title: { display: true, text: spec.xLabel },
        ...(range ? { min: range[0], max: range[1] } : {}),
        ...(spec.xLog ? { ticks: { callback: logTick } } : {}),
      },
      y: { type: spec.yLog ? 'logarithmic' : 'linear', title: { display: true, text: spec.yLabel }, ...(spec.yLog ? { ticks: { callback: logTick } } : {}) },
    },
  };
  applyAxisTheme(options, theme);
  if (!spec.xLog && /^iteration/.test(spec.xLabel)) (options.scales!.x!.ticks as Record<string, unknown>).precision = 0;
  if (exported) (options.plugins as Record<string, unknown>).exportBackground = { color: exported.background };
  return new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets }, options });
}

/**
 * A reference, not a curve: a baseline whose y is the same everywhere (K = 1, the ceiling: drawn as a level line
 * across the chart), or the paper's values (points only).
 */
export function isReference(series: ChartSeries): boolean {
  return series.pointsOnly === true || ((series.solver === 'baseline' || !series.solver) && isLevel(series));
}

function isLevel(series: ChartSeries): boolean {
  const values = series.y.filter(isValue);
  return values.length > 0 && values.every((v) => v === values[0]);
}

/** The x extent of the curves (undefined when the chart has none: then the references set it). */
export function curveRange(spec: ChartSpec): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const series of spec.series) {
    if (isReference(series)) continue;
    series.x.forEach((x, i) => {
      if (!isValue(x) || !isValue(series.y[i]) || (spec.xLog && !(x > 0))) return;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    });
  }
  return hi > lo ? [lo, hi] : undefined;
}

/** What a chart draws, per series (written to its card for tests and for people reading the DOM). */
export function describeSeries(spec: ChartSpec, theme: Theme): DrawnSeries[] {
  const styles = seriesStyles(spec, theme);
  return spec.series.map((series, index) => {
    const style = styles[index];
    return {
      label: series.label,
      points: series.y.filter((y, i) => isValue(y) && isValue(series.x[i])).length,
      color: style.color,
      dashed: style.dash.length > 0,
      dash: style.dash,
      band: hasBand(series),
      pointsOnly: series.pointsOnly === true,
    };
  });
}

function datasetsOf(spec: ChartSpec, theme: Theme, range: [number, number] | undefined): Dataset[] {
  const datasets: Dataset[] = [];
  const styles = seriesStyles(spec, theme);
  for (const [index, series] of spec.series.entries()) {
    const style = styles[index];
    const level = referenceLevel(series, range);
    if (level) {
      datasets.push({
        label: level.label,
        data: level.points,
        borderColor: style.color,
        backgroundColor: style.color,
        borderWidth: series.pointsOnly ? 1.5 : 2,
        borderDash: series.pointsOnly ? [2, 3] : style.dash.length > 0 ? style.dash : [8, 4],
        pointRadius: 0,
        fill: false,
      });
      continue;
    }
    if (hasBand(series)) {
      // The upper curve fills down to the dataset before it (the lower curve): the band.
      datasets.push({ label: `${BAND}${series.label} lower`, data: points(series.x, series.lower!), borderWidth: 0, pointRadius: 0, fill: false, spanGaps: false });
      datasets.push({
        label: `${BAND}${series.label} upper`,
        data: points(series.x, series.upper!),
        borderWidth: 0,
        pointRadius: 0,
        backgroundColor: withAlpha(style.color, 0.18),
        fill: '-1',
        spanGaps: false,
      });
    }
    datasets.push({
      label: series.label,
      data: points(series.x, series.y),
      borderColor: style.color,
      backgroundColor: style.color,
      borderWidth: series.pointsOnly ? 0 : 2,
      borderDash: style.dash,
      showLine: !series.pointsOnly,
      pointRadius: series.pointsOnly ? 6 : series.x.length <= 12 ? 3 : 0,
      pointStyle: series.pointsOnly ? 'rectRot' : 'circle',
      fill: false,
      spanGaps: false,
    });
  }
  return datasets;
}

/**
 * A reference drawn as a level line across the curves' x range: a level baseline always; a paper marker when its x
 * lies outside the range (a quick run of 3 iterations against the paper's iteration 100), labelled so.
 */
function referenceLevel(series: ChartSeries, range: [number, number] | undefined): { label: string; points: Point[] } | undefined {
  if (!range || !isReference(series)) return undefined;
  const values = series.y.filter(isValue);
  if (values.length === 0) return undefined;
  if (series.pointsOnly) {
    const xs = series.x.filter(isValue);
    if (values.length !== 1 || xs.every((x) => x >= range[0] && x <= range[1])) return undefined;
    return { label: `${series.label} (beyond this run: level)`, points: [{ x: range[0], y: values[0] }, { x: range[1], y: values[0] }] };
  }
  return { label: series.label, points: [{ x: range[0], y: values[0] }, { x: range[1], y: values[0] }] };
}

/**
 * Legend keys drawn as short lines in their dataset's dash, so that a solver's continued runs (one colour) stay apart
 * in the legend too: chart.js draws a line key with the point style's stroke, without the dataset's dash, so the dash
 * is put back. The paper's markers (points only) keep their marker as their key; bands are left out.
 */
function legendLabels(theme: Theme): NonNullable<NonNullable<ChartOptions<'line'>['plugins']>['legend']>['labels'] {
  return {
    filter: (item) => !String(item.text).startsWith(BAND),
    color: theme.foreground,
    usePointStyle: true,
    pointStyle: 'line',
    pointStyleWidth: 28,
    generateLabels: (chart) =>
      Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
        const dataset = chart.data.datasets[item.datasetIndex ?? 0] as Dataset;
        if (dataset.showLine === false) return { ...item, pointStyle: dataset.pointStyle as PointStyle, lineWidth: 1 };
        return { ...item, lineDash: (dataset.borderDash as number[] | undefined) ?? [] };
      }),
  };
}

/** Each series' colour (baselines muted, a solver's curves in its colour) and its dash (chartStyle.ts). */
function seriesStyles(spec: ChartSpec, theme: Theme): { color: string; dash: number[] }[] {
  const dashes = dashesOf(spec);
  return spec.series.map((series, i) => ({ color: isBaseline(series) ? theme.muted : theme.solver[series.solver as SolverName], dash: dashes[i] }));
}

function hasBand(series: ChartSeries): boolean {
  return Array.isArray(series.lower) && Array.isArray(series.upper) && series.lower.some(isValue);
}

/** `{x, y}` points; a missing x drops the point, a missing y leaves a gap in the line. */
function points(xs: readonly (number | null)[], ys: readonly (number | null)[]): Point[] {
  const out: Point[] = [];
  xs.forEach((x, i) => {
    if (isValue(x)) out.push({ x, y: isValue(ys[i]) ? ys[i] : null });
  });
  return out;
}

function isValue(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
