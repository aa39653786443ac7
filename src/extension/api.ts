/**
 * What `activate` returns (`vscode.extensions.getExtension('moe-lab.moe-lab').exports`): a small read-only view of
 * the extension's state, used by the integration tests and available to other extensions.
 */
import type { PanelStatus } from './panel/convergencePanel';
import type { ReproductionStatus } from './reproduce/reproduceCommand';
import type { RunsViewStatus } from './runsView/runsView';
import type { SelectKStatus } from './selectK/selectKCommand';
import type { SweepStatus } from './sweep/sweepCommand';

export interface MoeLabApi {
  /** The active run, if any: its id (once started) and the iterations reported so far. */
  activeRun(): { readonly runId?: string; readonly iterations: number; readonly stopping: boolean } | undefined;
  /** The convergence panel's state. */
  panelStatus(): PanelStatus;
  /** The paper reproduction: whether one runs, where it stands, and how the last one ended. */
  reproduction(): ReproductionStatus;
  /** Choose Number of Experts: whether a comparison runs, how the last one ended, and the panel's page. */
  selectK(): SelectKStatus;
  /** The MoE Lab view: its run groups and runs as listed now, and the specs it lists. */
  runsView(): RunsViewStatus;
  /** Sweeps: whether one runs and which combination, how the last one ended, and the Sweep panel's page. */
  sweep(): SweepStatus;
}
