/**
 * The panel's reproduction view: a paper reproduction's header (status, time, the checks, an Open report.md button)
 * and its charts grouped by experiment, each with a PNG button like the run view's. The charts are static, so a
 * theme change simply draws them again.
 */
import type { Chart } from 'chart.js';
import { EXPERIMENT_NAMES, type ChartSpec, type ExperimentName } from '../../src/core/reproduce/types';
import type { PanelReproduction } from '../../src/protocol/panelMessages';
import { renderOffscreen } from './charts';
import { describeSeries, drawReproductionChart } from './reproductionCharts';
import type { Theme } from './theme';

export interface ReproductionActions {
  openReport(reportPath: string): void;
  exportPng(chartId: string): void;
}

const EXPERIMENT_TITLES: Readonly<Record<ExperimentName, string>> = {
  symmoline: 'SymMoLinE — paper Figs. 1–2',
  fmnist: 'Random-Invert Fashion-MNIST — paper Table 2, Fig. 3',
  'equal-time': 'Equal time — not in the paper',
  'snr-sweep': 'SNR sweep — the theory (poster)',
  'summary-table': "Summary table — from the summary, not the authors' material",
};

export class ReproductionView {
  private charts: { readonly id: string; readonly chart: Chart; readonly spec: ChartSpec }[] = [];
  private theme: Theme | undefined;
  private shown: PanelReproduction | undefined;
  /** Canvases built but not drawn yet: chart.js sizes a chart from its box, so it draws once the page holds it. */
  private pending: { readonly spec: ChartSpec; readonly canvas: HTMLCanvasElement; readonly card: HTMLElement }[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly actions: ReproductionActions,
  ) {}

  get current(): PanelReproduction | undefined {
    return this.shown;
  }

  /** Draws `reproduction` (replacing what was shown); returns the number of charts drawn. */
  render(reproduction: PanelReproduction, theme: Theme): number {
    this.clear();
    this.shown = reproduction;
    this.theme = theme;
    this.root.append(this.header(reproduction), checksList(reproduction));
    for (const experiment of EXPERIMENT_NAMES) {
      const charts = reproduction.charts.filter((c) => c.experiment === experiment);
      const skipped = reproduction.skipped.find((s) => s.name === experiment);
      if (charts.length > 0 || skipped) this.root.append(this.section(experiment, charts, skipped?.reason, theme));
    }
    for (const { spec, canvas, card } of this.pending) {
      const chart = drawReproductionChart(canvas, spec, theme);
      this.charts.push({ id: spec.id, chart, spec });
      // What chart.js made of the spec, for tests: the axis types and the number of filled bands.
      card.dataset.scales = `${chart.scales.x?.type},${chart.scales.y?.type}`;
      card.dataset.bands = String(chart.data.datasets.filter((d) => d.fill === '-1').length);
      card.dataset.xRange = JSON.stringify([chart.scales.x?.min, chart.scales.x?.max]);
      // The legend's keys as drawn: a line in its series' dash, or the paper's marker.
      card.dataset.legend = JSON.stringify((chart.legend?.legendItems ?? []).map((item) => ({ text: item.text, lineDash: item.lineDash ?? [], pointStyle: item.pointStyle })));
      // References drawn as level lines (K = 1, the ceiling, a paper value beyond the run), with their points.
      card.dataset.levels = JSON.stringify(
        chart.data.datasets
          .filter((d) => d.data.length === 2 && (d.data as { y: number | null }[]).every((p, _, all) => p.y === all[0].y) && d.pointRadius === 0)
          .map((d) => ({ label: d.label, points: d.data })),
      );
    }
    this.pending = [];
    return this.charts.length;
  }

  /** The chart as a PNG data URL, drawn again at 2× with the reproduction's and the chart's titles, on the editor background. */
  toPng(chartId: string, background: string): string | undefined {
    const entry = this.charts.find((c) => c.id === chartId);
    if (!entry || !this.theme || !this.shown) return undefined;
    const theme = this.theme;
    const title = [this.shown.title, entry.spec.title];
    return renderOffscreen(800, 480, (canvas) => drawReproductionChart(canvas, entry.spec, theme, { title, background }));
  }

  clear(): void {
    for (const { chart } of this.charts) chart.destroy();
    this.charts = [];
    this.shown = undefined;
    this.root.replaceChildren();
  }

  private header(reproduction: PanelReproduction): HTMLElement {
    const header = el('header', 'run-header');
    const titleRow = el('div', 'title-row');
    const status = el('span', `badge ${reproduction.status}`, reproduction.status);
    titleRow.append(el('h2', 'run-name', reproduction.title), status);
    const facts = [`${reproduction.charts.length} charts`, `${reproduction.seconds.toFixed(1)} s`, 'mean curves, bands: 10–90 % of the instances'];
    const toolbar = el('div', 'toolbar');
    const open = el('button', 'secondary', 'Open report.md');
    open.dataset.action = 'open-report';
    open.title = reproduction.reportPath;
    open.addEventListener('click', () => this.actions.openReport(reproduction.reportPath));
    toolbar.append(open);
    header.append(titleRow, el('p', 'dataset', facts.join(' · ')), toolbar);
    if (reproduction.status === 'cancelled') header.append(el('p', 'run-error', 'Cancelled: the experiments that finished are shown; the report lists the others.'));
    return header;
  }

  private section(experiment: ExperimentName, charts: readonly ChartSpec[], skipped: string | undefined, theme: Theme): HTMLElement {
    const section = el('section', 'experiment');
    section.dataset.experiment = experiment;
    section.append(el('h3', 'section-title', EXPERIMENT_TITLES[experiment]));
    if (skipped) section.append(el('p', 'note', `Not reported: ${skipped.split('\n')[0]}`));
    const grid = el('div', 'charts');
    section.append(grid);
    for (const spec of charts) grid.append(this.card(spec, theme));
    return section;
  }

  private card(spec: ChartSpec, theme: Theme): HTMLElement {
    const card = el('section', 'chart-card');
    card.dataset.chartId = spec.id;
    card.dataset.experiment = spec.experiment;
    card.dataset.datasets = JSON.stringify(describeSeries(spec, theme));
    const header = el('header');
    const png = el('button', 'secondary small', 'PNG');
    png.dataset.action = 'export-png';
    png.title = `Save "${spec.title}" as a PNG image`;
    png.addEventListener('click', () => this.actions.exportPng(spec.id));
    header.append(el('h3', undefined, spec.title), png);
    const box = el('div', 'canvas-box tall');
    const canvas = el('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', spec.title);
    box.append(canvas);
    card.append(header, box);
    this.pending.push({ spec, canvas, card });
    return card;
  }
}

function checksList(reproduction: PanelReproduction): HTMLElement {
  const list = el('ul', 'checks');
  for (const check of reproduction.checks) {
    const item = el('li', check.passed ? 'passed' : 'failed', `${check.passed ? '✓' : '✗'} ${check.name} (${check.experiment})`);
    list.append(item);
  }
  list.hidden = reproduction.checks.length === 0;
  return list;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
