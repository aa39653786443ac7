/**
 * Symmetric positive-definite solves for the M-steps (ml-matrix's Cholesky). A singular or indefinite system
 * (an expert with too little weight, collinear features) gets a growing ridge until it factors, and the caller
 * is told how much was added so that the report can say so.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { throwIfInterrupted, throwIfInterruptedAtRow } from '../interrupt';

export interface SpdSolution {
  readonly x: Float64Array;
  /** Ridge added to the diagonal to make the system factor (0 when none was needed). */
  readonly addedRidge: number;
}

/** Solves A x = b for a symmetric matrix A given as a flat row-major D × D array. */
export function solveSymmetricPositiveDefinite(A: Float64Array, b: Float64Array, D: number): SpdSolution {
  let trace = 0;
  for (let j = 0; j < D; j++) trace += Math.abs(A[j * D + j]);
  const scale = trace > 0 && Number.isFinite(trace) ? trace / D : 1;
  let ridge = 0;
  for (let attempt = 0; attempt < 16; attempt++) {
    const matrix = toMatrix(A, D, ridge);
    const cholesky = new CholeskyDecomposition(matrix);
    if (cholesky.isPositiveDefinite()) {
      const solution = cholesky.solve(Matrix.columnVector(Array.from(b)));
      const x = Float64Array.from(solution.getColumn(0));
      if (x.every(Number.isFinite)) return { x, addedRidge: ridge };
    }
    ridge = ridge === 0 ? scale * 1e-10 : ridge * 10;
  }
  throw new Error('linear system could not be solved even with a ridge (non-finite entries?)');
}

function toMatrix(A: Float64Array, D: number, ridge: number): Matrix {
  const matrix = new Matrix(D, D);
  for (let r = 0; r < D; r++) {
    for (let c = 0; c < D; c++) matrix.set(r, c, A[r * D + c] + (r === c ? ridge : 0));
  }
  return matrix;
}

/** Weighted least squares: β = (Xᵀ W X + λI)⁻¹ Xᵀ W y, with X flat n × p row-major. */
export function weightedLeastSquares(
  X: Float64Array,
  n: number,
  p: number,
  weights: Float64Array | ((i: number) => number),
  y: Float64Array,
  ridge: number,
): SpdSolution & { totalWeight: number } {
  throwIfInterrupted(); // a pass over the rows (src/core/interrupt.ts)
  const weightOf = typeof weights === 'function' ? weights : (i: number) => weights[i];
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    throwIfInterruptedAtRow(i);
    const w = weightOf(i);
    if (w === 0) continue;
    totalWeight += w;
    const offset = i * p;
    for (let a = 0; a < p; a++) {
      const wxa = w * X[offset + a];
      b[a] += wxa * y[i];
      for (let c = a; c < p; c++) A[a * p + c] += wxa * X[offset + c];
    }
  }
  for (let a = 0; a < p; a++) {
    A[a * p + a] += ridge;
    for (let c = 0; c < a; c++) A[a * p + c] = A[c * p + a];
  }
  return { ...solveSymmetricPositiveDefinite(A, b, p), totalWeight };
}

/** A Cholesky factor of a symmetric positive-definite matrix, kept to solve many right-hand sides. */
export interface SpdFactor {
  solve(b: Float64Array, out: Float64Array): void;
  /** Ridge added to the diagonal to make the matrix factor (0 when none was needed). */
  readonly addedRidge: number;
}

/** Factors A (flat row-major D × D), adding a growing ridge until it factors, as `solveSymmetricPositiveDefinite`. */
export function factorSymmetricPositiveDefinite(A: Float64Array, D: number): SpdFactor {
  let trace = 0;
  for (let j = 0; j < D; j++) trace += Math.abs(A[j * D + j]);
  const scale = trace > 0 && Number.isFinite(trace) ? trace / D : 1;
  let ridge = 0;
  for (let attempt = 0; attempt < 16; attempt++) {
    const cholesky = new CholeskyDecomposition(toMatrix(A, D, ridge));
    if (cholesky.isPositiveDefinite()) {
      const L = cholesky.lowerTriangularMatrix.to1DArray();
      if (L.every(Number.isFinite)) return { solve: (b, out) => choleskySolve(L, D, b, out), addedRidge: ridge };
    }
    ridge = ridge === 0 ? scale * 1e-10 : ridge * 10;
  }
  throw new Error('linear system could not be factored even with a ridge (non-finite entries?)');
}

/** out = (L Lᵀ)⁻¹ b by forward and back substitution (L flat row-major, lower triangular). */
function choleskySolve(L: number[], D: number, b: Float64Array, out: Float64Array): void {
  for (let r = 0; r < D; r++) {
    let sum = b[r];
    for (let c = 0; c < r; c++) sum -= L[r * D + c] * out[c];
    out[r] = sum / L[r * D + r];
  }
  for (let r = D - 1; r >= 0; r--) {
    let sum = out[r];
    for (let c = r + 1; c < D; c++) sum -= L[c * D + r] * out[c];
    out[r] = sum / L[r * D + r];
  }
}
