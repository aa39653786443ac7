/**
 * The damped least-squares step of damped Anderson acceleration (Henderson & Varadhan 2019, "Damped Anderson
 * acceleration with restarts and monotonicity control for accelerating EM and EM-like algorithms", JCGS 28:834–846).
 *
 * Given the differences of the last residuals F = [Δf₁ … Δf_m] (D × m) and the current residual f, Anderson
 * acceleration wants γ minimizing ‖f − Fγ‖. The damped version solves the ridge problem
 * min ‖f − Fγ‖² + λ‖γ‖² with λ chosen so that ‖γ(λ)‖ = √δ·‖γ(0)‖ for a target δ in (0, 1): δ near 0 gives almost
 * plain EM, δ near 1 the full Anderson step. With the SVD F = U diag(d) Vᵀ and c = Uᵀf,
 * γ(λ) = V s(λ), s_j(λ) = d_j c_j / (d_j² + λ), and ‖γ(λ)‖ = ‖s(λ)‖ decreases in λ, so λ is the root of a secular
 * equation, found here by Newton's method on 1/‖s(λ)‖ (nearly linear in λ) inside a shrinking bracket.
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

export interface DampedSolution {
  readonly gamma: Float64Array;
  /** The ridge λ that was used (the next solve starts from it). */
  readonly lambda: number;
}

/** Singular values below this fraction of the largest are treated as zero (a rank-deficient history). */
const RELATIVE_RANK_TOLERANCE = 1e-12;
const MAX_NEWTON_STEPS = 60;

/**
 * γ for the columns `F` and residual `f`, damped to a norm ratio inside [lowRatio, highRatio] of the undamped
 * solution's norm (the target √δ lies between them). `lambdaStart` is the previous solve's λ.
 */
export function dampedAndersonCoefficients(
  columns: readonly Float64Array[],
  f: Float64Array,
  { lowRatio, highRatio, lambdaStart }: { lowRatio: number; highRatio: number; lambdaStart: number },
): DampedSolution {
  const m = columns.length;
  const D = f.length;
  const F = new Matrix(D, m);
  for (let j = 0; j < m; j++) for (let i = 0; i < D; i++) F.set(i, j, columns[j][i]);
  const svd = new SingularValueDecomposition(F, { autoTranspose: true });
  const U = svd.leftSingularVectors;
  const V = svd.rightSingularVectors;
  const singular = svd.diagonal;
  const largest = Math.max(...singular);
  const d: number[] = [];
  const c: number[] = [];
  const kept: number[] = [];
  for (let j = 0; j < singular.length; j++) {
    if (!(singular[j] > RELATIVE_RANK_TOLERANCE * largest)) continue;
    let projection = 0;
    for (let i = 0; i < D; i++) projection += U.get(i, j) * f[i];
    d.push(singular[j]);
    c.push(projection);
    kept.push(j);
  }
  const gamma = new Float64Array(m);
  const lambda = d.length === 0 ? lambdaStart : solveDamping(d, c, lowRatio, highRatio, lambdaStart);
  if (d.length === 0) return { gamma, lambda };
  kept.forEach((column, index) => {
    const s = (d[index] * c[index]) / (d[index] * d[index] + lambda);
    for (let r = 0; r < m; r++) gamma[r] += V.get(r, column) * s;
  });
  return { gamma, lambda };
}

/** λ ≥ 0 with ‖s(λ)‖ / ‖s(0)‖ in [lowRatio, highRatio]. */
export function solveDamping(d: readonly number[], c: readonly number[], lowRatio: number, highRatio: number, lambdaStart: number): number {
  const normAt = (lambda: number) => {
    let squared = 0;
    let cubic = 0;
    for (let j = 0; j < d.length; j++) {
      const denominator = d[j] * d[j] + lambda;
      const a = c[j] * c[j] * d[j] * d[j];
      squared += a / (denominator * denominator);
      cubic += a / (denominator * denominator * denominator);
    }
    return { norm: Math.sqrt(squared), cubic };
  };
  const undamped = normAt(0).norm;
  if (undamped === 0 || !Number.isFinite(undamped)) return lambdaStart;
  if (highRatio >= 1) return 0;
  const target = 0.5 * (lowRatio + highRatio) * undamped;
  // ‖s(λ)‖ ≤ ‖c∘d‖/λ, so at this λ the norm is below the target: the root lies in [0, upper].
  let lower = 0;
  let upper = Math.sqrt(c.reduce((sum, cj, j) => sum + cj * cj * d[j] * d[j], 0)) / target;
  let lambda = lambdaStart > lower && lambdaStart < upper ? lambdaStart : Math.sqrt(1e-4) * upper;
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    const { norm, cubic } = normAt(lambda);
    const ratio = norm / undamped;
    if (ratio >= lowRatio && ratio <= highRatio) return lambda;
    if (ratio > highRatio) lower = lambda;
    else upper = lambda;
    // Newton on ψ(λ) = 1/‖s(λ)‖ − 1/target, ψ′(λ) = Σ a_j/(d_j² + λ)³ / ‖s‖³.
    const newton = lambda - (1 / norm - 1 / target) * (norm * norm * norm) / cubic;
    lambda = newton > lower && newton < upper ? newton : lower > 0 ? Math.sqrt(lower * upper) : 1e-3 * upper;
  }
  return lambda;
}
