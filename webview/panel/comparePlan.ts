/**
 * Which charts a comparison of runs shows (issue 17.2), and which it hides and why. Runs on different data are
 * compared on the axes that still mean the same thing: ℓ is a total over a run's training rows, so it is overlaid
 * only for runs on the same data (ℓ per row otherwise); RMSE is in the target's units, so only for one target;
 * accuracy only when every run classifies; parameter error only when every run knows its truth. The gap to each
 * run's own best ℓ, the gradient norm, the observed rate and the KL step compare across any runs.
 * One line per run and solver (training rows; the best restart). No DOM or chart.js here.
 */
import type { IterationReport } from '../../src/core/runner/types';
import type { PanelComparison, PanelSnapshot } from '../../src/protocol/panelMessages';
import type { ChartContext, ChartSpec } from './chartSpecs';

export interface CompareChart {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly scale: 'linear' | 'logarithmic';
  readonly percent?: boolean;
  readonly note: string;
  /** The value plotted for one report of run `run` (undefined: no point). */
  value(report: IterationReport, run: RunContext): number | undefined;
}

export interface HiddenChart {
  readonly title: string;
  readonly reason: string;
}

export interface ComparePlan {
  readonly charts: readonly CompareChart[];
  readonly hidden: readonly HiddenChart[];
}

/** Per run: its highest ℓ (for the gap chart) and its training rows. */
export interface RunContext {
  readonly best: number | undefined;
  readonly rows: number;
}

/** Line dash per run (index), cycled: solid, dashed, dotted, dash-dot, … */
export const RUN_DASHES: readonly (readonly number[])[] = [[], [8, 4], [2, 3], [12, 4, 2, 4], [4, 4], [16, 5], [2, 7], [8, 3, 2, 3, 2, 3]];

export function runDash(index: number): number[] {
  return [...RUN_DASHES[index % RUN_DASHES.length]];
}

export function runContext(snapshot: PanelSnapshot): RunContext {
  let best = -Infinity;
  for (const series of snapshot.series) for (const report of series.reports) if (isFiniteNumber(report.logLik) && report.logLik > best) best = report.logLik;
  return { best: Number.isFinite(best) ? best : undefined, rows: snapshot.header.dataset.rows };
}

export function planComparison(comparison: PanelComparison): ComparePlan {
  const headers = comparison.runs.map((r) => r.snapshot.header);
  const datasets = headers.map((h) => h.dataset);
  const name = (i: number) => `run ${i + 1}`;
  const dataKey = (i: number) => JSON.stringify([datasets[i].source, datasets[i].rows, datasets[i].testRows, datasets[i].target, datasets[i].features]);
  const sameData = datasets.every((_, i) => dataKey(i) === dataKey(0));
  const charts: CompareChart[] = [];
  const hidden: HiddenChart[] = [];
  const dataNames = [...new Set(datasets.map((d) => `${baseName(d.source)} (${d.rows} rows)`))].join(' vs ');

  if (sameData) {
    charts.push({
      id: 'logLik',
      title: 'Log-likelihood ℓ',
      yLabel: 'ℓ (total, training rows)',
      scale: 'linear',
      note: `total over the same ${datasets[0].rows} training rows; higher is better`,
      value: (r) => finite(r.logLik),
    });
  } else {
    hidden.push({ title: 'Log-likelihood ℓ', reason: `ℓ is a total over each run's training rows, and these runs use different data (${dataNames}); ℓ per row is shown instead` });
    charts.push({
      id: 'logLikPerRow',
      title: 'Log-likelihood per training row ℓ/n',
      yLabel: 'ℓ / n',
      scale: 'linear',
      note: "each run's ℓ divided by its own number of training rows; higher is better",
      value: (r, run) => (run.rows > 0 ? divide(finite(r.logLik), run.rows) : undefined),
    });
  }
  charts.push({
    id: 'gap',
    title: 'ℓ* − ℓ (log scale)',
    yLabel: 'ℓ* − ℓ',
    scale: 'logarithmic',
    note: "each run against its own best ℓ (ℓ*: the highest ℓ any of its solvers reached); points at ℓ* itself are not drawn (log 0)",
    value: (r, run) => positive(run.best === undefined ? undefined : run.best - (finite(r.logLik) ?? NaN)),
  });

  const classifies = datasets.map((d) => d.family !== 'gaussian');
  if (classifies.every(Boolean)) {
    charts.push({ id: 'accuracy', title: 'Accuracy (training rows)', yLabel: 'accuracy', scale: 'linear', percent: true, note: 'training rows', value: (r) => finite(r.trainAccuracy) });
  } else if (classifies.some(Boolean)) {
    const regressions = classifies.flatMap((c, i) => (c ? [] : [name(i)])).join(', ');
    hidden.push({ title: 'Accuracy and RMSE', reason: `accuracy applies to classification and RMSE to regression, and these runs mix both (${regressions}: regression)` });
  } else {
    const targets = [...new Set(datasets.map((d) => `${baseName(d.source)} → ${d.target}`))];
    if (targets.length === 1) {
      charts.push({ id: 'rmse', title: 'RMSE (training rows)', yLabel: `RMSE (${datasets[0].target})`, scale: 'linear', note: 'training rows', value: (r) => finite(r.trainRmse) });
    } else {
      hidden.push({ title: 'RMSE', reason: `RMSE is in the units of the target, and these runs predict different targets (${targets.join(' vs ')})` });
    }
  }

  const truth = datasets.map((d) => d.truthKnown);
  if (truth.every(Boolean)) {
    charts.push({
      id: 'paramError',
      title: 'Parameter error (log scale)',
      yLabel: '‖β̂ − β*‖ / ‖β*‖',
      scale: 'logarithmic',
      note: 'experts, min over label permutations of ‖β̂ − β*‖_F / ‖β*‖_F',
      value: (r) => positive(r.parameterError),
    });
  } else if (truth.some(Boolean)) {
    const without = truth.flatMap((t, i) => (t ? [] : [name(i)])).join(', ');
    hidden.push({ title: 'Parameter error', reason: `the true parameters are known only for synthetic data fitted with the model that generated it (its K and expert family), and not for ${without}` });
  }
  charts.push(
    { id: 'gradNorm', title: 'Gradient norm ‖∇ℓ/n‖ (log scale)', yLabel: '‖∇ℓ/n‖', scale: 'logarithmic', note: 'per-row gradient: comparable across data sets', value: (r) => positive(r.gradientNorm) },
    { id: 'rate', title: 'Observed rate ρ̂', yLabel: 'ρ̂', scale: 'linear', note: '‖θᵗ⁺¹ − θᵗ‖ / ‖θᵗ − θᵗ⁻¹‖, smoothed', value: (r) => finite(r.rate) },
    { id: 'klStep', title: 'KL step (log scale)', yLabel: 'KL', scale: 'logarithmic', note: 'averaged KL between complete-data distributions of successive iterates', value: (r) => positive(r.klStep) },
  );
  return { charts, hidden };
}

/**
 * The plan's charts as the deck's chart specs (so compare charts zoom, pan, smooth and toggle like the run view's):
 * one line per run and solver; a chart is drawn when some run has a point for it.
 */
export function deckSpecs(plan: ComparePlan): ChartSpec[] {
  return plan.charts.map((chart) => {
    const value = (report: IterationReport, context: ChartContext) => chart.value(report, { best: context.best, rows: context.store.header?.dataset.rows ?? 0 });
    return {
      id: chart.id,
      title: chart.title,
      yTitle: chart.yLabel,
      scale: chart.scale,
      ...(chart.percent ? { percent: true } : {}),
      visible: (context) => context.store.orderedSeries().some((series) => series.reports.some((report) => value(report, context) !== undefined)),
      lines: [{ suffix: '', dashed: false, value }],
      note: () => chart.note,
    };
  });
}

function baseName(source: string): string {
  return source.split(/[\\/]/).pop() ?? source;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function finite(value: unknown): number | undefined {
  return isFiniteNumber(value) ? value : undefined;
}

function positive(value: unknown): number | undefined {
  return isFiniteNumber(value) && value > 0 ? value : undefined;
}

function divide(value: number | undefined, by: number): number | undefined {
  return value === undefined ? undefined : value / by;
}
