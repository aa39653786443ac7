import { createInexactMStep, emUpdate } from './mstep';
import { SOLVER_DEFAULTS, type SolverAlgorithm } from './algorithm';
import type { LargeBlockSolver } from '../optim/softmaxRegression';

/**
 * EM: E-step (the evaluation's responsibilities), then the M-step — exact (large blocks by Newton-CG, or L-BFGS with
 * `mStep: 'lbfgs'`), or, with `innerIterations` N > 0, with large blocks solved by L-BFGS capped at N + N·t inner
 * iterations at EM iteration t (small Newton blocks stay exact). Each capped block still only accepts steps that
 * increase Q, so ℓ never decreases. One stepper per run: it keeps curvature.
 */
export function createEm({
  innerIterations = SOLVER_DEFAULTS.em.innerIterations,
  mStep = SOLVER_DEFAULTS.em.mStep,
}: { innerIterations?: number; mStep?: LargeBlockSolver } = {}): SolverAlgorithm {
  const inexact = innerIterations > 0 ? createInexactMStep({ initial: innerIterations, growth: innerIterations, max: 100 }) : undefined;
  return {
    name: 'em',
    step(theta, ev, { layout, data }) {
      return inexact ? inexact(layout, data, theta, ev) : emUpdate(layout, data, theta, ev, { largeBlocks: mStep });
    },
  };
}
