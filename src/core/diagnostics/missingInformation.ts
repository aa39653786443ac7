/**
 * EM's predicted local linear rate from the missing information (DESIGN §3). Near a fixed point EM moves as
 * θᵗ⁺¹ − θ* ≈ M (θᵗ − θ*) with M = I − I_c⁻¹ I_obs, where I_obs = −∇²ℓ(θ) (observed information) and
 * I_c = −∇²_θ Q(θ | θᵗ) at θ = θᵗ (complete-data information). Both Hessians are taken by central differences of
 * the exact gradients (∇ℓ, and ∇Q with the responsibilities held fixed). M is similar to the symmetric
 * I − L⁻¹ I_obs L⁻ᵀ (I_c = L Lᵀ), whose eigenvalues are real; the spectral radius is the predicted rate.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, inverse, Matrix } from 'ml-matrix';
import type { Dataset } from '../data/dataset';
import { evaluate, gradientQ } from '../model/evaluate';
import type { ParamLayout } from '../model/layout';

export const MISSING_INFORMATION_PARAMETER_LIMIT = 300;

export interface MissingInformation {
  /** Spectral radius of M: EM's predicted local linear rate. */
  readonly spectralRadius: number;
  /** Eigenvalues of M, largest first. */
  readonly eigenvalues: number[];
}

export function missingInformation(layout: ParamLayout, data: Dataset, theta: Float64Array): MissingInformation | undefined {
  const D = layout.size;
  if (D > MISSING_INFORMATION_PARAMETER_LIMIT) return undefined;
  const fixedResponsibilities = evaluate(layout, data, theta).resp;
  const observed = hessianByDifferences(theta, (point) => {
    const ev = evaluate(layout, data, point);
    return gradientQ(layout, data, point, ev, ev.resp, new Float64Array(D));
  });
  const complete = hessianByDifferences(theta, (point) =>
    gradientQ(layout, data, point, evaluate(layout, data, point), fixedResponsibilities, new Float64Array(D)),
  );
  const cholesky = new CholeskyDecomposition(complete);
  if (!cholesky.isPositiveDefinite()) return undefined;
  const lowerInverse = inverse(cholesky.lowerTriangularMatrix);
  const whitened = lowerInverse.mmul(observed).mmul(lowerInverse.transpose());
  const symmetric = whitened.add(whitened.transpose()).mul(0.5);
  const eigenvalues = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true }).realEigenvalues
    .map((lambda) => 1 - lambda)
    .sort((a, b) => Math.abs(b) - Math.abs(a));
  if (!eigenvalues.every(Number.isFinite)) return undefined;
  return { spectralRadius: Math.abs(eigenvalues[0]), eigenvalues };
}

/** −∂g/∂θ by central differences, symmetrized. */
function hessianByDifferences(theta: Float64Array, gradientAt: (point: Float64Array) => Float64Array): Matrix {
  const D = theta.length;
  const negativeHessian = new Matrix(D, D);
  const point = theta.slice();
  for (let j = 0; j < D; j++) {
    const h = 1e-5 * Math.max(1, Math.abs(theta[j]));
    point[j] = theta[j] + h;
    const plus = gradientAt(point);
    point[j] = theta[j] - h;
    const minus = gradientAt(point);
    point[j] = theta[j];
    for (let i = 0; i < D; i++) negativeHessian.set(i, j, -(plus[i] - minus[i]) / (2 * h));
  }
  return negativeHessian.add(negativeHessian.transpose()).mul(0.5);
}
