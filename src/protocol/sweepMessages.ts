/**
 * Messages from the Sweep panel's page (src/extension/sweep/sweepHtml.ts) to the host. The page is a webview, so
 * every message is checked by `parseSweepPanelMessage` before the host acts on it. Browser-safe.
 */
import { isNonNegativeInteger, isRecord } from './guards';

/** Open combination `index`'s run folder in the convergence panel. */
export interface OpenSweepRunMessage {
  readonly type: 'openRun';
  readonly index: number;
}

/** Show the sweep's runs in the compare view. */
export interface CompareSweepMessage {
  readonly type: 'compare';
}

/** Reveal the sweep folder in the operating system's file manager. */
export interface RevealSweepMessage {
  readonly type: 'reveal';
}

export type FromSweepPanelMessage = OpenSweepRunMessage | CompareSweepMessage | RevealSweepMessage;

/** The message, or undefined when it is not one the page sends (`combinations`: how many the sweep has). */
export function parseSweepPanelMessage(value: unknown, combinations: number): FromSweepPanelMessage | undefined {
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'openRun':
      return isNonNegativeInteger(value.index) && value.index < combinations ? { type: 'openRun', index: value.index } : undefined;
    case 'compare':
    case 'reveal':
      return { type: value.type };
    default:
      return undefined;
  }
}
