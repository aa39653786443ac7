import type { EmAcceleration } from '../spec/types';
import { createAcceleratedEm } from './acceleration';
import { createInexactMStep, emUpdate, MStepMemory } from './mstep';
import { SOLVER_DEFAULTS, type SolverAlgorithm } from './algorithm';
import type { LargeBlockSolver } from '../optim/softmaxRegression';

/**
 * EM: E-step (the evaluation's responsibilities), then the M-step — exact (large blocks by Newton-CG, the default,
 * or by L-BFGS with `mStep: 'lbfgs'`), or, with `innerIterations` N > 0, with large blocks solved by L-BFGS capped at N + N·t
 * inner iterations at EM iteration t (small Newton blocks stay exact). Each capped block still only accepts steps
 * that increase Q, so ℓ never decreases. One stepper per run: it keeps curvature.
 * With an `acceleration`, that EM map is wrapped in SQUAREM or DAAREM (acceleration/).
 */
export function createEm({
  innerIterations = SOLVER_DEFAULTS.em.innerIterations,
  acceleration = SOLVER_DEFAULTS.em.acceleration,
  mStep = SOLVER_DEFAULTS.em.mStep,
}: { innerIterations?: number; acceleration?: EmAcceleration; mStep?: LargeBlockSolver } = {}): SolverAlgorithm {
  const inexact = innerIterations > 0 ? createInexactMStep({ initial: innerIterations, growth: innerIterations, max: 100 }) : undefined;
  // Newton-CG blocks keep their preconditioner's factor between M-steps (refreshed every few), in this run only.
  const memory = mStep === 'newton-cg' ? new MStepMemory() : undefined;
  const map: typeof emUpdate = inexact ?? ((layout, data, theta, ev) => emUpdate(layout, data, theta, ev, { largeBlocks: mStep, memory }));
  if (acceleration !== 'none') return createAcceleratedEm(acceleration, (layout, data, theta, ev) => map(layout, data, theta, ev));
  return {
    name: 'em',
    step(theta, ev, { layout, data }) {
      return map(layout, data, theta, ev);
    },
  };
}
