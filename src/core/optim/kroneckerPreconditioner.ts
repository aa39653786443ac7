/**
 * A Kronecker-factored preconditioner for the conjugate gradients of wide softmax blocks (`newtonCg.ts`).
 *
 * The block's curvature is −∇²f = Σ_i w_i B_i ⊗ x_i x_iᵀ + λI, with B_i = diag P_i − P_i P_iᵀ over the m free
 * classes. It is approximated by A ⊗ G, with
 *   G = Σ_i w_i h_i x_i x_iᵀ,  h_i = tr(B_i) / m          (from a sample of rows drawn in proportion to w_i h_i),
 *   A = Σ_i w_i B_i / Σ_i w_i h_i                          (over all rows: m × m, cheap),
 * which is exact when every B_i is a multiple of one matrix — always for m = 1 (a two-class gate), up to the
 * sample. Unlike the diagonal (Jacobi) preconditioner it keeps the correlation between columns, which on images
 * (neighbouring pixels) is what makes the Hessian ill-conditioned. (A ⊗ G)⁻¹ applied to R (m × p, class rows) is
 * A⁻¹ R G⁻¹: G⁻¹ = L⁻ᵀL⁻¹ applied to the m class rows at once by the matrix kernels on L⁻¹ (or m pairs of
 * triangular solves with G's Cholesky factor L where the kernels would run in JavaScript), then an m × m mix; no
 * pass over X.
 *
 * G's factor is the costly part (a p × p Gram of the sample, a Cholesky factorization and L⁻¹: at p = 785 about
 * 0.4 s, the time of five or six passes over full Fashion-MNIST): `newtonCg.ts` keeps a block's factor between the M-steps of one EM run and rebuilds
 * it when the sample's weights have moved by more than KRONECKER_STALE_CHANGE (early EM iterations, when the
 * responsibilities sort the rows between experts) or it has served KRONECKER_MAX_USES solves; A is recomputed each
 * time.
 */
import { kernelChoice, plannedBackend, type MatrixKernels } from '../kernels';
import { WasmMatrixKernels } from '../kernels/wasm/wasmKernels';
import { rowGram, weightedGramF32 } from '../kernels/gram';
import { throwIfInterrupted } from '../interrupt';
import type { SpdFactor } from './denseSolve';
import type { SoftmaxProblem } from './softmaxRegression';

/**
 * Rows sampled per column of X for G (785 columns: 6 280 rows). On full Fashion-MNIST 8 rather than 2 halved the
 * gate's passes (its A ⊗ G is exact but for the sample: a sample's Gram is off by about √(p / rows)).
 */
export const KRONECKER_SAMPLE_PER_COLUMN = 8;
/**
 * Damping added to G's diagonal, relative to its mean diagonal entry, where A ⊗ G is exact but for the sample
 * (m = 1: a two-class gate or expert): the sample's G misses rare directions.
 */
export const KRONECKER_DAMPING = 1e-3;
/**
 * The same where m > 1 (softmax experts), where A ⊗ G also gives every class the same row weights while each
 * class's curvature sits on rows of its own (those it is confused with): larger damping bounds how far G⁻¹ may
 * stretch a direction that G weighs lightly but one class's curvature does not. On full Fashion-MNIST it cut the
 * experts' passes by a fifth, and by a third on the near-separation instance (docs/solvers.md).
 */
export const KRONECKER_COUPLED_DAMPING = 6e-2;

/** G's Cholesky factor, reusable while the rows' weights change little. */
export interface GramFactor {
  readonly p: number;
  /** Lower-triangular factor L (row-major p × p) and its transpose, so that both substitutions read rows. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Matrix kernels on L⁻¹, made on the factor's first use by a preconditioner (`inverseFactorKernels`). */
  inverseKernels?: MatrixKernels;
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

/**
 * Each row's weight in G, w_i h_i with h_i = tr(B_i) / m (n of them): G = Σ_i w_i h_i x_i x_iᵀ is what its sample
 * estimates, and its staleness is measured on these (`weightChange`).
 */
export function curvatureWeights(problem: SoftmaxProblem, probs: Float64Array): Float64Array {
  const { n, weights, C } = problem;
  const m = C - 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    let h = 0;
    for (let c = 0; c < m; c++) h += probs[i * m + c] * (1 - probs[i * m + c]);
    out[i] = (w * h) / m;
  }
  return out;
}

/**
 * G's sample: KRONECKER_SAMPLE_PER_COLUMN · p rows drawn with probability proportional to their weight u_i
 * (systematic sampling from the middle of each step, so the same weights give the same sample), each weighted by
 * u_i / π_i (Horvitz–Thompson: the sample's G estimates Σ_i u_i x_i x_iᵀ without bias). Rows whose weight reaches
 * a step are taken for certain with their own weight. Every row when there are no more than the sample size. An
 * evenly spaced sample spends most of its rows where the weight is small — an expert's rows that the other expert
 * is responsible for, and confidently classified ones.
 */
export function curvatureSample(u: Float64Array, p: number): { rows: Int32Array; weights: Float64Array } {
  const n = u.length;
  const size = KRONECKER_SAMPLE_PER_COLUMN * p;
  let total = 0;
  for (let i = 0; i < n; i++) total += u[i];
  if (n <= size || !(total > 0)) return { rows: Int32Array.from({ length: n }, (_, i) => i), weights: total > 0 ? u.slice() : new Float64Array(n).fill(1) };
  const certain = new Uint8Array(n);
  let slots = size;
  for (let changed = true; changed && slots > 0; ) {
    changed = false;
    const step = total / slots;
    for (let i = 0; i < n; i++) {
      if (certain[i] || u[i] < step) continue;
      certain[i] = 1;
      total -= u[i];
      slots--;
      changed = true;
    }
  }
  const step = slots > 0 && total > 0 ? total / slots : Infinity;
  const rows: number[] = [];
  const weights: number[] = [];
  let cumulative = 0;
  let next = step / 2;
  for (let i = 0; i < n; i++) {
    if (certain[i]) {
      rows.push(i);
      weights.push(u[i]);
      continue;
    }
    cumulative += u[i];
    if (cumulative >= next) {
      rows.push(i);
      weights.push(step);
      next += step;
    }
  }
  return { rows: Int32Array.from(rows), weights: Float64Array.from(weights) };
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

/**
 * G ≈ Σ_i u_i x_i x_iᵀ from a sample of rows drawn in proportion to u (`curvatureSample`), damped by `dampingShare`
 * of its mean diagonal entry (plus the ridge), and factored.
 */
export function sampledGramFactor(problem: SoftmaxProblem, rowWeights: Float64Array, dampingShare = problem.C > 2 ? KRONECKER_COUPLED_DAMPING : KRONECKER_DAMPING): GramFactor {
  // rowWeights are per row of X (a block over selected rows gives 0 to the others), so the sample indexes X itself.
  const { X, p, ridge } = problem;
  const n = rowWeights.length;
  const { rows, weights: weightsOfSample } = curvatureSample(rowWeights, p);
  let mass = 0;
  for (let k = 0; k < rows.length; k++) mass += weightsOfSample[k];
  // The sample's weighted Gram in float32 arithmetic (about 1e-7 of G, far below its damping), Ctrl-C checked per
  // block of rows.
  const G = weightedGramF32(X, p, rows, weightsOfSample, throwIfInterrupted);
  let trace = 0;
  for (let j = 0; j < p; j++) trace += G[j * p + j];
  // The ridge λI of f becomes λ / ā on G's diagonal (ā = tr(A)/m ≈ 1 by A's normalization).
  const damping = dampingShare * (trace / p) + ridge + 1e-12 * (mass / n + 1e-300);
  for (let j = 0; j < p; j++) G[j * p + j] += damping;
  return choleskyFactor(G, p);
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
  const applyInverse = gramInverse(gram);
  return {
    addedRidge: 0,
    solve: (r, out) => {
      applyInverse(r, m, solved);
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

/** R ↦ R G⁻¹ for `rows` rows of p coefficients (row-major in r and out). */
export type GramInverse = (r: Float64Array, rows: number, out: Float64Array) => void;

/**
 * G⁻¹ = L⁻ᵀL⁻¹ applied to rows of coefficients: one fused pass of the matrix kernels over L⁻¹ (`inverseFactorKernels`:
 * the logits of the rows against L⁻¹'s rows, multiplied back through L⁻¹), or the substitutions on L and Lᵀ where the
 * kernels would run in JavaScript. With the kernels it holds only their float32 copy of L⁻¹, not the factor: the
 * class blocks keep m of these for many solves, and L and Lᵀ in float64 are 10 MB at p = 785.
 */
export function gramInverse(gram: GramFactor): GramInverse {
  const inverse = inverseFactorKernels(gram);
  if (!inverse) {
    const { p } = gram;
    return (r, rows, out) => {
      for (let c = 0; c < rows; c++) gramSolve(gram, r, c * p, out, c * p);
    };
  }
  return (r, rows, out) => inverse.logitsAndGradient(r, rows, (start, end, logits, coefficients) => coefficients.set(logits.subarray(0, (end - start) * rows)), out);
}

/**
 * Cholesky factor of a symmetric positive-definite G (row-major, lower triangle read). A pivot that is not positive
 * — G is damped, so only by round-off — is replaced by a tiny positive one, which keeps the preconditioner positive
 * definite. From 2·CHOLESKY_BLOCK columns up, blocked: a panel of CHOLESKY_BLOCK columns at a time is factored in
 * JavaScript, and the trailing update — p³/6 of the p³/6 + O(p²·block) multiply–adds — is one product of the panel
 * with itself by the Gram kernel (`rowGram`). At p = 785: 30–40 ms against 100–150 ms by rows.
 */
export function choleskyFactor(G: Float64Array, p: number): GramFactor {
  let largest = 0;
  for (let j = 0; j < p; j++) largest = Math.max(largest, G[j * p + j]);
  const tiny = 1e-12 * (largest || 1);
  const lower = p >= 2 * CHOLESKY_BLOCK ? blockedCholesky(G, p, tiny) : choleskyByRows(G, p, tiny, 0, p, new Float64Array(p * p));
  const upper = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) upper[j * p + i] = lower[i * p + j];
  return { p, lower, upper };
}

/** Columns per panel of the blocked Cholesky factorization (even: the Gram kernel's strips). */
export const CHOLESKY_BLOCK = 64;

/**
 * Columns [from, to) of L, given the Schur complement S (lower triangle) after the columns before `from`: the
 * diagonal block by rows, then every row below it by forward substitution with that block — each entry
 * S_ij − Σ_{from ≤ k < j} L_ik L_jk over two contiguous row segments.
 */
function choleskyByRows(S: Float64Array, p: number, tiny: number, from: number, to: number, lower: Float64Array): Float64Array {
  for (let i = from; i < p; i++) {
    if (i % 64 === 0) throwIfInterrupted(); // p³/6 multiply–adds unblocked: about a second at p = 785 on a busy core
    const rowI = i * p;
    const last = Math.min(i + 1, to);
    for (let j = from; j < last; j++) {
      const rowJ = j * p;
      let sum = S[rowI + j];
      for (let k = from; k < j; k++) sum -= lower[rowI + k] * lower[rowJ + k];
      if (i === j) lower[rowI + i] = Math.sqrt(sum > tiny ? sum : tiny);
      else lower[rowI + j] = sum / lower[rowJ + j];
    }
  }
  return lower;
}

/** Right-looking blocked Cholesky: per panel, its columns (`choleskyByRows`), then S₂₂ −= L₂₁L₂₁ᵀ (`rowGram`). */
function blockedCholesky(G: Float64Array, p: number, tiny: number): Float64Array {
  const lower = new Float64Array(p * p);
  const S = G.slice();
  const panel = new Float64Array((p + 1) * CHOLESKY_BLOCK);
  for (let from = 0; from < p; from += CHOLESKY_BLOCK) {
    const to = Math.min(p, from + CHOLESKY_BLOCK);
    choleskyByRows(S, p, tiny, from, to, lower);
    const rest = p - to;
    if (rest === 0) break;
    // The rows below the panel, restricted to its columns, as the Gram kernel's strips (even count, even width).
    const width = to - from + ((to - from) % 2);
    const q = rest + (rest % 2);
    panel.fill(0, 0, q * width);
    for (let r = 0; r < rest; r++) panel.set(lower.subarray((to + r) * p + from, (to + r) * p + to), r * width);
    const products = rowGram(panel, q, width); // entry (c, r), c ≤ r: Σ_k L_{to+c,k} L_{to+r,k}
    for (let r = 0; r < rest; r++) {
      const row = (to + r) * p + to;
      for (let c = 0; c <= r; c++) S[row + c] -= products[c * q + r];
    }
  }
  return lower;
}

/**
 * Kernels that apply G⁻¹ = L⁻ᵀL⁻¹ to m class rows at once: one fused pass of the WebAssembly matrix kernels over
 * L⁻¹ (its logits L⁻¹Rᵀ, then their product with L⁻¹ again). m pairs of triangular solves in JavaScript took about
 * 10 ms at p = 785, m = 9 — a sixth of a Newton-CG M-step on Fashion-MNIST — and this about a tenth of that
 * (docs/solvers.md); L⁻¹ costs p³/6 multiply–adds once per factor. Undefined where the kernels would run in
 * JavaScript (no WebAssembly SIMD, or p too small): there the substitutions are as fast.
 */
export function inverseFactorKernels(gram: GramFactor): MatrixKernels | undefined {
  const { p } = gram;
  const backend = plannedBackend(p, p);
  if (backend === 'js') return undefined;
  // float32 arithmetic unless float64 was asked for: L⁻¹ is stored in float32 either way (1e-6 of G⁻¹r), and a
  // preconditioner needs no more; at p = 785, m = 9, 0.9 ms per application against 2.0 ms.
  gram.inverseKernels ??= new WasmMatrixKernels(p >= 2 * CHOLESKY_BLOCK ? blockedLowerInverse(gram) : lowerInverse(gram), p, p, kernelChoice() === 'f64' ? 'f64' : 'f32');
  return gram.inverseKernels;
}

/**
 * L⁻¹ by panels of CHOLESKY_BLOCK rows, for the kernels above. The columns c left of a panel need the sums
 * Σ_k L_ik (L⁻¹)_kc over the rows k above it: one product of the WebAssembly kernels, the panel's rows of L against
 * the columns of L⁻¹ found so far (kept as rows of L⁻ᵀ, whose entries not yet found are zeros, as are L's right of
 * its diagonal, so that the kernels' sums over every column are those sums); the substitutions within the panel stay
 * in float64 JavaScript. The product rounds L and L⁻¹ to float32 (about 1e-7 of L⁻¹'s entries, which the kernels
 * store in float32 anyway). At p = 785 about 40 ms against 110 ms column by column (`lowerInverse`).
 */
export function blockedLowerInverse(gram: GramFactor): Float64Array {
  const { p, lower } = gram;
  const transposed = new Float64Array(p * p); // row c: column c of L⁻¹
  const rowsOfL = new WasmMatrixKernels(lower, p, p, 'f32');
  const sums = new Float64Array(CHOLESKY_BLOCK * p);
  for (let from = 0; from < p; from += CHOLESKY_BLOCK) {
    throwIfInterrupted();
    const to = Math.min(p, from + CHOLESKY_BLOCK);
    if (from > 0) {
      // Each panel's rows are copied into the previous panel's memory (`release`), grown once to the largest product.
      const panel = rowsOfL.subset(Int32Array.from({ length: to - from }, (_, r) => from + r));
      panel.logits(transposed.subarray(0, from * p), from, sums); // sums[r · from + c]
      panel.release();
    }
    for (let c = 0; c < to; c++) {
      const column = c * p;
      const first = Math.max(from, c);
      for (let i = first; i < to; i++) {
        const row = i * p;
        const known = c < from ? sums[(i - from) * from + c] : 0;
        const substituted = partialDot(lower, row + first, transposed, column + first, i - first);
        transposed[column + i] = ((i === c ? 1 : 0) - known - substituted) / lower[row + i];
      }
    }
  }
  const inverse = new Float64Array(p * p);
  for (let c = 0; c < p; c++) for (let i = c; i < p; i++) inverse[i * p + c] = transposed[c * p + i];
  return inverse;
}

/** L⁻¹ (row-major, lower triangular), column by column by forward substitution of the unit vectors. */
export function lowerInverse(gram: GramFactor): Float64Array {
  const { p, lower } = gram;
  const inverse = new Float64Array(p * p);
  const column = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    if (j % 64 === 0) throwIfInterrupted();
    for (let i = j; i < p; i++) {
      const row = i * p;
      column[i] = ((i === j ? 1 : 0) - partialDot(lower, row + j, column, j, i - j)) / lower[row + i];
      inverse[row + j] = column[i];
    }
  }
  return inverse;
}

/**
 * Σ_k a[from + k] · b[at + k] for k < length, with four partial sums: the dependent chain of one accumulator, not the
 * multiplies, bounds the substitutions' inner loops (a quarter faster).
 */
function partialDot(a: Float64Array, from: number, b: Float64Array, at: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < length; k += 4) {
    s0 += a[from + k] * b[at + k];
    s1 += a[from + k + 1] * b[at + k + 1];
    s2 += a[from + k + 2] * b[at + k + 2];
    s3 += a[from + k + 3] * b[at + k + 3];
  }
  for (; k < length; k++) s0 += a[from + k] * b[at + k];
  return s0 + s1 + (s2 + s3);
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
