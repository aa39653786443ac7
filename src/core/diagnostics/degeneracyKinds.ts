/**
 * The kinds of degenerate fit (see degeneracy.ts for how each is detected) as plain data, with no imports, so that
 * the panel's browser bundle can name them without pulling in the solvers.
 */
export type DegeneracyKind = 'separation' | 'varianceCollapse' | 'emptyExpert' | 'saturatedGate';

export interface Degeneracy {
  readonly kind: DegeneracyKind;
  /** Iteration at which it was first detected. */
  readonly iteration: number;
  /** 'gate' or 'expert k' (1-based). */
  readonly block: string;
  readonly message: string;
}

/** Short names, for stop messages and the panel's badges. */
export const DEGENERACY_LABELS: Readonly<Record<DegeneracyKind, string>> = {
  separation: 'separation',
  varianceCollapse: 'variance collapse',
  emptyExpert: 'empty expert',
  saturatedGate: 'saturated gate',
};

/** Kinds after which the likelihood has no finite maximum: more iterations cannot help. */
export const NO_MAXIMUM: ReadonlySet<DegeneracyKind> = new Set(['separation', 'saturatedGate']);

/** What a no-maximum finding is, in words: "separation of expert 1", "separation of the gate", "a saturated gate". */
export function describeNoMaximum(found: Pick<Degeneracy, 'kind' | 'block'>): string {
  return found.kind === 'separation' ? `separation of ${found.block === 'gate' ? 'the gate' : found.block}` : 'a saturated gate';
}
