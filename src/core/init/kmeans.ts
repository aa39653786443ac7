/**
 * `kmeans`: k-means++ then Lloyd on (x, y) as z-scores (one-hot classes), then one M-step from those clusters.
 */
import type { Dataset } from '../data/dataset';
import type { ParamLayout } from '../model/layout';
import type { Random } from '../random';
import { assignmentResponsibilities, columnSpread, mStepFrom, targetSpread } from './shared';

export function kmeansStart(layout: ParamLayout, data: Dataset, rng: Random): Float64Array {
  const points = clusteringPoints(layout, data);
  const assignment = kmeans(points.values, data.n, points.width, layout.K, rng);
  return mStepFrom(layout, data, assignmentResponsibilities(assignment, layout.K));
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
