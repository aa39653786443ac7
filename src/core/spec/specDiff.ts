/**
 * What differs between the specs of several runs (issue 17, Compare runs): every leaf field of the stored specs
 * (`spec.json`'s `resolved` block, so defaults filled in by the runner count too), by its JSON path, with the value
 * in each run. A field a run does not have is `null` for that run
 * (JSON-safe: the table crosses to a webview). Arrays of plain values (feature lists) are
 * one field, compared as a whole; arrays of objects are walked by index. No VS Code or DOM import.
 */

export interface SpecDifference {
  /** Dotted path of the field (`model.experts`, `solvers.adam.learningRate`, `data.source.features`). */
  readonly path: string;
  /** The field's value in each run, as text (JSON for arrays), in the order the specs were given; absent: null. */
  readonly values: readonly (string | null)[];
}

/** The fields whose value is not the same in every spec, in the order they first appear. */
export function specDifferences(specs: readonly unknown[]): SpecDifference[] {
  const leaves = specs.map((spec) => flattenLeaves(spec));
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const map of leaves) {
    for (const key of map.keys()) {
      if (!seen.has(key)) {
        seen.add(key);
        paths.push(key);
      }
    }
  }
  const differences: SpecDifference[] = [];
  for (const path of paths) {
    const values = leaves.map((map) => map.get(path) ?? null);
    if (values.some((value) => value !== values[0])) differences.push({ path, values });
  }
  return differences;
}

/** Leaf fields of a JSON value by dotted path, each as display text. */
export function flattenLeaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.some((item) => typeof item === 'object' && item !== null)) {
      value.forEach((item, index) => flattenLeaves(item, `${prefix}[${index}]`, out));
    } else if (prefix) {
      out.set(prefix, JSON.stringify(value));
    }
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) flattenLeaves(child, prefix ? `${prefix}.${key}` : key, out);
    return out;
  }
  if (prefix) out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  return out;
}
