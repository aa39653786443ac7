import { DEFAULT_LEARNING_RATE, type SolverAlgorithm } from './algorithm';

/** Full-batch gradient ascent on ℓ/n with a fixed learning rate η (σ moves as log σ). */
export function createGd(learningRate = DEFAULT_LEARNING_RATE.gd): SolverAlgorithm {
  return {
    name: 'gd',
    step(theta, ev, context) {
      const grad = context.gradientAt(theta, ev);
      const scale = learningRate / context.data.n;
      const next = new Float64Array(theta.length);
      for (let j = 0; j < theta.length; j++) next[j] = theta[j] + scale * grad[j];
      return { theta: next };
    },
  };
}
