/**
 * Weighted Gram matrices G_s = Σ_i w_si z_i z_iᵀ for several weight vectors s at once, in one blocked pass over the
 * rows, where z_i is row i of X, optionally followed by one extra value (the target y_i, so that the same pass also
 * gives Xᵀ W y and yᵀ W y). These are the dense blocks of narrow M-steps: the Hessian of a softmax block
 * (Σ_i H_i ⊗ x_i x_iᵀ, one weight vector per class pair) and the weighted normal equations of gaussian experts (one
 * weight vector per expert). On tall data they dominate an EM iteration, so they are computed together, reading
 * each row once.
 *
 * Each block of rows is transposed into column strips (one contiguous array per column), so that every entry of
 * every G_s is a dot product of two contiguous strips, register-blocked so that each loaded value feeds two to four
 * multiply–adds. Float64 throughout (the narrow data this serves are the ones whose results the tests compare with
 * R). With WebAssembly SIMD the whole block work runs in a small WebAssembly memory (`wasm/gramModule.ts`): the
 * block of rows is copied in as stored (one memcpy), then transposed, scaled by each weight vector and multiplied
 * there, so that JavaScript only fills the weights — at 1e6 × 21, one weight vector costs about 65 ms and each
 * further one about 30 ms (plain JavaScript, the fallback: about 150 ms and 95 ms). X itself is never copied whole.
 */
import { buildGramModule, type GramExports } from './wasm/gramModule';
import { wasmSimdAvailable } from './wasm/wasmKernels';
import { kernelChoice } from './index';

/** Rows per block: the transposed block (q × rows) and its weighted copy stay in the core's cache. */
export const GRAM_BLOCK_ROWS = 256;

/**
 * Fills the weights of rows [start, end) for every weight vector: weights[s · rows + r] for row start + r
 * (rows = end − start; every entry must be written).
 */
export type GramWeights = (start: number, end: number, weights: Float64Array) => void;

/**
 * Returns S matrices q × q (q = p, or p + 1 with `extra`), full (both triangles), one after the other:
 * entry (j, l) of G_s at s·q² + j·q + l.
 */
export function weightedGrams(
  X: Float64Array,
  n: number,
  p: number,
  S: number,
  fillWeights: GramWeights,
  extra?: Float64Array,
): Float64Array {
  const q = extra ? p + 1 : p;
  const even = q + (q % 2); // a zero strip pads an odd q, so that the 2 × 2 blocking needs no edge cases
  const wasm = gramWorkspace(p, even, S);
  const sums = wasm ? wasmGramSums(wasm, X, n, p, S, fillWeights, extra) : jsGramSums(X, n, p, even, S, fillWeights, extra);
  const out = new Float64Array(S * q * q);
  for (let s = 0; s < S; s++) {
    const from = s * even * even;
    const to = s * q * q;
    for (let j = 0; j < q; j++) {
      for (let l = j; l < q; l++) {
        const value = sums[from + j * even + l];
        out[to + j * q + l] = value;
        out[to + l * q + j] = value;
      }
    }
  }
  return out;
}

/**
 * The sums in WebAssembly: each block of rows is copied in as stored (one memcpy), transposed into strips there,
 * and each weight vector scales the strips before their products; JavaScript only fills the weights.
 */
function wasmGramSums(
  wasm: GramWorkspace,
  X: Float64Array,
  n: number,
  p: number,
  S: number,
  fillWeights: GramWeights,
  extra: Float64Array | undefined,
): Float64Array {
  const B = GRAM_BLOCK_ROWS;
  const { exports, rows: rowsView, strips, weights, sums, even } = wasm;
  const stripBytes = B * 8;
  strips.fill(0);
  sums.fill(0);
  for (let start = 0; start < n; start += B) {
    const end = Math.min(n, start + B);
    const rows = end - start;
    if (rows < B) strips.fill(0);
    rowsView.set(X.subarray(start * p, end * p));
    // The kernel transposes pairs of rows: an odd last block gets a zero row.
    const pairedRows = rows + (rows % 2);
    if (pairedRows > rows) rowsView.fill(0, rows * p, pairedRows * p);
    exports.transpose(wasm.rowsAt, pairedRows, p, wasm.stripsAt, stripBytes);
    if (extra) strips.set(extra.subarray(start, end), p * B);
    const blockWeights = weights.subarray(0, S * rows);
    fillWeights(start, end, blockWeights);
    if (rows < B) {
      // The last block: weights from stride `rows` to stride B, zero past the rows (their strips are zero too).
      for (let s = S - 1; s >= 0; s--) {
        weights.copyWithin(s * B, s * rows, s * rows + rows);
        weights.fill(0, s * B + rows, (s + 1) * B);
      }
    }
    for (let s = 0; s < S; s++) {
      exports.scale(wasm.weightsAt + s * stripBytes, wasm.stripsAt, even, stripBytes, wasm.weightedAt);
      exports.upper(wasm.weightedAt, wasm.stripsAt, even, stripBytes, wasm.sumsAt + s * even * even * 8);
    }
  }
  return sums;
}

/** The same sums in plain JavaScript (no WebAssembly SIMD here, or the `js` kernel choice). */
function jsGramSums(
  X: Float64Array,
  n: number,
  p: number,
  even: number,
  S: number,
  fillWeights: GramWeights,
  extra: Float64Array | undefined,
): Float64Array {
  const B = GRAM_BLOCK_ROWS;
  const q = extra ? p + 1 : p;
  const strips = new Float64Array(even * B);
  const weighted = new Float64Array(even * B);
  const sums = new Float64Array(S * even * even);
  const weights = new Float64Array(S * B);
  for (let start = 0; start < n; start += B) {
    const end = Math.min(n, start + B);
    const rows = end - start;
    if (rows < B) {
      strips.fill(0);
      weighted.fill(0);
    }
    for (let r = 0; r < rows; r++) {
      const offset = (start + r) * p;
      for (let j = 0; j < p; j++) strips[j * B + r] = X[offset + j];
      if (extra) strips[p * B + r] = extra[start + r];
    }
    fillWeights(start, end, weights);
    for (let s = 0; s < S; s++) {
      for (let j = 0; j < q; j++) {
        const w = s * rows;
        const column = j * B;
        for (let r = 0; r < rows; r++) weighted[column + r] = weights[w + r] * strips[column + r];
      }
      addUpperProducts(weighted, strips, even, B, sums, s * even * even);
    }
  }
  return sums;
}

interface GramWorkspace {
  readonly exports: GramExports;
  /** Strips per block (q rounded up to even). */
  readonly even: number;
  /** Views of the kernel's memory: a block of rows as stored, its strips, the weighted strips, the weights, the sums. */
  readonly rows: Float64Array;
  readonly strips: Float64Array;
  readonly weighted: Float64Array;
  readonly weights: Float64Array;
  readonly sums: Float64Array;
  /** Byte addresses of those arrays in the kernel's memory. */
  readonly rowsAt: number;
  readonly stripsAt: number;
  readonly weightedAt: number;
  readonly weightsAt: number;
  readonly sumsAt: number;
}

let gramInstance: { exports: GramExports; memory: WebAssembly.Memory } | null | undefined;

/** The Gram kernel's instance (compiled on first use), or undefined: no WebAssembly SIMD here, or the `js` choice. */
function gramKernel(): { exports: GramExports; memory: WebAssembly.Memory } | undefined {
  if (gramInstance === undefined) {
    try {
      if (!wasmSimdAvailable()) throw new Error('no WebAssembly SIMD');
      const memory = new WebAssembly.Memory({ initial: 1 });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(buildGramModule()), { env: { memory } });
      gramInstance = { exports: instance.exports as unknown as GramExports, memory };
    } catch {
      gramInstance = null;
    }
  }
  return gramInstance && kernelChoice() !== 'js' ? gramInstance : undefined;
}

/** The kernel's memory grown to at least `bytes`. */
function grownMemory(memory: WebAssembly.Memory, bytes: number): ArrayBuffer {
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  return memory.buffer;
}

/**
 * U Uᵀ for the q rows of U (row-major, `width` values per row; q and width even): entry (j, l) at j·q + l for
 * l ≥ j (entries below the diagonal are partly written and meaningless). The rows are the Gram kernel's strips as
 * they stand, so nothing is transposed. With WebAssembly the result is a view of the kernel's memory, valid until
 * the next call here. For the trailing updates of a blocked Cholesky factorization (`kroneckerPreconditioner.ts`).
 */
export function rowGram(U: Float64Array, q: number, width: number): Float64Array {
  const kernel = gramKernel();
  if (!kernel) {
    const sums = new Float64Array(q * q);
    addUpperProducts(U, U, q, width, sums, 0);
    return sums;
  }
  const sumsAt = align16(q * width * 8);
  const buffer = grownMemory(kernel.memory, sumsAt + q * q * 8);
  new Float64Array(buffer, 0, q * width).set(U.subarray(0, q * width));
  const sums = new Float64Array(buffer, sumsAt, q * q).fill(0);
  kernel.exports.upper(0, 0, q, width * 8, sumsAt);
  return sums;
}

/**
 * Σ_k v_k x_k x_kᵀ (p × p, both triangles) over the given rows of X (row-major float64; v_k the weight of the k-th
 * of them) in float32 arithmetic: each block of GRAM_BLOCK_ROWS rows is rounded to float32, transposed and weighted
 * here, its products summed in float32 by the kernel's `upperF32` (four lanes) and added to float64 sums — about
 * 1e-7 relative, for a preconditioner's G (`kroneckerPreconditioner.ts`), never for normal equations. For 6 280 rows
 * of 785 columns 150–200 ms against 270–360 ms for `weightedGrams` (timed by hand); without WebAssembly SIMD, that
 * one on a copy of the rows.
 */
export function weightedGramF32(X: Float64Array, p: number, rows: Int32Array, weights: Float64Array, onBlock?: () => void): Float64Array {
  const n = rows.length;
  const kernel = gramKernel();
  if (!kernel) {
    const copy = new Float64Array(n * p);
    rows.forEach((i, k) => copy.set(X.subarray(i * p, (i + 1) * p), k * p));
    return weightedGrams(copy, n, p, 1, (start, end, out) => {
      onBlock?.();
      out.set(weights.subarray(start, end));
    });
  }
  const B = GRAM_BLOCK_ROWS;
  const even = p + (p % 2);
  const stripBytes = B * 4;
  const weightedAt = 0;
  const stripsAt = weightedAt + even * stripBytes;
  const sumsAt = stripsAt + even * stripBytes;
  const buffer = grownMemory(kernel.memory, sumsAt + even * even * 8);
  const weighted = new Float32Array(buffer, weightedAt, even * B);
  const strips = new Float32Array(buffer, stripsAt, even * B);
  const sums = new Float64Array(buffer, sumsAt, even * even).fill(0);
  for (let start = 0; start < n; start += B) {
    onBlock?.();
    const count = Math.min(B, n - start);
    if (count < B || start === 0) {
      weighted.fill(0);
      strips.fill(0);
    }
    for (let r = 0; r < count; r++) {
      const w = weights[start + r];
      const from = rows[start + r] * p;
      for (let j = 0; j < p; j++) {
        const x = Math.fround(X[from + j]);
        strips[j * B + r] = x;
        weighted[j * B + r] = w * x;
      }
    }
    kernel.exports.upperF32(weightedAt, stripsAt, even, stripBytes, sumsAt);
  }
  const out = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    for (let l = j; l < p; l++) {
      const value = sums[j * even + l];
      out[j * p + l] = value;
      out[l * p + j] = value;
    }
  }
  return out;
}

/** Views of the kernel's memory for blocks of p columns, `even` strips and S sums (undefined: no WebAssembly SIMD here). */
function gramWorkspace(p: number, even: number, S: number): GramWorkspace | undefined {
  const kernel = gramKernel();
  if (!kernel) return undefined;
  const B = GRAM_BLOCK_ROWS;
  const rowsAt = 0;
  const stripsAt = align16(rowsAt + B * p * 8);
  const weightedAt = stripsAt + even * B * 8;
  const weightsAt = weightedAt + even * B * 8;
  const sumsAt = weightsAt + S * B * 8;
  const buffer = grownMemory(kernel.memory, sumsAt + S * even * even * 8);
  return {
    exports: kernel.exports,
    even,
    rows: new Float64Array(buffer, rowsAt, B * p),
    strips: new Float64Array(buffer, stripsAt, even * B),
    weighted: new Float64Array(buffer, weightedAt, even * B),
    weights: new Float64Array(buffer, weightsAt, S * B),
    sums: new Float64Array(buffer, sumsAt, S * even * even),
    rowsAt,
    stripsAt,
    weightedAt,
    weightsAt,
    sumsAt,
  };
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * sums[base + j·q + l] += Σ_r U[j·B + r] · Z[l·B + r] for j ≤ l, in blocks of 2 rows × 4 columns (blocks that
 * straddle the diagonal also add entries below it, which the caller ignores). q is even.
 */
function addUpperProducts(U: Float64Array, Z: Float64Array, q: number, B: number, sums: Float64Array, base: number): void {
  for (let j = 0; j < q; j += 2) {
    const u0 = j * B;
    const u1 = u0 + B;
    let l = j;
    for (; l + 3 < q; l += 4) {
      const z0 = l * B;
      const z1 = z0 + B;
      const z2 = z1 + B;
      const z3 = z2 + B;
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      for (let r = 0; r < B; r++) {
        const x0 = U[u0 + r];
        const x1 = U[u1 + r];
        const y0 = Z[z0 + r];
        const y1 = Z[z1 + r];
        const y2 = Z[z2 + r];
        const y3 = Z[z3 + r];
        a00 += x0 * y0;
        a01 += x0 * y1;
        a02 += x0 * y2;
        a03 += x0 * y3;
        a10 += x1 * y0;
        a11 += x1 * y1;
        a12 += x1 * y2;
        a13 += x1 * y3;
      }
      const row0 = base + j * q + l;
      const row1 = row0 + q;
      sums[row0] += a00;
      sums[row0 + 1] += a01;
      sums[row0 + 2] += a02;
      sums[row0 + 3] += a03;
      sums[row1] += a10;
      sums[row1 + 1] += a11;
      sums[row1 + 2] += a12;
      sums[row1 + 3] += a13;
    }
    for (; l < q; l += 2) {
      const z0 = l * B;
      const z1 = z0 + B;
      let a00 = 0, a01 = 0, a10 = 0, a11 = 0;
      for (let r = 0; r < B; r++) {
        const x0 = U[u0 + r];
        const x1 = U[u1 + r];
        const y0 = Z[z0 + r];
        const y1 = Z[z1 + r];
        a00 += x0 * y0;
        a01 += x0 * y1;
        a10 += x1 * y0;
        a11 += x1 * y1;
      }
      const row0 = base + j * q + l;
      const row1 = row0 + q;
      sums[row0] += a00;
      sums[row0 + 1] += a01;
      sums[row1] += a10;
      sums[row1 + 1] += a11;
    }
  }
}
