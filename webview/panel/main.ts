/**
 * The convergence panel's webview: builds the page, restores the last run from the webview state, says `ready`,
 * then applies the host's snapshot and append-only updates (each validated first; anything malformed is ignored
 * and counted). Charts live in `charts.ts`, the table in `table.ts`; exports go to the host, which asks where to
 * save (downloads do not work in webviews). A `reproduction` message switches to the reproduction view
 * (`reproductionView.ts`); the next `snapshot` switches back to the run view. Both are kept in the webview state.
 * A `comparison` message switches to the comparison view (`compareView.ts`, several runs overlaid), kept likewise.
 */
import { runSolverLabel } from '../../src/core/solvers/labels';
import {
  isPanelComparison,
  isPanelReproduction,
  isSnapshot,
  parseToWebview,
  type PanelComparison,
  type PanelReproduction,
  type ToWebviewMessage,
} from '../../src/protocol/panelMessages';
import { ChartDeck, type DeckView } from './charts';
import { chartToolbar } from './chartToolbar';
import { ComparisonView } from './compareView';
import { ExpertCharts } from './expertCharts';
import { renderOptima } from './optima';
import { ReproductionView } from './reproductionView';
import { PanelStore } from './store';
import { renderTable } from './table';
import { readTheme, watchTheme, type Theme } from './theme';
import { tracesCsv } from './tracesCsv';
import { vscodeApi, type PanelState, type PanelView, type XAxis } from './vscodeApi';
import { durationText } from './headerText';
import { renderLegend as renderLegendButtons } from './legend';

const api = vscodeApi();
const store = new PanelStore();
let axis: XAxis = 'iteration';
/** Log x axis (iterations or seconds) and EMA smoothing weight (0: off): how the charts are drawn. */
let logX = false;
let smoothing = 0;
let view: PanelView = 'run';
let theme: Theme = readTheme();
let ignored = 0;
let updates = 0;
let saveTimer: ReturnType<typeof setTimeout> | undefined;
/** When the message being handled arrived (its handling time goes with the acknowledgement). */
let handlingSince = 0;
/** How long the last state save took (ms), and the shortest wait between saves while streaming. */
let saveMs = 0;
const STATE_SAVE_MS = 500;
/** Waits between saves are at least this many times the last save's duration (saving ≤ 5 % of the time). */
const SAVE_SPACING = 20;
/** The optimum whose runs the charts show (undefined: every run). */
let pickedOptimum: number | undefined;
/** What the comparison view drew last (told to the host). */
let comparisonDrawn: { charts: number; datasets: number; hidden: readonly string[] } | undefined;

const ui = buildPage(document.getElementById('app') ?? document.body);
const deck = new ChartDeck(ui.charts, exportPng, renderLegend);
const experts = new ExpertCharts(ui.experts, exportExpertPng);
const reproductionView = new ReproductionView(ui.reproduction, {
  openReport: (reportPath) => api.postMessage({ type: 'openReport', reportPath }),
  exportPng: exportReproductionPng,
});
const comparisonView = new ComparisonView(ui.compare, { exportPng: exportComparisonPng, setAxis, setLogX, setSmoothing });

const restored = restoreState();
const restoredReproduction = restored?.kind === 'reproduction' ? restored.reproduction : undefined;
const restoredComparison = restored?.kind === 'comparison' ? restored.comparison : undefined;
window.addEventListener('message', (event: MessageEvent) => {
  const message = parseToWebview(event.data);
  if (!message) {
    ignored++;
    document.body.dataset.ignoredMessages = String(ignored);
    return;
  }
  try {
    handlingSince = performance.now();
    handle(message);
  } catch (error) {
    api.postMessage({ type: 'log', level: 'error', message: `panel failed on "${message.type}": ${(error as Error)?.stack ?? error}` });
  }
});
watchTheme(() => {
  theme = readTheme();
  deck.restyle(theme);
  experts.render(store, theme);
  renderTable(ui.table, store, theme);
  renderLegend();
  if (view === 'reproduction' && reproductionView.current) reproductionView.render(reproductionView.current, theme);
  if (view === 'compare') comparisonView.restyle(theme);
});
api.postMessage({
  type: 'ready',
  ...(restoredReproduction
    ? { reproductionId: restoredReproduction.id }
    : restoredComparison
      ? { comparisonId: restoredComparison.id }
      : store.runId
        ? { runId: store.runId }
        : {}),
});
if (restoredReproduction) announceReproduction(restoredReproduction);
if (restoredComparison) announceComparison(restoredComparison);

function handle(message: ToWebviewMessage): void {
  switch (message.type) {
    case 'snapshot':
      view = 'run';
      pickedOptimum = undefined;
      if (message.snapshot.header.runId !== store.runId) deck.showAllGroups();
      deck.focus(undefined);
      store.load(message.snapshot);
      renderAll();
      announceRun();
      saveState(true);
      return;
    case 'reproduction':
      showReproduction(message.reproduction);
      announceReproduction(message.reproduction);
      saveState(true);
      return;
    case 'comparison':
      showComparison(message.comparison);
      announceComparison(message.comparison);
      saveState(true);
      return;
    case 'update': {
      const outcome = store.apply(message);
      if (outcome.kind !== 'applied') {
        api.postMessage({ type: 'resync', runId: message.runId });
        return;
      }
      updates++;
      document.body.dataset.updates = String(updates);
      if (deck.needsRebuild(store)) {
        deck.rebuild(store, deckView(), theme);
      } else {
        deck.append(store, outcome.appended);
        if (outcome.endChanged || outcome.resultsChanged) deck.restyle(theme);
      }
      if (outcome.resultsChanged || outcome.endChanged || outcome.newSeries) experts.render(store, theme);
      else experts.append(store, outcome.appended);
      renderHeader();
      renderTable(ui.table, store, theme);
      renderOptimaSection();
      renderWarnings();
      if (outcome.newSeries) renderLegend();
      announceRun();
      saveState(outcome.endChanged);
      return;
    }
    case 'exported':
      toast(message.file ? `Saved ${message.file}` : 'Export cancelled');
      return;
  }
}

/**
 * Tells the host the run is drawn, with how many reports (after each snapshot and update): the host sends the next
 * update only then, so a slow panel gets fewer, larger updates instead of a queue it cannot catch up with.
 */
function announceRun(): void {
  if (!store.runId) return;
  let reports = 0;
  for (const series of store.series.values()) reports += series.reports.length;
  api.postMessage({ type: 'runShown', runId: store.runId, reports, ms: Math.round(performance.now() - handlingSince) });
}

/** Shows the run view, the reproduction view or the empty state (the others are hidden). */
function showView(which: 'run' | 'reproduction' | 'compare' | 'empty'): void {
  ui.empty.hidden = which !== 'empty';
  ui.main.hidden = which !== 'run';
  ui.reproduction.hidden = which !== 'reproduction';
  ui.compare.hidden = which !== 'compare';
  // A comparison's charts are not left behind in the page once it shows something else.
  if (which !== 'compare') comparisonView.clear();
  document.body.dataset.view = which;
}

function renderAll(): void {
  const hasRun = store.header !== undefined;
  showView(hasRun ? 'run' : 'empty');
  if (!hasRun) return;
  renderHeader();
  deck.rebuild(store, deckView(), theme);
  renderLegend();
  experts.render(store, theme);
  renderTable(ui.table, store, theme);
  renderOptimaSection();
  renderWarnings();
}

function deckView(): DeckView {
  return { axis, logX, smoothing };
}

function renderOptimaSection(): void {
  renderOptima(ui.optima, store, {
    picked: pickedOptimum,
    onPick: (index, keys) => {
      pickedOptimum = index;
      deck.focus(keys);
      document.body.dataset.pickedOptimum = index === undefined ? '' : String(index + 1);
      renderOptimaSection();
    },
  });
}

function renderHeader(): void {
  const header = store.header;
  if (!header) return;
  const { dataset, experts, parameterCount, solvers, restarts } = header;
  ui.name.textContent = header.name;
  ui.status.textContent = store.end.status === 'running' ? 'running' : store.end.status;
  ui.status.className = `badge ${store.end.status}`;
  const source = dataset.source.split(/[\\/]/).pop();
  const classes = dataset.classes ? `, ${dataset.classes.length} classes` : '';
  const parts = [
    `${source}: ${dataset.rows} training rows${dataset.testRows ? ` + ${dataset.testRows} test` : ''}, ${dataset.features.length} features → ${dataset.target} (${dataset.family}${classes})`,
    experts ? `K = ${experts}` : '',
    parameterCount ? `${parameterCount} parameters` : '',
    `${solvers.map((s) => runSolverLabel(s, header)).join(', ')}`,
    restarts > 1 ? `${restarts} restarts` : '',
    durationText(store.end),
    header.origin === 'stored' ? 'from results folder' : '',
  ];
  ui.dataset.textContent = parts.filter(Boolean).join(' · ');
  ui.error.hidden = !store.end.error;
  ui.error.textContent = store.end.error ?? '';
  ui.stop.hidden = !(store.end.status === 'running' && header.origin === 'live');
  ui.reveal.hidden = !store.end.resultsDir;
  ui.reveal.title = store.end.resultsDir ?? '';
  ui.toolbar.show(deckView());
  document.body.dataset.runId = header.runId;
  document.body.dataset.status = store.end.status;
}

/** One button per solver: a click hides or shows it in every chart. */
function renderLegend(): void {
  renderLegendButtons(ui.legend, deck, theme, (store.header?.restarts ?? 1) > 1 ? 'thick: best restart · faded: other restarts · dashed: test rows / gate' : 'dashed: test rows / gate');
}

function renderWarnings(): void {
  const count = store.warnings.length;
  ui.warnings.hidden = count === 0;
  ui.warningsSummary.textContent = `Warnings (${count})`;
  ui.warningsList.replaceChildren(
    ...store.warnings.map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }),
  );
}

/** Draws a reproduction (the view is made visible first: chart.js sizes its charts from their boxes). */
function showReproduction(reproduction: PanelReproduction): void {
  view = 'reproduction';
  showView('reproduction');
  const drawn = reproductionView.render(reproduction, theme);
  document.body.dataset.reproductionId = reproduction.id;
  document.body.dataset.reproductionCharts = String(drawn);
}

/** Tells the host the reproduction's charts are drawn (after `ready`, so `ready` stays the first message). */
function announceReproduction(reproduction: PanelReproduction): void {
  api.postMessage({ type: 'reproductionShown', reproductionId: reproduction.id, charts: Number(document.body.dataset.reproductionCharts ?? 0) });
}

/** Draws a comparison (the view is made visible first, as for a reproduction). */
function showComparison(comparison: PanelComparison): void {
  view = 'compare';
  showView('compare');
  const drawn = comparisonView.render(comparison, deckView(), theme);
  document.body.dataset.comparisonId = comparison.id;
  document.body.dataset.comparisonCharts = String(drawn.charts);
  comparisonDrawn = drawn;
}

function announceComparison(comparison: PanelComparison): void {
  const drawn = comparisonDrawn ?? { charts: 0, datasets: 0, hidden: [] };
  api.postMessage({ type: 'comparisonShown', comparisonId: comparison.id, charts: drawn.charts, datasets: drawn.datasets, hidden: [...drawn.hidden] });
}

function exportComparisonPng(chartId: string): void {
  const comparison = comparisonView.current;
  const dataUrl = comparisonView.toPng(chartId, theme.background);
  if (!dataUrl || !comparison) return;
  api.postMessage({ type: 'exportPng', chart: chartId, suggestedName: `${comparison.id}-${chartId}.png`, dataUrl });
}

function exportReproductionPng(chartId: string): void {
  const reproduction = reproductionView.current;
  const dataUrl = reproductionView.toPng(chartId, theme.background);
  if (!dataUrl || !reproduction) return;
  api.postMessage({ type: 'exportPng', chart: chartId, suggestedName: `${reproduction.id}-${chartId}.png`, dataUrl });
}

function setAxis(next: XAxis): void {
  if (next === axis) return;
  axis = next;
  redrawCharts();
}

function setLogX(next: boolean): void {
  logX = next;
  redrawCharts();
}

function setSmoothing(next: number): void {
  smoothing = Math.min(0.99, Math.max(0, Number.isFinite(next) ? next : 0));
  redrawCharts();
}

/** The view changed (axis, log x, smoothing): every point is drawn again, the zoomed y ranges kept. */
function redrawCharts(): void {
  if (store.header) deck.rebuild(store, deckView(), theme);
  if (view === 'compare') comparisonView.redraw(deckView());
  renderHeader();
  saveState(true);
}

function exportExpertPng(chartId: string, dataUrl: string): void {
  if (!store.header) return;
  api.postMessage({ type: 'exportPng', chart: chartId, suggestedName: `${store.header.runId}-${chartId}.png`, dataUrl });
}

function exportPng(chartId: string): void {
  const dataUrl = deck.toPng(chartId, theme.background, store.header?.name ?? '');
  if (!dataUrl || !store.header) return;
  api.postMessage({ type: 'exportPng', chart: chartId, suggestedName: `${store.header.runId}-${chartId}.png`, dataUrl });
}

function exportCsv(): void {
  if (!store.header) return;
  api.postMessage({ type: 'exportCsv', suggestedName: `${store.header.runId}-traces.csv`, csv: tracesCsv(store) });
}

/**
 * Saves the run into the webview state: at once when asked, else at most twice a second while streaming — and no
 * more than 5 % of the time: VS Code serializes the whole state to JSON on every save (a long, fast run's trace is
 * tens of megabytes, 0.1–0.3 s a save), so a slow save spaces out the next ones.
 */
function saveState(now: boolean): void {
  const write = () => {
    saveTimer = undefined;
    const reproduction = reproductionView.current;
    const comparison = view === 'compare' ? comparisonView.current : undefined;
    const state: PanelState = { version: 1, snapshot: store.toSnapshot(), xAxis: axis, logX, smoothing, view, ...(reproduction ? { reproduction } : {}), ...(comparison ? { comparison } : {}) };
    const started = performance.now();
    api.setState(state);
    saveMs = performance.now() - started;
  };
  if (now) {
    if (saveTimer) clearTimeout(saveTimer);
    write();
  } else if (!saveTimer) {
    saveTimer = setTimeout(write, Math.max(STATE_SAVE_MS, SAVE_SPACING * saveMs));
  }
}

/** Shows what the saved state holds; returns the reproduction or comparison, when that is what it showed. */
function restoreState(): { kind: 'reproduction'; reproduction: PanelReproduction } | { kind: 'comparison'; comparison: PanelComparison } | undefined {
  const state = api.getState() as Partial<PanelState> | undefined;
  if (state && (state.xAxis === 'iteration' || state.xAxis === 'seconds')) axis = state.xAxis;
  if (state?.logX === true) logX = true;
  if (typeof state?.smoothing === 'number' && state.smoothing > 0 && state.smoothing < 1) smoothing = state.smoothing;
  if (state && isSnapshot(state.snapshot)) store.load(state.snapshot);
  renderAll();
  // State is data like any message: a reproduction or a comparison is drawn only if it passes the same check.
  if (state?.view === 'compare' && isPanelComparison(state.comparison)) {
    showComparison(state.comparison);
    return { kind: 'comparison', comparison: state.comparison };
  }
  if (state?.view !== 'reproduction' || !isPanelReproduction(state.reproduction)) return undefined;
  showReproduction(state.reproduction);
  return { kind: 'reproduction', reproduction: state.reproduction };
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string): void {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (ui.toast.hidden = true), 4000);
}

function buildPage(root: HTMLElement) {
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  root.replaceChildren();
  const empty = el('div', 'empty');
  empty.append(
    el('h2', undefined, 'No run to show yet'),
    el('p', undefined, 'Right-click a CSV file in the explorer and choose "Fit Mixture of Experts…", run an experiment (*.moe.json), or open a past run with "MoE Lab: Open Run Results".'),
  );
  const main = el('div', 'run');
  const header = el('header', 'run-header');
  const titleRow = el('div', 'title-row');
  const name = el('h2', 'run-name');
  const status = el('span', 'badge');
  titleRow.append(name, status);
  const dataset = el('p', 'dataset');
  const toolbar = chartToolbar({ setAxis, setLogX, setSmoothing, resetZoom: () => deck.resetZoom() });
  const csv = el('button', 'secondary', 'Export CSV');
  csv.dataset.action = 'export-csv';
  csv.title = 'Save every trace as CSV (one row per solver, restart and iteration)';
  csv.addEventListener('click', exportCsv);
  const reveal = el('button', 'secondary', 'Results Folder');
  reveal.addEventListener('click', () => store.end.resultsDir && api.postMessage({ type: 'revealResults', resultsDir: store.end.resultsDir }));
  const stop = el('button', 'danger', 'Stop');
  stop.title = 'Stop the run; results so far are kept';
  stop.addEventListener('click', () => store.runId && api.postMessage({ type: 'stopRun', runId: store.runId }));
  toolbar.bar.append(csv, reveal, stop);
  header.append(titleRow, dataset, toolbar.bar);
  const legend = el('div', 'legend');
  const error = el('p', 'run-error');
  error.hidden = true;
  const charts = el('div', 'charts');
  const experts = el('div', 'charts experts');
  const tableTitle = el('h3', 'section-title', 'Summary');
  const table = el('div', 'table-box');
  const optima = el('div', 'optima-box');
  optima.hidden = true;
  const warnings = el('details', 'warnings');
  const warningsSummary = el('summary');
  const warningsList = el('ul');
  warnings.append(warningsSummary, warningsList);
  main.append(header, legend, error, charts, experts, tableTitle, table, optima, warnings);
  const toastBox = el('div', 'toast');
  toastBox.setAttribute('role', 'status');
  toastBox.hidden = true;
  const reproduction = el('div', 'reproduction');
  reproduction.hidden = true;
  const compare = el('div', 'compare');
  compare.hidden = true;
  root.append(empty, main, reproduction, compare, toastBox);
  return { empty, main, reproduction, compare, name, status, dataset, toolbar, stop, reveal, legend, error, charts, experts, table, optima, warnings, warningsSummary, warningsList, toast: toastBox };
}
