/**
 * The panel's comparison view (issue 17.2): several stored runs overlaid on the same charts — colour by solver,
 * line style by run — under a table naming the runs with their results, the table of their spec differences, and
 * the list of charts left out with why (`comparePlan.ts` decides). The charts are the run view's `ChartDeck` on its
 * multi-run path, so they zoom, pan, smooth, take a log x axis and toggle by legend like any other (issue 17.4);
 * a comparison's runs have ended, so the deck is filled once and drawn again only when the view or theme changes.
 */
import { SOLVER_LABELS } from '../../src/core/solvers/labels';
import type { PanelComparison } from '../../src/protocol/panelMessages';
import { ChartDeck, formatNumber, type DeckView, type RunSource } from './charts';
import { chartToolbar, type ChartToolbar, type ChartToolbarControls } from './chartToolbar';
import { deckSpecs, planComparison, runDash } from './comparePlan';
import { lineSample, renderLegend } from './legend';
import { PanelStore } from './store';
import type { Theme } from './theme';

/** What was drawn (for the host's status and the tests). */
export interface ComparisonDrawn {
  readonly charts: number;
  readonly datasets: number;
  readonly hidden: readonly string[];
}

/** What the comparison's toolbar changes (the panel keeps one x axis, log x and smoothing for both views), and PNG export. */
export interface CompareViewControls extends Omit<ChartToolbarControls, 'resetZoom'> {
  readonly exportPng: (chartId: string) => void;
}

export class ComparisonView {
  current: PanelComparison | undefined;
  private readonly heading: HTMLElement;
  private readonly intro: HTMLElement;
  private readonly toolbar: ChartToolbar;
  private readonly legend: HTMLElement;
  private readonly runs: HTMLElement;
  private readonly differences: HTMLElement;
  private readonly hidden: HTMLUListElement;
  private readonly deck: ChartDeck;
  /** The view's page parts, in the page only while a comparison is shown (its toolbar would double the run view's). */
  private readonly parts: HTMLElement[];
  private sources: RunSource[] = [];
  private theme: Theme | undefined;

  constructor(
    private readonly root: HTMLElement,
    controls: CompareViewControls,
  ) {
    this.heading = el('h2', 'run-name');
    this.intro = el('p', 'dataset');
    this.toolbar = chartToolbar({ ...controls, resetZoom: () => this.deck.resetZoom() });
    this.legend = el('div', 'legend');
    this.runs = el('div', 'table-box');
    this.differences = el('div', 'spec-diff-box');
    this.hidden = el('ul', 'hidden-charts');
    const grid = el('div', 'charts');
    this.deck = new ChartDeck(grid, controls.exportPng, () => this.renderLegend());
    this.parts = [
      this.heading,
      this.intro,
      this.toolbar.bar,
      el('h3', 'section-title', 'Runs'),
      this.runs,
      el('h3', 'section-title', 'Spec differences'),
      this.differences,
      this.hidden,
      this.legend,
      grid,
    ];
  }

  /** Draws a comparison (a new one starts unzoomed with every run shown; the same one again keeps both). */
  render(comparison: PanelComparison, view: DeckView, theme: Theme): ComparisonDrawn {
    if (this.current?.id !== comparison.id) {
      this.deck.destroy();
      this.deck.showAllGroups();
    }
    if (!this.heading.isConnected) this.root.replaceChildren(...this.parts);
    this.current = comparison;
    this.theme = theme;
    const plan = planComparison(comparison);
    this.heading.textContent = comparison.title;
    this.intro.textContent = `${comparison.runs.length} runs · best restart of each solver · training rows · colour: solver, line style: run`;
    this.runs.replaceChildren(runsTable(comparison, theme));
    this.differences.replaceChildren(differencesTable(comparison));
    this.hidden.replaceChildren(...plan.hidden.map((chart) => el('li', undefined, `${chart.title} is hidden: ${chart.reason}.`)));
    this.hidden.hidden = plan.hidden.length === 0;
    this.sources = comparison.runs.map((run, index) => {
      const store = new PanelStore();
      store.load(run.snapshot);
      return { store, runKey: `run${index + 1}`, runLabel: `run ${index + 1}`, dash: runDash(index), restartInLabel: false };
    });
    this.deck.rebuild(this.sources, view, theme, deckSpecs(plan));
    this.toolbar.show(view);
    this.renderLegend();
    this.root.dataset.comparisonId = comparison.id;
    return { charts: this.deck.descriptions().length, datasets: this.deck.lineCount(), hidden: plan.hidden.map((h) => `${h.title}: ${h.reason}`) };
  }

  /** The x axis, log x or smoothing changed: every point is drawn again, zoomed y ranges kept. */
  redraw(view: DeckView): void {
    if (!this.current || !this.theme) return;
    this.deck.rebuild(this.sources, view, this.theme);
    this.toolbar.show(view);
  }

  restyle(theme: Theme): void {
    if (!this.current) return;
    this.theme = theme;
    this.deck.restyle(theme);
    this.runs.replaceChildren(runsTable(this.current, theme));
    this.renderLegend();
  }

  /** The chart as a PNG data URL: 2×, with the comparison's title, the chart's, a legend naming the runs and axis titles. */
  toPng(chartId: string, background: string): string | undefined {
    return this.current ? this.deck.toPng(chartId, background, this.current.title) : undefined;
  }

  /** Forgets the comparison (the panel shows something else; its charts are not left in the page). */
  clear(): void {
    this.deck.destroy();
    this.legend.replaceChildren();
    this.root.replaceChildren();
    this.current = undefined;
    this.sources = [];
  }

  private renderLegend(): void {
    if (this.theme) renderLegend(this.legend, this.deck, this.theme, 'colour: solver · line style: run (see the runs table)', true);
  }
}

/** Each run's line style, name, status and results. */
function runsTable(comparison: PanelComparison, theme: Theme): HTMLElement {
  const table = el('table', 'summary compare-runs');
  const head = el('tr');
  for (const title of ['Line', 'Run', 'Status', 'Solvers', 'Best ℓ', 'Test', 'K', 'Time']) head.append(el('th', title === 'Best ℓ' || title === 'K' || title === 'Time' ? 'num' : undefined, title));
  table.append(head);
  for (const [index, run] of comparison.runs.entries()) {
    const { header, results, end } = run.snapshot;
    const best = results.reduce<(typeof results)[number] | undefined>((a, b) => (isNumber(b.logLik) && (!a || !isNumber(a.logLik) || b.logLik > a.logLik) ? b : a), undefined);
    const test = best ? (header.dataset.family === 'gaussian' ? numberText(best.testRmse, (v) => `RMSE ${v.toPrecision(4)}`) : numberText(best.testAccuracy, (v) => `${(100 * v).toFixed(1)}%`)) : '—';
    const row = el('tr');
    const line = el('td');
    line.append(lineSample(runDash(index), theme.foreground, `line style of run ${index + 1}`));
    const solvers = el('td', 'solvers');
    for (const solver of header.solvers) {
      const swatch = el('span', 'swatch');
      swatch.style.background = theme.solver[solver];
      solvers.append(swatch, `${SOLVER_LABELS[solver]} `);
    }
    row.append(
      line,
      el('td', undefined, run.label),
      el('td', undefined, end.status),
      solvers,
      el('td', 'num', best && isNumber(best.logLik) ? `${formatNumber(Number(best.logLik.toPrecision(6)))} (${SOLVER_LABELS[best.solver]})` : '—'),
      el('td', undefined, test),
      el('td', 'num', String(header.experts)),
      el('td', 'num', end.seconds !== undefined ? `${end.seconds.toFixed(2)} s` : '—'),
    );
    row.title = `${header.runId} · ${header.dataset.source}`;
    table.append(row);
  }
  return table;
}

function differencesTable(comparison: PanelComparison): HTMLElement {
  if (comparison.differences.length === 0) {
    return el('p', 'note spec-diff-none', 'The stored specs are identical: the runs differ only in when they ran (and in anything not in the spec, such as the data file’s contents).');
  }
  const table = el('table', 'summary spec-diff');
  const head = el('tr');
  head.append(el('th', undefined, 'Field'), ...comparison.runs.map((_, i) => el('th', undefined, `run ${i + 1}`)));
  table.append(head);
  for (const difference of comparison.differences) {
    const row = el('tr');
    row.dataset.path = difference.path;
    row.append(el('td', 'field', difference.path), ...difference.values.map((value) => el('td', value === null ? 'absent' : undefined, value ?? '(not set)')));
    table.append(row);
  }
  const box = el('div', 'table-box');
  box.append(table);
  return box;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function numberText(value: number | null | undefined, format: (v: number) => string): string {
  return isNumber(value) ? format(value) : '—';
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
