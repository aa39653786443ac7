/**
 * The two dense products that dominate every pass over a design matrix X (n × p, row-major, intercept last):
 * all logits at once, and all gradient blocks at once. Implementations: plain JavaScript on X itself
 * (`js.ts`), and generated WebAssembly SIMD on a float32 copy of X (`wasm/`). `index.ts` picks one.
 */
export type KernelBackend = 'js' | 'wasm-f32' | 'wasm-f64';

export interface MatrixKernels {
  readonly backend: KernelBackend;
  readonly n: number;
  readonly p: number;
  /** out[i·m + c] = Σ_j X[i·p + j] · W[c·p + j] — W is m × p row-major, out n × m. */
  logits(W: Float64Array, m: number, out: Float64Array): void;
  /** out[c·p + j] = Σ_i A[i·m + c] · X[i·p + j] — A is n × m, out (m × p) is overwritten. */
  gradient(A: Float64Array, m: number, out: Float64Array): void;
  /**
   * Both products in one pass over X, block by block of rows (each block read from memory once): for each block
   * [start, end) the kernel computes its logits (n_b × m), `visit` writes the block's coefficients (n_b × m, every
   * entry), and the kernel adds their product with the block into out (m × p, overwritten at the start).
   */
  logitsAndGradient(W: Float64Array, m: number, visit: BlockVisitor, out: Float64Array): void;
}

/** Turns a block's logits (rows start … end − 1, row-major n_b × m) into its gradient coefficients. */
export type BlockVisitor = (start: number, end: number, logits: Float64Array, coefficients: Float64Array) => void;

/**
 * Rows per block of `logitsAndGradient`: the block of X (≈ 128 × p floats) stays in the core's cache. A multiple
 * of the kernels' own row blocks (2 and 4 rows, 64 for the float32 gradient's partial sums), so the fused pass
 * makes the same sums, in the same order, as the two products apart.
 */
export const FUSED_BLOCK_ROWS = 128;
