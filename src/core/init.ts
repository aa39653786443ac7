/**
 * Starting points (DESIGN §2: every solver of a restart starts from the same θ⁰).
 * - `random`: seeded; gate rows ~ N(0, 1/p), gaussian experts scattered around least squares with σ = sd(y),
 *   classifier experts ~ N(0, 1/p).
 * - `kmeans`: k-means++ then Lloyd on (x, y) standardized here, whatever the model's coordinates, so that one
 *   seed gives the same clusters with and without `data.standardize`; then one M-step from those clusters in the
 *   model's coordinates.
 * - `nearTruth`: the ground truth plus a relative perturbation δ: θ* + δ‖θ*‖·u/‖u‖, u ~ N(0, I) — for
 *   local-convergence studies.
 */
import type { Dataset } from './data/dataset';
import { UserInputError } from './errors';
import { weightedLeastSquares } from './optim/denseSolve';
import type { ParamLayout } from './model/layout';
import { packParams, toStandardizedCoordinates, type FullParams } from './model/params';
import { Random } from './random';
import { emUpdate } from './solvers/mstep';
import type { InitStrategy } from './spec/types';

export interface InitOptions {
  readonly strategy: InitStrategy;
  readonly seed: number;
  /** Ground truth on raw features (required by nearTruth). */
  readonly truth?: FullParams;
  readonly perturbation: number;
}

export function initialParameters(layout: ParamLayout, data: Dataset, options: InitOptions): Float64Array {
  const rng = new Random(options.seed);
  switch (options.strategy) {
    case 'random':
      return randomStart(layout, data, rng);
    case 'kmeans':
      return kmeansStart(layout, data, rng);
    case 'nearTruth': {
      if (!options.truth) {
        throw new UserInputError('init strategy "nearTruth" needs ground truth (synthetic data or a <data>.truth.json beside the CSV)', {
          pointer: '/init/strategy',
        });
      }
      return nearTruthStart(layout, data, options.truth, options.perturbation, rng);
    }
  }
}

function targetSpread(data: Dataset): { mean: number; sd: number } {
  let mean = 0;
  for (let i = 0; i < data.n; i++) mean += data.y[i];
  mean /= data.n;
  let squares = 0;
  for (let i = 0; i < data.n; i++) squares += (data.y[i] - mean) ** 2;
  return { mean, sd: Math.sqrt(squares / data.n) || 1 };
}

function randomStart(layout: ParamLayout, data: Dataset, rng: Random): Float64Array {
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

function kmeansStart(layout: ParamLayout, data: Dataset, rng: Random): Float64Array {
  const points = clusteringPoints(layout, data);
  const assignment = kmeans(points.values, data.n, points.width, layout.K, rng);
  // Nearly hard responsibilities (a little mass everywhere, so no expert starts empty).
  const { K } = layout;
  const resp = new Float64Array(data.n * K).fill(0.02 / Math.max(K - 1, 1));
  for (let i = 0; i < data.n; i++) resp[i * K + assignment[i]] = K === 1 ? 1 : 0.98;
  const base = new Float64Array(layout.size);
  const { sd } = targetSpread(data);
  for (let s = 0; s < layout.sigmaCount; s++) base[layout.sigmaOffset + s] = Math.log(sd);
  return emUpdate(layout, data, base, { n: data.n, K, resp }).theta;
}

/**
 * Features (without the intercept) and the target as z-scores, one-hot for classes. The features are
 * standardized here even when the model's are (then this changes them only by round-off): the clusters must not
 * depend on the model's coordinates, and k-means on raw features would be led by the column of largest scale.
 */
function clusteringPoints(layout: ParamLayout, data: Dataset): { values: Float64Array; width: number } {
  const d = data.p - 1;
  const classes = layout.shape.family === 'gaussian' ? 1 : layout.shape.C;
  const width = d + classes;
  const values = new Float64Array(data.n * width);
  for (let j = 0; j < d; j++) {
    const { mean, sd } = columnSpread(data.X, data.n, data.p, j);
    for (let i = 0; i < data.n; i++) values[i * width + j] = (data.X[i * data.p + j] - mean) / sd;
  }
  const { mean, sd } = targetSpread(data);
  for (let i = 0; i < data.n; i++) {
    if (layout.shape.family === 'gaussian') values[i * width + d] = (data.y[i] - mean) / sd;
    else values[i * width + d + data.y[i]] = 1;
  }
  return { values, width };
}

/**
 * Mean and population sd of column j of a row-major n × p matrix; a constant column gets sd 1 (it stays constant).
 * "Constant" is relative to the mean: the sum of n copies of 0.1 is not exactly n·0.1, and the sd of that round-off
 * must not blow it up into a column of ±1.
 */
function columnSpread(X: Float64Array, n: number, p: number, j: number): { mean: number; sd: number } {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += X[i * p + j];
  mean /= n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (X[i * p + j] - mean) ** 2;
  const sd = Math.sqrt(squares / n);
  return { mean, sd: sd > 1e-12 * Math.max(Math.abs(mean), 1) ? sd : 1 };
}

/** k-means++ seeding, then Lloyd iterations; returns the cluster of each point. */
export function kmeans(values: Float64Array, n: number, width: number, K: number, rng: Random, iterations = 25): Int32Array {
  const centers = new Float64Array(K * width);
  const distance = new Float64Array(n).fill(Infinity);
  const first = rng.integer(n);
  centers.set(values.subarray(first * width, (first + 1) * width), 0);
  for (let c = 1; c < K; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      distance[i] = Math.min(distance[i], squaredDistance(values, i * width, centers, (c - 1) * width, width));
      total += distance[i];
    }
    let target = rng.uniform() * total;
    let chosen = n - 1;
    for (let i = 0; i < n; i++) {
      target -= distance[i];
      if (target <= 0) {
        chosen = i;
        break;
      }
    }
    centers.set(values.subarray(chosen * width, (chosen + 1) * width), c * width);
  }
  const assignment = new Int32Array(n);
  for (let iteration = 0; iteration < iterations; iteration++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < K; c++) {
        const dist = squaredDistance(values, i * width, centers, c * width, width);
        if (dist < bestDistance) {
          bestDistance = dist;
          best = c;
        }
      }
      if (assignment[i] !== best || iteration === 0) changed = changed || assignment[i] !== best;
      assignment[i] = best;
    }
    const counts = new Float64Array(K);
    const sums = new Float64Array(K * width);
    for (let i = 0; i < n; i++) {
      counts[assignment[i]]++;
      for (let j = 0; j < width; j++) sums[assignment[i] * width + j] += values[i * width + j];
    }
    for (let c = 0; c < K; c++) if (counts[c] > 0) for (let j = 0; j < width; j++) centers[c * width + j] = sums[c * width + j] / counts[c];
    if (!changed && iteration > 0) break;
  }
  return assignment;
}

function squaredDistance(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, width: number): number {
  let sum = 0;
  for (let j = 0; j < width; j++) sum += (a[aOffset + j] - b[bOffset + j]) ** 2;
  return sum;
}

function nearTruthStart(layout: ParamLayout, data: Dataset, truth: FullParams, perturbation: number, rng: Random): Float64Array {
  const thetaStar = packParams(layout, toStandardizedCoordinates(truth, data.standardization));
  const direction = Float64Array.from({ length: thetaStar.length }, () => rng.normal());
  const size = Math.hypot(...thetaStar) * perturbation / (Math.hypot(...direction) || 1);
  return thetaStar.map((value, j) => value + size * direction[j]);
}
