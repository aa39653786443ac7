/** The VS Code webview API (`acquireVsCodeApi`, callable once per page), typed for this panel. */
import type { FromWebviewMessage, PanelComparison, PanelReproduction, PanelSnapshot } from '../../src/protocol/panelMessages';

/** What the panel keeps in the webview state (restored after a reload or when VS Code restores the panel). */
export interface PanelState {
  readonly version: 1;
  readonly snapshot?: PanelSnapshot;
  readonly xAxis: XAxis;
  /** Log x axis (absent: linear). */
  readonly logX?: boolean;
  /** EMA weight of the charts' smoothing (absent or 0: off). */
  readonly smoothing?: number;
  /** Which view was shown (absent in states saved before reproductions: the run view). */
  readonly view?: PanelView;
  readonly reproduction?: PanelReproduction;
  readonly comparison?: PanelComparison;
}

export type PanelView = 'run' | 'reproduction' | 'compare';

export type XAxis = 'iteration' | 'seconds';

export interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export function vscodeApi(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}
