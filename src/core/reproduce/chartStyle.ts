/**
 * Each chart series' dash pattern, decided here once for every renderer: the panel (`webview/panel/
 * reproductionCharts.ts`) and the CLI's PNGs (`scripts/renderCharts.mjs`, which reads it from results.json).
 * Colours stay with the renderers (the panel follows the editor's theme, the PNGs a fixed palette).
 *   - Baselines each get their own dash, so that two in one chart stay apart.
 *   - A solver's mean curve is solid.
 *   - A solver's continued runs (dashed series) each get their own dash, in the order they come: EM, EM + SQUAREM,
 *     EM + DAAREM and budgeted EM all share EM's colour, and only the dash tells them apart.
 */
import type { ChartSeries, ChartSpec } from './types';

export const BASELINE_DASHES: readonly (readonly number[])[] = [
  [8, 4],
  [2, 3],
  [12, 3, 2, 3],
];

export const CONTINUED_DASHES: readonly (readonly number[])[] = [
  [6, 4],
  [2, 3],
  [12, 3, 2, 3],
  [8, 3, 2, 3, 2, 3],
  [14, 6],
];

/** A baseline (or a series of no solver): drawn muted, always dashed. */
export function isBaseline(series: Pick<ChartSeries, 'solver'>): boolean {
  return series.solver === 'baseline' || !series.solver;
}

/** The dash pattern of every series of one chart ([]: a solid line), by the rules above. */
export function seriesDashes(series: readonly ChartSeries[]): number[][] {
  let baselines = 0;
  const continued = new Map<string, number>();
  return series.map((s) => {
    if (isBaseline(s)) return [...BASELINE_DASHES[baselines++ % BASELINE_DASHES.length]];
    if (!s.dashed) return [];
    const index = continued.get(s.solver!) ?? 0;
    continued.set(s.solver!, index + 1);
    return [...CONTINUED_DASHES[index % CONTINUED_DASHES.length]];
  });
}

/** The chart with each series' `dash` set (what `buildCharts` hands to every renderer). */
export function withDashes(spec: ChartSpec): ChartSpec {
  const dashes = seriesDashes(spec.series);
  return { ...spec, series: spec.series.map((series, i) => ({ ...series, dash: dashes[i] })) };
}

/** Each series' dash: its own when the spec carries one, else by the rules above (results.json written before). */
export function dashesOf(spec: ChartSpec): number[][] {
  const fallback = seriesDashes(spec.series);
  return spec.series.map((series, i) => (Array.isArray(series.dash) ? [...series.dash] : fallback[i]));
}
