/**
 * The numeric form of a data set that every solver works on.
 *
 * Rows are stored row-major in one flat `Float64Array` (n × p) so the hot loops touch contiguous memory.
 * The last column of `X` is the constant 1 of the intercept (DESIGN §1).
 */
export type ExpertFamily = 'gaussian' | 'bernoulli' | 'categorical';

export interface Standardization {
  /** Per original feature (length p − 1): the mean subtracted and the scale divided by. */
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

export interface Dataset {
  /** Rows × (features + intercept), row-major; the intercept column is last. */
  readonly X: Float64Array;
  /** Real targets (gaussian), 0/1 (bernoulli) or a class index 0..C−1 (categorical). */
  readonly y: Float64Array;
  readonly n: number;
  /** Columns of X, the intercept included. */
  readonly p: number;
  /** Names of the feature columns (length p − 1). */
  readonly featureNames: readonly string[];
  readonly targetName: string;
  /** Class names for bernoulli/categorical targets, in a stable order; index = encoded value. */
  readonly classes?: readonly string[];
  /** Present when the features were standardized (with statistics of the training rows). */
  readonly standardization?: Standardization;
}

/** Number of classes C for a classification dataset (2 for bernoulli), 0 for regression. */
export function classCount(data: Dataset): number {
  return data.classes ? data.classes.length : 0;
}
