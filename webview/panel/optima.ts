/**
 * The distinct optima of a finished multi-start run (issue 14): one row per optimum — ℓ, AIC, BIC, how many runs
 * reached it and which — grouped from the final results with the core's own rule (src/core/diagnostics/optima.ts),
 * so stored runs written before optima were recorded get them too. "Show curves" keeps only that optimum's runs
 * in the charts; "Show all" brings the others back. Runs that did not converge are listed below, as no optimum.
 */
import { formatRuns, groupOptima, OPTIMUM_OBJECTIVE_TOLERANCE, type Optimum } from '../../src/core/diagnostics/optima';
import { keyOf, type PanelStore } from './store';
import { runSolverLabel } from '../../src/core/solvers/labels';
import type { SolverName } from '../../src/core/spec/types';

export interface OptimaView {
  /** Index of the optimum whose runs the charts show, or undefined when they show every run. */
  readonly picked: number | undefined;
  /** `keys` (`keyOf`) are the picked optimum's runs; both undefined: show every run. */
  readonly onPick: (index: number | undefined, keys: ReadonlySet<string> | undefined) => void;
}

/** The optima of the store's final results (none while the run is going on: its results are not final yet). */
export function optimaOf(store: PanelStore): { optima: Optimum[]; notConverged: string } {
  if (store.end.status === 'running') return { optima: [], notConverged: '' };
  const { optima, notStationary } = groupOptima([...store.results.values()]);
  return { optima, notConverged: formatRuns(notStationary, (solver) => runSolverLabel(solver, store.header)) };
}

export function runKeys(optimum: Optimum): ReadonlySet<string> {
  return new Set(optimum.reachedBy.map((run) => keyOf(run.solver, run.restart)));
}

export function renderOptima(container: HTMLElement, store: PanelStore, view: OptimaView): void {
  container.replaceChildren();
  const { optima, notConverged } = optimaOf(store);
  container.hidden = store.end.status === 'running' || store.results.size === 0;
  if (container.hidden) return;
  const title = document.createElement('h3');
  title.className = 'section-title';
  title.textContent = 'Distinct optima';
  const note = document.createElement('p');
  note.className = 'note';
  note.textContent =
    `Runs that converged, grouped: the same ℓ within ${OPTIMUM_OBJECTIVE_TOLERANCE.toExponential(0)}·(1 + |ℓ|) and the same parameters ` +
    'up to a relabelling of the experts. Every run’s experts are in the order of the best optimum, so expert 1 is the same expert in every run.';
  container.append(title, note);
  if (optima.length === 0) {
    const none = document.createElement('p');
    none.textContent = 'No run converged, so no optimum was reached.';
    container.append(none);
  } else {
    container.append(optimaTable(optima, store.results.size, view, (solver) => runSolverLabel(solver, store.header)));
  }
  if (notConverged) {
    const others = document.createElement('p');
    others.className = 'note not-converged';
    others.textContent = `Not an optimum (did not converge): ${notConverged}.`;
    container.append(others);
  }
}

function optimaTable(optima: readonly Optimum[], runCount: number, view: OptimaView, label: (solver: SolverName) => string): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'optima';
  const head = table.createTHead().insertRow();
  for (const [text, className, tip] of [
    ['#', 'num', 'best first'],
    ['ℓ (train)', 'num', ''],
    ['AIC', 'num', 'lower is better'],
    ['BIC', 'num', 'lower is better'],
    ['Runs', 'num', `runs (solver and restart) that stopped at this optimum, of ${runCount}`],
    ['Reached by', '', ''],
    ['', '', ''],
  ]) {
    const th = document.createElement('th');
    th.textContent = text;
    if (className) th.className = className;
    if (tip) th.title = tip;
    head.append(th);
  }
  const body = table.createTBody();
  optima.forEach((optimum, index) => {
    const tr = body.insertRow();
    tr.dataset.optimum = String(index + 1);
    if (view.picked === index) tr.classList.add('picked');
    const cells = [String(index + 1), optimum.logLik.toFixed(4), optimum.aic.toFixed(2), optimum.bic.toFixed(2), `${optimum.starts} of ${runCount}`, formatRuns(optimum.reachedBy, label)];
    cells.forEach((text, column) => {
      const td = tr.insertCell();
      td.textContent = text;
      if (column < 5) td.className = 'num';
    });
    for (const label of optimum.degenerate ?? []) {
      const badge = document.createElement('span');
      badge.className = 'badge degenerate';
      badge.textContent = label;
      badge.title = 'a degenerate fit (docs/degenerate-fits.md): a stationary point, but not one to call best';
      tr.cells[tr.cells.length - 1].append(' ', badge);
    }
    const button = document.createElement('button');
    const picked = view.picked === index;
    button.className = 'secondary small';
    button.dataset.action = 'pick-optimum';
    button.textContent = picked ? 'Show all' : 'Show curves';
    button.title = picked ? 'Show every run in the charts again' : `Show only the runs that reached optimum ${index + 1} in the charts`;
    button.setAttribute('aria-pressed', String(picked));
    button.addEventListener('click', () => (picked ? view.onPick(undefined, undefined) : view.onPick(index, runKeys(optimum))));
    tr.insertCell().append(button);
  });
  return table;
}
