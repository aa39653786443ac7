/**
 * The reproduction's public shapes: options (with cancellation and a progress callback, so the extension can run
 * it in its worker), and results — plain JSON, written to `results.json` and rendered by `report.ts`.
 */
import type { SolverName } from '../spec/types';
import type { Band, Curve } from './aggregate';
import type { Checkpoint } from './checkpoint';

export const EXPERIMENT_NAMES = ['symmoline', 'fmnist', 'equal-time', 'snr-sweep', 'summary-table'] as const;
export type ExperimentName = (typeof EXPERIMENT_NAMES)[number];

export interface ReproduceOptions {
  /** Small n, few instances, a slice of Fashion-MNIST: under a minute on 2 cores. */
  readonly quick: boolean;
  /** Experiments to run (default: all). `equal-time` reuses the `fmnist` runs, so it runs them too. */
  readonly only?: readonly ExperimentName[];
  /** Checked between iterations; an aborted run keeps the experiments that finished. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ReproduceProgress) => void;
  /** Folder holding iris.csv and wine.csv (the repository's examples/data). */
  readonly examplesDir: string;
  /** Fashion-MNIST IDX folder (default: where Debian's dataset-fashion-mnist installs it). */
  readonly fmnistSource?: string;
  /** Overrides the number of Fashion-MNIST instances (the paper: 25). */
  readonly fmnistInstances?: number;
  /** Overrides the Fashion-MNIST training rows (default: all 60 000; quick: a slice). */
  readonly fmnistTrainRows?: number;
  /** Cap on the compute time of each continued GD / Adam run of the equal-time view (default 1200 s). */
  readonly fmnistExtendCapSeconds?: number;
  /** Where finished work is written at once and read back on a resumed run (see checkpoint.ts). */
  readonly checkpoint?: Checkpoint;
}

export interface ReproduceProgress {
  readonly experiment: ExperimentName;
  /** Work units finished and planned in this experiment (solver runs, or iterations for slow ones). */
  readonly done: number;
  readonly total: number;
  readonly message: string;
}

/** A property the mathematics guarantees, checked on this run. */
export interface Check {
  readonly experiment: ExperimentName;
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface ChartSeries {
  readonly label: string;
  readonly solver?: SolverName | 'baseline';
  readonly x: number[];
  /** The mean (null: no value there, e.g. ≤ 0 on a log axis). */
  readonly y: (number | null)[];
  /** The band (10th–90th percentile of the instances). */
  readonly lower?: (number | null)[];
  readonly upper?: (number | null)[];
  readonly dashed?: boolean;
  /**
   * The line's dash pattern ([]: solid), set by `buildCharts` (chartStyle.ts) so that every renderer draws the same;
   * absent in results written before it, where renderers apply the same rules themselves (`dashesOf`).
   */
  readonly dash?: readonly number[];
  /** Draw points only (a scatter), no line. */
  readonly pointsOnly?: boolean;
}

export interface ChartSpec {
  /** File name stem of the PNG. */
  readonly id: string;
  readonly experiment: ExperimentName;
  readonly title: string;
  readonly xLabel: string;
  /** A logarithmic x axis (x > 0). */
  readonly xLog?: boolean;
  readonly yLabel: string;
  readonly yLog: boolean;
  readonly series: ChartSeries[];
}

/** A reference value and where it comes from. */
export interface Reference {
  readonly source: 'paper' | 'summary';
  readonly value: string;
  /** E.g. "Table 2", "Fig. 1, read by eye". */
  readonly where: string;
}

export interface SolverCurves {
  readonly solver: SolverName;
  readonly label: string;
  readonly curves: Record<string, Curve>;
}

export interface ExperimentResult {
  readonly name: ExperimentName;
  readonly title: string;
  readonly seconds: number;
  /** Every setting, as written in the report. */
  readonly settings: Record<string, string | number | boolean | number[] | string[]>;
  /** Differences from the paper (or from the summary), stated in the report. */
  readonly differences: string[];
  readonly notes: string[];
}

export interface SkippedExperiment {
  readonly name: ExperimentName;
  readonly skipped: true;
  readonly reason: string;
  /** An error, not a missing data set or a cancellation. */
  readonly failed?: boolean;
}

export type { Band, Curve };
