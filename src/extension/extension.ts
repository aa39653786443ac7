/**
 * MoE Lab's entry point. `activate` only wires the features together; each feature registers its own commands and
 * providers (`register(context, …)`) and returns what must be disposed.
 */
import * as vscode from 'vscode';
import type { MoeLabApi } from './api';
import { COMMANDS } from './commands';
import { ExperimentCommands } from './experiment/experimentCommands';
import { FitCommands } from './fit/fitCommands';
import { createLog } from './log';
import { ConvergencePanel } from './panel/convergencePanel';
import { ReproduceCommand } from './reproduce/reproduceCommand';
import { OpenResultsCommand } from './results/openResults';
import { RunManager } from './run/runManager';
import { RunsView } from './runsView/runsView';
import { ChooseExpertsCommand } from './selectK/selectKCommand';
import { SpecEditorProvider } from './specEditor/specEditorProvider';
import { SweepCommand } from './sweep/sweepCommand';
import { SynthCommand } from './synth/synthCommand';

export function activate(context: vscode.ExtensionContext): MoeLabApi {
  const log = createLog(context);
  const runs = RunManager.register(context, log);
  const panel = ConvergencePanel.register(context, runs, log);
  const reproduce = ReproduceCommand.register(context, runs, panel, log);
  const chooseExperts = ChooseExpertsCommand.register(context, runs, log);
  const runsView = RunsView.register(context, runs, panel, log);
  const sweeps = SweepCommand.register(runs, log);
  context.subscriptions.push(
    FitCommands.register(context, runs, log),
    ExperimentCommands.register(context, runs, log, sweeps.command),
    SynthCommand.register(context, log),
    SpecEditorProvider.register(context),
    OpenResultsCommand.register(panel, log),
    reproduce.disposable,
    chooseExperts.disposable,
    sweeps.disposable,
    vscode.commands.registerCommand(COMMANDS.showLog, () => log.show(true)),
  );
  return {
    activeRun: () => (runs.isRunning ? { runId: runs.activeRecord?.runId, iterations: runs.activeRecord?.iterationCount ?? 0, stopping: runs.isStopping } : undefined),
    panelStatus: () => panel.status(),
    reproduction: () => reproduce.command.status(),
    selectK: () => chooseExperts.command.status(),
    runsView: () => runsView.status(),
    sweep: () => sweeps.command.status(),
  };
}

export function deactivate(): void {}
