/**
 * A few training rows for the panel's expert scatter (issue 17.5): runs with one or two features get their rows,
 * on the raw CSV scale (the scale of `paramsRaw`), at most `MAX_SAMPLE_ROWS` of them, evenly spaced through the
 * training set (deterministic: the same run always sends the same rows). Wider data has no scatter to draw.
 */
import type { Dataset } from '../data/dataset';

/** Most rows the panel is sent (enough to see the shape; small enough to post and draw at once). */
export const MAX_SAMPLE_ROWS = 2000;

export interface DataSample {
  /** Per feature (1 or 2), the rows' raw values. */
  readonly x: readonly (readonly number[])[];
  /** The target: a real value (gaussian), 0/1 (bernoulli) or a class index. */
  readonly y: readonly number[];
  /** Training rows in all (the sample holds `y.length` of them). */
  readonly rows: number;
}

export function dataSample(data: Dataset, maxRows = MAX_SAMPLE_ROWS): DataSample | undefined {
  const features = data.p - 1;
  if (features < 1 || features > 2 || data.n === 0) return undefined;
  const count = Math.min(data.n, maxRows);
  const x = Array.from({ length: features }, () => new Array<number>(count));
  const y = new Array<number>(count);
  const { mean, scale } = data.standardization ?? {};
  for (let s = 0; s < count; s++) {
    const i = Math.floor((s * data.n) / count);
    for (let j = 0; j < features; j++) {
      const value = data.X[i * data.p + j];
      x[j][s] = mean && scale ? value * scale[j] + mean[j] : value;
    }
    y[s] = data.y[i];
  }
  return { x, y, rows: data.n };
}
