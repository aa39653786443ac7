/**
 * Synthetic data in the paper's settings, deterministic for a seed (DESIGN §3, issue "core engine"):
 * x ~ N(0, I_d); a softmax gate with w_k ~ N(0, I_d)·(2/√d) (so ‖w_k‖ ≈ 2), w_K = 0, zero intercepts;
 * - `linear`: y | z = k ~ N(β_kᵀx, 1), ‖β_k‖ = SNR (unit noise, so SNR = ‖β*‖/σ as in the paper);
 * - `logistic`: P(y = 1 | x, z = k) = sigmoid(β_kᵀx), ‖β_k‖ = SNR.
 * With K = 2 and `symmetric` (the default for K = 2) the experts are (β*, −β*): SymMoLinE / SymMoLogE.
 * Other K: independent random directions of norm SNR.
 */
import { UserInputError } from '../errors';
import { Random } from '../random';
import type { SyntheticKind } from '../spec/types';

export interface SyntheticOptions {
  readonly kind: SyntheticKind;
  readonly experts: number;
  readonly dim: number;
  readonly samples: number;
  readonly snr: number;
  readonly seed: number;
  /** (β*, −β*) for K = 2; default true when K = 2. */
  readonly symmetric?: boolean;
}

/** The ground truth, as written to `<name>.truth.json`; coefficients on raw features, intercept last. */
export interface TruthFile {
  readonly generator: 'moe-lab synth';
  readonly kind: SyntheticKind;
  readonly family: 'gaussian' | 'bernoulli';
  readonly experts: number;
  readonly dim: number;
  readonly samples: number;
  readonly snr: number;
  readonly seed: number;
  readonly symmetric: boolean;
  readonly features: string[];
  readonly target: string;
  readonly W: number[][];
  readonly beta: number[][];
  readonly sigma?: number[];
}

export interface SyntheticData {
  /** Raw features, n × d row-major (no intercept column). */
  readonly X: Float64Array;
  readonly y: Float64Array;
  readonly truth: TruthFile;
}

/**
 * The most feature values (samples × dim) a synthetic data set may hold: 10⁸ doubles are 800 MB, and the fit
 * needs several times that. The schema bounds each size alone; their product is checked here.
 */
export const MAX_SYNTHETIC_VALUES = 1e8;

/** Why samples × dim is too large to generate, or undefined when it is not. */
export function syntheticSizeProblem(dim: number, samples: number): string | undefined {
  const values = dim * samples;
  if (values <= MAX_SYNTHETIC_VALUES) return undefined;
  return `dim ${dim} × samples ${samples} = ${values.toExponential(2)} feature values, more than the ${MAX_SYNTHETIC_VALUES.toExponential(0)} (800 MB) that can be generated; use fewer samples or dimensions`;
}

export function generateSynthetic(options: SyntheticOptions): SyntheticData {
  const { kind, experts: K, dim: d, samples: n, snr, seed } = options;
  const tooLarge = syntheticSizeProblem(d, n);
  if (tooLarge) throw new UserInputError(tooLarge);
  const symmetric = options.symmetric ?? K === 2;
  if (symmetric && K !== 2) throw new Error('a symmetric synthetic model has exactly two experts');
  const rng = new Random(seed);
  const W = Array.from({ length: K }, (_, k) =>
    k === K - 1 ? new Array<number>(d + 1).fill(0) : [...Array.from({ length: d }, () => (rng.normal() * 2) / Math.sqrt(d)), 0],
  );
  const beta: number[][] = [];
  for (let k = 0; k < K; k++) {
    if (symmetric && k === 1) beta.push(beta[0].map((v) => -v));
    else beta.push([...randomDirection(d, rng).map((v) => v * snr), 0]);
  }
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  const logits = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = rng.normal();
    for (let k = 0; k < K; k++) logits[k] = linear(W[k], X, i * d, d);
    const z = sampleSoftmax(logits, rng);
    const eta = linear(beta[z], X, i * d, d);
    y[i] = kind === 'linear' ? eta + rng.normal() : rng.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
  }
  const truth: TruthFile = {
    generator: 'moe-lab synth',
    kind,
    family: kind === 'linear' ? 'gaussian' : 'bernoulli',
    experts: K,
    dim: d,
    samples: n,
    snr,
    seed,
    symmetric,
    features: Array.from({ length: d }, (_, j) => `x${j + 1}`),
    target: 'y',
    W,
    beta,
    ...(kind === 'linear' ? { sigma: new Array<number>(K).fill(1) } : {}),
  };
  return { X, y, truth };
}

function randomDirection(d: number, rng: Random): number[] {
  const v = Array.from({ length: d }, () => rng.normal());
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function linear(coefficients: number[], X: Float64Array, offset: number, d: number): number {
  let sum = coefficients[d];
  for (let j = 0; j < d; j++) sum += coefficients[j] * X[offset + j];
  return sum;
}

function sampleSoftmax(logits: Float64Array, rng: Random): number {
  let max = -Infinity;
  for (const g of logits) max = Math.max(max, g);
  let total = 0;
  for (const g of logits) total += Math.exp(g - max);
  let u = rng.uniform() * total;
  for (let k = 0; k < logits.length; k++) {
    u -= Math.exp(logits[k] - max);
    if (u <= 0) return k;
  }
  return logits.length - 1;
}

/** CSV text with header x1..xd,y; numbers in shortest round-trip form. */
export function syntheticCsv(data: SyntheticData): string {
  const { dim: d, samples: n } = data.truth;
  const lines = [[...data.truth.features, data.truth.target].join(',')];
  for (let i = 0; i < n; i++) {
    const cells = new Array<string>(d + 1);
    for (let j = 0; j < d; j++) cells[j] = String(data.X[i * d + j]);
    cells[d] = String(data.y[i]);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

/** `data/foo.csv` → `data/foo.truth.json`. */
export function truthPathFor(csvPath: string): string {
  return csvPath.replace(/\.csv$/i, '') + '.truth.json';
}
