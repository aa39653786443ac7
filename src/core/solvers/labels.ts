/** The solvers' names as the user reads them: one table for the panel, the status bar, pickers, charts and reports. */
import type { EmAcceleration, SolverName } from '../spec/types';

export const SOLVER_LABELS: Readonly<Record<SolverName, string>> = { em: 'EM', gem: 'Gradient EM', gd: 'GD', adam: 'Adam' };

export const ACCELERATION_LABELS: Readonly<Record<EmAcceleration, string>> = { none: '', squarem: 'SQUAREM', daarem: 'DAAREM' };

/**
 * A solver's label with Gradient EM's steps per iteration when they are known ("Gradient EM (m = 3)") and EM's
 * accelerator when it has one ("EM + SQUAREM").
 */
export function solverLabel(solver: SolverName, steps?: number, acceleration?: EmAcceleration): string {
  if (solver === 'gem' && steps !== undefined) return `${SOLVER_LABELS.gem} (m = ${steps})`;
  if (solver === 'em' && acceleration && acceleration !== 'none') return `${SOLVER_LABELS.em} + ${ACCELERATION_LABELS[acceleration]}`;
  return SOLVER_LABELS[solver];
}

/** A solver's label in a run whose EM may be accelerated (the panel's header carries `emAcceleration`). */
export function runSolverLabel(solver: SolverName, run: { readonly emAcceleration?: EmAcceleration } | undefined): string {
  return solverLabel(solver, undefined, run?.emAcceleration);
}
