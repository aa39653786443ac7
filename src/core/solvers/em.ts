import { createInexactMStep, emUpdate } from './mstep';
import { SOLVER_DEFAULTS, type SolverAlgorithm } from './algorithm';

/**
 * EM: E-step (the evaluation's responsibilities), then the M-step — exact, or, with `innerIterations` N > 0, with
 * L-BFGS blocks capped at N + N·t inner iterations at EM iteration t (small Newton blocks stay exact). Each capped
 * block still only accepts steps that increase Q, so ℓ never decreases. One stepper per run: it keeps curvature.
 */
export function createEm({ innerIterations = SOLVER_DEFAULTS.em.innerIterations }: { innerIterations?: number } = {}): SolverAlgorithm {
  const inexact = innerIterations > 0 ? createInexactMStep({ initial: innerIterations, growth: innerIterations, max: 100 }) : undefined;
  return {
    name: 'em',
    step(theta, ev, { layout, data }) {
      return inexact ? inexact(layout, data, theta, ev) : emUpdate(layout, data, theta, ev);
    },
  };
}
