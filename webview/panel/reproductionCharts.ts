/**
 * One chart.js chart per reproduction `ChartSpec` (src/core/reproduce/charts.ts): per series the mean line and,
 * when it has one, its 10–90 % band as a filled area between the lower and upper curves; log axes where the spec
 * says; dashed series (baselines, continued runs) and point-only series (the paper's values). The same data the CLI
 * renders to PNG (scripts/renderCharts.mjs), here in the theme's colours: a solver has its colour of the run view.
 */
import { Chart, Filler, Legend, type ChartDataset, type ChartOptions } from 'chart.js';
import type { ChartSeries, ChartSpec } from '../../src/core/reproduce/types';
import { applyAxisTheme, formatNumber, logTick } from './charts';
import { withAlpha, type Theme } from './theme';

// The run view registers the line chart parts (charts.ts); bands need the filler, and these charts show a legend.
Chart.register(Filler, Legend);

type Point = { x: number; y: number | null };
type Dataset = ChartDataset<'line', Point[]>;

/** Prefix of the band datasets' labels (left out of the legend and the tooltips). */
const BAND = '__band ';
/** Baselines get a dash pattern each, so that two baselines in one chart stay apart. */
const BASELINE_DASHES = [
  [8, 4],
  [2, 3],
  [12, 3, 2, 3],
];

export interface DrawnSeries {
  readonly label: string;
  /** Points with a value (nulls are gaps). */
  readonly points: number;
  readonly color: string;
  readonly dashed: boolean;
  readonly band: boolean;
  readonly pointsOnly: boolean;
}

export function drawReproductionChart(canvas: HTMLCanvasElement, spec: ChartSpec, theme: Theme): Chart<'line', Point[]> {
  const datasets = datasetsOf(spec, theme);
  const options: ChartOptions<'line'> = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', intersect: false },
    elements: { line: { tension: 0 } },
    plugins: {
      legend: { labels: { filter: (item) => !String(item.text).startsWith(BAND), boxWidth: 14, boxHeight: 2, color: theme.foreground } },
      tooltip: {
        filter: (item) => !String(item.dataset.label).startsWith(BAND),
        callbacks: { label: (item) => `${item.dataset.label}: ${formatNumber(item.parsed.y ?? NaN)}` },
      },
    },
    scales: {
      x: { type: spec.xLog ? 'logarithmic' : 'linear', title: { display: true, text: spec.xLabel }, ...(spec.xLog ? { ticks: { callback: logTick } } : {}) },
      y: { type: spec.yLog ? 'logarithmic' : 'linear', title: { display: true, text: spec.yLabel }, ...(spec.yLog ? { ticks: { callback: logTick } } : {}) },
    },
  };
  applyAxisTheme(options, theme);
  return new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets }, options });
}

/** What a chart draws, per series (written to its card for tests and for people reading the DOM). */
export function describeSeries(spec: ChartSpec, theme: Theme): DrawnSeries[] {
  let baselines = 0;
  return spec.series.map((series) => {
    const style = seriesStyle(series, theme, series.solver === 'baseline' || !series.solver ? baselines++ : 0);
    return {
      label: series.label,
      points: series.y.filter((y, i) => isValue(y) && isValue(series.x[i])).length,
      color: style.color,
      dashed: style.dash.length > 0,
      band: hasBand(series),
      pointsOnly: series.pointsOnly === true,
    };
  });
}

function datasetsOf(spec: ChartSpec, theme: Theme): Dataset[] {
  const datasets: Dataset[] = [];
  let baselines = 0;
  for (const series of spec.series) {
    const style = seriesStyle(series, theme, series.solver === 'baseline' || !series.solver ? baselines++ : 0);
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

function seriesStyle(series: ChartSeries, theme: Theme, baselineIndex: number): { color: string; dash: number[] } {
  if (series.solver === 'baseline' || !series.solver) return { color: theme.muted, dash: BASELINE_DASHES[baselineIndex % BASELINE_DASHES.length] };
  return { color: theme.solver[series.solver], dash: series.dashed ? [6, 4] : [] };
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
