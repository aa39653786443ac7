/**
 * Which solver the status bar names as best when a run ends. The rule: the highest final objective F (ℓ, or the
 * penalized ℓ with a ridge) among each solver's best restart; every solver within OPTIMUM_OBJECTIVE_TOLERANCE of it
 * (|F − F*| ≤ 1e-5·(1 + |F*|), the tolerance at which the optima table calls two runs one optimum) is tied with
 * it, and a tie names them all, in the order of the spec (EM, Gradient EM, GD, Adam). A difference the stopping
 * rule leaves between runs at one optimum does not make a winner. No VS Code import.
 */
import { OPTIMUM_OBJECTIVE_TOLERANCE } from '../../core/diagnostics/optima';
import type { SolverResult } from '../../core/runner/types';
import { SOLVER_LABELS } from '../../core/solvers/labels';
import { SOLVER_NAMES } from '../../core/spec/types';

type Final = Pick<SolverResult, 'solver' | 'restart' | 'logLik' | 'objective' | 'best'>;

/** " — best ℓ = … (who)", or '' when no result has a finite objective. */
export function bestSummary(results: readonly Final[]): string {
  const candidates = results.filter((r) => r.best && Number.isFinite(r.objective) && Number.isFinite(r.logLik));
  if (candidates.length === 0) return '';
  const top = candidates.reduce((best, r) => (r.objective > best.objective ? r : best));
  const tied = candidates
    .filter((r) => Math.abs(r.objective - top.objective) <= OPTIMUM_OBJECTIVE_TOLERANCE * (1 + Math.abs(top.objective)))
    .sort((a, b) => SOLVER_NAMES.indexOf(a.solver) - SOLVER_NAMES.indexOf(b.solver) || a.restart - b.restart);
  const value = Number(top.logLik.toPrecision(6));
  if (tied.length === 1) return ` — best ℓ = ${value} (${SOLVER_LABELS[top.solver]}, restart ${top.restart + 1})`;
  const names = tied.map((r) => SOLVER_LABELS[r.solver]);
  return ` — best ℓ = ${value}, a tie: ${names.slice(0, -1).join(', ')} and ${names.at(-1)} (within ${OPTIMUM_OBJECTIVE_TOLERANCE}·(1 + |ℓ|))`;
}
