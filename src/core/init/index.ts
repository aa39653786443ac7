/**
 * Starting points (DESIGN §2: every solver of a restart starts from the same θ⁰); docs/starts.md describes each
 * strategy and where it comes from.
 * - `random`: gate rows ~ N(0, 1/p), gaussian experts scattered around least squares with σ = sd(y), classifier
 *   experts ~ N(0, 1/p).
 * - `kmeans`: k-means++ then Lloyd on (x, y) as z-scores, then one M-step from those clusters.
 * - `randomPartition`: each row to a random expert, then one M-step (flexmix).
 * - `subsetRegression`: experts fitted on groups of rows of random sizes, sorted by y (mixtools' regmix.init).
 * - `shortEm`: the best of several short EM runs from the strategies above (em-EM, Biernacki et al. 2003).
 * - `mixed` (the default): the strategy depends on the seed — seed s uses MIXED_CYCLE[s mod 6], so the restarts
 *   of a multi-start fit (seeds S, S + 1, …) take turns: every other one shortEm, the others one draw of
 *   subsetRegression, kmeans and randomPartition in turn.
 * - `nearTruth`: the ground truth plus a relative perturbation δ: θ* + δ‖θ*‖·u/‖u‖, u ~ N(0, I) — for
 *   local-convergence studies.
 *
 * Every random strategy draws on z-scored features and maps θ⁰ back to the model's coordinates, so one seed gives
 * the same start (as a function of x) with and without `data.standardize`.
 */
import type { Dataset } from '../data/dataset';
import { UserInputError } from '../errors';
import type { ParamLayout } from '../model/layout';
import { packParams, toStandardizedCoordinates, type FullParams } from '../model/params';
import { Random } from '../random';
import type { InitStrategy } from '../spec/types';
import { kmeansStart } from './kmeans';
import { randomStart } from './random';
import { randomPartitionStart } from './randomPartition';
import { onStandardizedScale, toModelCoordinates } from './shared';
import { shortEmStart } from './shortEm';
import { subsetRegressionStart } from './subsetRegression';

export { kmeans } from './kmeans';
export { SHORT_EM_CANDIDATES, SHORT_EM_ITERATIONS } from './shortEm';

export interface InitOptions {
  readonly strategy: InitStrategy;
  readonly seed: number;
  /** Ground truth on raw features (required by nearTruth). */
  readonly truth?: FullParams;
  readonly perturbation: number;
}

type RandomStrategy = Exclude<InitStrategy, 'nearTruth' | 'mixed'>;

/** The strategies `mixed` takes turns with, by seed (docs/starts.md: why these, measured on public data). */
export const MIXED_CYCLE: readonly RandomStrategy[] = ['shortEm', 'subsetRegression', 'shortEm', 'kmeans', 'shortEm', 'randomPartition'];

/** The strategy that draws the start for this seed (the strategy itself, except for `mixed`). */
export function startStrategy(strategy: InitStrategy, seed: number): Exclude<InitStrategy, 'mixed'> {
  if (strategy !== 'mixed') return strategy;
  return MIXED_CYCLE[((Math.trunc(seed) % MIXED_CYCLE.length) + MIXED_CYCLE.length) % MIXED_CYCLE.length];
}

export function initialParameters(layout: ParamLayout, data: Dataset, options: InitOptions): Float64Array {
  const strategy = startStrategy(options.strategy, options.seed);
  const rng = new Random(options.seed);
  if (strategy === 'nearTruth') {
    if (!options.truth) {
      throw new UserInputError('init strategy "nearTruth" needs ground truth (synthetic data or a <data>.truth.json beside the CSV)', {
        pointer: '/init/strategy',
      });
    }
    return nearTruthStart(layout, data, options.truth, options.perturbation, rng);
  }
  const scaled = onStandardizedScale(data);
  return toModelCoordinates(layout, DRAW[strategy](layout, scaled.data, rng), scaled.standardization);
}

const DRAW: Record<RandomStrategy, (layout: ParamLayout, data: Dataset, rng: Random) => Float64Array> = {
  random: randomStart,
  kmeans: kmeansStart,
  randomPartition: randomPartitionStart,
  subsetRegression: subsetRegressionStart,
  shortEm: (layout, data, rng) => shortEmStart(layout, data, rng),
};

function nearTruthStart(layout: ParamLayout, data: Dataset, truth: FullParams, perturbation: number, rng: Random): Float64Array {
  const thetaStar = packParams(layout, toStandardizedCoordinates(truth, data.standardization));
  const direction = Float64Array.from({ length: thetaStar.length }, () => rng.normal());
  const size = Math.hypot(...thetaStar) * perturbation / (Math.hypot(...direction) || 1);
  return thetaStar.map((value, j) => value + size * direction[j]);
}
