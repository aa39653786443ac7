/**
 * A Kronecker-factored preconditioner for the conjugate gradients of wide softmax blocks (`newtonCg.ts`).
 *
 * The block's curvature is −∇²f = Σ_i w_i B_i ⊗ x_i x_iᵀ + λI, with B_i = diag P_i − P_i P_iᵀ over the m free
 * classes. It is approximated by A ⊗ G, with
 *   G = Σ_i w_i h_i x_i x_iᵀ,  h_i = tr(B_i) / m          (from an evenly spaced sample of rows, scaled to n),
 *   A = Σ_i w_i B_i / Σ_i w_i h_i                          (over all rows: m × m, cheap),
 * which is exact when every B_i is a multiple of one matrix — always for m = 1 (a two-class gate), up to the
 * sample. Unlike the diagonal (Jacobi) preconditioner it keeps the correlation between columns, which on images
 * (neighbouring pixels) is what makes the Hessian ill-conditioned. (A ⊗ G)⁻¹ applied to R (m × p, class rows) is
 * A⁻¹ R G⁻¹: m pairs of triangular solves with G's Cholesky factor and an m × m mix, no pass over X.
 *
 * G's factor is the costly part (a p × p Gram of the sample, then a Cholesky factorization: at p = 785 about 2–3 s
 * on a busy core, the time of roughly ten passes over full Fashion-MNIST): `newtonCg.ts` keeps a block's factor between the M-steps of one EM run and rebuilds
 * it when the sample's weights have moved by more than KRONECKER_STALE_CHANGE (early EM iterations, when the
 * responsibilities sort the rows between experts) or it has served KRONECKER_MAX_USES solves; A is recomputed each
 * time.
 */
import { kernelsFor } from '../kernels';
import { throwIfInterrupted } from '../interrupt';
import type { SpdFactor } from './denseSolve';
import type { SoftmaxProblem } from './softmaxRegression';

/**
 * Rows sampled per column of X for G (785 columns: 6 280 rows). On full Fashion-MNIST 8 rather than 2 halved the
 * gate's passes (its A ⊗ G is exact but for the sample: a sample's Gram is off by about √(p / rows)).
 */
export const KRONECKER_SAMPLE_PER_COLUMN = 8;
/** Damping added to G's diagonal, relative to its mean diagonal entry: the sample's G misses rare directions. */
export const KRONECKER_DAMPING = 1e-3;

/** Rows of largest curvature per column of X that the class blocks are summed over (`classBlockFactors`). */
export const CLASS_BLOCK_ROWS_PER_COLUMN = Number(process.env.CB_ROWS ?? '8');

/** Rows of G per kernel call. */
const GRAM_CHUNK = 64;

/** G's Cholesky factor, reusable while the rows' weights change little. */
export interface GramFactor {
  readonly p: number;
  /** Lower-triangular factor L (row-major p × p) and its transpose, so that both substitutions read rows. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Σ_i w_i B_i / Σ_i w_i h_i (m × m) and Σ_i w_i h_i, from the rows' free-class probabilities (n × m). */
export function classCoupling(problem: SoftmaxProblem, probs: Float64Array): { A: Float64Array; mass: number } {
  const { n, weights, C } = problem;
  const m = C - 1;
  const A = new Float64Array(m * m);
  let mass = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    if (w === 0) continue;
    const at = i * m;
    for (let a = 0; a < m; a++) {
      const pa = w * probs[at + a];
      A[a * m + a] += pa;
      mass += (pa * (1 - probs[at + a])) / m;
      for (let b = 0; b <= a; b++) A[a * m + b] -= pa * probs[at + b];
    }
  }
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) A[b * m + a] = A[a * m + b];
  const scale = mass > 0 ? mass : 1;
  for (let k = 0; k < m * m; k++) A[k] /= scale;
  return { A, mass };
}

/** The rows of G's sample: evenly spaced, at most KRONECKER_SAMPLE_PER_COLUMN · p of them. */
function sampleRows(n: number, p: number): number {
  return Math.min(n, KRONECKER_SAMPLE_PER_COLUMN * p);
}

/** The weights w_i h_i · n / (m · sample) of G's sampled rows (G is linear in them). */
export function sampleWeights(problem: SoftmaxProblem, probs: Float64Array): Float64Array {
  const { n, p, weights, C } = problem;
  const m = C - 1;
  const sample = sampleRows(n, p);
  const out = new Float64Array(sample);
  for (let k = 0; k < sample; k++) {
    const i = Math.floor((k * n) / sample);
    const w = weights ? weights[i] : 1;
    let h = 0;
    for (let c = 0; c < m; c++) h += probs[i * m + c] * (1 - probs[i * m + c]);
    out[k] = (w * h * n) / (m * sample);
  }
  return out;
}

/**
 * Σ_k |a_k − b_k| / Σ_k |b_k|: how far G built from weights a can be from G built from weights b, relative to G's
 * size (both are sums of the same rank-one terms x xᵀ).
 */
export function weightChange(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return Infinity;
  let change = 0;
  let size = 0;
  for (let k = 0; k < a.length; k++) {
    change += Math.abs(a[k] - b[k]);
    size += Math.abs(b[k]);
  }
  return size > 0 ? change / size : Infinity;
}

/** G = Σ_k v_k x_k x_kᵀ over the sampled rows with their weights v (from `sampleWeights`), damped, and factored. */
export function sampledGramFactor(problem: SoftmaxProblem, weightsOfSample: Float64Array): GramFactor {
  const { n } = problem;
  const sample = weightsOfSample.length;
  const rows = Int32Array.from({ length: sample }, (_, k) => Math.floor((k * n) / sample));
  return dampedFactor(problem, rowGrams(problem, rows, [weightsOfSample])[0], weightsOfSample);
}

/**
 * Σ_k v_sk x_k x_kᵀ (p × p, full) over the given rows, one matrix per weight vector v_s (indexed like `rows`), by the
 * kernels' gradient product Σ_k a_k x_kᵀ with a_k = v_sk x_k on a copy of those rows, GRAM_CHUNK coefficient rows
 * (rows of G) per call: Ctrl-C is seen between calls, and the kernels' work arrays stay at rows × GRAM_CHUNK.
 */
function rowGrams(problem: SoftmaxProblem, rows: Int32Array, weightSets: readonly Float64Array[]): Float64Array[] {
  const { X, p } = problem;
  const count = rows.length;
  const rowsX = new Float64Array(count * p);
  for (let k = 0; k < count; k++) rowsX.set(X.subarray(rows[k] * p, rows[k] * p + p), k * p);
  const kernels = kernelsFor(rowsX, count, p);
  const chunk = new Float64Array(count * GRAM_CHUNK);
  return weightSets.map((v) => {
    const G = new Float64Array(p * p);
    for (let from = 0; from < p; from += GRAM_CHUNK) {
      throwIfInterrupted();
      const width = Math.min(GRAM_CHUNK, p - from);
      for (let k = 0; k < count; k++) {
        const weight = v[k];
        const at = k * p + from;
        for (let c = 0; c < width; c++) chunk[k * width + c] = weight * rowsX[at + c];
      }
      kernels.gradient(chunk, width, G.subarray(from * p, (from + width) * p));
    }
    return G;
  });
}

/** G + (KRONECKER_DAMPING · mean diagonal + λ) I, factored (v: the weights G was summed with, for a floor). */
function dampedFactor(problem: SoftmaxProblem, G: Float64Array, weights: Float64Array): GramFactor {
  const { n, p, ridge } = problem;
  let mass = 0;
  for (let k = 0; k < weights.length; k++) mass += weights[k];
  let trace = 0;
  for (let j = 0; j < p; j++) trace += G[j * p + j];
  // The ridge λI of f becomes λ / ā on G's diagonal (ā = tr(A)/m ≈ 1 by A's normalization).
  const damping = KRONECKER_DAMPING * (trace / p) + ridge + 1e-12 * (mass / n + 1e-300);
  for (let j = 0; j < p; j++) G[j * p + j] += damping;
  return choleskyFactor(G, p);
}

/**
 * Class blocks for CG where A ⊗ G is poor (m > 1 and rows whose class coupling B_i differs): the block-diagonal
 * part of −∇²f over classes, G_c = Σ_i w_i P_ic (1 − P_ic) x_i x_iᵀ + λI (damped as G), one Cholesky factor per
 * free class, summed over a sample of CLASS_BLOCK_ROWS_PER_COLUMN · p rows drawn in proportion to their curvature
 * w_i tr(B_i) (`curvatureSample`). B_i is
 * diagonally dominant (B_i[c][c] = P_ic (1 − P_ic) = P_ic Σ_{b ≠ c} P_ib), so the dropped coupling at most doubles
 * the curvature along any direction: Hd ≤ 2·M d in the quadratic form (plus what the rows left out carry).
 * Costly — m Grams of those rows and m Cholesky factorizations, about 0.3–0.5 s each at p = 785 — hence built
 * only when CG is slow with A ⊗ G (see newtonCg.ts).
 */
export function classBlockFactors(problem: SoftmaxProblem, probs: Float64Array): GramFactor[] {
  const { n, p, weights, C } = problem;
  const m = C - 1;
  const { rows, scale } = curvatureSample(rowCurvatures(problem, probs), Math.min(n, CLASS_BLOCK_ROWS_PER_COLUMN * p));
  const weightSets = Array.from({ length: m }, (_, c) =>
    Float64Array.from(rows, (i, k) => {
      const pc = probs[i * m + c];
      return scale[k] * (weights ? weights[i] : 1) * pc * (1 - pc);
    }),
  );
  return rowGrams(problem, rows, weightSets).map((G, c) => dampedFactor(problem, G, weightSets[c]));
}

/** w_i tr(B_i) = w_i Σ_c P_ic (1 − P_ic) per row. */
function rowCurvatures(problem: SoftmaxProblem, probs: Float64Array): Float64Array {
  const { n, weights, C } = problem;
  const m = C - 1;
  const curvature = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0;
    for (let c = 0; c < m; c++) h += probs[i * m + c] * (1 - probs[i * m + c]);
    curvature[i] = (weights ? weights[i] : 1) * h;
  }
  return curvature;
}

/**
 * A sample of about `count` rows with probability proportional to their curvature, and the weights that make its
 * sums unbiased (Horvitz–Thompson): rows whose curvature is at least the sampling step are taken for certain
 * (weight 1), the others by systematic sampling along their cumulative curvature (weight step / curvature).
 * Deterministic (the systematic grid starts at half a step). Rows in increasing order.
 */
export function curvatureSample(curvature: Float64Array, count: number): { rows: Int32Array; scale: Float64Array } {
  const n = curvature.length;
  if (count >= n) return { rows: Int32Array.from({ length: n }, (_, i) => i), scale: new Float64Array(n).fill(1) };
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => curvature[b] - curvature[a]);
  let rest = 0;
  for (let i = 0; i < n; i++) rest += curvature[i];
  // Certain rows: the largest, while one is at least the step the remaining slots would have.
  let certain = 0;
  while (certain < count && curvature[order[certain]] > 0 && curvature[order[certain]] * (count - certain) >= rest) rest -= curvature[order[certain++]];
  const chosen = new Map<number, number>();
  for (let k = 0; k < certain; k++) chosen.set(order[k], 1);
  const slots = count - certain;
  if (slots > 0 && rest > 0) {
    const step = rest / slots;
    let next = step / 2;
    let cumulative = 0;
    for (let i = 0; i < n; i++) {
      const c = curvature[i];
      if (chosen.has(i) || !(c > 0)) continue;
      cumulative += c;
      if (cumulative >= next) {
        chosen.set(i, step / c);
        while (next <= cumulative) next += step;
      }
    }
  }
  const rows = Int32Array.from(chosen.keys()).sort();
  return { rows, scale: Float64Array.from(rows, (i) => chosen.get(i)!) };
}

/** r ↦ (G_c⁻¹ r_c)_c: the class blocks' inverse (no pass over X: 2m triangular solves). */
export function classBlockPreconditioner(factors: readonly GramFactor[]): SpdFactor {
  const p = factors[0].p;
  return {
    addedRidge: 0,
    solve: (r, out) => factors.forEach((factor, c) => gramSolve(factor, r, c * p, out, c * p)),
  };
}

/** The preconditioner r ↦ A⁻¹ R G⁻¹ (R the m × p class rows of r) for a factored G and a fresh A. */
export function kroneckerPreconditioner(gram: GramFactor, A: Float64Array, m: number): SpdFactor {
  const { p } = gram;
  const D = m * p;
  const coupling = A.slice();
  let trace = 0;
  for (let a = 0; a < m; a++) trace += coupling[a * m + a];
  for (let a = 0; a < m; a++) coupling[a * m + a] += 1e-6 * (trace / m) + 1e-300;
  const inverseA = invertSmall(coupling, m);
  const solved = new Float64Array(D);
  return {
    addedRidge: 0,
    solve: (r, out) => {
      for (let c = 0; c < m; c++) gramSolve(gram, r, c * p, solved, c * p);
      out.fill(0, 0, D);
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) {
          const coefficient = inverseA[a * m + b];
          const from = b * p;
          const to = a * p;
          for (let j = 0; j < p; j++) out[to + j] += coefficient * solved[from + j];
        }
      }
    },
  };
}

/**
 * Cholesky factor of a symmetric positive-definite G (row-major, lower triangle read), by rows: every inner
 * product runs over two contiguous row prefixes (at p = 785 on a busy core: 0.5–0.6 s against ml-matrix's
 * 1.6–1.8 s, and its solves about twice as fast). A pivot that is not positive — G is damped, so only by round-off — is replaced by
 * a tiny positive one, which keeps the preconditioner positive definite.
 */
export function choleskyFactor(G: Float64Array, p: number): GramFactor {
  const lower = new Float64Array(p * p);
  let largest = 0;
  for (let j = 0; j < p; j++) largest = Math.max(largest, G[j * p + j]);
  const tiny = 1e-12 * (largest || 1);
  for (let i = 0; i < p; i++) {
    if (i % 64 === 0) throwIfInterrupted(); // p³/6 multiply–adds in all: about a second at p = 785 on a busy core
    const rowI = i * p;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * p;
      let sum = G[rowI + j];
      for (let k = 0; k < j; k++) sum -= lower[rowI + k] * lower[rowJ + k];
      if (i === j) lower[rowI + i] = Math.sqrt(sum > tiny ? sum : tiny);
      else lower[rowI + j] = sum / lower[rowJ + j];
    }
  }
  const upper = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) upper[j * p + i] = lower[i * p + j];
  return { p, lower, upper };
}

/** out[to … to + p) = G⁻¹ b[from … from + p) by forward and back substitution on rows of L and Lᵀ. */
export function gramSolve(gram: GramFactor, b: Float64Array, from: number, out: Float64Array, to: number): void {
  const { p, lower, upper } = gram;
  for (let i = 0; i < p; i++) {
    const row = i * p;
    let sum = b[from + i];
    for (let k = 0; k < i; k++) sum -= lower[row + k] * out[to + k];
    out[to + i] = sum / lower[row + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    const row = i * p;
    let sum = out[to + i];
    for (let k = i + 1; k < p; k++) sum -= upper[row + k] * out[to + k];
    out[to + i] = sum / upper[row + i];
  }
}

/** The inverse of a small symmetric positive-definite matrix (m × m), column by column from its factor. */
function invertSmall(A: Float64Array, m: number): Float64Array {
  const factor = choleskyFactor(A, m);
  const inverse = new Float64Array(m * m);
  const unit = new Float64Array(m);
  const column = new Float64Array(m);
  for (let b = 0; b < m; b++) {
    unit.fill(0);
    unit[b] = 1;
    gramSolve(factor, unit, 0, column, 0);
    for (let a = 0; a < m; a++) inverse[a * m + b] = column[a];
  }
  return inverse;
}
