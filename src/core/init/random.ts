/**
 * `random`: gate rows ~ N(0, 1/p) on z-scored features, gaussian experts scattered around the least-squares line
 * with σ = sd(y), classifier experts ~ N(0, 1/p).
 */
import type { Dataset } from '../data/dataset';
import type { ParamLayout } from '../model/layout';
import { weightedLeastSquares } from '../optim/denseSolve';
import type { Random } from '../random';
import { targetSpread } from './shared';

export function randomStart(layout: ParamLayout, data: Dataset, rng: Random): Float64Array {
  const { p } = layout;
  const theta = new Float64Array(layout.size);
  const scale = 1 / Math.sqrt(p);
  for (let j = 0; j < layout.betaOffset; j++) theta[j] = rng.normal() * scale;
  if (layout.shape.family === 'gaussian') {
    const { sd } = targetSpread(data);
    const ols = weightedLeastSquares(data.X, data.n, p, () => 1, data.y, 1e-8 * data.n).x;
    for (let k = 0; k < layout.expertBlocks; k++) {
      const offset = layout.betaRow(k, 0);
      for (let j = 0; j < p; j++) theta[offset + j] = (layout.shape.symmetric ? 0 : ols[j]) + sd * scale * rng.normal();
    }
    for (let s = 0; s < layout.sigmaCount; s++) theta[layout.sigmaOffset + s] = Math.log(sd);
  } else {
    for (let j = layout.betaOffset; j < layout.sigmaOffset; j++) theta[j] = rng.normal() * scale;
  }
  return theta;
}
