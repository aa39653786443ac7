/**
 * A block-diagonal preconditioner over classes for the conjugate gradients of wide softmax blocks with several free
 * classes (m = C − 1 > 1: the classifier experts of Fashion-MNIST), used by `newtonCg.ts` where A ⊗ G
 * (`kroneckerPreconditioner.ts`) would give every class the same row weights.
 *
 * The block's curvature is −∇²f = Σ_i w_i B_i ⊗ x_i x_iᵀ + λI with B_i = diag P_i − P_i P_iᵀ. Its diagonal blocks are
 *   G_c = Σ_i w_i p_ic (1 − p_ic) x_i x_iᵀ + λI,   one per free class c,
 * each over the rows that class's curvature sits on (those the model confuses with c). Late in EM those rows differ
 * from class to class, and A ⊗ G, whose G weighs the rows by their curvature summed over the classes, fits no class
 * well: its CG runs end at their cap in the slowest iterations (docs/solvers.md, session 12). The blocks leave out the
 * coupling −w_i p_ia p_ib between classes, which A ⊗ G keeps on average.
 *
 * Each G_c is estimated from a sample of rows drawn in proportion to its own weights (`sampledGramFactor`), damped by
 * CLASS_BLOCK_DAMPING of its mean diagonal entry, and applied through the matrix kernels on its L⁻¹ (`gramInverse`). The m factors
 * cost about 0.25 s per class at p = 785 (sample Gram 150 ms, Cholesky 35, L⁻¹ 60): some 25 passes over full
 * Fashion-MNIST for an expert, so `newtonCg.ts` keeps them for more solves than A ⊗ G's single factor.
 */
import type { SpdFactor } from './denseSolve';
import { gramInverse, sampledGramFactor, type GramInverse } from './kroneckerPreconditioner';
import type { SoftmaxProblem } from './softmaxRegression';

/**
 * Damping of each G_c, relative to its mean diagonal entry. Each block is exact but for the sample; what the damping
 * bounds is how far G_c⁻¹ may stretch a direction that the coupling left out would have curbed.
 */
export const CLASS_BLOCK_DAMPING = 1e-2;

/** Class c's curvature weight per row of the block, w_i p_ic (1 − p_ic), from the free-class probabilities (n × m). */
export function classCurvatureWeights(problem: SoftmaxProblem, probs: Float64Array, c: number): Float64Array {
  const { n, weights, C } = problem;
  const m = C - 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pc = probs[i * m + c];
    out[i] = (weights ? weights[i] : 1) * pc * (1 - pc);
  }
  return out;
}

/**
 * G_1⁻¹ … G_m⁻¹ (`gramInverse`), from the factors of G_1 … G_m. `perRowOfX` maps a block's row weights to X's rows
 * (a block over selected rows gives the others 0), since the sample indexes X itself.
 */
export function classBlockInverses(problem: SoftmaxProblem, probs: Float64Array, perRowOfX: (weights: Float64Array) => Float64Array): GramInverse[] {
  const m = problem.C - 1;
  return Array.from({ length: m }, (_, c) => gramInverse(sampledGramFactor(problem, perRowOfX(classCurvatureWeights(problem, probs, c)), CLASS_BLOCK_DAMPING)));
}

/**
 * The preconditioner r ↦ (G_1⁻¹ r_1, …, G_m⁻¹ r_m), r_c the p coefficients of class c. Block-diagonal: the coupling
 * between classes is left out. B_i = diag P_i − P_i P_iᵀ is diagonally dominant, so that at most doubles the
 * curvature in any direction; putting it back as L (Â ⊗ I) Lᵀ (L = diag L_c, Â the class coupling A of
 * `classCoupling` scaled to a unit diagonal, exact wherever A ⊗ G is) took more passes than A ⊗ G itself on full
 * Fashion-MNIST (docs/solvers.md, session 13).
 */
export function classBlockPreconditioner(inverses: readonly GramInverse[], p: number): SpdFactor {
  return {
    addedRidge: 0,
    solve: (r, out) => inverses.forEach((applyInverse, c) => applyInverse(r.subarray(c * p, (c + 1) * p), 1, out.subarray(c * p, (c + 1) * p))),
  };
}
