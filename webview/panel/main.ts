/**
 * The convergence panel's webview: builds the page, restores the last run from the webview state, says `ready`,
 * then applies the host's snapshot and append-only updates (each validated first; anything malformed is ignored
 * and counted). Charts live in `charts.ts`, the table in `table.ts`; exports go to the host, which asks where to
 * save (downloads do not work in webviews). A `reproduction` message switches to the reproduction view
 * (`reproductionView.ts`); the next `snapshot` switches back to the run view. Both are kept in the webview state.
 */
import { SOLVER_LABELS } from '../../src/core/solvers/labels';
import { isPanelReproduction, isSnapshot, parseToWebview, type PanelReproduction, type ToWebviewMessage } from '../../src/protocol/panelMessages';
import { ChartDeck } from './charts';
import { renderOptima } from './optima';
import { ReproductionView } from './reproductionView';
import { PanelStore } from './store';
import { renderTable } from './table';
import { readTheme, watchTheme, type Theme } from './theme';
import { tracesCsv } from './tracesCsv';
import { vscodeApi, type PanelState, type PanelView, type XAxis } from './vscodeApi';
import { durationText } from './headerText';

const api = vscodeApi();
const store = new PanelStore();
let axis: XAxis = 'iteration';
let view: PanelView = 'run';
let theme: Theme = readTheme();
let ignored = 0;
let updates = 0;
let saveTimer: ReturnType<typeof setTimeout> | undefined;
/** The optimum whose runs the charts show (undefined: every run). */
let pickedOptimum: number | undefined;

const ui = buildPage(document.getElementById('app') ?? document.body);
const deck = new ChartDeck(ui.charts, exportPng);
const reproductionView = new ReproductionView(ui.reproduction, {
  openReport: (reportPath) => api.postMessage({ type: 'openReport', reportPath }),
  exportPng: exportReproductionPng,
});

const restoredReproduction = restoreState();
window.addEventListener('message', (event: MessageEvent) => {
  const message = parseToWebview(event.data);
  if (!message) {
    ignored++;
    document.body.dataset.ignoredMessages = String(ignored);
    return;
  }
  try {
    handle(message);
  } catch (error) {
    api.postMessage({ type: 'log', level: 'error', message: `panel failed on "${message.type}": ${(error as Error)?.stack ?? error}` });
  }
});
watchTheme(() => {
  theme = readTheme();
  deck.restyle(store, theme);
  renderTable(ui.table, store, theme);
  renderLegend();
  if (view === 'reproduction' && reproductionView.current) reproductionView.render(reproductionView.current, theme);
});
api.postMessage({
  type: 'ready',
  ...(restoredReproduction ? { reproductionId: restoredReproduction.id } : store.runId ? { runId: store.runId } : {}),
});
if (restoredReproduction) announceReproduction(restoredReproduction);

function handle(message: ToWebviewMessage): void {
  switch (message.type) {
    case 'snapshot':
      view = 'run';
      pickedOptimum = undefined;
      deck.focus(undefined);
      store.load(message.snapshot);
      renderAll();
      saveState(true);
      return;
    case 'reproduction':
      showReproduction(message.reproduction);
      announceReproduction(message.reproduction);
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
        deck.rebuild(store, axis, theme);
      } else {
        deck.append(store, outcome.appended, axis, theme);
        if (outcome.endChanged || outcome.resultsChanged) deck.restyle(store, theme);
      }
      renderHeader();
      renderTable(ui.table, store, theme);
      renderOptimaSection();
      renderWarnings();
      if (outcome.newSeries) renderLegend();
      saveState(outcome.endChanged);
      return;
    }
    case 'exported':
      toast(message.file ? `Saved ${message.file}` : 'Export cancelled');
      return;
  }
}

/** Shows the run view, the reproduction view or the empty state (the others are hidden). */
function showView(which: 'run' | 'reproduction' | 'empty'): void {
  ui.empty.hidden = which !== 'empty';
  ui.main.hidden = which !== 'run';
  ui.reproduction.hidden = which !== 'reproduction';
  document.body.dataset.view = which;
}

function renderAll(): void {
  const hasRun = store.header !== undefined;
  showView(hasRun ? 'run' : 'empty');
  if (!hasRun) return;
  renderHeader();
  renderLegend();
  deck.rebuild(store, axis, theme);
  renderTable(ui.table, store, theme);
  renderOptimaSection();
  renderWarnings();
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
    `${solvers.map((s) => SOLVER_LABELS[s]).join(', ')}`,
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
  for (const button of ui.axisButtons) button.setAttribute('aria-pressed', String(button.dataset.axis === axis));
  document.body.dataset.runId = header.runId;
  document.body.dataset.status = store.end.status;
}

function renderLegend(): void {
  ui.legend.replaceChildren();
  for (const solver of store.header?.solvers ?? []) {
    const item = document.createElement('span');
    item.className = 'legend-item';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = theme.solver[solver];
    item.append(swatch, SOLVER_LABELS[solver]);
    ui.legend.append(item);
  }
  const note = document.createElement('span');
  note.className = 'legend-note';
  note.textContent = (store.header?.restarts ?? 1) > 1 ? 'thick: best restart · faded: other restarts · dashed: test rows / gate' : 'dashed: test rows / gate';
  ui.legend.append(note);
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

function exportReproductionPng(chartId: string): void {
  const reproduction = reproductionView.current;
  const dataUrl = reproductionView.toPng(chartId, theme.background);
  if (!dataUrl || !reproduction) return;
  api.postMessage({ type: 'exportPng', chart: chartId, suggestedName: `${reproduction.id}-${chartId}.png`, dataUrl });
}

function setAxis(next: XAxis): void {
  if (next === axis) return;
  axis = next;
  if (store.header) deck.rebuild(store, axis, theme);
  renderHeader();
  saveState(true);
}

function exportPng(chartId: string): void {
  const dataUrl = deck.toPng(chartId, theme.background);
  if (!dataUrl || !store.header) return;
  api.postMessage({ type: 'exportPng', chart: chartId, suggestedName: `${store.header.runId}-${chartId}.png`, dataUrl });
}

function exportCsv(): void {
  if (!store.header) return;
  api.postMessage({ type: 'exportCsv', suggestedName: `${store.header.runId}-traces.csv`, csv: tracesCsv(store) });
}

/** Saves the run into the webview state (at most twice a second while streaming; at once when asked). */
function saveState(now: boolean): void {
  const write = () => {
    saveTimer = undefined;
    const reproduction = reproductionView.current;
    const state: PanelState = { version: 1, snapshot: store.toSnapshot(), xAxis: axis, view, ...(reproduction ? { reproduction } : {}) };
    api.setState(state);
  };
  if (now) {
    if (saveTimer) clearTimeout(saveTimer);
    write();
  } else if (!saveTimer) {
    saveTimer = setTimeout(write, 500);
  }
}

/** Shows what the saved state holds; returns the reproduction, when that is what it showed. */
function restoreState(): PanelReproduction | undefined {
  const state = api.getState() as Partial<PanelState> | undefined;
  if (state && (state.xAxis === 'iteration' || state.xAxis === 'seconds')) axis = state.xAxis;
  if (state && isSnapshot(state.snapshot)) store.load(state.snapshot);
  renderAll();
  // State is data like any message: a reproduction is drawn only if it passes the same check.
  if (state?.view !== 'reproduction' || !isPanelReproduction(state.reproduction)) return undefined;
  showReproduction(state.reproduction);
  return state.reproduction;
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
  const toolbar = el('div', 'toolbar');
  const segmented = el('div', 'segmented');
  segmented.setAttribute('role', 'group');
  segmented.setAttribute('aria-label', 'x axis');
  const axisButtons = (['iteration', 'seconds'] as const).map((value) => {
    const button = el('button', 'secondary', value === 'iteration' ? 'Iterations' : 'Seconds');
    button.dataset.axis = value;
    button.addEventListener('click', () => setAxis(value));
    return button;
  });
  segmented.append(...axisButtons);
  const csv = el('button', 'secondary', 'Export CSV');
  csv.dataset.action = 'export-csv';
  csv.title = 'Save every trace as CSV (one row per solver, restart and iteration)';
  csv.addEventListener('click', exportCsv);
  const reveal = el('button', 'secondary', 'Results Folder');
  reveal.addEventListener('click', () => store.end.resultsDir && api.postMessage({ type: 'revealResults', resultsDir: store.end.resultsDir }));
  const stop = el('button', 'danger', 'Stop');
  stop.title = 'Stop the run; results so far are kept';
  stop.addEventListener('click', () => store.runId && api.postMessage({ type: 'stopRun', runId: store.runId }));
  toolbar.append(segmented, csv, reveal, stop);
  header.append(titleRow, dataset, toolbar);
  const legend = el('div', 'legend');
  const error = el('p', 'run-error');
  error.hidden = true;
  const charts = el('div', 'charts');
  const tableTitle = el('h3', 'section-title', 'Summary');
  const table = el('div', 'table-box');
  const optima = el('div', 'optima-box');
  optima.hidden = true;
  const warnings = el('details', 'warnings');
  const warningsSummary = el('summary');
  const warningsList = el('ul');
  warnings.append(warningsSummary, warningsList);
  main.append(header, legend, error, charts, tableTitle, table, optima, warnings);
  const toastBox = el('div', 'toast');
  toastBox.setAttribute('role', 'status');
  toastBox.hidden = true;
  const reproduction = el('div', 'reproduction');
  reproduction.hidden = true;
  root.append(empty, main, reproduction, toastBox);
  return { empty, main, reproduction, name, status, dataset, axisButtons, stop, reveal, legend, error, charts, table, optima, warnings, warningsSummary, warningsList, toast: toastBox };
}
