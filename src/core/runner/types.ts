/**
 * What a run reports: one `IterationReport` per solver, restart and iteration, a `SolverResult` when a solver
 * stops, and the `RunEvent` stream that carries them (to the CLI, the extension's worker and the panel).
 * Plain JSON-serializable data only: these objects cross thread and webview boundaries.
 */
import type { Degeneracy } from '../diagnostics/degeneracyKinds';
import type { LabelAlignment, Optimum } from '../diagnostics/optima';
import type { InnerStats } from '../solvers/mstep';
import type { DataSample } from './dataSample';
import type { EmAcceleration, ExperimentSpec, InitStrategy, SolverName } from '../spec/types';

/** How well parameters fit: the figures every iteration report, solver result and sweep final carries. */
export interface FitFigures {
  /** Total log-likelihood on the training rows (DESIGN §1). */
  readonly logLik: number;
  /** logLik − ridge penalty (equal when λ = 0). */
  readonly objective: number;
  readonly testLogLik?: number;
  readonly trainAccuracy?: number;
  readonly testAccuracy?: number;
  readonly trainRmse?: number;
  readonly testRmse?: number;
}

export interface IterationReport extends FitFigures {
  /** 0 is the starting point. */
  readonly iteration: number;
  /** Cumulative compute seconds of this solver and restart (the update and the evaluation it needs). */
  readonly seconds: number;
  /** min over label permutations of ‖β̂ − β*‖_F / ‖β*‖_F (truth known). */
  readonly parameterError?: number;
  readonly gateError?: number;
  /** ℓ(θ*) − ℓ(θᵗ) on the training rows (truth known). */
  readonly truthGap?: number;
  /** ‖∇ℓ(θᵗ)/n‖₂. */
  readonly gradientNorm: number;
  /** Averaged complete-data KL between the previous and this iterate. */
  readonly klStep?: number;
  /** Smoothed observed rate ρ̂ (geometric mean of the last ratios ‖θᵗ⁺¹ − θᵗ‖ / ‖θᵗ − θᵗ⁻¹‖). */
  readonly rate?: number;
  /** Retrospective rate (ℓ_final − ℓᵗ) / (ℓ_final − ℓᵗ⁻¹), filled in when the solver stops. */
  rateFromObjective?: number;
  readonly snr: number;
  /** Σ_i r_ik / n per expert: each expert's share of the responsibilities. */
  readonly mixingWeights: number[];
  /** Σ_i π_ik / n per expert: the mean gate probability (absent in traces written before 0.3). */
  readonly gateWeights?: number[];
  /** Mean entropy of the responsibilities (nats). */
  readonly responsibilityEntropy: number;
  /** Lower is better. */
  readonly aic: number;
  readonly bic: number;
  readonly inner?: InnerStats;
  readonly notes?: readonly string[];
}

export type StopCode = 'converged' | 'stalled' | 'maxIterations' | 'timeBudget' | 'cancelled' | 'diverged';

export interface StopReason {
  readonly code: StopCode;
  /** One sentence that says what happened and what to do next. */
  readonly message: string;
}

export interface ParamsJson {
  /** Gate, K × p (intercept last, last row 0). */
  readonly W: number[][];
  /** Experts, K × p, or K × (C − 1) × p for categorical experts. */
  readonly beta: number[][] | number[][][];
  readonly sigma?: number[];
}

export interface SolverResult extends FitFigures {
  readonly solver: SolverName;
  /** EM only: the accelerator of its EM map (absent: plain EM); `iterations` then counts EM-map evaluations. */
  readonly acceleration?: Exclude<EmAcceleration, 'none'>;
  readonly restart: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly stopReason: StopCode;
  readonly stopMessage: string;
  readonly parameterError?: number;
  readonly gateError?: number;
  /** First iteration whose parameter error fell below the spec's threshold (null: never; absent: no truth). */
  readonly iterationsToError?: number | null;
  readonly seconds: number;
  readonly aic: number;
  readonly bic: number;
  /** Fitted parameters in the standardized feature space the solver worked in. */
  readonly params: ParamsJson;
  /** The same parameters on the raw CSV features (equal to `params` without standardization). */
  readonly paramsRaw: ParamsJson;
  /**
   * EM only: M-steps in which at least one block stopped before its tolerance (capped), out of `iterations`.
   * 0 means every M-step was exact.
   */
  readonly cappedMSteps?: number;
  /** Degenerate situations detected during the run (docs/degenerate-fits.md); absent when none. */
  readonly degeneracies?: readonly Degeneracy[];
  /** EM only, small models: the predicted local rate at the final iterate. */
  readonly missingInformation?: { spectralRadius: number; eigenvalues: number[] };
  /**
   * Present when this run's experts were relabelled to the best optimum's order (src/core/diagnostics/optima.ts):
   * expert k (0-based) here is the run's own expert expertOrder[k]. Notes and warnings, said while the run went on,
   * use the run's own numbers.
   */
  readonly expertOrder?: number[];
  /** The starting strategy this restart used (with `mixed`, the one its seed picked; docs/starts.md). */
  readonly start?: Exclude<InitStrategy, 'mixed'>;
  /** True for the restart with the highest final objective, per solver. */
  best: boolean;
  readonly trace: IterationReport[];
}

export interface DatasetSummary {
  readonly source: string;
  readonly rows: number;
  readonly testRows: number;
  readonly features: readonly string[];
  readonly target: string;
  readonly family: 'gaussian' | 'bernoulli' | 'categorical';
  readonly classes?: readonly string[];
  readonly droppedRows: number;
  readonly truthKnown: boolean;
  /** SNR of the ground truth (same definition as the per-iteration SNR). */
  readonly truthSnr?: number;
  /** ℓ(θ*) on the training rows. */
  readonly truthLogLik?: number;
}

export type RunEvent =
  | {
      readonly type: 'runStarted';
      readonly runId: string;
      readonly spec: ExperimentSpec;
      readonly dataset: DatasetSummary;
      readonly solvers: readonly SolverName[];
      readonly restarts: number;
      readonly parameterCount: number;
      /** Training rows for the panel's expert scatter (runs with one or two features). */
      readonly sample?: DataSample;
    }
  | { readonly type: 'iteration'; readonly solver: SolverName; readonly restart: number; readonly report: IterationReport }
  | { readonly type: 'solverFinished'; readonly solver: SolverName; readonly restart: number; readonly result: SolverResult }
  | { readonly type: 'warning'; readonly message: string; readonly solver?: SolverName; readonly restart?: number }
  | {
      readonly type: 'runFinished';
      readonly runId: string;
      /** Absent when results were not written (e.g. `--json` without `--out`). */
      readonly resultsDir?: string;
      readonly cancelled: boolean;
      readonly seconds: number;
      /** Experts in the order of `labelAlignment.reference` (the best optimum) in every run. */
      readonly results: SolverResult[];
      /** The distinct optima among the stationary runs, best first (src/core/diagnostics/optima.ts). */
      readonly optima?: Optimum[];
      /** Which run the expert labels were aligned to (absent when no run had finite parameters). */
      readonly labelAlignment?: LabelAlignment;
    };
