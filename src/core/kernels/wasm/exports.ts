/**
 * The generated kernels' exports, and the chunked loops that call them — shared by the thread that owns a
 * matrix and its helper threads, so that both run the same code on their share of the rows.
 */
export interface GemmExports {
  logits(x: number, rows: number, w: number, m: number, out: number): void;
  gradient(x: number, rows: number, a: number, m: number, g: number): void;
}

/** Rows per kernel call: small enough that the engine's optimizing tier takes over after the first calls. */
export const CHUNK_ROWS = 2048;

/** Logits of `rows` rows starting at byte `x` (rows `rowBytes` apart) into `out` (float64, m per row). */
export function runLogits(kernels: GemmExports, x: number, rows: number, rowBytes: number, w: number, m: number, out: number): void {
  for (let i = 0; i < rows; i += CHUNK_ROWS) kernels.logits(x + i * rowBytes, Math.min(CHUNK_ROWS, rows - i), w, m, out + i * m * 8);
}

/** g += aᵀ x over `rows` rows; `a` holds m coefficients of `coefficientBytes` per row. */
export function runGradient(
  kernels: GemmExports,
  x: number,
  rows: number,
  rowBytes: number,
  a: number,
  coefficientBytes: number,
  m: number,
  g: number,
): void {
  for (let i = 0; i < rows; i += CHUNK_ROWS) kernels.gradient(x + i * rowBytes, Math.min(CHUNK_ROWS, rows - i), a + i * m * coefficientBytes, m, g);
}
