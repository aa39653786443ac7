/**
 * The legend above a deck's charts: one toggle button per legend group (a solver, or a run's solver when several runs
 * are shown); a click hides or shows it in every chart. A group drawn in a dash (a compared run), or any group when
 * `lineSamples`, shows a sample of its line in the solver's colour; otherwise a colour swatch.
 */
import type { ChartDeck } from './charts';
import type { Theme } from './theme';

export function renderLegend(container: HTMLElement, deck: ChartDeck, theme: Theme, note: string, lineSamples = false): void {
  container.replaceChildren();
  for (const group of deck.legendGroups()) {
    const item = document.createElement('button');
    item.className = 'legend-item';
    item.dataset.group = group.group;
    item.setAttribute('aria-pressed', String(!group.hidden));
    item.title = `${group.hidden ? 'Show' : 'Hide'} ${group.label} in every chart`;
    item.append(lineSamples || group.dash.length > 0 ? lineSample(group.dash, theme.solver[group.solver]) : swatch(theme.solver[group.solver]), group.label);
    item.addEventListener('click', () => deck.toggleGroup(group.group));
    container.append(item);
  }
  const text = document.createElement('span');
  text.className = 'legend-note';
  text.textContent = note;
  container.append(text);
}

function swatch(colour: string): HTMLElement {
  const node = document.createElement('span');
  node.className = 'swatch';
  node.style.background = colour;
  return node;
}

/** A short line in `dash` and `colour` (a run's line style). */
export function lineSample(dash: readonly number[], colour: string, label?: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', '44');
  svg.setAttribute('height', '8');
  svg.setAttribute(label ? 'aria-label' : 'aria-hidden', label ?? 'true');
  const line = document.createElementNS(ns, 'line');
  for (const [name, value] of Object.entries({ x1: '0', y1: '4', x2: '44', y2: '4', stroke: colour, 'stroke-width': '2', 'stroke-dasharray': dash.join(' ') })) line.setAttribute(name, value);
  svg.append(line);
  return svg;
}
