/**
 * Sweeps (`"sweep": { "model.experts": [1, 2, 3], "solvers.adam.learningRate": [0.001, 0.01] }`): which fields can
 * be swept, and the expansion of a spec into one spec per combination of values (the cartesian product, the first
 * field varying slowest, as nested loops written in the order of the keys).
 *
 * A combination is the spec as written with the swept values put in and the `sweep` field taken out, so each one is
 * validated, resolved and stored exactly like a spec a user could have written by hand: its run folder's spec.json
 * says what it ran, and two combinations' specs differ in exactly the swept fields.
 *
 * The sweepable fields are the keys of the schema's `sweep.properties` (numeric and choice fields only: sweeping a
 * switch such as `solvers.gd.enabled` changes which curves exist rather than how one behaves). Browser-safe.
 */
import schema from './schema.json';

/** A swept value: a number, a choice (a string) or null (e.g. `model.fixedSigma`: estimate σ). */
export type SweepValue = number | string | null;

/** One swept field, in the order the spec lists it. */
export interface SweepAxis {
  /** Dotted path in the spec, e.g. `solvers.adam.learningRate`. */
  readonly field: string;
  readonly values: readonly SweepValue[];
}

/** Combinations a sweep may have; each is a full run with every restart, so more would be a batch job, not a sweep. */
export const MAX_SWEEP_COMBINATIONS = 100;

/** The fields a sweep may name, in the schema's order. */
export const SWEEPABLE_FIELDS: readonly string[] = Object.keys(
  (schema.properties as Record<string, { properties?: Record<string, unknown> }>).sweep.properties ?? {},
);

export function isSweepableField(field: string): boolean {
  return SWEEPABLE_FIELDS.includes(field);
}

/** The sweep as written (`raw.sweep`, already schema-valid) → its axes, in the order of the keys. */
export function sweepAxes(raw: unknown): SweepAxis[] | undefined {
  const sweep = (raw as { sweep?: unknown } | null)?.sweep;
  if (typeof sweep !== 'object' || sweep === null || Array.isArray(sweep)) return undefined;
  const axes = Object.entries(sweep as Record<string, unknown>)
    .filter((entry): entry is [string, SweepValue[]] => Array.isArray(entry[1]))
    .map(([field, values]) => ({ field, values: [...values] }));
  return axes.length > 0 ? axes : undefined;
}

export function combinationCount(axes: readonly SweepAxis[]): number {
  return axes.reduce((count, axis) => count * axis.values.length, 1);
}

/** One point of a sweep. */
export interface SweepPoint {
  /** 0-based, in expansion order (the first field varies slowest). */
  readonly index: number;
  /** The swept value of each field, in the axes' order. */
  readonly values: readonly SweepValue[];
  /** `model.experts = 2, solvers.adam.learningRate = 0.003` */
  readonly label: string;
  /** The spec as written, with these values put in and `sweep` taken out. */
  readonly raw: Record<string, unknown>;
}

/** The cartesian product of the axes, first axis outermost. */
export function sweepPoints(raw: unknown, axes: readonly SweepAxis[]): SweepPoint[] {
  const points: SweepPoint[] = [];
  const total = combinationCount(axes);
  for (let index = 0; index < total; index++) {
    const values = valuesAt(axes, index);
    points.push({ index, values, label: pointLabel(axes, values), raw: combinationRaw(raw, axes, values) });
  }
  return points;
}

/** The values of combination `index` (mixed-radix digits, the last axis fastest). */
export function valuesAt(axes: readonly SweepAxis[], index: number): SweepValue[] {
  const values: SweepValue[] = new Array<SweepValue>(axes.length);
  let rest = index;
  for (let i = axes.length - 1; i >= 0; i--) {
    const n = axes[i].values.length;
    values[i] = axes[i].values[rest % n];
    rest = Math.floor(rest / n);
  }
  return values;
}

export function pointLabel(axes: readonly SweepAxis[], values: readonly SweepValue[], short = false): string {
  const names = short ? shortFieldNames(axes.map((axis) => axis.field)) : axes.map((axis) => axis.field);
  return axes.map((_, i) => `${names[i]} = ${formatSweepValue(values[i])}`).join(', ');
}

export function formatSweepValue(value: SweepValue): string {
  return value === null ? 'null' : String(value);
}

/**
 * `model.experts` → `experts`, `solvers.adam.learningRate` → `adam.learningRate`, `data.synthetic.snr` → `snr`;
 * the full path when two short names would be the same.
 */
export function shortFieldNames(fields: readonly string[]): string[] {
  const short = fields.map((field) => {
    const parts = field.split('.');
    return parts[0] === 'solvers' && parts.length === 3 ? `${parts[1]}.${parts[2]}` : parts[parts.length - 1];
  });
  return short.map((name, i) => (short.indexOf(name) !== short.lastIndexOf(name) ? fields[i] : name));
}

/** A deep copy of `raw` without `sweep`, with each axis's value set at its path (creating sections as needed). */
export function combinationRaw(raw: unknown, axes: readonly SweepAxis[], values: readonly SweepValue[]): Record<string, unknown> {
  const copy = structuredClone((raw ?? {}) as Record<string, unknown>);
  delete copy.sweep;
  axes.forEach((axis, i) => setPath(copy, axis.field, values[i]));
  return copy;
}

function setPath(target: Record<string, unknown>, field: string, value: SweepValue): void {
  const parts = field.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}
