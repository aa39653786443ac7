/**
 * The convergence panel (host side): one webview panel showing one run — the live one, or a stored one opened
 * from its results folder. The webview says `ready`; the host answers with a snapshot and then streams batched,
 * append-only updates (at most `moeLab.panelUpdatesPerSecond` per second, and each only once the webview has
 * acknowledged the last: `FlushScheduler`). The panel is restored after a window
 * reload by a `WebviewPanelSerializer`; the webview keeps its data in its own state (`setState`), so a restored
 * panel shows the last run even though the extension host restarted. The workbench persists that state only when
 * it saves its editors, which a reload can outrun; the host therefore also keeps what it shows (a run's id, or a
 * reproduction's folder) in the workspace state and, when a restored webview comes back empty, shows it again
 * from disk. Every message from the webview is
 * validated (`parseFromWebview`) before use; the webview may load only from `dist/` and `media/`.
 * The panel also shows a paper reproduction (its charts, from Reproduce Paper Experiments) instead of a run; the
 * next run, or Open Run Results, switches back. The webview keeps the reproduction in its state like a run.
 * Likewise a comparison of several stored runs (`showComparison`, issue 17.2): overlaid curves and a table of
 * their spec differences.
 */
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { PARTIAL_SUFFIX } from '../../core/runner/results';
import {
  PANEL_VIEW_TYPE,
  parseFromWebview,
  type FromWebviewMessage,
  type PanelComparison,
  type PanelReproduction,
  type RunStatus,
  type ToWebviewMessage,
} from '../../protocol/panelMessages';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import type { Log } from '../log';
import type { RunManager } from '../run/runManager';
import type { RunRecord } from '../run/runRecord';
import { loadStoredRun } from '../results/storedRuns';
import { readPanelReproduction } from '../reproduce/reproduceOptions';
import { configuredResultsRoot, errorMessage } from '../workspace';
import { loadComparison } from './comparison';
import { pngBytes, safeFileName, saveWithDialog } from './exports';
import { panelHtml } from './html';
import { FlushScheduler, PanelFeed } from './panelFeed';

/** What the integration tests can observe about the panel. */
export interface PanelStatus {
  readonly open: boolean;
  readonly visible: boolean;
  /** The webview said `ready` (and has not been reloaded since). */
  readonly ready: boolean;
  /** The run shown, and how it stands (`running` while live). */
  readonly runId?: string;
  readonly runStatus?: RunStatus;
  readonly snapshotsPosted: number;
  readonly updatesPosted: number;
  /** Iteration reports posted since the last snapshot, plus those in it. */
  readonly reportsPosted: number;
  /** Snapshots and updates the webview acknowledged (`runShown`, or `resync` for one it could not apply). */
  readonly acknowledged: number;
  readonly ignoredMessages: number;
  readonly restored: boolean;
  /** How long the panel took to show the last live run (see `PanelAttachTimes`). */
  readonly attach?: PanelAttachTimes;
  /** What the host has the panel show: a run, a paper reproduction, or a comparison of runs. */
  readonly view?: 'run' | 'reproduction' | 'compare';
  /** The reproduction shown, the charts posted for it, and the charts the webview said it drew. */
  readonly reproductionId?: string;
  readonly reproductionChartsPosted: number;
  readonly reproductionChartsDrawn: number;
  /** The comparison shown: its id, runs, spec differences, and what the webview said it drew. */
  readonly comparison?: {
    readonly id: string;
    readonly runs: readonly string[];
    readonly differences: readonly string[];
    readonly drawn?: ComparisonDrawn;
  };
}

/**
 * How long the panel took to show the live run: milliseconds from the run's `runStarted` reaching the host to the
 * webview being ready (0: it already was), to the first iteration reports posted, and to the webview saying it drew
 * them. Logged once drawn; a slow attach is visible in the output channel.
 */
export interface PanelAttachTimes {
  readonly runId: string;
  readonly readyMs?: number;
  readonly reportsPostedMs?: number;
  readonly drawnMs?: number;
  /** Reports the webview held when it first drew the run with any. */
  readonly drawnReports?: number;
}

/** What the webview said it drew of a comparison: charts, lines, and the charts it hid with why. */
export interface ComparisonDrawn {
  readonly charts: number;
  readonly datasets: number;
  readonly hidden: readonly string[];
}

/** Workspace-state key of what the panel shows, a run or a reproduction (see the file comment). */
const SHOWN_KEY = 'moeLab.panel.shown';

/** What the panel last showed: a run (by id), a reproduction (by folder) or a comparison (by run folders). */
type ShownItem =
  | { readonly kind: 'run'; readonly runId: string }
  | { readonly kind: 'reproduction'; readonly dir: string }
  | { readonly kind: 'comparison'; readonly dirs: readonly string[]; readonly title: string };

function isShownItem(value: unknown): value is ShownItem {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  return (
    (item.kind === 'run' && typeof item.runId === 'string') ||
    (item.kind === 'reproduction' && typeof item.dir === 'string') ||
    (item.kind === 'comparison' && Array.isArray(item.dirs) && item.dirs.every((d) => typeof d === 'string') && typeof item.title === 'string')
  );
}

export class ConvergencePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private record: RunRecord | undefined;
  private reproduction: PanelReproduction | undefined;
  private comparison: { readonly shown: PanelComparison; readonly dirs: readonly string[]; drawn?: ComparisonDrawn } | undefined;
  private view: 'run' | 'reproduction' | 'compare' | undefined;
  private reproductionDrawn = { id: '', charts: 0 };
  private feed: PanelFeed | undefined;
  private ready = false;
  private restored = false;
  private readonly scheduler: FlushScheduler;
  private readonly disposables: vscode.Disposable[] = [];
  private counters = { snapshots: 0, updates: 0, reports: 0, acknowledged: 0, ignored: 0, reproductionCharts: 0 };
  /** The live run's attach times, and when (performance.now()) its `runStarted` arrived. */
  private attachTimes: { startedAt: number; times: { -readonly [K in keyof PanelAttachTimes]: PanelAttachTimes[K] } } | undefined;

  static register(context: vscode.ExtensionContext, runs: RunManager, log: Log): ConvergencePanel {
    const controller = new ConvergencePanel(context.extensionUri, context.workspaceState, runs, log);
    context.subscriptions.push(
      controller,
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => controller.attach(panel, true),
      }),
      vscode.commands.registerCommand(COMMANDS.showConvergencePanel, () => controller.show(false)),
    );
    return controller;
  }

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly workspaceState: vscode.Memento,
    private readonly runs: RunManager,
    private readonly log: Log,
  ) {
    this.scheduler = new FlushScheduler(() => this.flush(), readSettings().panelUpdatesPerSecond);
    this.disposables.push(
      runs.onDidStartRun((record) => {
        this.attachTimes = { startedAt: performance.now(), times: { runId: record.runId } };
        this.showRecord(record, !(runs.activeRequest?.showPanel ?? readSettings().openPanelOnRun));
        if (this.panel && this.ready) this.attachTimes.times.readyMs = 0;
      }),
      runs.onDidChangeRun((record) => {
        if (record !== this.record) return;
        if (record.running) this.scheduler.request();
        else this.scheduler.flushNow();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('moeLab.panelUpdatesPerSecond')) this.scheduler.setRate(readSettings().panelUpdatesPerSecond);
      }),
    );
  }

  /** Opens (or reveals) the panel. */
  show(preserveFocus: boolean): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      this.title(),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { ...this.webviewOptions(), retainContextWhenHidden: true },
    );
    this.attach(panel, false);
  }

  /** Shows `record` (a new live run, or a stored one); `quietly` updates an open panel without opening one. */
  showRecord(record: RunRecord, quietly = false): void {
    this.record = record;
    this.view = 'run';
    this.remember({ kind: 'run', runId: record.runId });
    this.feed = new PanelFeed(record);
    if (this.panel) {
      this.panel.title = this.title();
      if (this.ready) this.post(this.feed.snapshot());
      if (!quietly) this.panel.reveal(undefined, true);
    } else if (!quietly) {
      this.show(true);
    }
  }

  /** Shows a paper reproduction's charts (opening the panel if needed). */
  showReproduction(reproduction: PanelReproduction): void {
    this.reproduction = reproduction;
    this.view = 'reproduction';
    this.remember({ kind: 'reproduction', dir: path.dirname(reproduction.reportPath) });
    if (this.panel) {
      this.panel.title = this.title();
      if (this.ready) this.post({ type: 'reproduction', reproduction });
      this.panel.reveal(undefined, true);
    } else {
      this.show(true);
    }
  }

  /**
   * Shows stored runs overlaid on the same charts, with the table of their spec differences (issue 17.2). The entry
   * point for Compare Runs and for anything that produces several run folders (a sweep). Throws with a plain
   * message when a folder is not a run folder.
   */
  async showComparison(runDirs: readonly string[], title?: string): Promise<PanelComparison> {
    const comparison = await loadComparison(runDirs, title);
    this.comparison = { shown: comparison, dirs: comparison.runs.map((r) => r.snapshot.end.resultsDir ?? '') };
    this.view = 'compare';
    this.remember({ kind: 'comparison', dirs: this.comparison.dirs, title: comparison.title });
    this.log.info(`Convergence panel: comparing ${comparison.runs.length} runs (${comparison.differences.length} spec differences)`);
    if (this.panel) {
      this.panel.title = this.title();
      if (this.ready) this.post({ type: 'comparison', comparison });
      this.panel.reveal(undefined, true);
    } else {
      this.show(true);
    }
    return comparison;
  }

  status(): PanelStatus {
    return {
      open: this.panel !== undefined,
      visible: this.panel?.visible ?? false,
      ready: this.ready,
      runId: this.record?.runId,
      runStatus: this.record?.end.status,
      snapshotsPosted: this.counters.snapshots,
      updatesPosted: this.counters.updates,
      reportsPosted: this.counters.reports,
      acknowledged: this.counters.acknowledged,
      ignoredMessages: this.counters.ignored,
      restored: this.restored,
      ...(this.attachTimes ? { attach: { ...this.attachTimes.times } } : {}),
      view: this.view,
      reproductionId: this.reproduction?.id,
      reproductionChartsPosted: this.counters.reproductionCharts,
      reproductionChartsDrawn: this.reproduction && this.reproductionDrawn.id === this.reproduction.id ? this.reproductionDrawn.charts : 0,
      ...(this.comparison
        ? {
            comparison: {
              id: this.comparison.shown.id,
              runs: this.comparison.shown.runs.map((r) => r.snapshot.header.runId),
              differences: this.comparison.shown.differences.map((d) => d.path),
              ...(this.comparison.drawn ? { drawn: this.comparison.drawn } : {}),
            },
          }
        : {}),
    };
  }

  private webviewOptions(): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private title(): string {
    if (this.view === 'reproduction' && this.reproduction) return 'MoE Lab: Paper Reproduction';
    if (this.view === 'compare' && this.comparison) return `MoE Lab: ${this.comparison.shown.title}`;
    return this.record ? `MoE Lab: ${this.record.header.name}` : 'MoE Lab: Convergence';
  }

  /** Takes over a panel (new, or restored by the serializer after a reload). */
  attach(panel: vscode.WebviewPanel, restored: boolean): void {
    this.detach();
    this.panel = panel;
    this.ready = false;
    this.restored = restored;
    panel.iconPath = {
      light: vscode.Uri.joinPath(this.extensionUri, 'media', 'moe-lab-light.svg'),
      dark: vscode.Uri.joinPath(this.extensionUri, 'media', 'moe-lab-dark.svg'),
    };
    const webview = panel.webview;
    webview.options = this.webviewOptions();
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
    });
    this.panelDisposables.push(
      webview.onDidReceiveMessage((value: unknown) => this.receive(value)),
      panel.onDidDispose(() => {
        if (this.panel === panel) this.detach();
      }),
    );
  }

  private detach(): void {
    for (const d of this.panelDisposables) d.dispose();
    this.panelDisposables = [];
    this.panel = undefined;
    this.ready = false;
    this.scheduler.reset();
  }

  private receive(value: unknown): void {
    const message = parseFromWebview(value);
    if (!message) {
      this.counters.ignored++;
      this.log.warn(`Convergence panel: ignored a malformed message (${describe(value)})`);
      return;
    }
    void this.handle(message).catch((error: unknown) => {
      this.log.error(`Convergence panel: ${message.type} failed: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`MoE Lab: ${errorMessage(error)}`);
    });
  }

  private async handle(message: FromWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.scheduler.reset();
        this.markAttach('readyMs', this.record?.runId);
        if (this.view === 'reproduction' && this.reproduction) {
          if (this.panel) this.panel.title = this.title();
          this.post({ type: 'reproduction', reproduction: this.reproduction });
          return;
        }
        if (this.view === 'compare' && this.comparison) {
          if (this.panel) this.panel.title = this.title();
          this.post({ type: 'comparison', comparison: this.comparison.shown });
          return;
        }
        // A webview that restored a reproduction or a comparison keeps it, unless the host has a run to show.
        if ((message.reproductionId || message.comparisonId) && !this.record) return;
        const lost = this.restored && !message.runId && !message.reproductionId && !message.comparisonId && !this.record ? this.lastShown() : undefined;
        if (lost?.kind === 'reproduction') {
          await this.adoptStoredReproduction(lost.dir);
          return;
        }
        if (lost?.kind === 'comparison') {
          await this.showComparison(lost.dirs, lost.title).catch((error: unknown) => this.log.warn(`Convergence panel: could not show the comparison again: ${errorMessage(error)}`));
          return;
        }
        const runId = message.runId ?? (lost?.kind === 'run' ? lost.runId : undefined);
        if (!this.record && runId) await this.adoptStoredRun(runId);
        if (this.record) {
          if (this.panel) this.panel.title = this.title();
          this.feed = new PanelFeed(this.record);
          this.post(this.feed.snapshot());
        }
        return;
      }
      case 'resync':
        // The webview dropped the update (a gap) and asks for everything instead: that answers the update too.
        this.counters.acknowledged++;
        this.scheduler.acknowledge();
        if (this.record?.runId === message.runId && this.feed) this.post(this.feed.snapshot());
        return;
      case 'stopRun':
        if (this.runs.activeRecord?.runId === message.runId) await this.runs.stop();
        return;
      case 'exportPng': {
        const bytes = pngBytes(message.dataUrl);
        if (!bytes) {
          this.counters.ignored++;
          this.log.warn('Convergence panel: the exported chart is not a PNG image; nothing was written');
          return;
        }
        const file = await saveWithDialog(bytes, safeFileName(message.suggestedName, '.png'), this.exportDir(), 'PNG image');
        if (file) this.log.info(`Exported chart "${message.chart}" to ${file}`);
        this.post({ type: 'exported', kind: 'png', ...(file ? { file } : {}) });
        return;
      }
      case 'exportCsv': {
        const file = await saveWithDialog(Buffer.from(message.csv, 'utf8'), safeFileName(message.suggestedName, '.csv'), this.exportDir(), 'CSV');
        if (file) this.log.info(`Exported traces to ${file}`);
        this.post({ type: 'exported', kind: 'csv', ...(file ? { file } : {}) });
        return;
      }
      case 'openReport':
        await this.openReport(message.reportPath);
        return;
      case 'reproductionShown':
        this.reproductionDrawn = { id: message.reproductionId, charts: message.charts };
        this.log.info(`Convergence panel: drew ${message.charts} charts of ${message.reproductionId}`);
        return;
      case 'revealResults':
        await this.reveal(message.resultsDir);
        return;
      case 'runShown':
        this.counters.acknowledged++;
        this.scheduler.acknowledge(message.ms);
        if (message.reports > 0 && this.markAttach('drawnMs', message.runId)) {
          const times = this.attachTimes!.times;
          times.drawnReports = message.reports;
          this.log.info(
            `Convergence panel: drew run ${message.runId} ${seconds(times.drawnMs)} after it started ` +
              `(webview ready after ${seconds(times.readyMs)}, first reports posted after ${seconds(times.reportsPostedMs)}; ${message.reports} reports)`,
          );
        }
        return;
      case 'comparisonShown':
        if (this.comparison?.shown.id === message.comparisonId) this.comparison.drawn = { charts: message.charts, datasets: message.datasets, hidden: message.hidden };
        this.log.info(`Convergence panel: drew ${message.charts} comparison charts (${message.datasets} lines)${message.hidden.length ? `; hidden: ${message.hidden.join('; ')}` : ''}`);
        return;
      case 'log':
        this.log[message.level](`Convergence panel: ${message.message}`);
        return;
    }
  }

  /**
   * A panel restored after a window reload shows, from its own state, the run it had; the host no longer knows that
   * run (a live run's worker died with the previous extension host). Shows the run as its results folder has it
   * instead: finished, cancelled, or — a `.partial` folder — interrupted, with the solvers it completed. Nothing
   * happens if the folder is not found (the webview keeps what it shows).
   */
  private async adoptStoredRun(runId: string): Promise<void> {
    const dir = await findRunFolder(runId);
    if (!dir || this.record) return;
    try {
      const record = await loadStoredRun(dir);
      if (this.record) return; // a run started meanwhile
      this.record = record;
      this.remember({ kind: 'run', runId });
      this.log.info(`Convergence panel: showing run ${runId} as its results folder has it (${record.end.status}${record.end.error ? `: ${record.end.error}` : ''}) from ${dir}`);
    } catch (error) {
      this.log.warn(`Convergence panel: could not read run ${runId} from ${dir}: ${errorMessage(error)}`);
    }
  }

  /** What the panel showed before a reload whose webview state was lost (see the file comment). */
  private lastShown(): ShownItem | undefined {
    const item = this.workspaceState.get<unknown>(SHOWN_KEY);
    return isShownItem(item) ? item : undefined;
  }

  /** A restored panel whose webview lost its state shows the reproduction it had, from the folder's results.json. */
  private async adoptStoredReproduction(dir: string): Promise<void> {
    const reproduction = await readPanelReproduction(dir);
    if (!reproduction || this.record || this.reproduction) return;
    this.log.info(`Convergence panel: showing the reproduction in ${dir} again (the panel's own state was lost)`);
    this.showReproduction(reproduction);
  }

  private remember(item: ShownItem): void {
    void Promise.resolve(this.workspaceState.update(SHOWN_KEY, item)).catch((error: unknown) =>
      this.log.warn(`Convergence panel: could not remember the shown run: ${errorMessage(error)}`),
    );
  }

  /** Reveals a results folder, but only one inside an open workspace folder that exists. */
  private async reveal(dir: string): Promise<void> {
    const uri = vscode.Uri.file(path.resolve(dir));
    const inside = vscode.workspace.getWorkspaceFolder(uri);
    if (!inside || !existsSync(uri.fsPath)) {
      void vscode.window.showWarningMessage(`MoE Lab: the results folder ${dir} is not in this workspace (or no longer exists).`);
      return;
    }
    await vscode.commands.executeCommand('revealInExplorer', uri);
  }

  /** Opens a reproduction's report.md, but only one inside an open workspace folder that exists. */
  private async openReport(file: string): Promise<void> {
    const uri = vscode.Uri.file(path.resolve(file));
    if (path.basename(uri.fsPath) !== 'report.md' || !vscode.workspace.getWorkspaceFolder(uri) || !existsSync(uri.fsPath)) {
      void vscode.window.showWarningMessage(`MoE Lab: the report ${file} is not in this workspace (or no longer exists).`);
      return;
    }
    await vscode.window.showTextDocument(uri, { preview: false });
  }

  private exportDir(): string | undefined {
    if (this.view === 'reproduction' && this.reproduction) return path.dirname(this.reproduction.reportPath);
    if (this.view === 'compare' && this.comparison) return path.dirname(this.comparison.dirs[0] || '.') || undefined;
    return this.record?.end.resultsDir ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Records when the live run `runId` reached an attach milestone (the first time only); true if it did now. */
  private markAttach(milestone: 'readyMs' | 'reportsPostedMs' | 'drawnMs', runId: string | undefined): boolean {
    const attach = this.attachTimes;
    if (!attach || runId !== attach.times.runId || attach.times[milestone] !== undefined) return false;
    attach.times[milestone] = Math.round(performance.now() - attach.startedAt);
    return true;
  }

  private flush(): void {
    // While a reproduction is shown, run updates wait: switching back sends a whole snapshot.
    if (!this.panel || !this.ready || !this.feed || this.view !== 'run') return;
    const update = this.feed.update();
    if (update) this.post(update);
  }

  private post(message: ToWebviewMessage): void {
    if (!this.panel) return;
    if (message.type === 'snapshot' || message.type === 'update') this.scheduler.posted();
    if (message.type === 'snapshot') {
      this.counters.snapshots++;
      this.counters.reports = message.snapshot.series.reduce((sum, s) => sum + s.reports.length, 0);
    } else if (message.type === 'update') {
      this.counters.updates++;
      this.counters.reports += message.series.reduce((sum, s) => sum + s.reports.length, 0);
    } else if (message.type === 'reproduction') {
      this.counters.reproductionCharts = message.reproduction.charts.length;
    }
    if (this.counters.reports > 0 && (message.type === 'snapshot' || message.type === 'update')) this.markAttach('reportsPostedMs', this.record?.runId);
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    this.scheduler.cancel();
    for (const d of this.disposables) d.dispose();
    this.panel?.dispose();
    this.detach();
  }
}

/** The folder of run `runId` in the workspace: `<runId>/` (ended) or `<runId>.partial/` (interrupted), if any. */
async function findRunFolder(runId: string): Promise<string | undefined> {
  if (/^\.+$/.test(runId)) return undefined; // "." and ".." are not run ids (the webview's ids pass `isRunId` only)
  const names = [runId, `${runId}${PARTIAL_SUFFIX}`];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const root = configuredResultsRoot(readSettings(folder), folder, folder.uri.fsPath);
    for (const name of names) if (existsSync(path.join(root, name, 'spec.json'))) return path.join(root, name);
  }
  // Specs may name their own resultsDir.
  for (const name of names) {
    const [found] = await vscode.workspace.findFiles(`**/${name}/spec.json`, '**/node_modules/**', 1);
    if (found) return path.dirname(found.fsPath);
  }
  return undefined;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? '?' : `${(ms / 1000).toFixed(2)} s`;
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? `type "${type.slice(0, 40)}"` : 'no type';
}
