/**
 * Accelerated EM: the EM map θ ↦ M(θ) (an E-step, then the M-step of solvers/mstep.ts) wrapped in SQUAREM or
 * DAAREM. Both work in the solvers' unconstrained coordinates, keep EM's monotonicity with their published
 * safeguard, and count iterations in EM-map evaluations (docs/solvers.md, "Accelerated EM").
 */
import type { EmAcceleration } from '../../spec/types';
import type { SolverAlgorithm } from '../algorithm';
import { Daarem, type DaaremOptions } from './daarem';
import type { EmMap } from './emMap';
import { Squarem, type SquaremOptions } from './squarem';

export type { EmMap } from './emMap';

export interface AccelerationOptions {
  readonly squarem?: SquaremOptions;
  readonly daarem?: DaaremOptions;
}

/** EM with `kind` wrapped around `map`; one object per run, since both accelerators keep state between steps. */
export function createAcceleratedEm(kind: Exclude<EmAcceleration, 'none'>, map: EmMap, options: AccelerationOptions = {}): SolverAlgorithm {
  if (kind === 'squarem') {
    const squarem = new Squarem(map, options.squarem);
    return { name: 'em', acceleration: kind, step: (theta, ev, { layout, data, takeRetired }) => squarem.cycle(layout, data, theta, ev, takeRetired?.()) };
  }
  let daarem: Daarem | undefined;
  return {
    name: 'em',
    acceleration: kind,
    step(theta, ev, { layout, data, takeRetired }) {
      daarem ??= new Daarem(map, layout.size, options.daarem);
      return daarem.step(layout, data, theta, ev, takeRetired?.());
    },
  };
}
