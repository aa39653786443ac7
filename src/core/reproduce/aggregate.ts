/**
 * Summaries across instances: a curve's mean with a band at every iteration (or every point of a time grid), and
 * mean ± sd of a final metric. The band is the 10th–90th percentile of the instances (it stays positive for a
 * positive quantity, so it can be drawn on a log axis, where mean ± sd often cannot); the sd is kept beside it.
 */

export interface Band {
  /** Instances that have a finite value here. */
  readonly count: number;
  readonly mean: number;
  readonly sd: number;
  readonly median: number;
  /** 10th percentile. */
  readonly lower: number;
  /** 90th percentile. */
  readonly upper: number;
  readonly min: number;
  readonly max: number;
}

export interface Curve {
  /** Iteration numbers, or seconds for a time grid. */
  readonly x: number[];
  /** One entry per x; null where no instance has a finite value. */
  readonly bands: (Band | null)[];
}

export const BAND_LOWER_QUANTILE = 0.1;
export const BAND_UPPER_QUANTILE = 0.9;

/** Mean, sd (n − 1 in the denominator; 0 for one value), median and the 10–90 % band of the finite values. */
export function band(values: readonly number[]): Band | null {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b);
  const count = finite.length;
  if (count === 0) return null;
  const mean = finite.reduce((sum, v) => sum + v, 0) / count;
  const variance = count > 1 ? finite.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (count - 1) : 0;
  return {
    count,
    mean,
    sd: Math.sqrt(variance),
    median: quantile(finite, 0.5),
    lower: quantile(finite, BAND_LOWER_QUANTILE),
    upper: quantile(finite, BAND_UPPER_QUANTILE),
    min: finite[0],
    max: finite[count - 1],
  };
}

/** Linear interpolation between order statistics (type 7, as R's default and numpy's). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/**
 * Per-iteration bands of instance curves (`curves[instance][t]`). Curves may differ in length (a solver that
 * diverged stops early): an iteration's band then covers the instances that reached it, and `count` says how many.
 */
export function iterationCurve(curves: readonly (readonly number[])[], length?: number): Curve {
  const T = length ?? Math.max(0, ...curves.map((c) => c.length));
  const x = Array.from({ length: T }, (_, t) => t);
  const bands = x.map((t) => band(curves.map((c) => (t < c.length ? c[t] : Number.NaN))));
  return { x, bands };
}

/**
 * Bands on a common time grid: each instance contributes, at time s, the value of its last iteration finished by s
 * (a step function; before its first point it has no value). `grid` is ascending.
 */
export function timeCurve(points: readonly { readonly seconds: readonly number[]; readonly values: readonly number[] }[], grid: readonly number[]): Curve {
  const bands = grid.map((s) =>
    band(
      points.map(({ seconds, values }) => {
        let last = -1;
        for (let t = 0; t < seconds.length && seconds[t] <= s; t++) last = t;
        return last < 0 ? Number.NaN : values[last];
      }),
    ),
  );
  return { x: [...grid], bands };
}

/** `count` points from 0 to `end` inclusive. */
export function linearGrid(end: number, count: number): number[] {
  if (count < 2 || !(end > 0)) return [0];
  return Array.from({ length: count }, (_, k) => (end * k) / (count - 1));
}

/** The first index at which `values` is ≤ threshold, or null. */
export function firstBelow(values: readonly number[], threshold: number): number | null {
  for (let t = 0; t < values.length; t++) if (values[t] <= threshold) return t;
  return null;
}

/** "0.123 ± 0.004" (mean ± sd) with `digits` significant figures, or "—". */
export function formatMeanSd(b: Band | null, digits = 3, scale = 1, suffix = ''): string {
  if (!b) return '—';
  return `${formatNumber(b.mean * scale, digits)} ± ${formatNumber(b.sd * scale, digits)}${suffix}`;
}

export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(Math.max(digits - 1, 0)).replace('e', 'e');
  return Number(value.toPrecision(digits)).toString();
}
