/**
 * The one place a solver is built from its name and settings: the runner passes a spec's `solvers.<name>` block,
 * the reproduction its own choices. Settings left out take the solver's defaults (src/core/spec/defaults.ts).
 */
import type { EmAcceleration, SolverName } from '../spec/types';
import { createAdam } from './adam';
import type { SolverAlgorithm } from './algorithm';
import { createEm } from './em';
import { createGd } from './gd';
import { createGradientEm } from './gradientEm';

export interface SolverChoice {
  readonly solver: SolverName;
  /** η for gd, adam and gem. */
  readonly learningRate?: number;
  /** Gradient steps per Gradient-EM iteration. */
  readonly steps?: number;
  /** EM's inner-iteration budget for large M-step blocks (0: each block to its tolerance). */
  readonly innerIterations?: number;
  /** EM's accelerator (acceleration/): none, SQUAREM or DAAREM. */
  readonly acceleration?: EmAcceleration;
  /** EM's solver of large M-step blocks. */
  readonly mStep?: 'newton-cg' | 'lbfgs';
}

export function createSolver(choice: SolverChoice): SolverAlgorithm {
  switch (choice.solver) {
    case 'em':
      return createEm({ innerIterations: choice.innerIterations, acceleration: choice.acceleration, mStep: choice.mStep });
    case 'gd':
      return createGd(choice.learningRate);
    case 'adam':
      return createAdam(choice.learningRate);
    case 'gem':
      return createGradientEm(choice.learningRate, choice.steps);
  }
}
