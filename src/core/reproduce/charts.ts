/**
 * Chart descriptions (plain data) from the results: mean curves with their 10–90 % band per solver. The CLI renders
 * them to PNG (`scripts/renderCharts.mjs`, chart.js in headless Chromium); the extension can draw the same data in
 * its convergence panel.
 */
import { SOLVER_LABELS, solverLabel } from '../solvers/labels';
import type { SolverName } from '../spec/types';
import type { Curve } from './aggregate';
import type { FmnistMetric, FmnistResult } from './fmnist';
import { PAPER_TABLE_2 } from './paperFigures';
import type { SnrSweepResult } from './snrSweep';
import type { SymmolineMetric, SymmolineResult } from './symmoline';
import { withDashes } from './chartStyle';
import type { ChartSeries, ChartSpec } from './types';

interface ChartInputs {
  readonly symmoline?: SymmolineResult;
  readonly fmnist?: FmnistResult;
  readonly snrSweep?: SnrSweepResult;
  readonly equalTime?: unknown;
}

/** Values that a log axis cannot show become null. */
function forAxis(values: (number | null | undefined)[], log: boolean): (number | null)[] {
  return values.map((v) => (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0) ? null : v));
}

export function curveSeries(label: string, solver: SolverName | 'baseline', curve: Curve, log: boolean, scale = 1): ChartSeries {
  return {
    label,
    solver,
    x: curve.x,
    y: forAxis(curve.bands.map((b) => (b ? b.mean * scale : null)), log),
    lower: forAxis(curve.bands.map((b) => (b ? b.lower * scale : null)), log),
    upper: forAxis(curve.bands.map((b) => (b ? b.upper * scale : null)), log),
  };
}

const SYMMOLINE_CHARTS: { metric: SymmolineMetric; id: string; title: string; yLabel: string }[] = [
  { metric: 'truthGap', id: 'symmoline-truth-gap', title: 'SymMoLinE: |ℓ(θ*) − ℓ(θᵗ)| per row (paper Fig. 1, left)', yLabel: '|ℓ(θ*) − ℓ(θᵗ)| / n' },
  { metric: 'optimizationGap', id: 'symmoline-optimization-gap', title: 'SymMoLinE: ℓ(θ̂) − ℓ(θᵗ) per row (paper Fig. 1, right)', yLabel: '(ℓ(θ̂) − ℓ(θᵗ)) / n' },
  { metric: 'betaError', id: 'symmoline-beta-error', title: 'SymMoLinE: relative error of β (paper Fig. 2, left)', yLabel: '‖βᵗ − β*‖ / ‖β*‖' },
  { metric: 'gateError', id: 'symmoline-gate-error', title: 'SymMoLinE: relative error of w (paper Fig. 2, right)', yLabel: '‖wᵗ − w*‖ / ‖w*‖' },
];

const FMNIST_CHARTS: { metric: FmnistMetric; id: string; title: string; yLabel: string; scale: number }[] = [
  { metric: 'testAccuracy', id: 'fmnist-test-accuracy', title: 'Random-Invert Fashion-MNIST: test accuracy (paper Fig. 3)', yLabel: 'test accuracy (%)', scale: 100 },
  { metric: 'testCrossEntropy', id: 'fmnist-test-cross-entropy', title: 'Random-Invert Fashion-MNIST: test cross entropy', yLabel: 'test cross entropy (nats per image)', scale: 1 },
  { metric: 'trainCrossEntropy', id: 'fmnist-train-cross-entropy', title: 'Random-Invert Fashion-MNIST: training cross entropy', yLabel: 'training cross entropy (nats per image)', scale: 1 },
];

export function buildCharts(results: ChartInputs): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const sym = results.symmoline;
  if (sym) {
    for (const chart of SYMMOLINE_CHARTS) {
      charts.push({
        id: chart.id,
        experiment: 'symmoline',
        title: chart.title,
        xLabel: 'iteration',
        yLabel: chart.yLabel,
        yLog: true,
        series: sym.solvers.map((s) => curveSeries(s.label, s.solver, s.curves[chart.metric], true)),
      });
    }
  }
  const fm = results.fmnist;
  if (fm) {
    const last = Math.max(...fm.solvers.map((s) => s.curves.testAccuracy.x.length - 1), 1);
    for (const chart of FMNIST_CHARTS) {
      const series = fm.solvers.map((s) => curveSeries(s.label, s.solver, s.curves[chart.metric], false, chart.scale));
      for (const baseline of fm.baselines) {
        const value = chart.metric === 'testAccuracy' ? baseline.testAccuracy : chart.metric === 'testCrossEntropy' ? baseline.testCrossEntropy : baseline.trainCrossEntropy;
        if (value) series.push({ label: baseline.label, solver: 'baseline', x: [0, last], y: [value.mean * chart.scale, value.mean * chart.scale], dashed: true });
      }
      if (chart.metric !== 'trainCrossEntropy') {
        // The paper's Table 2 values at its iteration 100, as points (the paper does not say train or test for cross entropy).
        for (const s of fm.solvers) {
          const paper = PAPER_TABLE_2[s.solver];
          if (!paper) continue;
          const value = (chart.metric === 'testAccuracy' ? paper.accuracy : paper.crossEntropy) * chart.scale;
          series.push({ label: `paper: ${SOLVER_LABELS[s.solver]} at iteration 100`, solver: s.solver, x: [100], y: [value], pointsOnly: true });
        }
      }
      charts.push({ id: chart.id, experiment: 'fmnist', title: chart.title, xLabel: 'iteration', yLabel: chart.yLabel, yLog: false, series });
    }
    if (results.equalTime) {
      // Each solver's mean curve over its iterations, placed at the mean compute time of that iteration; a log
      // time axis, since one EM iteration costs as much as hundreds of GD steps (iteration 0, at 0 s, is left out).
      for (const chart of FMNIST_CHARTS) {
        const series: ChartSeries[] = fm.solvers.map((s) => {
          const curve = s.curves[chart.metric];
          const meanSeconds = curve.x.map((t) => {
            const times = s.timed.map((timed) => timed.seconds[t]).filter(Number.isFinite);
            return times.length ? times.reduce((a, b) => a + b, 0) / times.length : Number.NaN;
          });
          const base = curveSeries(s.label, s.solver, curve, false, chart.scale);
          const keep = meanSeconds.map((x, t) => t > 0 && x > 0);
          const only = <T>(values: readonly T[]) => values.filter((_, t) => keep[t]);
          return { ...base, x: only(meanSeconds), y: only(base.y), lower: only(base.lower ?? []), upper: only(base.upper ?? []) };
        });
        for (const e of fm.extended) {
          const keep = e.timed.seconds.map((x) => x > 0);
          series.push({
            label: `${e.label} (instance 1)`,
            solver: e.solver,
            x: e.timed.seconds.filter((_, t) => keep[t]),
            y: forAxis(e.timed.values[chart.metric].map((v) => v * chart.scale), false).filter((_, t) => keep[t]),
            dashed: true,
          });
        }
        charts.push({
          id: `equal-time-${chart.id.replace('fmnist-', '')}`,
          experiment: 'equal-time',
          title: `Equal time: ${chart.title.replace('Random-Invert Fashion-MNIST: ', '').replace(' (paper Fig. 3)', '')} against seconds`,
          xLabel: "seconds (solver's compute clock, log scale)",
          xLog: true,
          yLabel: chart.yLabel,
          yLog: false,
          series,
        });
      }
    }
  }
  const sweep = results.snrSweep;
  if (sweep) {
    const snrs = sweep.points.map((p) => p.snr);
    charts.push({
      id: 'snr-sweep-rates',
      experiment: 'snr-sweep',
      title: "SNR sweep: EM's observed rate ρ̂ and the missing-information rate",
      xLabel: 'SNR ‖β*‖/σ',
      yLabel: 'linear rate (per iteration)',
      yLog: false,
      series: [
        { label: 'observed ρ̂ (median, band: 10–90 %)', solver: 'em', x: snrs, y: sweep.points.map((p) => p.observedRate?.median ?? null), lower: sweep.points.map((p) => p.observedRate?.lower ?? null), upper: sweep.points.map((p) => p.observedRate?.upper ?? null) },
        { label: 'predicted: spectral radius of M', solver: 'baseline', x: snrs, y: sweep.points.map((p) => p.predictedRate?.median ?? null), dashed: true },
      ],
    });
    charts.push({
      id: 'snr-sweep-iterations',
      experiment: 'snr-sweep',
      title: 'SNR sweep: iterations to the tolerance (median over instances that reached it)',
      xLabel: 'SNR ‖β*‖/σ',
      yLabel: 'iterations',
      yLog: true,
      series: sweep.choices.map((choice) => ({
        label: solverLabel(choice.solver, choice.steps),
        solver: choice.solver,
        x: snrs,
        y: sweep.points.map((p) => p.iterations[choice.solver].reached?.median ?? null),
      })),
    });
  }
  return charts.map(withDashes);
}
