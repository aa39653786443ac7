/**
 * What each chart of the panel plots (DESIGN §3): per solver and restart, one line per `LineSpec`, read from the
 * iteration reports. Log-scale charts only get positive values; the chart's note says when points were left out
 * (so nothing is hidden silently). No chart.js here: `charts.ts` draws these.
 */
import type { IterationReport } from '../../src/core/runner/types';
import type { PanelStore } from './store';
import { describePredictedRates } from '../../src/core/diagnostics/predictedRate';

export interface ChartContext {
  readonly store: PanelStore;
  /** ℓ*, once known. */
  readonly best: number | undefined;
}

export interface LineSpec {
  /** Appended to the dataset label ('' for the main line). */
  readonly suffix: string;
  readonly dashed: boolean;
  value(report: IterationReport, context: ChartContext): number | undefined;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** The y axis title (the quantity and its unit), drawn on the chart and in its exported PNG. */
  readonly yTitle: string;
  readonly scale: 'linear' | 'logarithmic';
  /** The chart is shown for this run. */
  visible(context: ChartContext): boolean;
  readonly lines: readonly LineSpec[];
  /** A line under the title (what is plotted, a reference value). */
  note?(context: ChartContext): string;
  /** Percent axis (accuracy). */
  readonly percent?: boolean;
}

export function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function positive(value: unknown): number | undefined {
  const v = finite(value);
  return v !== undefined && v > 0 ? v : undefined;
}

const line = (value: LineSpec['value'], suffix = '', dashed = false): LineSpec => ({ value, suffix, dashed });
const classification = (c: ChartContext) => c.store.header?.dataset.family !== 'gaussian';

export const CHART_SPECS: readonly ChartSpec[] = [
  {
    id: 'logLik',
    yTitle: 'ℓ (nats, training rows)',
    title: 'Log-likelihood ℓ',
    scale: 'linear',
    visible: () => true,
    lines: [line((r) => finite(r.logLik))],
    note: (c) => `total over ${c.store.header?.dataset.rows ?? '?'} training rows (natural log); higher is better`,
  },
  {
    id: 'gap',
    yTitle: 'ℓ* − ℓ (nats)',
    title: 'ℓ* − ℓ (log scale)',
    scale: 'logarithmic',
    visible: (c) => c.best !== undefined,
    lines: [line((r, c) => (c.best === undefined ? undefined : positive(c.best - (finite(r.logLik) ?? NaN))))],
    note: (c) => (c.best === undefined ? '' : `ℓ* = ${c.best.toFixed(4)}, the highest ℓ any solver reached; iterates at ℓ* itself are not drawn (log 0)`),
  },
  {
    id: 'paramError',
    yTitle: 'relative error',
    title: 'Parameter error (log scale)',
    scale: 'logarithmic',
    visible: (c) => c.store.header?.dataset.truthKnown === true,
    lines: [line((r) => positive(r.parameterError)), line((r) => positive(r.gateError), 'gate', true)],
    note: () => 'min over label permutations of ‖β̂ − β*‖_F / ‖β*‖_F (solid: experts, dashed: gate)',
  },
  {
    id: 'accuracy',
    yTitle: 'accuracy',
    title: 'Accuracy',
    scale: 'linear',
    percent: true,
    visible: classification,
    lines: [line((r) => finite(r.trainAccuracy)), line((r) => finite(r.testAccuracy), 'test', true)],
    note: (c) => (c.store.header?.dataset.testRows ? 'solid: training rows, dashed: test rows' : 'training rows (no test split)'),
  },
  {
    id: 'rmse',
    yTitle: 'RMSE (target units)',
    title: 'RMSE',
    scale: 'linear',
    visible: (c) => !classification(c),
    lines: [line((r) => finite(r.trainRmse)), line((r) => finite(r.testRmse), 'test', true)],
    note: (c) => (c.store.header?.dataset.testRows ? 'solid: training rows, dashed: test rows' : 'training rows (no test split)'),
  },
  {
    id: 'snr',
    yTitle: 'SNR',
    // Log scale: on separable classification data the experts' coefficients grow without bound, and so does their
    // SNR; a linear axis then flattens every other solver's curve to the floor.
    title: 'SNR of the iterate (log scale)',
    scale: 'logarithmic',
    visible: () => true,
    lines: [line((r) => positive(r.snr))],
    note: (c) => {
      const truth = finite(c.store.header?.dataset.truthSnr);
      return `expert separation / noise${truth !== undefined ? ` · truth: ${truth.toFixed(3)}` : ''}`;
    },
  },
  {
    id: 'rate',
    yTitle: 'ρ̂ (per iteration)',
    title: 'Observed rate ρ̂',
    scale: 'linear',
    visible: () => true,
    lines: [line((r) => finite(r.rate))],
    note: (c) => {
      const predicted = describePredictedRates(
        [...c.store.results.values()].filter((r) => r.solver === 'em' && r.missingInformation).map((r) => ({ restart: r.restart, information: r.missingInformation! })),
      );
      return `‖θᵗ⁺¹ − θᵗ‖ / ‖θᵗ − θᵗ⁻¹‖, smoothed${predicted ? ` · EM predicted (missing information): ${predicted}` : ''}`;
    },
  },
  {
    id: 'klStep',
    yTitle: 'KL (nats per row)',
    title: 'KL step (log scale)',
    scale: 'logarithmic',
    visible: () => true,
    lines: [line((r) => positive(r.klStep))],
    note: () => 'averaged KL between complete-data distributions of successive iterates',
  },
  {
    id: 'gradNorm',
    yTitle: '‖∇ℓ/n‖',
    title: 'Gradient norm ‖∇ℓ/n‖ (log scale)',
    scale: 'logarithmic',
    visible: () => true,
    lines: [line((r) => positive(r.gradientNorm))],
  },
];

export function xValue(report: IterationReport, axis: 'iteration' | 'seconds'): number {
  return axis === 'iteration' ? report.iteration : report.seconds;
}
