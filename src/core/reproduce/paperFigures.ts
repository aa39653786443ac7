/**
 * The paper's own figures, the one place they are typed: the report's tables, the charts' reference points and the
 * notes that compare our numbers with them all read them from here.
 *
 * Source: /work/shared/notes/paper-facts.md, which took them from the authors' ICML 2025 slides (slide "Empirical
 * Validation") and poster (public repository Quentin-Fruytier/Quentin-Fruytier.github.io, data/ICML2025_EMMOE.pdf
 * and data/Poster__MOE_ICML2025.pdf). The third-party summary's numbers are not the paper's and are not here.
 */
import type { SolverName } from '../spec/types';

/** Table 2, "Performance for 2-Component MoLogE" on Random-Invert Fashion-MNIST: 100 iterations, 25 instances. */
export const PAPER_TABLE_2: Readonly<Partial<Record<SolverName, { readonly accuracy: number; readonly crossEntropy: number }>>> = {
  em: { accuracy: 0.785, crossEntropy: 0.827 },
  gem: { accuracy: 0.66, crossEntropy: 1.29 },
  gd: { accuracy: 0.624, crossEntropy: 1.3 },
};

/** Where Fig. 2's relative parameter errors flatten (read by eye): ‖β − β*‖/‖β*‖ and, for EM and Gradient EM, ‖w − w*‖/‖w*‖. */
export const PAPER_BETA_ERROR_PLATEAU = '3e-2';
export const PAPER_GATE_ERROR_PLATEAU = '8e-2';
/** GD's relative gate error after Fig. 2's 100 iterations (read by eye). */
export const PAPER_GD_GATE_ERROR_AT_100 = '0.35–0.4';

/**
 * SymMoLinE, Figs. 1–2 read by eye, per solver: iterations until the objective error reaches 1e-5, and how the β and
 * gate errors flatten. Adam is not in the paper.
 */
export const PAPER_SYMMOLINE: Readonly<Record<SolverName, { readonly objective: string; readonly beta: string; readonly gate: string }>> = {
  em: { objective: '≈ 5', beta: `flattens near ${PAPER_BETA_ERROR_PLATEAU} by ≈ 8`, gate: `flattens near ${PAPER_GATE_ERROR_PLATEAU} by ≈ 10` },
  gem: { objective: '25–30', beta: `flattens near ${PAPER_BETA_ERROR_PLATEAU} by ≈ 40`, gate: `flattens near ${PAPER_GATE_ERROR_PLATEAU} by ≈ 30` },
  gd: { objective: '55–65', beta: `flattens near ${PAPER_BETA_ERROR_PLATEAU} by ≈ 80–100`, gate: `still ${PAPER_GD_GATE_ERROR_AT_100} at 100` },
  adam: { objective: '— (not in the paper)', beta: '—', gate: '—' },
};
