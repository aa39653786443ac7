/**
 * Plain-JavaScript kernels on the float64 design matrix itself (no copy): the path for narrow data, and the
 * fallback where WebAssembly SIMD is unavailable. Register-blocked so that each loaded x value feeds several
 * products: logits take 2 rows × 4 coefficient rows per pass over a row; the gradient adds 4 rows at a time.
 */
import { FUSED_BLOCK_ROWS, type BlockVisitor, type MatrixKernels } from './types';

export class JsMatrixKernels implements MatrixKernels {
  readonly backend = 'js' as const;

  constructor(
    readonly X: Float64Array,
    readonly n: number,
    readonly p: number,
  ) {}

  logits(W: Float64Array, m: number, out: Float64Array): void {
    logitsJs(this.X, this.n, this.p, W, m, out);
  }

  gradient(A: Float64Array, m: number, out: Float64Array): void {
    gradientJs(this.X, this.n, this.p, A, m, out);
  }

  logitsAndGradient(W: Float64Array, m: number, visit: BlockVisitor, out: Float64Array): void {
    const { X, n, p } = this;
    out.fill(0, 0, m * p);
    const logits = new Float64Array(FUSED_BLOCK_ROWS * m);
    const coefficients = new Float64Array(FUSED_BLOCK_ROWS * m);
    for (let start = 0; start < n; start += FUSED_BLOCK_ROWS) {
      const end = Math.min(n, start + FUSED_BLOCK_ROWS);
      const rows = end - start;
      const block = X.subarray(start * p, end * p);
      const blockLogits = logits.subarray(0, rows * m);
      const blockCoefficients = coefficients.subarray(0, rows * m);
      logitsJs(block, rows, p, W, m, blockLogits);
      blockCoefficients.fill(0);
      visit(start, end, blockLogits, blockCoefficients);
      // Added straight into out: blocks are a multiple of 4 rows, so the sums are those of `gradient`, bit for bit.
      addGradientJs(block, rows, p, blockCoefficients, m, out);
    }
  }
}

/** out[i·m + c] = Σ_j X[i·p + j] · W[c·p + j]. */
export function logitsJs(X: Float64Array, n: number, p: number, W: Float64Array, m: number, out: Float64Array): void {
  if (m < 4) {
    fewLogitsJs(X, n, p, W, m, out);
    return;
  }
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const x0 = i * p;
    const x1 = x0 + p;
    const o0 = i * m;
    const o1 = o0 + m;
    let c = 0;
    for (; c + 3 < m; c += 4) {
      const w0 = c * p;
      const w1 = w0 + p;
      const w2 = w1 + p;
      const w3 = w2 + p;
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      for (let j = 0; j < p; j++) {
        const u = X[x0 + j];
        const v = X[x1 + j];
        const b0 = W[w0 + j];
        const b1 = W[w1 + j];
        const b2 = W[w2 + j];
        const b3 = W[w3 + j];
        a00 += u * b0;
        a01 += u * b1;
        a02 += u * b2;
        a03 += u * b3;
        a10 += v * b0;
        a11 += v * b1;
        a12 += v * b2;
        a13 += v * b3;
      }
      out[o0 + c] = a00;
      out[o0 + c + 1] = a01;
      out[o0 + c + 2] = a02;
      out[o0 + c + 3] = a03;
      out[o1 + c] = a10;
      out[o1 + c + 1] = a11;
      out[o1 + c + 2] = a12;
      out[o1 + c + 3] = a13;
    }
    for (; c < m; c++) {
      const w0 = c * p;
      let a0 = 0;
      let a1 = 0;
      for (let j = 0; j < p; j++) {
        const b = W[w0 + j];
        a0 += X[x0 + j] * b;
        a1 += X[x1 + j] * b;
      }
      out[o0 + c] = a0;
      out[o1 + c] = a1;
    }
  }
  for (; i < n; i++) {
    const x0 = i * p;
    for (let c = 0; c < m; c++) {
      const w0 = c * p;
      let a = 0;
      for (let j = 0; j < p; j++) a += X[x0 + j] * W[w0 + j];
      out[i * m + c] = a;
    }
  }
}

/**
 * logitsJs for m < 4 coefficient rows (a K = 2 gate, a logistic expert): four rows of X per coefficient row at a
 * time, so that each loaded coefficient feeds four products.
 */
function fewLogitsJs(X: Float64Array, n: number, p: number, W: Float64Array, m: number, out: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = i * p;
    const x1 = x0 + p;
    const x2 = x1 + p;
    const x3 = x2 + p;
    for (let c = 0; c < m; c++) {
      const w0 = c * p;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < p; j++) {
        const b = W[w0 + j];
        a0 += X[x0 + j] * b;
        a1 += X[x1 + j] * b;
        a2 += X[x2 + j] * b;
        a3 += X[x3 + j] * b;
      }
      out[i * m + c] = a0;
      out[(i + 1) * m + c] = a1;
      out[(i + 2) * m + c] = a2;
      out[(i + 3) * m + c] = a3;
    }
  }
  for (; i < n; i++) {
    const x0 = i * p;
    for (let c = 0; c < m; c++) {
      const w0 = c * p;
      let a = 0;
      for (let j = 0; j < p; j++) a += X[x0 + j] * W[w0 + j];
      out[i * m + c] = a;
    }
  }
}

/** out[c·p + j] = Σ_i A[i·m + c] · X[i·p + j] (out is overwritten). */
export function gradientJs(X: Float64Array, n: number, p: number, A: Float64Array, m: number, out: Float64Array): void {
  out.fill(0, 0, m * p);
  addGradientJs(X, n, p, A, m, out);
}

/** out[c·p + j] += Σ_i A[i·m + c] · X[i·p + j], four rows at a time. */
export function addGradientJs(X: Float64Array, n: number, p: number, A: Float64Array, m: number, out: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = i * p;
    const x1 = x0 + p;
    const x2 = x1 + p;
    const x3 = x2 + p;
    const r0 = i * m;
    for (let c = 0; c < m; c++) {
      const a0 = A[r0 + c];
      const a1 = A[r0 + m + c];
      const a2 = A[r0 + 2 * m + c];
      const a3 = A[r0 + 3 * m + c];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const g = c * p;
      for (let j = 0; j < p; j++) out[g + j] += a0 * X[x0 + j] + a1 * X[x1 + j] + a2 * X[x2 + j] + a3 * X[x3 + j];
    }
  }
  for (; i < n; i++) {
    const x0 = i * p;
    for (let c = 0; c < m; c++) {
      const a = A[i * m + c];
      if (a === 0) continue;
      const g = c * p;
      for (let j = 0; j < p; j++) out[g + j] += a * X[x0 + j];
    }
  }
}
