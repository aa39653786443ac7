/** Small builders shared by the unit tests (real data paths, no mocks). */
import type { Dataset, ExpertFamily } from '../../src/core/data/dataset';
import { ParamLayout, type ModelShape } from '../../src/core/model/layout';
import { generateSynthetic, type SyntheticOptions } from '../../src/core/synth/generate';
import { paramsFromJson, type FullParams } from '../../src/core/model/params';
import type { SoftmaxProblem } from '../../src/core/optim/softmaxRegression';
import { Random } from '../../src/core/random';
import type { SolverAlgorithm } from '../../src/core/solvers/algorithm';
import { SolverRun } from '../../src/core/solvers/solverRun';
import type { StoppingSpec } from '../../src/core/spec/types';

/** Raw rows (n × d) to a Dataset with the intercept column appended, no standardization. */
export function datasetFrom(Xraw: Float64Array, y: Float64Array, d: number, classes?: string[]): Dataset {
  const n = y.length;
  const p = d + 1;
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * p + j] = Xraw[i * d + j];
    X[i * p + d] = 1;
  }
  return { X, y, n, p, featureNames: Array.from({ length: d }, (_, j) => `x${j + 1}`), targetName: 'y', classes };
}

export function synthetic(options: SyntheticOptions): { data: Dataset; truth: FullParams } {
  const generated = generateSynthetic(options);
  const classes = options.kind === 'logistic' ? ['0', '1'] : undefined;
  return { data: datasetFrom(generated.X, generated.y, options.dim, classes), truth: paramsFromJson(generated.truth) };
}

export function layoutFor(data: Dataset, family: ExpertFamily, K: number, extra: Partial<ModelShape> = {}): ParamLayout {
  const C = family === 'gaussian' ? 0 : family === 'bernoulli' ? 2 : data.classes!.length;
  return new ParamLayout({ family, K, p: data.p, C, gate: 'softmax', symmetric: false, ridge: 0, ...extra });
}

/**
 * Three classes whose rule depends on the region of x (a > 0 or not), so that softmax experts matter; n rows of two
 * standard normal features, drawn from `seed`.
 */
export function categoricalMixture(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const X = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    X.set([a, b], i * 2);
    const score = a > 0 ? [2 * b, -b, 0] : [-2 * b, 0.5, b];
    const weights = score.map(Math.exp);
    let u = rng.uniform() * weights.reduce((s, v) => s + v, 0);
    let c = 0;
    while (c < 2 && (u -= weights[c]) > 0) c++;
    y[i] = c;
  }
  return datasetFrom(X, y, 2, ['a', 'b', 'c']);
}

export interface RunToEndOptions {
  readonly layout: ParamLayout;
  readonly data: Dataset;
  readonly theta0: Float64Array;
  readonly stopping: StoppingSpec;
  readonly truth?: FullParams;
}

/** Steps one solver from θ₀ until its stopping rule ends it; the run's result and its final parameters. */
export function runToEnd(algorithm: SolverAlgorithm, { layout, data, theta0, stopping, truth }: RunToEndOptions) {
  const run = new SolverRun(algorithm, { layout, train: data, theta0, stopping, restart: 0, errorThreshold: 0.01, truth });
  while (!run.finished) run.step();
  return { result: run.result(), theta: run.parameters };
}

/**
 * A soft-target softmax regression problem: n rows of p − 1 standard normal features and the intercept (last), C
 * classes whose targets lean, in proportion to |x_1|, towards class i mod C; with `weighted`, row weights in
 * [0.2, 1.2).
 */
export function softProblem(n: number, p: number, C: number, seed: number, { ridge = 0, weighted = false } = {}): SoftmaxProblem {
  const rng = new Random(seed);
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p - 1; j++) X[i * p + j] = rng.normal();
    X[i * p + p - 1] = 1;
  }
  const targets = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < C; c++) sum += targets[i * C + c] = rng.uniform() + (c === i % C ? 2 : 0) * Math.abs(X[i * p]);
    for (let c = 0; c < C; c++) targets[i * C + c] /= sum;
  }
  const weights = weighted ? Float64Array.from({ length: n }, () => 0.2 + rng.uniform()) : undefined;
  return { X, n, p, C, targets, weights, ridge };
}

export { Random };

/** relative max-norm distance ‖a − b‖∞ / ‖b‖∞. */
export function relativeDistance(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  let scale = 0;
  for (let j = 0; j < b.length; j++) {
    worst = Math.max(worst, Math.abs(a[j] - b[j]));
    scale = Math.max(scale, Math.abs(b[j]));
  }
  return worst / Math.max(scale, 1e-300);
}

/** Free-class probabilities P_ic (n × m, m = C − 1; the last class is the reference) at coefficients V (m × p). */
export function freeProbabilities(problem: SoftmaxProblem, V: Float64Array): Float64Array {
  const { X, n, p, C } = problem;
  const m = C - 1;
  const probs = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const eta = Array.from({ length: m }, (_, c) => V.subarray(c * p, (c + 1) * p).reduce((s, v, j) => s + v * X[i * p + j], 0));
    const total = 1 + eta.reduce((s, e) => s + Math.exp(e), 0);
    for (let c = 0; c < m; c++) probs[i * m + c] = Math.exp(eta[c]) / total;
  }
  return probs;
}

/** `length` independent normal entries times `scale`, from a seeded generator. */
export function randomVector(length: number, seed: number, scale = 0.3): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length }, () => scale * rng.normal());
}
