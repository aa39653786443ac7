/**
 * `shortEm`: em-EM (Biernacki, Celeux & Govaert 2003, "Choosing starting values for the EM algorithm for getting
 * the highest likelihood in multivariate Gaussian mixture models", CSDA 41:561–575). Several candidate starts,
 * each run for a few EM iterations (the real E- and M-steps); the candidate with the highest ℓ is the start θ⁰
 * that the solvers continue. Short runs are cheap and already sort the candidates: a start that heads for a poor
 * optimum usually shows it within a few iterations. The candidates cycle through the other random strategies
 * (half of them subset regressions), so one shortEm start looks at every kind of start.
 *
 * A candidate whose gaussian expert sits at the variance floor is passed over while another is not: its ℓ is
 * large only because the floor stops σ from going to 0 (a degenerate fit, not an optimum).
 */
import type { Dataset } from '../data/dataset';
import type { ParamLayout } from '../model/layout';
import { evaluate } from '../model/evaluate';
import { Random } from '../random';
import { createInexactMStep, varianceFloor } from '../solvers/mstep';
import { kmeansStart } from './kmeans';
import { randomStart } from './random';
import { randomPartitionStart } from './randomPartition';
import { subsetRegressionStart } from './subsetRegression';

export const SHORT_EM_CANDIDATES = 10;
export const SHORT_EM_ITERATIONS = 5;

type Draw = (layout: ParamLayout, data: Dataset, rng: Random) => Float64Array;
/**
 * Every other candidate is a subset regression: it is the only start that can put an expert on a line that a
 * fraction of the rows follow exactly (tonedata, docs/starts.md), and it does so for one draw in several.
 */
const CANDIDATE_STRATEGIES: readonly Draw[] = [subsetRegressionStart, randomPartitionStart, subsetRegressionStart, kmeansStart, subsetRegressionStart, randomStart];

export function shortEmStart(
  layout: ParamLayout,
  data: Dataset,
  rng: Random,
  { candidates = SHORT_EM_CANDIDATES, iterations = SHORT_EM_ITERATIONS } = {},
): Float64Array {
  let best: { theta: Float64Array; logLik: number; degenerate: boolean } | undefined;
  for (let c = 0; c < candidates; c++) {
    const draw = CANDIDATE_STRATEGIES[c % CANDIDATE_STRATEGIES.length];
    const candidate = shortRun(layout, data, draw(layout, data, new Random(rng.integer(2 ** 31))), iterations);
    if (!Number.isFinite(candidate.logLik)) continue;
    const better = !best || (best.degenerate && !candidate.degenerate) || (best.degenerate === candidate.degenerate && candidate.logLik > best.logLik);
    if (better) best = candidate;
  }
  // Every candidate non-finite (it cannot happen with finite data, but a start must be returned): the first draw.
  return best?.theta ?? CANDIDATE_STRATEGIES[0](layout, data, rng);
}

function shortRun(layout: ParamLayout, data: Dataset, start: Float64Array, iterations: number): { theta: Float64Array; logLik: number; degenerate: boolean } {
  // L-BFGS blocks (classifier experts, wide gates) get EM's growing inner budget (5, 10, … iterations): a short
  // run only ranks the candidates, and each capped step still raises Q, so ℓ still never decreases.
  const mStep = createInexactMStep();
  let theta = start;
  let ev = evaluate(layout, data, theta);
  for (let t = 0; t < iterations && Number.isFinite(ev.logLik); t++) {
    theta = mStep(layout, data, theta, ev).theta;
    ev = evaluate(layout, data, theta);
  }
  return { theta, logLik: ev.objective, degenerate: atVarianceFloor(layout, data, theta) };
}

function atVarianceFloor(layout: ParamLayout, data: Dataset, theta: Float64Array): boolean {
  if (layout.sigmaCount === 0) return false;
  const floor = varianceFloor(data);
  for (let k = 0; k < layout.K; k++) if (layout.sigma(theta, k) ** 2 <= 1.01 * floor) return true;
  return false;
}
