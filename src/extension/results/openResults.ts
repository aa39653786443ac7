/**
 * Open Run Results: pick a past run or paper reproduction (from the configured results folder of each workspace
 * folder, and any other folder holding run folders) and show it in the convergence panel (a reproduction in its
 * reproduction view). `moeLab.openRunResults(folder)` opens a given run or reproduction folder directly (or the folder
 * of a given `summary.json`); it resolves with the run id, or the reproduction folder's name.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import type { Log } from '../log';
import type { ConvergencePanel } from '../panel/convergencePanel';
import { asUri, configuredResultsRoot, errorMessage } from '../workspace';
import { readPanelReproduction } from '../reproduce/reproduceOptions';
import { listStoredReproductions, type StoredReproductionInfo } from './storedReproductions';
import { listStoredRuns, loadStoredRun, type StoredRunInfo } from './storedRuns';

type Picked = { readonly kind: 'run'; readonly info: StoredRunInfo } | { readonly kind: 'reproduction'; readonly info: StoredReproductionInfo };

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
    if (!dir) dir = (await this.pick())?.info.dir;
    if (!dir) return undefined;
    const reproduction = await readPanelReproduction(dir);
    if (reproduction) {
      this.panel.showReproduction(reproduction);
      this.log.info(`Showing paper reproduction ${reproduction.id} from ${dir}`);
      return reproduction.id;
    }
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

  private async pick(): Promise<Picked | undefined> {
    const roots = new Set<string>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) roots.add(configuredResultsRoot(readSettings(folder), folder, folder.uri.fsPath));
    // Specs may name their own resultsDir: any folder that holds run folders counts.
    for (const summary of await vscode.workspace.findFiles('**/summary.json', '**/node_modules/**', 1000)) roots.add(path.dirname(path.dirname(summary.fsPath)));
    const runs = await listStoredRuns([...roots]);
    const reproductions = await listStoredReproductions([...roots]);
    if (runs.length === 0 && reproductions.length === 0) {
      void vscode.window.showInformationMessage('MoE Lab: no run results in this workspace yet. Fit a CSV or run an experiment first.');
      return undefined;
    }
    const items = [
      ...runs.map((run) => ({ when: run.startedAt ?? run.runId, item: runItem(run) })),
      ...reproductions.map((reproduction) => ({ when: reproduction.startedAt ?? reproduction.id, item: reproductionItem(reproduction) })),
    ].sort((a, b) => b.when.localeCompare(a.when));
    const picked = await vscode.window.showQuickPick(
      items.map(({ item }) => item),
      { title: 'Open Run Results', placeHolder: 'Which run or reproduction? (newest first)', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.target;
  }
}

function statusIcon(status: string): string {
  return status === 'finished' ? '$(pass)' : status === 'cancelled' ? '$(debug-stop)' : '$(warning)';
}

function runItem(run: StoredRunInfo): vscode.QuickPickItem & { target: Picked } {
  return {
    label: `${statusIcon(run.status)} ${run.name}`,
    description: `${run.runId}${run.status === 'finished' ? '' : ` · ${run.status}`}`,
    detail: [run.solvers.join(', '), run.seconds !== undefined ? `${run.seconds.toFixed(1)} s` : undefined, vscode.workspace.asRelativePath(run.dir)].filter(Boolean).join(' · '),
    target: { kind: 'run', info: run },
  };
}

function reproductionItem(reproduction: StoredReproductionInfo): vscode.QuickPickItem & { target: Picked } {
  return {
    label: `${statusIcon(reproduction.status)} Paper reproduction (${reproduction.quick ? 'quick' : 'full'})`,
    description: `${reproduction.id}${reproduction.status === 'finished' ? '' : ` · ${reproduction.status}`}`,
    detail: [reproduction.experiments.join(', '), reproduction.seconds !== undefined ? `${reproduction.seconds.toFixed(1)} s` : undefined, vscode.workspace.asRelativePath(reproduction.dir)]
      .filter(Boolean)
      .join(' · '),
    target: { kind: 'reproduction', info: reproduction },
  };
}
