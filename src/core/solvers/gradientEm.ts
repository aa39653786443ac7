import { evaluate, gradientQ, type Evaluation } from '../model/evaluate';
import { DEFAULT_LEARNING_RATE, SOLVER_DEFAULTS, type SolverAlgorithm } from './algorithm';

/**
 * Gradient EM — our definition (DESIGN §2; the paper's exact equations were not available): each iteration
 * takes `steps` gradient-ascent steps of size η on Q(·|θᵗ)/n with the responsibilities held at θᵗ. By Fisher's
 * identity the first step's direction is ∇ℓ(θᵗ), so with one step this is exactly GD; as `steps` grows the
 * inner ascent approaches the M-step's maximizer, i.e. EM.
 */
export function createGradientEm(learningRate = DEFAULT_LEARNING_RATE.gem, steps: number = SOLVER_DEFAULTS.gem.steps): SolverAlgorithm {
  return {
    name: 'gem',
    step(theta, ev, context) {
      const { layout, data } = context;
      const scale = learningRate / data.n;
      const responsibilities = ev.resp;
      let current = theta;
      // The inner steps' evaluations are read only for their gradient: each takes over the arrays of the one before.
      let inner: Evaluation | undefined;
      for (let s = 0; s < steps; s++) {
        if (s === 1) inner = context.takeRetired?.();
        if (s > 0) inner = evaluate(layout, data, current, { reuse: inner });
        const grad = s === 0 ? context.gradientAt(theta, ev) : gradientQ(layout, data, current, inner!, responsibilities, new Float64Array(layout.size));
        const next = new Float64Array(current.length);
        for (let j = 0; j < current.length; j++) next[j] = current[j] + scale * grad[j];
        current = next;
      }
      return { theta: current, inner: { iterations: steps, gradientNorm: Number.NaN, method: 'gradient' } };
    },
  };
}
