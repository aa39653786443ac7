/**
 * The chart toolbar both panel views put above their charts (the run view and the comparison view): the x axis
 * (Iterations / Seconds), Log x, the smoothing slider with its readout, and Reset zoom. The panel keeps one x axis,
 * log x and smoothing for both views; `show` makes the toolbar say what the charts are drawn with. The run view
 * appends its own buttons (export, results folder, stop) to `bar`.
 */
import type { DeckView } from './charts';
import type { XAxis } from './vscodeApi';

/** What the toolbar's controls change. */
export interface ChartToolbarControls {
  readonly setAxis: (axis: XAxis) => void;
  readonly setLogX: (logX: boolean) => void;
  /** Called when the slider is released (while it moves, only the readout follows). */
  readonly setSmoothing: (weight: number) => void;
  readonly resetZoom: () => void;
}

export interface ChartToolbar {
  readonly bar: HTMLElement;
  /** Shows the view's axis, log x and smoothing weight (pressed buttons, slider, readout). */
  show(view: DeckView): void;
}

export function chartToolbar(controls: ChartToolbarControls): ChartToolbar {
  const bar = el('div', 'toolbar');
  const segmented = el('div', 'segmented');
  segmented.setAttribute('role', 'group');
  segmented.setAttribute('aria-label', 'x axis');
  const axisButtons = (['iteration', 'seconds'] as const).map((value) => {
    const button = el('button', 'secondary', value === 'iteration' ? 'Iterations' : 'Seconds');
    button.dataset.axis = value;
    button.addEventListener('click', () => controls.setAxis(value));
    return button;
  });
  segmented.append(...axisButtons);
  const logX = el('button', 'secondary', 'Log x');
  logX.dataset.action = 'log-x';
  logX.title = 'Logarithmic x axis: early iterations (or the first fraction of a second) get room';
  logX.addEventListener('click', () => controls.setLogX(logX.getAttribute('aria-pressed') !== 'true'));
  const label = el('label', 'smoothing');
  label.title = 'Exponential moving average of each curve (0: off); the raw curve stays faintly behind';
  const smoothing = el('input');
  smoothing.type = 'range';
  smoothing.min = '0';
  smoothing.max = '0.99';
  smoothing.step = '0.01';
  smoothing.value = '0';
  smoothing.dataset.action = 'smoothing';
  smoothing.setAttribute('aria-label', 'smoothing (EMA weight)');
  const readout = el('span', 'smoothing-value', 'off');
  const showWeight = (weight: number) => (readout.textContent = weight > 0 ? weight.toFixed(2) : 'off');
  smoothing.addEventListener('input', () => showWeight(Number(smoothing.value)));
  smoothing.addEventListener('change', () => controls.setSmoothing(Number(smoothing.value)));
  label.append('Smoothing ', smoothing, readout);
  const reset = el('button', 'secondary', 'Reset zoom');
  reset.dataset.action = 'reset-zoom-all';
  reset.title = 'Undo the zoom and pan of every chart (Ctrl + wheel zooms a chart, drag pans it)';
  reset.addEventListener('click', controls.resetZoom);
  bar.append(segmented, logX, label, reset);
  return {
    bar,
    show(view) {
      for (const button of axisButtons) button.setAttribute('aria-pressed', String(button.dataset.axis === view.axis));
      logX.setAttribute('aria-pressed', String(view.logX));
      smoothing.value = String(view.smoothing);
      showWeight(view.smoothing);
    },
  };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
