/**
 * Colours from the VS Code theme (the CSS variables VS Code sets on the webview's root): one chart colour per
 * solver, the same in every chart and in the table, and the foreground / grid / background of the charts.
 */
import type { SolverName } from '../../src/core/spec/types';

export interface Theme {
  readonly solver: Readonly<Record<SolverName, string>>;
  /** One colour per expert (mixing weights, expert scatter); `expertColour(theme, k)` extends it past its length. */
  readonly expert: readonly string[];
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly background: string;
  readonly fontFamily: string;
  readonly fontSize: number;
}

/** Theme variable and a fallback (VS Code's dark-theme value) per solver. */
const SOLVER_COLOURS: Readonly<Record<SolverName, readonly [string, string]>> = {
  em: ['--vscode-charts-blue', '#3794ff'],
  gem: ['--vscode-charts-purple', '#b180d7'],
  gd: ['--vscode-charts-orange', '#d18616'],
  adam: ['--vscode-charts-green', '#89d185'],
};

/** Expert colours: the theme's chart colours in an order that keeps neighbours apart. */
const EXPERT_COLOURS: readonly (readonly [string, string])[] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-yellow', '#cca700'],
];

/** Expert k's colour (0-based); past the theme's six, hues spaced by the golden angle. */
export function expertColour(theme: Theme, k: number): string {
  return theme.expert[k] ?? `hsl(${Math.round((k * 137.508) % 360)}, 65%, 55%)`;
}

export function readTheme(root: HTMLElement = document.documentElement): Theme {
  const style = getComputedStyle(root);
  const variable = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  // Some themes give chart colours an alpha (Dark Modern's charts.orange is rgba(234, 92, 0, 0.33)): lines and
  // swatches use them opaque, so every solver reads equally well.
  const solver = Object.fromEntries(
    Object.entries(SOLVER_COLOURS).map(([name, [cssVariable, fallback]]) => [name, withAlpha(variable(cssVariable, fallback), 1, true)]),
  ) as Record<SolverName, string>;
  const fontSize = Number.parseFloat(variable('--vscode-font-size', '13px'));
  const expert = EXPERT_COLOURS.map(([cssVariable, fallback]) => withAlpha(variable(cssVariable, fallback), 1, true));
  return {
    solver,
    expert,
    foreground: variable('--vscode-charts-foreground', variable('--vscode-foreground', '#cccccc')),
    muted: variable('--vscode-descriptionForeground', '#9d9d9d'),
    grid: variable('--vscode-charts-lines', 'rgba(128, 128, 128, 0.35)'),
    background: variable('--vscode-editor-background', '#1e1e1e'),
    fontFamily: variable('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: Number.isFinite(fontSize) ? fontSize : 13,
  };
}

/**
 * `colour` with its alpha multiplied by `alpha` (or replaced by it, with `replace`), as `rgba()`; hex, rgb() and
 * rgba() forms are understood, others returned unchanged.
 */
export function withAlpha(colour: string, alpha: number, replace = false): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(colour);
  if (hex) {
    let digits = hex[1];
    if (digits.length === 3 || digits.length === 4) digits = [...digits].map((d) => d + d).join('');
    const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16));
    const a = digits.length === 8 ? Number.parseInt(digits.slice(6, 8), 16) / 255 : 1;
    return `rgba(${r}, ${g}, ${b}, ${(replace ? alpha : a * alpha).toFixed(3)})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(colour);
  if (rgb) {
    const parts = rgb[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    const a = parts.length > 3 ? parts[3] : 1;
    return `rgba(${parts[0]}, ${parts[1]}, ${parts[2]}, ${(replace ? alpha : a * alpha).toFixed(3)})`;
  }
  return colour;
}

/** Calls `onChange` when VS Code switches theme (it rewrites the body class and the root's CSS variables). */
export function watchTheme(onChange: () => void): void {
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  };
  const observer = new MutationObserver(schedule);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
