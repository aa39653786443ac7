/**
 * Every command the extension contributes, by id (package.json `contributes.commands` lists the same ids; the
 * activation test checks that each is registered).
 */
export const COMMANDS = {
  /** Fit Mixture of Experts… on a CSV (explorer context menu or palette): quick picks, then a run. */
  fit: 'moeLab.fit',
  /** Programmatic fit without quick picks: `(csv: Uri | string, options: FitOptions) → RunOutcome`. */
  fitCsv: 'moeLab.fitCsv',
  /** Choose Number of Experts…: fit K = 1..6 (or given Ks) with EM, compare AIC / BIC / held-out ℓ, offer a spec. */
  chooseExperts: 'moeLab.chooseExperts',
  /** New Experiment: a `*.moe.json` from the template, opened in the spec editor. */
  newExperiment: 'moeLab.newExperiment',
  /** Run Experiment: the active or a chosen `*.moe.json`. */
  runExperiment: 'moeLab.runExperiment',
  /** Stop Run: cancel the active run, keeping what was computed. */
  stopRun: 'moeLab.stopRun',
  /** Show Convergence Panel. */
  showConvergencePanel: 'moeLab.showConvergencePanel',
  /** Generate Synthetic Dataset: the paper's settings, written as CSV + truth JSON into the workspace. */
  generateSyntheticDataset: 'moeLab.generateSyntheticDataset',
  /** Open Run Results: pick a past run folder and show it in the panel. */
  openRunResults: 'moeLab.openRunResults',
  /** Reproduce Paper Experiments: `moe-lab reproduce` in the worker, report into the workspace, charts in the panel. */
  reproducePaper: 'moeLab.reproducePaper',
  /** Compare Runs…: two or more runs (selected in the MoE Lab view, given as folders, or picked) overlaid in the panel. */
  compareRuns: 'moeLab.compareRuns',
  /** Refresh the MoE Lab view's run list (it also follows the results folders by itself). */
  refreshRuns: 'moeLab.refreshRuns',
  /** MoE Lab view, on a run: show it in the convergence panel. */
  openRun: 'moeLab.openRun',
  /** MoE Lab view, on a run: reveal its results folder in the explorer. */
  revealRun: 'moeLab.revealRun',
  /** MoE Lab view, on a run: delete its results folder (after a confirmation; to the trash where there is one). */
  deleteRun: 'moeLab.deleteRun',
  /** MoE Lab view, on a run: run its stored spec again (same data file, same settings, same seeds). */
  rerun: 'moeLab.rerun',
  /** Show Sweep…: a sweep folder's summary charts and table (`(folder?: Uri | string)`). */
  showSweep: 'moeLab.showSweep',
  /** Show the MoE Lab output channel. */
  showLog: 'moeLab.showLog',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** Context key set while a run is active (menus and the Stop command use it). */
export const RUNNING_CONTEXT_KEY = 'moeLab.running';

/** The custom editor for `*.moe.json` (contributed by the spec editor feature). */
export const SPEC_EDITOR_VIEW_TYPE = 'moeLab.specEditor';
