import { emUpdate } from './mstep';
import type { SolverAlgorithm } from './algorithm';

/** EM: E-step (the evaluation's responsibilities), then the exact M-step. No step size. */
export function createEm(): SolverAlgorithm {
  return {
    name: 'em',
    step(theta, ev, { layout, data }) {
      return emUpdate(layout, data, theta, ev);
    },
  };
}
