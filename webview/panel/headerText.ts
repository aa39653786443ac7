/** Pieces of the panel header's text. No DOM here (tested in plain Node). */
import type { RunEnd } from '../../src/protocol/panelMessages';

/**
 * The run's duration as the header says it. An interrupted run's folder knows only the compute time of the solvers
 * it completed, so that is given as a lower bound, not as the run's duration.
 */
export function durationText(end: RunEnd): string {
  if (end.status === 'interrupted') {
    return end.seconds !== undefined ? `interrupted after ≥ ${end.seconds.toFixed(2)} s (the solvers it completed)` : 'interrupted before a solver finished';
  }
  return end.seconds !== undefined ? `${end.seconds.toFixed(2)} s` : '';
}
