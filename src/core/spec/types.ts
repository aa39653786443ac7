/**
 * The experiment spec (`*.moe.json`, DESIGN §4) as TypeScript sees it after validation and defaults.
 * `schema.json` beside this file is the single source of truth; these types mirror it.
 */
import type { ExpertFamily } from '../data/dataset';
import type { SweepAxis } from './sweep';

export type SolverName = 'em' | 'gem' | 'gd' | 'adam';
export const SOLVER_NAMES: readonly SolverName[] = ['em', 'gem', 'gd', 'adam'];
export type GateKind = 'softmax' | 'constant';
/** Accelerators of the EM map (docs/solvers.md): none, SQUAREM (Varadhan & Roland 2008), DAAREM (Henderson & Varadhan 2019). */
export type EmAcceleration = 'none' | 'squarem' | 'daarem';
export const EM_ACCELERATIONS: readonly EmAcceleration[] = ['none', 'squarem', 'daarem'];
export const INIT_STRATEGIES = ['mixed', 'shortEm', 'subsetRegression', 'randomPartition', 'kmeans', 'random', 'nearTruth'] as const;
export type InitStrategy = (typeof INIT_STRATEGIES)[number];
export type SyntheticKind = 'linear' | 'logistic';

export interface CsvDataSpec {
  /** Path of the CSV, relative to the spec file's folder (or absolute inside the workspace). */
  readonly csv: string;
  readonly target: string;
  /** Feature columns; default: every numeric column but the target. */
  readonly features?: readonly string[];
  /** Drop rows with a missing or non-numeric feature cell instead of failing (the count is reported). */
  readonly dropInvalidRows: boolean;
}

export interface SyntheticDataSpec {
  readonly kind: SyntheticKind;
  readonly experts: number;
  readonly dim: number;
  readonly samples: number;
  readonly snr: number;
  readonly seed: number;
  /** Symmetric two-expert model (β₂ = −β₁); the paper's SymMoLinE / SymMoLogE. */
  readonly symmetric: boolean;
}

export interface DataSpec {
  readonly source: CsvDataSpec | { readonly synthetic: SyntheticDataSpec };
  readonly standardize: boolean;
  /** Fraction of rows held out for testing, in [0, 1). */
  readonly testFraction: number;
  readonly splitSeed: number;
}

export interface ModelSpec {
  readonly experts: number;
  /** `auto` infers the family from the target column. */
  readonly expert: ExpertFamily | 'auto';
  readonly gate: GateKind;
  /** Ridge penalty λ/2‖·‖² on gate and expert coefficients (0 = plain maximum likelihood). */
  readonly ridge: number;
  /** K = 2 with β₂ = −β₁ and one gate vector (gaussian or bernoulli experts). */
  readonly symmetric: boolean;
  /** Known noise standard deviation for gaussian experts (not estimated when set). */
  readonly fixedSigma?: number;
}

export interface SolverSettings {
  readonly enabled: boolean;
  /** Learning rate η (gd, adam, gem). */
  readonly learningRate?: number;
  /** Gradient steps per Gradient-EM iteration. */
  readonly steps?: number;
  /** EM: L-BFGS inner budget N + N·t per M-step block (0 = solve to tolerance). */
  readonly innerIterations?: number;
  /** EM: accelerate the EM map (iterations then count EM-map evaluations). */
  readonly acceleration?: EmAcceleration;
  /** EM: solver of M-step blocks too large for dense Newton. */
  readonly mStep?: 'newton-cg' | 'lbfgs';
}

export interface StoppingSpec {
  readonly maxIterations: number;
  /** Converged when |ℓᵗ⁺¹ − ℓᵗ| ≤ tol·(1 + |ℓᵗ|) and ‖∇ℓ/n‖ ≤ gradientTolerance (docs/stopping.md). */
  readonly tolerance: number;
  /** ‖∇ℓ/n‖ (per row, in the solvers' coordinates) below which a small change counts as convergence; default 1e-3. */
  readonly gradientTolerance?: number;
  /** Wall-clock budget per solver and restart, seconds (0 = none). */
  readonly timeBudgetSeconds: number;
}

export interface InitSpec {
  readonly strategy: InitStrategy;
  readonly seed: number;
  readonly restarts: number;
  /** Relative perturbation of the truth for `nearTruth`. */
  readonly perturbation: number;
}

export interface ExperimentSpec {
  readonly name: string;
  readonly data: DataSpec;
  readonly model: ModelSpec;
  readonly solvers: Readonly<Record<SolverName, SolverSettings>>;
  readonly stopping: StoppingSpec;
  readonly init: InitSpec;
  /** Parameter-error threshold ε for "iterations to reach error < ε" (needs ground truth). */
  readonly errorThreshold: number;
  /** Folder for results, relative to the spec's folder. */
  readonly resultsDir: string;
  /** Fields run over several values, one run per combination (src/core/spec/sweep.ts); absent for a single run. */
  readonly sweep?: readonly SweepAxis[];
}

export function isSyntheticSource(source: DataSpec['source']): source is { readonly synthetic: SyntheticDataSpec } {
  return 'synthetic' in source;
}
