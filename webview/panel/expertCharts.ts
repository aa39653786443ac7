/**
 * Which expert handles what (issue 17.5), for one solver and restart of the run shown (a picker; the best result
 * once the run is over):
 * - mixing weights over iterations: per expert the mean gate probability Σ_i π_ik / n (solid) and its share of
 *   the responsibilities Σ_i r_ik / n (dashed) — at an EM fixed point the two agree (the gate intercept's score
 *   equation), so a gap says the gate has not caught up with the experts yet;
 * - for data with one or two features, the training rows the host sent (≤ 2 000, raw scale), coloured by the
 *   expert with the highest gate probability under the final parameters (`paramsRaw`), with each expert's fitted
 *   line (1 feature: regression line, or P(y = 1) curve for a binary target) and the gate's boundaries (where the
 *   most probable expert changes); with two features and a binary target also each expert's classifier boundary.
 * Streaming appends the selected series' new points to the mixing chart only; the scatter is drawn once the
 * picked solver has finished (its parameters arrive with its result).
 */
import { Chart, type ChartDataset, type ChartOptions } from 'chart.js';
import type { DataSample } from '../../src/core/runner/dataSample';
import type { ParamsJson } from '../../src/core/runner/types';
import { SOLVER_LABELS } from '../../src/core/solvers/labels';
import { appendPoints, applyAxisTheme, formatNumber, renderOffscreen, type Point } from './charts';
import { keyOf, type Appended, type PanelStore, type StoredSeries } from './store';
import { expertColour, withAlpha, type Theme } from './theme';

type XY = { x: number; y: number | null };
type Dataset = ChartDataset<'line', XY[]> | ChartDataset<'scatter', XY[]>;

interface Card {
  readonly id: 'mixing' | 'experts';
  readonly card: HTMLElement;
  readonly note: HTMLElement;
  chart?: Chart;
  /** Builds the chart's config (again for a PNG export, with a title). */
  config?: (exported?: { title: string[]; background: string }) => { type: 'line' | 'scatter'; data: { datasets: Dataset[] }; options: ChartOptions };
}

/** Points along a boundary line inside the data's box (enough for a straight segment clipped by other experts). */
const BOUNDARY_STEPS = 240;
const CURVE_STEPS = 80;

export class ExpertCharts {
  /** The series the user picked, per run (a new run starts from its best result again). */
  private picked: { runId: string; key: string } | undefined;
  private cards: Card[] = [];
  private theme: Theme | undefined;
  private store: PanelStore | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly onExportPng: (chartId: string, dataUrl: string) => void,
  ) {
    root.hidden = true;
  }

  /** The series whose experts are shown: the picked one, else the best result's, else the first. */
  selected(store: PanelStore): StoredSeries | undefined {
    const ordered = store.orderedSeries().filter((s) => s.reports.some((r) => Array.isArray(r.mixingWeights) && r.mixingWeights.length > 1));
    if (this.picked && this.picked.runId === store.runId) {
      const picked = this.picked.key;
      const found = ordered.find((s) => s.key === picked);
      if (found) return found;
    }
    const best = bestResult(store);
    return (best && ordered.find((s) => s.key === keyOf(best.solver, best.restart))) ?? ordered[0];
  }

  /** Draws both charts again (new run, results or theme). */
  render(store: PanelStore, theme: Theme): void {
    this.store = store;
    this.theme = theme;
    for (const card of this.cards) card.chart?.destroy();
    this.cards = [];
    this.root.replaceChildren();
    const series = this.selected(store);
    const experts = store.header?.experts ?? 0;
    this.root.hidden = !series || experts < 2;
    if (this.root.hidden || !series) return;
    this.root.append(this.picker(store, series));
    this.drawMixing(store, series, theme);
    this.drawScatter(store, series, theme);
  }

  /** Adds the mixing weights an update brought (only the shown series is drawn). */
  append(store: PanelStore, appended: readonly Appended[]): void {
    const mixing = this.cards.find((c) => c.id === 'mixing');
    const series = this.store === store ? this.selected(store) : undefined;
    if (!mixing?.chart || !series) return;
    const update = appended.find((a) => a.key === series.key);
    if (!update) return;
    const datasets = mixing.chart.data.datasets as ChartDataset<'line', XY[]>[];
    const own = ownExpert(store, series);
    const fresh = datasets.map((): XY[] => []);
    for (let i = update.from; i < series.reports.length; i++) {
      const report = series.reports[i];
      for (let k = 0; k < datasets.length / 2; k++) {
        if (report.gateWeights) fresh[2 * k].push({ x: report.iteration, y: finiteOrNull(report.gateWeights[own(k)]) });
        fresh[2 * k + 1].push({ x: report.iteration, y: finiteOrNull(report.mixingWeights?.[own(k)]) });
      }
    }
    // By index, not push: chart.js would insert (and walk every point for) each pushed point on its own.
    datasets.forEach((dataset, index) => appendPoints(dataset.data, fresh[index]));
    mixing.chart.update('none');
    this.describe(mixing);
  }

  toPng(chartId: string, background: string, runName: string): string | undefined {
    const card = this.cards.find((c) => c.id === chartId);
    if (!card?.config) return undefined;
    const title = [runName, card.card.querySelector('h3')?.textContent ?? chartId];
    const config = card.config({ title, background });
    return renderOffscreen(720, 520, (canvas) => new Chart(canvas, config as never));
  }

  // -------------------------------------------------------------------------------------------------------------

  private picker(store: PanelStore, shown: StoredSeries): HTMLElement {
    const row = document.createElement('div');
    row.className = 'experts-picker';
    const label = document.createElement('label');
    label.textContent = 'Experts of ';
    const select = document.createElement('select');
    select.dataset.action = 'pick-expert-series';
    for (const series of store.orderedSeries()) {
      const option = document.createElement('option');
      option.value = series.key;
      const best = store.isBest(series.solver, series.restart) ? ' ★' : '';
      option.textContent = `${SOLVER_LABELS[series.solver]} r${series.restart + 1}${best}`;
      option.selected = series.key === shown.key;
      select.append(option);
    }
    select.addEventListener('change', () => {
      this.picked = { runId: store.runId ?? '', key: select.value };
      if (this.store && this.theme) this.render(this.store, this.theme);
    });
    label.append(select);
    row.append(label);
    return row;
  }

  private card(id: Card['id'], title: string): Card {
    const section = document.createElement('section');
    section.className = 'chart-card';
    // Not `data-chart-id`: the run charts' checks (one colour per solver) iterate those.
    section.dataset.expertChart = id;
    const header = document.createElement('header');
    const h3 = document.createElement('h3');
    h3.textContent = title;
    const exportButton = document.createElement('button');
    exportButton.className = 'secondary small';
    exportButton.textContent = 'PNG';
    exportButton.title = `Save "${title}" as a PNG image (2×, with title, legend and axis titles)`;
    exportButton.dataset.action = 'export-png';
    header.append(h3, exportButton);
    const note = document.createElement('p');
    note.className = 'note';
    const box = document.createElement('div');
    box.className = 'canvas-box';
    section.append(header, note, box);
    this.root.append(section);
    const card: Card = { id, card: section, note };
    exportButton.addEventListener('click', () => {
      const url = this.toPng(id, this.theme?.background ?? '#1e1e1e', this.store?.header?.name ?? '');
      if (url) this.onExportPng(id, url);
    });
    this.cards.push(card);
    return card;
  }

  private mount(card: Card): void {
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', card.card.querySelector('h3')?.textContent ?? card.id);
    card.card.querySelector('.canvas-box')!.append(canvas);
    card.chart = new Chart(canvas, card.config!() as never);
    this.describe(card);
  }

  private drawMixing(store: PanelStore, series: StoredSeries, theme: Theme): void {
    const card = this.card('mixing', 'Mixing weights per expert');
    const K = Math.max(0, ...series.reports.map((r) => r.mixingWeights?.length ?? 0));
    const hasGate = series.reports.some((r) => Array.isArray(r.gateWeights));
    card.note.textContent = `${SOLVER_LABELS[series.solver]} r${series.restart + 1} · solid: mean gate probability Σπ_ik/n${hasGate ? '' : ' (not in this trace)'} · dashed: share of the responsibilities Σr_ik/n`;
    const own = ownExpert(store, series);
    const build = (exported?: { title: string[]; background: string }) => {
      const datasets: ChartDataset<'line', XY[]>[] = [];
      for (let k = 0; k < K; k++) {
        const colour = expertColour(theme, k);
        datasets.push({
          label: `expert ${k + 1}`,
          data: series.reports.filter((r) => r.gateWeights).map((r) => ({ x: r.iteration, y: finiteOrNull(r.gateWeights![own(k)]) })),
          borderColor: colour,
          backgroundColor: colour,
          borderWidth: 2,
          pointRadius: 0,
        });
        datasets.push({
          label: `expert ${k + 1} responsibilities`,
          data: series.reports.map((r) => ({ x: r.iteration, y: finiteOrNull(r.mixingWeights?.[own(k)]) })),
          borderColor: withAlpha(colour, 0.75),
          backgroundColor: colour,
          borderWidth: 1.25,
          borderDash: [5, 4],
          pointRadius: 0,
        });
      }
      const options: ChartOptions<'line'> = {
        ...baseOptions(theme, exported),
        scales: {
          x: { type: 'linear', title: { display: true, text: 'iteration' } },
          y: { type: 'linear', min: 0, suggestedMax: 1, title: { display: true, text: 'weight (share of the rows)' }, ticks: { callback: (v) => `${Math.round(100 * Number(v))}%` } },
        },
      };
      options.plugins!.legend!.labels!.filter = (item) => !String(item.text).endsWith('responsibilities');
      applyAxisTheme(options, theme);
      return { type: 'line' as const, data: { datasets: datasets as Dataset[] }, options: options as ChartOptions };
    };
    card.config = build;
    this.mount(card);
  }

  private drawScatter(store: PanelStore, series: StoredSeries, theme: Theme): void {
    const sample = store.header?.sample;
    const family = store.header?.dataset.family;
    if (!sample || !family) return;
    const card = this.card('experts', sample.x.length === 1 ? 'Data by expert, with fitted lines' : 'Data by expert, with gate boundaries');
    const result = store.results.get(series.key);
    const params = result?.paramsRaw;
    const features = store.header!.dataset.features;
    if (!params || !usable(params, sample.x.length + 1)) {
      card.note.textContent = `drawn when ${SOLVER_LABELS[series.solver]} r${series.restart + 1} has finished (its fitted parameters come with its result)`;
      card.card.dataset.datasets = '[]';
      return;
    }
    const K = params.W.length;
    const assigned = sample.y.map((_, i) => argmaxGate(params, sample.x.map((column) => column[i])));
    const counts = Array.from({ length: K }, (_, k) => assigned.filter((a) => a === k).length);
    const constantGate = params.W.every((row) => row.slice(0, -1).every((v) => v === 0));
    const shown = sample.y.length < sample.rows ? `${sample.y.length} of ${sample.rows} training rows` : `${sample.rows} training rows`;
    card.note.textContent = [
      `${SOLVER_LABELS[series.solver]} r${series.restart + 1} · ${shown}, coloured by the expert with the highest gate probability`,
      constantGate ? 'constant gate: π does not depend on x, so one expert takes every row' : `rows per expert: ${counts.join(' / ')}`,
    ].join(' · ');
    const build = (exported?: { title: string[]; background: string }) => {
      const datasets: Dataset[] = [];
      const box = boundsOf(sample, family);
      for (let k = 0; k < K; k++) {
        const colour = expertColour(theme, k);
        const data: XY[] = [];
        for (let i = 0; i < sample.y.length; i++) {
          if (assigned[i] !== k) continue;
          data.push(sample.x.length === 1 ? { x: sample.x[0][i], y: sample.y[i] } : { x: sample.x[0][i], y: sample.x[1][i] });
        }
        datasets.push({ type: 'scatter', label: `expert ${k + 1}`, data, backgroundColor: withAlpha(colour, 0.55), borderColor: colour, borderWidth: 0, pointRadius: 2.5, pointHoverRadius: 4 });
      }
      for (const line of fittedLines(params, sample, family, box)) {
        const colour = line.expert === undefined ? theme.foreground : expertColour(theme, line.expert);
        datasets.push({
          type: 'line',
          label: line.label,
          data: line.points,
          borderColor: colour,
          backgroundColor: colour,
          borderWidth: line.kind === 'gate' ? 1.5 : 2.25,
          borderDash: line.kind === 'gate' ? [2, 3] : line.kind === 'classifier' ? [7, 4] : [],
          pointRadius: 0,
          spanGaps: false,
          showLine: true,
        });
      }
      const classes = store.header!.dataset.classes;
      const yTitle = sample.x.length === 2 ? features[1] : family === 'bernoulli' ? `P(${store.header!.dataset.target} = ${classes?.[1] ?? 1})` : store.header!.dataset.target;
      const options: ChartOptions<'scatter'> = {
        ...(baseOptions(theme, exported) as ChartOptions<'scatter'>),
        scales: {
          x: { type: 'linear', min: box.x[0], max: box.x[1], title: { display: true, text: features[0] } },
          y: {
            type: 'linear',
            min: box.y[0],
            max: box.y[1],
            title: { display: true, text: yTitle },
            ...(sample.x.length === 1 && family === 'categorical' && classes
              ? { ticks: { stepSize: 1, callback: (v: number | string) => classes[Number(v)] ?? '' } }
              : {}),
          },
        },
      };
      applyAxisTheme(options, theme);
      return { type: 'scatter' as const, data: { datasets }, options: options as ChartOptions };
    };
    card.config = build;
    this.mount(card);
  }

  private describe(card: Card): void {
    const datasets = (card.chart?.data.datasets ?? []) as Dataset[];
    card.card.dataset.datasets = JSON.stringify(
      datasets.map((d) => ({ label: d.label, points: (d.data as XY[]).filter((p) => p.y !== null).length, color: d.borderColor, kind: (d as { type?: string }).type ?? 'line' })),
    );
    // Each dataset's last value (the mixing weights at the last iteration drawn).
    card.card.dataset.last = JSON.stringify(datasets.map((d) => (d.data as XY[]).at(-1)?.y ?? null));
  }
}

function baseOptions(theme: Theme, exported?: { title: string[]; background: string }): ChartOptions<'line'> {
  const options: ChartOptions<'line'> = {
    animation: false,
    responsive: !exported,
    maintainAspectRatio: false,
    ...(exported ? { devicePixelRatio: 2 } : {}),
    interaction: { mode: 'nearest', intersect: true },
    elements: { line: { tension: 0 } },
    plugins: {
      legend: {
        display: true,
        position: exported ? 'bottom' : 'top',
        align: 'start',
        labels: { boxWidth: 14, boxHeight: 2, color: theme.foreground, filter: () => true, font: { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 2) } },
      },
      title: exported ? { display: true, text: exported.title, color: theme.foreground, font: { family: theme.fontFamily, size: theme.fontSize + 2, weight: 'bold' } } : { display: false },
      tooltip: { callbacks: { label: (item) => `${item.dataset.label}: (${formatNumber(item.parsed.x ?? NaN)}, ${formatNumber(item.parsed.y ?? NaN)})` } },
      zoom: { zoom: { wheel: { enabled: false } }, pan: { enabled: false } },
    },
    scales: {},
  };
  if (exported) (options.plugins as Record<string, unknown>).exportBackground = { color: exported.background };
  return options;
}

function bestResult(store: PanelStore) {
  let best: ReturnType<PanelStore['results']['get']>;
  for (const result of store.results.values()) {
    if (typeof result.logLik !== 'number' || !Number.isFinite(result.logLik)) continue;
    if (!best || result.logLik > (best.logLik as number)) best = result;
  }
  return best;
}

/**
 * Expert k (in the labels of the final results, aligned to the best optimum) as the series' own index: a live
 * run's trace streamed in the run's own labels, and its result says how it was relabelled (`expertOrder`); stored
 * traces are already aligned.
 */
function ownExpert(store: PanelStore, series: StoredSeries): (k: number) => number {
  const order = store.header?.origin === 'live' ? store.results.get(series.key)?.expertOrder : undefined;
  return (k) => order?.[k] ?? k;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Parameters the scatter can use: p columns (features + intercept), every gate entry finite. */
function usable(params: ParamsJson, p: number): boolean {
  return params.W.length > 0 && params.W.every((row) => row.length === p && row.every((v) => typeof v === 'number' && Number.isFinite(v)));
}

function dot(row: readonly number[], x: readonly number[]): number {
  let sum = row[row.length - 1];
  for (let j = 0; j < x.length; j++) sum += row[j] * x[j];
  return sum;
}

/** The expert with the highest gate probability at x (softmax is monotone: the largest logit). */
export function argmaxGate(params: ParamsJson, x: readonly number[]): number {
  let best = 0;
  let bestLogit = -Infinity;
  params.W.forEach((row, k) => {
    const logit = dot(row, x);
    if (logit > bestLogit) {
      bestLogit = logit;
      best = k;
    }
  });
  return best;
}

interface Box {
  readonly x: [number, number];
  readonly y: [number, number];
}

/** The data's extent plus 5 %: the axes show the rows, never stretched by a fitted line. */
function boundsOf(sample: DataSample, family: string): Box {
  const range = (values: readonly number[]): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
    return [lo - pad, hi + pad];
  };
  const x = range(sample.x[0]);
  const y = sample.x.length === 2 ? range(sample.x[1]) : family === 'bernoulli' ? ([-0.05, 1.05] as [number, number]) : range(sample.y);
  return { x, y };
}

interface FittedLine {
  readonly label: string;
  readonly kind: 'fit' | 'gate' | 'classifier';
  readonly expert?: number;
  readonly points: XY[];
}

/** Each expert's fitted line or curve (1 feature), the gate boundaries, and (2 features, binary) classifier boundaries. */
export function fittedLines(params: ParamsJson, sample: DataSample, family: string, box: Box): FittedLine[] {
  const K = params.W.length;
  const lines: FittedLine[] = [];
  const betaRow = (k: number) => params.beta[k] as number[];
  if (sample.x.length === 1) {
    const [lo, hi] = box.x;
    if (family === 'gaussian') {
      for (let k = 0; k < K; k++) lines.push({ label: `expert ${k + 1} fit`, kind: 'fit', expert: k, points: [lo, hi].map((x) => ({ x, y: dot(betaRow(k), [x]) })) });
    } else if (family === 'bernoulli') {
      for (let k = 0; k < K; k++) {
        const points = Array.from({ length: CURVE_STEPS + 1 }, (_, s) => lo + ((hi - lo) * s) / CURVE_STEPS).map((x) => ({ x, y: 1 / (1 + Math.exp(-dot(betaRow(k), [x]))) }));
        lines.push({ label: `expert ${k + 1}: P(y = 1)`, kind: 'fit', expert: k, points });
      }
    }
    // Gate boundaries on one feature: the x where the most probable expert changes, as vertical lines.
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        const slope = params.W[a][0] - params.W[b][0];
        if (slope === 0) continue;
        const x = -(params.W[a][1] - params.W[b][1]) / slope;
        if (!(x > lo && x < hi)) continue;
        const top = argmaxGate(params, [x + 1e-9 * (hi - lo)]);
        const other = argmaxGate(params, [x - 1e-9 * (hi - lo)]);
        if (!((top === a && other === b) || (top === b && other === a))) continue;
        lines.push({ label: `gate boundary ${a + 1} | ${b + 1}`, kind: 'gate', points: [{ x, y: box.y[0] }, { x, y: box.y[1] }] });
      }
    }
    return lines;
  }
  // Two features: where two experts' gate logits tie and no third is higher.
  for (let a = 0; a < K; a++) {
    for (let b = a + 1; b < K; b++) {
      const row = params.W[a].map((v, j) => v - params.W[b][j]);
      const points = segment(row, box, (x) => {
        const top = argmaxGate(params, x);
        const logitTop = dot(params.W[top], x);
        return top === a || top === b || Math.abs(logitTop - dot(params.W[a], x)) < 1e-9 * (1 + Math.abs(logitTop));
      });
      if (points.some((p) => p.y !== null)) lines.push({ label: `gate boundary ${a + 1} | ${b + 1}`, kind: 'gate', points });
    }
  }
  if (family === 'bernoulli') {
    for (let k = 0; k < K; k++) {
      const points = segment(betaRow(k), box, () => true);
      if (points.some((p) => p.y !== null)) lines.push({ label: `expert ${k + 1}: P(y = 1) = ½`, kind: 'classifier', expert: k, points });
    }
  }
  return lines;
}

/** The line row·[x₁, x₂, 1] = 0 inside the box, as points; where `keep` fails, a gap (y null). */
function segment(row: readonly number[], box: Box, keep: (x: readonly number[]) => boolean): XY[] {
  const [a, b, c] = row;
  const out: XY[] = [];
  const alongX = Math.abs(b) * (box.y[1] - box.y[0]) >= Math.abs(a) * (box.x[1] - box.x[0]) * 1e-3 && Math.abs(b) >= Math.abs(a) * ((box.y[1] - box.y[0]) / (box.x[1] - box.x[0]));
  for (let s = 0; s <= BOUNDARY_STEPS; s++) {
    let x1: number;
    let x2: number;
    if (alongX && b !== 0) {
      x1 = box.x[0] + ((box.x[1] - box.x[0]) * s) / BOUNDARY_STEPS;
      x2 = -(a * x1 + c) / b;
    } else if (a !== 0) {
      x2 = box.y[0] + ((box.y[1] - box.y[0]) * s) / BOUNDARY_STEPS;
      x1 = -(b * x2 + c) / a;
    } else {
      return [];
    }
    const inside = x1 >= box.x[0] && x1 <= box.x[1] && x2 >= box.y[0] && x2 <= box.y[1];
    out.push(inside && keep([x1, x2]) ? { x: x1, y: x2 } : { x: x1, y: null });
  }
  return out;
}

export type { Point };
