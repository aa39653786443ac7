/**
 * Run Experiment on a spec with a `sweep`: each combination (src/core/runner/sweep.ts) is an ordinary run in the run
 * manager's one slot, so it streams into the convergence panel live, shows its progress notification (titled with
 * its place in the sweep) and stops with Stop Run like any run. Stopping a combination stops the sweep: the
 * stopped run is kept (marked cancelled), the finished ones too, and no other starts. The runs go into one sweep
 * folder written by the core's SweepWriter (the same folder and sweep.json the CLI writes).
 *
 * When the sweep ends, the "Sweep" panel shows the summary charts and the table (sweepHtml.ts), with Open per run
 * and Compare Runs, which hands the sweep's run folders (`sweepRunFolders`) to the compare view; the convergence
 * panel switches to that comparison by itself (the sweep as a compare view, its summary beside it).
 * `moeLab.showSweep(folder)` shows a sweep folder written earlier (by the extension or by `moe-lab run`).
 * The panel comes back after a window reload (a `WebviewPanelSerializer`; the page keeps its sweep folder in its
 * webview state, and the sweep is read again from disk).
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isUserInputError } from '../../core/errors';
import { PARTIAL_SUFFIX, type RunSummary } from '../../core/runner/results';
import { slug, timestamp } from '../../core/runner/runExperiment';
import { chooseKFromSweep, planSweep, readSweep, solverFinals, SweepWriter, sweepRunFolders, type SweepCombination, type SweepFile } from '../../core/runner/sweep';
import { pointLabel } from '../../core/spec/sweep';
import { SOLVER_NAMES, type ExperimentSpec } from '../../core/spec/types';
import { MAX_COMPARED_RUNS } from '../../protocol/panelMessages';
import { parseSweepPanelMessage } from '../../protocol/sweepMessages';
import { COMMANDS } from '../commands';
import type { Log } from '../log';
import type { RunManager } from '../run/runManager';
import { createNonce } from '../webviewNonce';
import { escapeHtml, SUMMARY_PAGE_STYLE, webviewPage } from '../webviewPage';
import { asUri, errorMessage } from '../workspace';
import { parseSweepPanelState, sweepHtml } from './sweepHtml';

/** The compare view's command (the runs view, issue 17.2): `(runFolders: Uri[], title?: string)`. */
export const COMPARE_RUNS_COMMAND = 'moeLab.compareRuns';

export interface SweepRequest {
  readonly spec: ExperimentSpec;
  readonly rawSpec: unknown;
  readonly baseDir: string;
  readonly workspaceRoot?: string;
  /** Folder that receives the sweep folder. */
  readonly resultsRoot: string;
  /** The spec file's name, for messages. */
  readonly label: string;
}

export interface SweepOutcome {
  readonly kind: 'sweep';
  readonly status: 'finished' | 'cancelled' | 'failed';
  readonly sweepDir?: string;
  readonly sweep?: SweepFile;
  readonly error?: string;
  readonly userError?: boolean;
}

/** What the integration tests can observe (the extension's API). */
export interface SweepStatus {
  readonly running: boolean;
  /** The combination running (1-based) out of all. */
  readonly progress?: { readonly combination: number; readonly total: number; readonly label: string };
  readonly last?: SweepOutcome;
  /** The Sweep panel's page as last drawn. */
  readonly panelHtml?: string;
}

/** The Sweep panel's view type (package.json activates on `onWebviewPanel:` it, so a restored panel finds its serializer). */
export const SWEEP_VIEW_TYPE = 'moeLab.sweepPanel';

export class SweepCommand {
  private progress: SweepStatus['progress'];
  private last: SweepOutcome | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private panelHtml: string | undefined;
  /** The sweep the panel shows, and its folder. */
  private shown: { readonly dir: string; readonly sweep: SweepFile } | undefined;

  static register(runs: RunManager, log: Log): { disposable: vscode.Disposable; command: SweepCommand } {
    const command = new SweepCommand(runs, log);
    const disposable = vscode.Disposable.from(
      vscode.commands.registerCommand(COMMANDS.showSweep, (folder?: unknown) => command.showFolder(folder)),
      vscode.window.registerWebviewPanelSerializer(SWEEP_VIEW_TYPE, { deserializeWebviewPanel: (panel, state) => command.restore(panel, state) }),
      { dispose: () => command.panel?.dispose() },
    );
    return { command, disposable };
  }

  constructor(
    private readonly runs: RunManager,
    private readonly log: Log,
  ) {}

  status(): SweepStatus {
    return { running: this.progress !== undefined, ...(this.progress ? { progress: this.progress } : {}), ...(this.last ? { last: this.last } : {}), ...(this.panelHtml ? { panelHtml: this.panelHtml } : {}) };
  }

  /** Runs every combination in turn (the caller has made room in the run slot), then shows the Sweep panel. */
  async run(request: SweepRequest): Promise<SweepOutcome> {
    let writer: SweepWriter;
    let plan: ReturnType<typeof planSweep>;
    try {
      plan = planSweep(request.spec, request.rawSpec);
      const solvers = SOLVER_NAMES.filter((name) => plan.combinations.some((c) => c.spec.solvers[name].enabled));
      writer = await SweepWriter.create(request.resultsRoot, `${timestamp(new Date())}-${slug(request.spec.name)}-sweep`, plan, request.spec.name, solvers);
    } catch (error) {
      const message = errorMessage(error);
      void vscode.window.showErrorMessage(`MoE Lab: the sweep of ${request.label} cannot start: ${message}`);
      return (this.last = { kind: 'sweep', status: 'failed', error: message, userError: isUserInputError(error) });
    }
    const total = plan.combinations.length;
    this.log.info(`Sweep of ${request.label}: ${plan.fields.map((axis) => `${axis.field} (${axis.values.length})`).join(' × ')} = ${total} runs → ${writer.runsRoot}`);
    const started = performance.now();
    let ended: { status: 'finished' | 'cancelled' | 'failed'; error?: string };
    try {
      ended = await this.runCombinations(request, plan, writer);
    } catch (failure) {
      // The sweep folder could not be written (a full disk, a folder removed under it): keep what it holds.
      this.log.error(`Sweep of ${request.label} failed: ${errorMessage(failure)}`);
      ended = { status: 'failed', error: errorMessage(failure) };
    } finally {
      this.progress = undefined;
    }
    const { status, error } = ended;
    const dir = await writer.finish(status, (performance.now() - started) / 1000);
    const sweep = await readSweep(dir);
    await this.draw(dir, sweep);
    if (status !== 'failed') await this.compareWhenDone(dir, sweep);
    this.announce(request.label, status, sweep, error);
    return (this.last = { kind: 'sweep', status, sweepDir: dir, sweep, ...(error ? { error } : {}) });
  }

  /** Each combination as an ordinary run, in turn, until one is stopped or fails for a reason other than its input. */
  private async runCombinations(request: SweepRequest, plan: ReturnType<typeof planSweep>, writer: SweepWriter): Promise<{ status: 'finished' | 'cancelled' | 'failed'; error?: string }> {
    const total = plan.combinations.length;
    for (const planned of plan.combinations) {
      // Another job took the slot between two runs: the user started something else, which stops the sweep.
      if (planned.index > 0 && this.runs.isRunning) {
        this.log.info(`Sweep of ${request.label} stopped: another run started`);
        return { status: 'cancelled' };
      }
      const short = pointLabel(plan.fields, planned.values, true);
      this.progress = { combination: planned.index + 1, total, label: planned.label };
      const base = { index: planned.index, values: planned.values, label: planned.label, runId: planned.runId };
      await writer.update({ ...base, status: 'running' });
      const outcome = await this.runs.start({
        spec: planned.spec,
        rawSpec: planned.raw,
        baseDir: request.baseDir,
        workspaceRoot: request.workspaceRoot,
        resultsRoot: writer.runsRoot,
        runId: planned.runId,
        label: `${request.label} (sweep ${planned.index + 1}/${total}: ${short})`,
      });
      const combination: SweepCombination = {
        ...base,
        runId: outcome.resultsDir ? path.basename(outcome.resultsDir) : planned.runId,
        status: outcome.status,
        ...(outcome.seconds !== undefined ? { seconds: outcome.seconds } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.resultsDir ? { solvers: await this.finalsOf(outcome.resultsDir) } : {}),
      };
      await writer.update(combination);
      this.log.info(`Sweep ${planned.index + 1}/${total} (${planned.label}): ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`);
      await this.draw(writer.runsRoot, writer.current);
      if (outcome.status === 'cancelled') {
        return { status: 'cancelled' };
      }
      if (outcome.status === 'failed' && !outcome.userError) {
        return { status: 'failed', ...(outcome.error ? { error: outcome.error } : {}) };
      }
    }
    return { status: 'finished' };
  }

  /** `moeLab.showSweep(folder)`: a sweep folder (or its sweep.json); without one, a folder picked in a dialog. */
  async showFolder(folder?: unknown): Promise<SweepFile | undefined> {
    let uri = asUri(folder);
    if (!uri) {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Show Sweep', title: 'MoE Lab: a sweep folder (it holds sweep.json)' });
      uri = picked?.[0];
    }
    if (!uri) return undefined;
    const dir = path.basename(uri.fsPath) === 'sweep.json' ? path.dirname(uri.fsPath) : uri.fsPath;
    try {
      const sweep = await readSweep(dir);
      await this.draw(dir, sweep);
      return sweep;
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: ${dir} is not a sweep folder: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /**
   * A Sweep panel left open when the window reloaded: its sweep is read again from the folder its page saved (a sweep
   * that was still running then has since been renamed from `.partial`, or stays `.partial` if it was cut short).
   */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (this.panel && this.panel !== panel) {
      // Two restored Sweep panels: one panel is kept, as `draw` would have it.
      panel.dispose();
      return;
    }
    this.adopt(panel);
    const saved = parseSweepPanelState(state);
    const candidates = saved ? [saved.dir, ...(saved.dir.endsWith(PARTIAL_SUFFIX) ? [saved.dir.slice(0, -PARTIAL_SUFFIX.length)] : [])].reverse() : [];
    for (const dir of candidates) {
      if (!existsSync(path.join(dir, 'sweep.json'))) continue;
      try {
        await this.draw(dir, await readSweep(dir), false);
        this.log.info(`Sweep panel restored: ${dir}`);
        return;
      } catch (error) {
        this.log.warn(`Sweep panel: cannot read ${dir}: ${errorMessage(error)}`);
      }
    }
    panel.webview.html = missingSweepHtml(saved?.dir, createNonce(), panel.webview.cspSource);
    this.panelHtml = panel.webview.html;
  }

  /** Per solver, the final state of the starred restart, from the run folder's summary.json. */
  private async finalsOf(runDir: string): Promise<SweepCombination['solvers']> {
    try {
      const summary = JSON.parse(await fs.readFile(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
      return solverFinals(summary.results);
    } catch (error) {
      this.log.warn(`Sweep: cannot read ${path.join(runDir, 'summary.json')}: ${errorMessage(error)}`);
      return {};
    }
  }

  private announce(label: string, status: 'finished' | 'cancelled' | 'failed', sweep: SweepFile, error: string | undefined): void {
    const done = sweep.combinations.filter((c) => c.status === 'finished').length;
    const failed = sweep.combinations.filter((c) => c.status === 'failed').length;
    const counts = `${done} of ${sweep.combinations.length} runs finished${failed ? `, ${failed} failed (see the table)` : ''}`;
    if (status === 'failed') {
      void vscode.window.showErrorMessage(`MoE Lab: the sweep of ${label} failed: ${error ?? 'unknown error'} (${counts})`, 'Show Log').then((choice) => {
        if (choice) void vscode.commands.executeCommand(COMMANDS.showLog);
      });
      return;
    }
    vscode.window.setStatusBarMessage(`$(check) MoE Lab: sweep of ${label} ${status === 'cancelled' ? 'stopped' : 'finished'}: ${counts}`, 8000);
  }

  private async draw(dir: string, sweep: SweepFile, reveal = true): Promise<void> {
    const canCompare = await this.canCompare();
    const kChoice = sweep.status === 'running' ? undefined : await chooseKFromSweep(dir, sweep);
    const panel = this.panel ?? this.adopt(vscode.window.createWebviewPanel(SWEEP_VIEW_TYPE, 'MoE Lab: Sweep', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true }));
    this.shown = { dir, sweep };
    this.panelHtml = sweepHtml({ title: `Sweep: ${sweep.name}`, sweep, nonce: createNonce(), cspSource: panel.webview.cspSource, canCompare, dir, ...(kChoice ? { kChoice } : {}) });
    panel.webview.html = this.panelHtml;
    if (reveal) panel.reveal(vscode.ViewColumn.Beside, true);
  }

  /** Makes `panel` the Sweep panel (a new one, or one restored after a reload). */
  private adopt(panel: vscode.WebviewPanel): vscode.WebviewPanel {
    this.panel = panel;
    panel.webview.options = { enableScripts: true };
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
    panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message));
    return panel;
  }

  private async onMessage(value: unknown): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    const message = parseSweepPanelMessage(value, shown.sweep.combinations.length);
    if (!message) {
      this.log.warn('Sweep panel: ignored a malformed message');
      return;
    }
    try {
      if (message.type === 'openRun') {
        const combination = shown.sweep.combinations[message.index];
        await vscode.commands.executeCommand(COMMANDS.openRunResults, vscode.Uri.file(path.join(shown.dir, combination.runId)));
      } else if (message.type === 'compare') {
        await this.compare(shown.sweep, await sweepRunFolders(shown.dir));
      } else {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(shown.dir, 'sweep.json')));
      }
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: ${errorMessage(error)}`);
    }
  }

  /** The sweep's runs overlaid in the convergence panel's compare view (beside the Sweep panel's summary). */
  private async compare(sweep: SweepFile, folders: readonly string[]): Promise<void> {
    await vscode.commands.executeCommand(COMPARE_RUNS_COMMAND, folders.map((folder) => vscode.Uri.file(folder)), `Sweep: ${sweep.name}`);
  }

  /**
   * A sweep that ran to its end (or was stopped) shows its runs as a comparison at once: the Sweep panel has the
   * summary chart, the convergence panel every run's curves (issue 17.3). Skipped when there is nothing to compare
   * (fewer than two complete runs) or more runs than one comparison overlays; Compare Runs in the panel stays.
   */
  private async compareWhenDone(dir: string, sweep: SweepFile): Promise<void> {
    try {
      const folders = await sweepRunFolders(dir);
      if (folders.length < 2 || folders.length > MAX_COMPARED_RUNS || !(await this.canCompare())) return;
      await this.compare(sweep, folders);
    } catch (error) {
      this.log.warn(`Sweep: could not compare its runs: ${errorMessage(error)}`);
    }
  }

  private async canCompare(): Promise<boolean> {
    return (await vscode.commands.getCommands(true)).includes(COMPARE_RUNS_COMMAND);
  }
}

/** The restored panel's page when its sweep folder is gone (deleted or moved while the window was closed). */
function missingSweepHtml(dir: string | undefined, nonce: string, cspSource: string): string {
  const text = dir ? `The sweep folder ${dir} is no longer there (deleted or moved).` : 'This Sweep panel has no sweep to show.';
  return webviewPage({
    cspSource,
    nonce,
    title: 'MoE Lab: Sweep',
    styles: 'nonce',
    head: `<style nonce="${nonce}">${SUMMARY_PAGE_STYLE}</style>`,
    bodyAttributes: 'data-status="missing"',
    body: `<p>${escapeHtml(text)} Show another with <em>MoE Lab: Show Sweep…</em>.</p>`,
  });
}
