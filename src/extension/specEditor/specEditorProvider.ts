/**
 * The experiment spec editor (`*.moe.json`, DESIGN §4): a custom text editor whose webview is a form over the spec.
 *
 * The TextDocument is the truth (as in custom-editor-sample's catScratchEditor): the form shows the document's
 * current state, posted after the webview's `ready` and after every change of the text (a form edit, a side-by-side
 * text editor, git); a form edit comes back as a message, is checked, and is applied as one `WorkspaceEdit`, so
 * undo/redo, dirty state and save work as in any editor. Text that is not valid JSON is never rewritten: the form
 * shows the last state it could read, read-only, with the problems; the same problems are diagnostics on the text.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseWebviewMessage,
  valueAtPointer,
  type FromWebviewMessage,
  type JsonValue,
  type RunEntry,
  type SpecEditOp,
  type ToWebviewMessage,
} from '../../protocol/specEditorMessages';
import { applySpecEdits, minimalReplacement, pointerRange } from './specEdit';
import { specFieldModel } from './specFields';
import { issueRange, SpecDiagnostics, type SpecAnalysis } from './specDiagnostics';
import { makeNonce, specEditorHtml } from './specEditorHtml';
import { readSettings } from '../config';
import { configuredResultsRoot, workspaceFolderFor } from '../workspace';
import { isInside } from '../../core/paths';
import { suggestTarget } from '../experiment/dataChoice';
import { previewCsv } from '../fit/csvPreview';
import { listCsvFiles, listRuns, readCsvPreview, resolveInWorkspace, resultsFolderOf } from './specWorkspace';

const RUN_COMMAND = 'moeLab.runExperiment';
const OPEN_RESULTS_COMMAND = 'moeLab.openRunResults';

/** Commands for the integration tests (registered outside production mode only; not in the command palette). */
export const TEST_COMMANDS = {
  /** `(uri, message)` → handles `message` as if the spec editor's webview on `uri` had posted it. */
  postMessage: '_moeLab.specEditor.testPostMessage',
  /** `(uri, type)` → the last message of `type` posted to that webview (undefined when none). */
  lastPosted: '_moeLab.specEditor.testLastPosted',
} as const;

export interface ActionResult {
  readonly ok: boolean;
  readonly message?: string;
}

export class SpecEditorProvider implements vscode.CustomTextEditorProvider {
  static readonly viewType = 'moeLab.specEditor';

  static register(context: vscode.ExtensionContext): vscode.Disposable {
    const diagnostics = new SpecDiagnostics();
    const provider = new SpecEditorProvider(context, diagnostics);
    const disposables: vscode.Disposable[] = [
      diagnostics,
      vscode.window.registerCustomEditorProvider(SpecEditorProvider.viewType, provider, {
        supportsMultipleEditorsPerDocument: true,
      }),
    ];
    if (context.extensionMode !== vscode.ExtensionMode.Production) {
      disposables.push(
        vscode.commands.registerCommand(TEST_COMMANDS.postMessage, (uri: vscode.Uri | string, message: unknown) =>
          provider.sessionFor(uri)?.handleMessage(message) ?? Promise.resolve({ ok: false, message: 'no spec editor open on that file' }),
        ),
        vscode.commands.registerCommand(TEST_COMMANDS.lastPosted, (uri: vscode.Uri | string, type: string) =>
          provider.sessionFor(uri)?.lastPosted.get(type),
        ),
      );
    }
    return vscode.Disposable.from(...disposables);
  }

  private readonly sessions = new Set<SpecEditorSession>();

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly diagnostics: SpecDiagnostics,
  ) {}

  resolveCustomTextEditor(document: vscode.TextDocument, panel: vscode.WebviewPanel): void {
    const webviewRoot = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    const asset = (name: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, name)).toString();
    panel.webview.html = specEditorHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asset('specEditor.js'),
      styleUri: asset('specEditor.css'),
      toolkitUri: asset('toolkit.min.js'),
      title: path.basename(document.uri.path),
    });
    const session = new SpecEditorSession(document, panel, this.diagnostics);
    this.sessions.add(session);
    panel.onDidDispose(() => {
      this.sessions.delete(session);
      session.dispose();
    });
  }

  private sessionFor(uri: vscode.Uri | string): SpecEditorSession | undefined {
    const key = typeof uri === 'string' ? vscode.Uri.parse(uri).toString() : uri.toString();
    let found: SpecEditorSession | undefined;
    for (const session of this.sessions) if (session.document.uri.toString() === key) found = session;
    return found;
  }
}

/** One open form: its webview, the document it shows, and the watchers that keep it current. */
class SpecEditorSession implements vscode.Disposable {
  /** The last message of each type posted to the webview (for the integration tests). */
  readonly lastPosted = new Map<string, ToWebviewMessage>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private edits: Promise<unknown> = Promise.resolve();
  private runs: readonly RunEntry[] = [];
  private resultsFolder: string | undefined;
  private previewPath: string | undefined;
  private running = false;
  private disposed = false;
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly local: boolean;

  constructor(
    readonly document: vscode.TextDocument,
    private readonly panel: vscode.WebviewPanel,
    private readonly diagnostics: SpecDiagnostics,
  ) {
    this.local = document.uri.scheme === 'file';
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.handleMessage(message)),
      diagnostics.onDidAnalyze((changed) => {
        if (changed.uri.toString() === document.uri.toString()) this.documentChanged();
      }),
      vscode.workspace.onDidSaveTextDocument((saved) => {
        if (saved.uri.toString() === document.uri.toString()) this.postDocument();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('moeLab.resultsFolder')) this.later('runs', () => this.postRuns());
      }),
    );
    if (this.local) {
      const csvWatcher = vscode.workspace.createFileSystemWatcher('**/*.{csv,CSV}');
      const onCsv = (uri: vscode.Uri) => {
        this.later('csvFiles', () => this.postCsvFiles());
        if (this.previewPath && resolveInWorkspace(document.uri.fsPath, this.previewPath) === uri.fsPath) {
          const previewPath = this.previewPath;
          this.later('preview', () => this.postCsvPreview(previewPath));
        }
      };
      // Run folders appear by a rename of `<id>.partial/` once summary.json is written: watch every path, keep those
      // under the results folder.
      const runWatcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
      const onRun = (uri: vscode.Uri) => {
        if (this.resultsFolder && isInside(this.resultsFolder, uri.fsPath, { strictly: true })) this.later('runs', () => this.postRuns());
      };
      this.disposables.push(
        csvWatcher,
        csvWatcher.onDidCreate(onCsv),
        csvWatcher.onDidDelete(onCsv),
        csvWatcher.onDidChange(onCsv),
        runWatcher,
        runWatcher.onDidCreate(onRun),
        runWatcher.onDidDelete(onRun),
      );
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  /** Handles one message from the webview; never throws (a failure is reported to the form). */
  async handleMessage(raw: unknown): Promise<ActionResult> {
    const checked = parseWebviewMessage(raw, specFieldModel().byPointer);
    if (!checked.ok) {
      console.warn(`[MoE Lab] spec editor: ignored a webview message: ${checked.reason}`);
      return { ok: false, message: checked.reason };
    }
    try {
      return await this.dispatch(checked.message);
    } catch (error) {
      const message = `MoE Lab: ${(error as Error).message}`;
      console.error('[MoE Lab] spec editor:', error);
      this.post({ type: 'notice', ok: false, message });
      return { ok: false, message };
    }
  }

  private async dispatch(message: FromWebviewMessage): Promise<ActionResult> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post({ type: 'init', fields: specFieldModel().fields, fileName: path.basename(this.document.uri.path), local: this.local });
        this.postDocument();
        this.post({ type: 'runState', running: this.running });
        if (this.local) {
          await this.postCsvFiles();
          await this.postRuns();
        }
        return { ok: true };
      case 'edit':
        return this.queueEdit(message.requestId, () => message.ops);
      case 'switchSource':
        return this.queueEdit(message.requestId, () => this.switchSourceOps(message.to));
      case 'requestCsvPreview':
        if (!this.local) return { ok: false, message: 'CSV previews need a file on disk' };
        await this.postCsvPreview(message.path);
        return { ok: true };
      case 'run':
        return this.run();
      case 'openRun':
        return this.openRun(message.id);
      case 'showText':
        return this.showText(message.pointer);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Document → form

  private analysis(): SpecAnalysis {
    return this.diagnostics.analyze(this.document);
  }

  private documentChanged(): void {
    this.postDocument();
    const folder = this.currentResultsFolder();
    if (folder !== this.resultsFolder) void this.postRuns();
  }

  private postDocument(): void {
    const { result, value, version } = this.analysis();
    this.post({
      type: 'document',
      version,
      ...(value ? { value } : {}),
      valid: result.ok,
      problems: result.ok
        ? []
        : result.errors.map((issue) => ({
            pointer: issue.pointer,
            message: issue.message,
            ...(issue.line !== undefined ? { line: issue.line, column: issue.column } : {}),
          })),
      dirty: this.document.isDirty,
    });
  }

  private post(message: ToWebviewMessage): void {
    this.lastPosted.set(message.type, message);
    if (!this.ready || this.disposed) return;
    this.panel.webview.postMessage(message).then(undefined, () => {
      /* the webview went away */
    });
  }

  private later(key: string, action: () => unknown): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!this.disposed) void Promise.resolve(action()).catch((error) => console.error('[MoE Lab] spec editor:', error));
      }, 200),
    );
  }

  private async postCsvFiles(): Promise<void> {
    const files = await listCsvFiles(this.document.uri.fsPath, this.currentResultsFolder());
    this.post({ type: 'csvFiles', files });
  }

  private async postCsvPreview(relative: string): Promise<void> {
    this.previewPath = relative;
    this.post(await readCsvPreview(this.document.uri.fsPath, relative));
  }

  /**
   * Where runs of this spec are written, as Run Experiment decides it: the spec's own `resultsDir` (relative to the
   * spec's folder) when it names one, else the `moeLab.resultsFolder` setting of its workspace folder.
   */
  private currentResultsFolder(): string | undefined {
    if (!this.local) return undefined;
    const configured = this.analysis().value?.resultsDir;
    if (typeof configured === 'string' && configured.length > 0) return resultsFolderOf(this.document.uri.fsPath, configured);
    return configuredResultsRoot(readSettings(this.document.uri), workspaceFolderFor(this.document.uri), path.dirname(this.document.uri.fsPath));
  }

  private async postRuns(): Promise<void> {
    const folder = this.currentResultsFolder();
    this.resultsFolder = folder;
    if (!folder) return;
    const analysis = this.analysis();
    const rawName = analysis.value?.name;
    const name = analysis.result.ok ? analysis.result.spec.name : typeof rawName === 'string' ? rawName : undefined;
    // Only this spec's runs: a results folder is shared by every spec of the workspace.
    this.runs = await listRuns(folder, { file: this.document.uri.fsPath, ...(name !== undefined ? { name } : {}) });
    this.post({ type: 'runs', folder: vscode.workspace.asRelativePath(vscode.Uri.file(folder), false), runs: this.runs });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Form → document

  /** Edits run one after another, each against the text as it is when its turn comes. */
  private queueEdit(requestId: number, makeOps: () => readonly SpecEditOp[] | Promise<readonly SpecEditOp[]>): Promise<ActionResult> {
    const next = this.edits.then(async () => {
      const result = await this.applyOps(await makeOps());
      this.post({ type: 'notice', requestId, ...result });
      return result;
    });
    this.edits = next.catch(() => undefined);
    return next;
  }

  private async applyOps(ops: readonly SpecEditOp[]): Promise<ActionResult> {
    if (ops.length === 0) return { ok: true };
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = this.document.getText();
      const result = applySpecEdits(before, ops, specFieldModel().keyOrders);
      if (!result.ok) return { ok: false, message: result.message };
      if (!result.changed) return { ok: true };
      const change = minimalReplacement(before, result.text);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(
        this.document.uri,
        new vscode.Range(this.document.positionAt(change.start), this.document.positionAt(change.end)),
        change.text,
      );
      // The edit carries the document version it was computed for; if the text changed meanwhile it is refused,
      // and is computed again from the new text.
      if (await vscode.workspace.applyEdit(edit)) return { ok: true };
      if (this.document.isClosed) break;
    }
    return { ok: false, message: 'The edit could not be applied (the document kept changing or is read-only).' };
  }

  /** Operations that switch the data section between a CSV file and the synthetic generator. */
  private async switchSourceOps(to: 'csv' | 'synthetic'): Promise<SpecEditOp[]> {
    const value = this.analysis().value;
    const data = value ? valueAtPointer(value, '/data') : undefined;
    const isSynthetic = typeof data === 'object' && data !== null && !Array.isArray(data) && 'synthetic' in data;
    const fields = specFieldModel().byPointer;
    const defaultOf = (pointer: string): JsonValue | undefined => fields.get(pointer)?.default;
    if (to === 'synthetic') {
      if (isSynthetic) return [];
      const synthetic: Record<string, JsonValue> = {};
      for (const key of ['kind', 'experts', 'dim', 'samples', 'snr', 'seed']) {
        const fallback = defaultOf(`/data/synthetic/${key}`);
        if (fallback !== undefined) synthetic[key] = fallback;
      }
      // Set first, then remove: the new key takes the old ones' place and the object keeps its layout.
      return [
        { op: 'set', pointer: '/data/synthetic', value: synthetic },
        ...['csv', 'target', 'features', 'dropInvalidRows'].map((key): SpecEditOp => ({ op: 'remove', pointer: `/data/${key}` })),
      ];
    }
    if (!isSynthetic && data !== undefined) return [];
    let csv = String(defaultOf('/data/csv') ?? 'data.csv');
    let target = String(defaultOf('/data/target') ?? 'target');
    if (this.local) {
      const files = await listCsvFiles(this.document.uri.fsPath, this.currentResultsFolder());
      if (files.length > 0) {
        csv = files[0].path;
        // The same suggestion as New Experiment's: the class column (dataChoice.ts), else the last one.
        const file = resolveInWorkspace(this.document.uri.fsPath, csv);
        const preview = file ? await previewCsv(file).catch(() => undefined) : undefined;
        const suggested = preview ? suggestTarget(preview.columns, preview.sampledRows) : undefined;
        if (suggested !== undefined) target = suggested;
      }
    }
    return [
      { op: 'set', pointer: '/data/csv', value: csv },
      { op: 'set', pointer: '/data/target', value: target },
      { op: 'remove', pointer: '/data/synthetic' },
    ];
  }

  // -------------------------------------------------------------------------------------------------------------
  // Actions

  private async run(): Promise<ActionResult> {
    if (this.running) return { ok: false, message: 'This experiment is already running.' };
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes(RUN_COMMAND)) {
      const message = 'The Run Experiment command is not available.';
      this.post({ type: 'notice', ok: false, message });
      return { ok: false, message };
    }
    this.running = true;
    this.post({ type: 'runState', running: true });
    try {
      await vscode.commands.executeCommand(RUN_COMMAND, this.document.uri);
      return { ok: true };
    } finally {
      this.running = false;
      this.post({ type: 'runState', running: false });
      if (this.local) await this.postRuns();
    }
  }

  private async openRun(id: string): Promise<ActionResult> {
    const run = this.runs.find((entry) => entry.id === id);
    if (!run || !this.resultsFolder) return { ok: false, message: `no run ${id} in the list` };
    const folder = path.join(this.resultsFolder, run.id);
    const commands = await vscode.commands.getCommands(true);
    if (commands.includes(OPEN_RESULTS_COMMAND)) {
      await vscode.commands.executeCommand(OPEN_RESULTS_COMMAND, vscode.Uri.file(folder));
      return { ok: true };
    }
    const summary = vscode.Uri.file(path.join(folder, 'summary.json'));
    if (!fs.existsSync(summary.fsPath)) return { ok: false, message: `${summary.fsPath} does not exist` };
    await vscode.window.showTextDocument(summary, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    return { ok: true };
  }

  private async showText(pointer: string | undefined): Promise<ActionResult> {
    const text = this.document.getText();
    const range = pointer === undefined ? undefined : pointerRange(text, pointer);
    let selection = range
      ? new vscode.Range(this.document.positionAt(range.start), this.document.positionAt(range.end))
      : undefined;
    if (!selection && pointer !== undefined) {
      // Not valid JSON: the problem's own position (a syntax error has one).
      const { result } = this.analysis();
      const issue = result.ok ? undefined : result.errors.find((error) => error.pointer === pointer && error.line !== undefined);
      if (issue) selection = issueRange(this.document, issue);
    }
    await vscode.window.showTextDocument(this.document, {
      viewColumn: vscode.ViewColumn.Beside,
      ...(selection ? { selection } : {}),
    });
    return { ok: true };
  }
}

