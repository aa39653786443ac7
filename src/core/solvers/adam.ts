import { DEFAULT_LEARNING_RATE, type SolverAlgorithm } from './algorithm';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** Adam (Kingma & Ba, 2015) with bias correction, ascending ℓ/n. */
export function createAdam(learningRate = DEFAULT_LEARNING_RATE.adam): SolverAlgorithm {
  let firstMoment: Float64Array | undefined;
  let secondMoment: Float64Array | undefined;
  let t = 0;
  return {
    name: 'adam',
    step(theta, ev, context) {
      const grad = context.gradientAt(theta, ev);
      firstMoment ??= new Float64Array(theta.length);
      secondMoment ??= new Float64Array(theta.length);
      t++;
      const correction1 = 1 - BETA1 ** t;
      const correction2 = 1 - BETA2 ** t;
      const next = new Float64Array(theta.length);
      for (let j = 0; j < theta.length; j++) {
        const g = grad[j] / context.data.n;
        firstMoment[j] = BETA1 * firstMoment[j] + (1 - BETA1) * g;
        secondMoment[j] = BETA2 * secondMoment[j] + (1 - BETA2) * g * g;
        const mHat = firstMoment[j] / correction1;
        const vHat = secondMoment[j] / correction2;
        next[j] = theta[j] + (learningRate * mHat) / (Math.sqrt(vHat) + EPSILON);
      }
      return { theta: next };
    },
  };
}
