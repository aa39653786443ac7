/**
 * The MoE Lab view container (issue 17.1): "Runs", every run folder in the workspace grouped by spec and data file,
 * newest first, with inline actions (open in the panel, reveal, re-run, delete) and multi-select for Compare Runs;
 * and "Experiments", the workspace's `*.moe.json` specs with Run inline. The run list follows the run manager
 * (a live run shows as `running` and is refreshed about once a second) and the disk (file-system watchers on the
 * results folders, so runs written by `moe-lab run` appear too). The data and the row texts come from
 * `runOverview.ts` (no VS Code import, unit-tested).
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SpecFile } from '../../core/runner/results';
import { isSyntheticSource } from '../../core/spec/types';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import type { Log } from '../log';
import type { ConvergencePanel } from '../panel/convergencePanel';
import { loadStoredRun } from '../results/storedRuns';
import type { RunManager } from '../run/runManager';
import type { RunRecord } from '../run/runRecord';
import { asUri, configuredResultsRoot, ensureTrusted, errorMessage } from '../workspace';
import { groupRuns, listRunOverviews, runDescription, runLabel, runTooltipLines, type RunGroup, type RunOverview } from './runOverview';

export const RUNS_VIEW_ID = 'moeLab.runs';
export const SPECS_VIEW_ID = 'moeLab.specs';

type RunNode = { readonly kind: 'group'; readonly group: RunGroup } | { readonly kind: 'run'; readonly run: RunOverview };

/** What the integration tests can observe about the view. */
export interface RunsViewStatus {
  readonly groups: readonly { readonly name: string; readonly data?: string; readonly runs: readonly { readonly runId: string; readonly status: string; readonly description: string; readonly dir?: string }[] }[];
  readonly specs: readonly string[];
  /** How many times the run list was read from disk. */
  readonly reloads: number;
}

/**
 * The files and folders whose appearance changes the list: a run's spec.json (written first) and summary.json, and
 * run folders themselves (`<yyyymmdd>-<hhmmss>-<name>[.partial]`): a run is published by renaming its `.partial`
 * folder, and a folder rename reports only the folder, not the files inside it.
 */
const RUN_FILES_GLOB = '**/{summary.json,spec.json,[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]-*}';

/**
 * While the view is visible, the results folders' modification times are checked this often (ms): a run folder
 * created, renamed (published) or deleted changes its parent's mtime. The watchers usually say so first, but a
 * folder created with its files at once may be reported as the folder alone, or not at all on some file systems.
 */
const ROOT_POLL_MS = 2000;

/** How often a live run's row is refreshed (ms). */
const LIVE_REFRESH_MS = 1000;
/** Disk events are coalesced for this long before the list is read again (ms). */
const RELOAD_DELAY_MS = 300;

export class RunsView implements vscode.Disposable {
  private stored: RunOverview[] = [];
  private groups: RunGroup[] = [];
  /** Runs of this session that failed (their folder, if any, would otherwise read as interrupted). */
  private readonly failed = new Map<string, RunRecord>();
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly rootWatchers = new Map<string, vscode.Disposable>();
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private reloading: Promise<void> | undefined;
  private reloads = 0;
  private roots: readonly string[] = [];
  private readonly rootTimes = new Map<string, number>();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly specs: SpecsProvider;
  readonly onDidChangeTreeData = this.changed.event;

  static register(context: vscode.ExtensionContext, runs: RunManager, panel: ConvergencePanel, log: Log): RunsView {
    const view = new RunsView(runs, panel, log);
    context.subscriptions.push(view);
    return view;
  }

  constructor(
    private readonly runs: RunManager,
    private readonly panel: ConvergencePanel,
    private readonly log: Log,
  ) {
    this.specs = new SpecsProvider();
    const tree = vscode.window.createTreeView<RunNode>(RUNS_VIEW_ID, { treeDataProvider: this, canSelectMany: true, showCollapseAll: true });
    const watcher = vscode.workspace.createFileSystemWatcher(RUN_FILES_GLOB);
    this.disposables.push(
      tree,
      vscode.window.createTreeView(SPECS_VIEW_ID, { treeDataProvider: this.specs }),
      this.specs,
      watcher,
      watcher.onDidCreate(() => this.scheduleReload()),
      watcher.onDidChange(() => this.scheduleReload()),
      watcher.onDidDelete(() => this.scheduleReload()),
      runs.onDidStartRun(() => this.scheduleReload()),
      runs.onDidChangeRun((record) => this.onRunChanged(record)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleReload()),
      vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration('moeLab.resultsFolder') && this.scheduleReload()),
      vscode.commands.registerCommand(COMMANDS.refreshRuns, () => this.reload()),
      vscode.commands.registerCommand(COMMANDS.openRun, (node?: unknown) => this.open(node)),
      vscode.commands.registerCommand(COMMANDS.revealRun, (node?: unknown) => this.reveal(node)),
      vscode.commands.registerCommand(COMMANDS.deleteRun, (node?: unknown, options?: unknown) => this.delete(node, options)),
      vscode.commands.registerCommand(COMMANDS.rerun, (node?: unknown) => this.rerun(node)),
      // From code (a sweep's Compare Runs): `(runFolders[], title?)`; from the view: `(clicked node, selected nodes)`.
      vscode.commands.registerCommand(COMMANDS.compareRuns, (node?: unknown, selected?: unknown) =>
        Array.isArray(node) ? this.compare(node, [], typeof selected === 'string' ? selected : undefined) : this.compare(node, selected ?? tree.selection),
      ),
      tree.onDidChangeVisibility((event) => this.pollWhile(event.visible)),
    );
    this.pollWhile(tree.visible);
    void this.reload();
  }

  status(): RunsViewStatus {
    return {
      groups: this.groups.map((group) => ({
        name: group.name,
        data: group.data,
        runs: group.runs.map((run) => ({ runId: run.runId, status: run.status, description: runDescription(run), dir: run.dir })),
      })),
      specs: this.specs.files.map((uri) => uri.fsPath),
      reloads: this.reloads,
    };
  }

  // --- TreeDataProvider -----------------------------------------------------------------------------------------

  getChildren(node?: RunNode): RunNode[] {
    if (!node) return this.groups.map((group) => ({ kind: 'group', group }));
    return node.kind === 'group' ? node.group.runs.map((run) => ({ kind: 'run', run })) : [];
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(node.group.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.group.key}`;
      item.description = node.group.data ? vscode.workspace.asRelativePath(node.group.data) : undefined;
      item.tooltip = `${node.group.name}: ${node.group.runs.length} run${node.group.runs.length === 1 ? '' : 's'}${node.group.data ? ` on ${node.group.data}` : ''}`;
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'moeLab.runGroup';
      return item;
    }
    const run = node.run;
    const item = new vscode.TreeItem(runLabel(run), vscode.TreeItemCollapsibleState.None);
    item.id = `run:${run.dir ?? run.runId}`;
    item.description = runDescription(run);
    const tooltip = new vscode.MarkdownString();
    for (const line of runTooltipLines(run)) tooltip.appendText(line).appendMarkdown('  \n');
    item.tooltip = tooltip;
    item.iconPath = STATUS_ICONS[run.status];
    item.contextValue = run.dir ? 'moeLab.run' : 'moeLab.liveRun';
    if (run.dir) item.command = { command: COMMANDS.openRun, title: 'Open in Panel', arguments: [node] };
    return item;
  }

  getParent(node: RunNode): RunNode | undefined {
    if (node.kind === 'group') return undefined;
    const group = this.groups.find((g) => g.runs.includes(node.run));
    return group ? { kind: 'group', group } : undefined;
  }

  // --- Keeping the list current ---------------------------------------------------------------------------------

  /** Reads every run folder again (coalesced: at most one reload at a time, and one more after it if asked). */
  async reload(): Promise<void> {
    if (this.reloading) {
      this.scheduleReload();
      return this.reloading;
    }
    this.reloading = (async () => {
      try {
        const roots = await this.resultsRoots();
        this.roots = roots;
        this.watchRoots(roots);
        for (const root of roots) this.rootTimes.set(root, await modifiedTime(root));
        this.stored = await listRunOverviews(roots);
        this.reloads++;
        this.regroup();
      } catch (error) {
        this.log.warn(`MoE Lab view: could not list the runs: ${errorMessage(error)}`);
      } finally {
        this.reloading = undefined;
      }
    })();
    await Promise.all([this.reloading, this.specs.reload()]);
  }

  private pollWhile(visible: boolean): void {
    if (visible && !this.pollTimer) {
      this.pollTimer = setInterval(() => void this.pollRoots(), ROOT_POLL_MS);
      this.scheduleReload();
    } else if (!visible && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  private async pollRoots(): Promise<void> {
    for (const root of this.roots) {
      if ((await modifiedTime(root)) !== this.rootTimes.get(root)) {
        this.scheduleReload();
        return;
      }
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload();
    }, RELOAD_DELAY_MS);
  }

  /** A live run changed: its row is redrawn about once a second; its end re-reads the disk (its folder is final). */
  private onRunChanged(record: RunRecord): void {
    if (!record.running) {
      if (record.end.status === 'failed') this.failed.set(record.runId, record);
      this.scheduleReload();
      return;
    }
    if (this.liveTimer) return;
    this.liveTimer = setTimeout(() => {
      this.liveTimer = undefined;
      this.regroup();
    }, LIVE_REFRESH_MS);
  }

  /** Merges the live run (and this session's failed runs) into the stored list, then redraws. */
  private regroup(): void {
    const live = this.runs.activeRecord;
    const overlays = new Map<string, RunOverview>();
    for (const record of this.failed.values()) overlays.set(record.runId, overviewOfRecord(record));
    if (live) overlays.set(live.runId, overviewOfRecord(live));
    const merged = this.stored.map((run) => {
      const overlay = overlays.get(run.runId);
      if (!overlay) return run;
      overlays.delete(run.runId);
      // The folder's settings, the live record's status and numbers.
      return { ...run, ...overlay, dir: run.dir, settings: run.settings, status: overlay.status === 'running' || overlay.status === 'failed' ? overlay.status : run.status };
    });
    for (const overlay of overlays.values()) if (overlay.status === 'running' || overlay.status === 'failed') merged.push(overlay);
    this.groups = groupRuns(merged);
    this.changed.fire(undefined);
  }

  /**
   * The configured results folder of each workspace folder, plus every folder that holds run folders: those found
   * now, and those found before that still exist (a search can come back short while the machine is busy, and a
   * run folder must not flicker out of the list).
   */
  private async resultsRoots(): Promise<string[]> {
    const roots = new Set<string>(this.roots.filter((root) => existsSync(root)));
    for (const folder of vscode.workspace.workspaceFolders ?? []) roots.add(configuredResultsRoot(readSettings(folder), folder, folder.uri.fsPath));
    const found = await vscode.workspace.findFiles('**/{summary.json,*.partial/spec.json}', '**/node_modules/**', 5000);
    for (const file of found) roots.add(path.dirname(path.dirname(file.fsPath)));
    const live = this.runs.activeRecord?.end.resultsDir;
    if (live) roots.add(path.dirname(live));
    return [...roots];
  }

  /** Watches each results folder's entries: a run folder renamed from `.partial`, or deleted, shows at once. */
  private watchRoots(roots: readonly string[]): void {
    for (const root of roots) {
      // A folder that does not exist yet cannot be watched; the next reload tries again.
      if (this.rootWatchers.has(root) || !existsSync(root)) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '*'));
      const reload = () => this.scheduleReload();
      this.rootWatchers.set(root, vscode.Disposable.from(watcher, watcher.onDidCreate(reload), watcher.onDidDelete(reload)));
    }
  }

  // --- Actions ------------------------------------------------------------------------------------------------------

  private async open(node: unknown): Promise<string | undefined> {
    const dir = this.runDir(node);
    if (!dir) return undefined;
    try {
      const record = await loadStoredRun(dir);
      this.panel.showRecord(record);
      return record.runId;
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: cannot open ${dir}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async reveal(node: unknown): Promise<void> {
    const dir = this.runDir(node);
    if (dir) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(dir));
  }

  /** `options.confirmed: true` (programmatic callers, tests) skips the question. Returns true when the folder is gone. */
  private async delete(node: unknown, options?: unknown): Promise<boolean> {
    const dir = this.runDir(node);
    if (!dir) return false;
    const confirmed = typeof options === 'object' && options !== null && (options as { confirmed?: unknown }).confirmed === true;
    if (!confirmed) {
      const answer = await vscode.window.showWarningMessage(
        `Delete the run ${path.basename(dir)}?`,
        { modal: true, detail: `Its results folder (${vscode.workspace.asRelativePath(dir)}) is deleted, with its traces and summary.` },
        'Delete',
      );
      if (answer !== 'Delete') return false;
    }
    if (this.runs.activeRecord && this.runs.activeRecord.end.resultsDir === dir) {
      void vscode.window.showWarningMessage('MoE Lab: this run is still running; stop it first.');
      return false;
    }
    const uri = vscode.Uri.file(dir);
    try {
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
    } catch {
      // No trash on this machine (a remote or a container): delete for good, as the question said.
      try {
        await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      } catch (error) {
        void vscode.window.showErrorMessage(`MoE Lab: could not delete ${dir}: ${errorMessage(error)}`);
        return false;
      }
    }
    this.log.info(`MoE Lab view: deleted run folder ${dir}`);
    await this.reload();
    return true;
  }

  /** Runs the stored spec again, on the same data file (by its absolute path), into the same results folder. */
  private async rerun(node: unknown): Promise<unknown> {
    const dir = this.runDir(node);
    if (!dir || !(await ensureTrusted('Running an experiment'))) return undefined;
    let file: Partial<SpecFile>;
    try {
      file = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(dir, 'spec.json')))).toString('utf8')) as Partial<SpecFile>;
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: cannot read the spec of ${path.basename(dir)}: ${errorMessage(error)}`);
      return undefined;
    }
    const spec = file.resolved;
    if (!spec?.data?.source) {
      void vscode.window.showErrorMessage(`MoE Lab: ${path.basename(dir)}/spec.json holds no spec to run again.`);
      return undefined;
    }
    const source = spec.data.source;
    const csv = !isSyntheticSource(source) ? (file.run?.dataset.source ?? source.csv) : undefined;
    const runnable = csv && !isSyntheticSource(source) ? { ...spec, data: { ...spec.data, source: { ...source, csv } } } : spec;
    const label = `${spec.name} (again)`;
    if (!(await this.runs.makeRoom(label, 'ask'))) return undefined;
    const root = path.dirname(dir);
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir));
    return this.runs.start({ spec: runnable, rawSpec: file.asWritten, baseDir: folder?.uri.fsPath ?? root, workspaceRoot: folder?.uri.fsPath, resultsRoot: root, label });
  }

  /** Compare Runs: the selected runs, run folders given as arguments, or runs picked from a list. */
  private async compare(node: unknown, selected: unknown, title?: string): Promise<string | undefined> {
    let dirs = [...(Array.isArray(selected) ? selected : []), ...(Array.isArray(node) ? node : [node])]
      .map((item) => this.runDir(item))
      .filter((dir): dir is string => dir !== undefined);
    dirs = [...new Set(dirs)];
    if (dirs.length < 2) dirs = (await this.pickRuns(dirs)) ?? [];
    if (dirs.length < 2) return undefined;
    try {
      const comparison = await this.panel.showComparison(dirs, title);
      return comparison.id;
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: cannot compare these runs: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async pickRuns(preselected: readonly string[]): Promise<string[] | undefined> {
    if (this.stored.length === 0) await this.reload();
    const runs = this.groups.flatMap((group) => group.runs).filter((run) => run.dir);
    if (runs.length < 2) {
      void vscode.window.showInformationMessage('MoE Lab: comparing needs at least two runs; run an experiment or fit a CSV first.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((run) => ({ label: `${run.name} · ${runLabel(run)}`, description: runDescription(run), picked: preselected.includes(run.dir!), dir: run.dir! })),
      { title: 'Compare Runs', placeHolder: 'Choose two or more runs (newest first)', canPickMany: true, matchOnDescription: true },
    );
    if (!picked) return undefined;
    if (picked.length < 2) {
      void vscode.window.showInformationMessage('MoE Lab: choose at least two runs to compare.');
      return undefined;
    }
    return picked.map((p) => p.dir);
  }

  /** A run folder from a tree node, a Uri or a path (of the folder or of its summary.json). */
  private runDir(node: unknown): string | undefined {
    if (typeof node === 'object' && node !== null && (node as RunNode).kind === 'run') return (node as Extract<RunNode, { kind: 'run' }>).run.dir;
    const uri = asUri(node);
    if (!uri) return undefined;
    return path.basename(uri.fsPath) === 'summary.json' ? path.dirname(uri.fsPath) : uri.fsPath;
  }

  dispose(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    if (this.liveTimer) clearTimeout(this.liveTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const watcher of this.rootWatchers.values()) watcher.dispose();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}

/** A folder's modification time (-1 when it does not exist). */
async function modifiedTime(dir: string): Promise<number> {
  try {
    return (await fs.stat(dir)).mtimeMs;
  } catch {
    return -1;
  }
}

const STATUS_ICONS: Record<RunOverview['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin'),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  cancelled: new vscode.ThemeIcon('debug-stop', new vscode.ThemeColor('editorWarning.foreground')),
  interrupted: new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

/** A live (or failed) run as the view shows it, from the run manager's record. */
function overviewOfRecord(record: RunRecord): RunOverview {
  let best: { logLik: number; solver: RunOverview['solvers'][number] } | undefined;
  for (const series of record.series.values()) {
    const last = series.reports[series.reports.length - 1]?.logLik;
    if (typeof last === 'number' && Number.isFinite(last) && (!best || last > best.logLik)) best = { logLik: last, solver: series.solver };
  }
  const status = record.end.status === 'running' ? 'running' : record.end.status === 'failed' ? 'failed' : record.end.status === 'cancelled' ? 'cancelled' : 'finished';
  const elapsed = record.running ? (Date.now() - new Date(record.header.startedAt).getTime()) / 1000 : record.end.seconds;
  return {
    dir: record.end.resultsDir,
    runId: record.runId,
    name: record.header.name,
    status,
    startedAt: record.header.startedAt,
    seconds: elapsed !== undefined && Number.isFinite(elapsed) ? elapsed : undefined,
    experts: record.header.experts,
    data: record.header.dataset.source,
    solvers: record.header.solvers,
    bestLogLik: best?.logLik,
    bestSolver: best?.solver,
    settings: [],
    error: record.end.error,
  };
}

/** The "Experiments" view: the workspace's specs, each opening in the spec editor, with Run inline. */
class SpecsProvider implements vscode.TreeDataProvider<vscode.Uri>, vscode.Disposable {
  files: vscode.Uri[] = [];
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.moe.json', false, true, false);
  private readonly subscriptions = [this.watcher.onDidCreate(() => void this.reload()), this.watcher.onDidDelete(() => void this.reload())];

  async reload(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/*.moe.json', '**/node_modules/**', 1000);
    this.files = files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    this.changed.fire(undefined);
  }

  getChildren(element?: vscode.Uri): vscode.Uri[] {
    return element ? [] : this.files;
  }

  getTreeItem(uri: vscode.Uri): vscode.TreeItem {
    const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.None);
    item.label = path.basename(uri.fsPath);
    item.description = path.dirname(vscode.workspace.asRelativePath(uri)).replace(/^\.$/, '');
    item.contextValue = 'moeLab.spec';
    item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.watcher.dispose();
    this.changed.dispose();
  }
}
