/**
 * Open Run Results: pick a past run (from the configured results folder of each workspace folder, and any other
 * folder holding run folders) and show it in the convergence panel. `moeLab.openRunResults(folder)` opens a given
 * run folder directly (or the folder of a given `summary.json`).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import type { Log } from '../log';
import type { ConvergencePanel } from '../panel/convergencePanel';
import { asUri, configuredResultsRoot, errorMessage } from '../workspace';
import { listStoredRuns, loadStoredRun, type StoredRunInfo } from './storedRuns';

export class OpenResultsCommand {
  static register(panel: ConvergencePanel, log: Log): vscode.Disposable {
    const command = new OpenResultsCommand(panel, log);
    return vscode.commands.registerCommand(COMMANDS.openRunResults, (resource?: unknown) => command.run(resource));
  }

  constructor(
    private readonly panel: ConvergencePanel,
    private readonly log: Log,
  ) {}

  async run(resource?: unknown): Promise<string | undefined> {
    let dir = asUri(resource)?.fsPath;
    if (dir && path.basename(dir) === 'summary.json') dir = path.dirname(dir);
    if (!dir) dir = (await this.pick())?.dir;
    if (!dir) return undefined;
    try {
      const record = await loadStoredRun(dir);
      this.panel.showRecord(record);
      this.log.info(`Showing stored run ${record.runId} from ${dir}`);
      return record.runId;
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: cannot open ${dir}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async pick(): Promise<StoredRunInfo | undefined> {
    const roots = new Set<string>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) roots.add(configuredResultsRoot(readSettings(folder), folder, folder.uri.fsPath));
    // Specs may name their own resultsDir: any folder that holds run folders counts.
    for (const summary of await vscode.workspace.findFiles('**/summary.json', '**/node_modules/**', 1000)) roots.add(path.dirname(path.dirname(summary.fsPath)));
    const runs = await listStoredRuns([...roots]);
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('MoE Lab: no run results in this workspace yet. Fit a CSV or run an experiment first.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((run) => ({
        label: `${run.status === 'finished' ? '$(pass)' : run.status === 'cancelled' ? '$(debug-stop)' : '$(warning)'} ${run.name}`,
        description: `${run.runId}${run.status === 'finished' ? '' : ` · ${run.status}`}`,
        detail: [run.solvers.join(', '), run.seconds !== undefined ? `${run.seconds.toFixed(1)} s` : undefined, vscode.workspace.asRelativePath(run.dir)].filter(Boolean).join(' · '),
        run,
      })),
      { title: 'Open Run Results', placeHolder: 'Which run? (newest first)', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.run;
  }
}
