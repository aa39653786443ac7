/** The solvers' names as the user reads them: one table for the panel, the status bar, pickers, charts and reports. */
import type { SolverName } from '../spec/types';

export const SOLVER_LABELS: Readonly<Record<SolverName, string>> = { em: 'EM', gem: 'Gradient EM', gd: 'GD', adam: 'Adam' };

/** A solver's label with Gradient EM's steps per iteration when they are known ("Gradient EM (m = 3)"). */
export function solverLabel(solver: SolverName, steps?: number): string {
  return solver === 'gem' && steps !== undefined ? `${SOLVER_LABELS.gem} (m = ${steps})` : SOLVER_LABELS[solver];
}
