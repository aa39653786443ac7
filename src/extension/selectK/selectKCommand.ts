/**
 * MoE Lab: Choose Number of Experts… (`moeLab.chooseExperts`) — `moe-lab select-k` in the editor. On a CSV (the
 * explorer's, the active editor's or a picked one): quick picks for the target and the Ks, then each K is fitted in
 * the run worker (the run manager's one job slot, so Stop Run stops it) with EM and the multi-start, and the
 * "Number of Experts" panel shows AIC, BIC and the held-out log-likelihood against K, the table, the chosen K and
 * why, with a button (and a notification) that saves a spec for the chosen K beside the CSV and opens it.
 * `moeLab.chooseExperts(csv, { target, ks: '1..6', …fit options, saveSpec?: path | true })` skips the picks and
 * resolves with the outcome.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseKRange, type SelectKResult } from '../../core/runner/selectK';
import { validateSpecObject } from '../../core/spec/validate';
import type { SelectKProgressMessage } from '../../protocol/workerMessages';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import { openSpec } from '../experiment/openSpec';
import { previewCsv } from '../fit/csvPreview';
import { fitSpecObject, parseFitOptions, type FitOptions } from '../fit/fitSpec';
import type { Log } from '../log';
import type { JobControl, RunManager } from '../run/runManager';
import type { WorkerJobOutcome } from '../run/workerJob';
import { pickOne } from '../ui/picks';
import { createNonce } from '../webviewNonce';
import { asUri, ensureTrusted, errorMessage, freeFileName, workspaceFolderFor } from '../workspace';
import { selectKHtml } from './selectKHtml';
import { dataFileItems, findDataFiles } from '../dataFiles';

export interface ChooseExpertsOutcome {
  readonly status: 'finished' | 'cancelled' | 'failed';
  readonly chosen?: number;
  readonly reason?: string;
  readonly result?: SelectKResult;
  /** The spec written for the chosen K, when one was saved. */
  readonly specFile?: string;
  readonly error?: string;
}

/** What the integration tests can observe (the extension's API). */
export interface SelectKStatus {
  readonly running: boolean;
  /** The K being fitted and the restarts done over all Ks. */
  readonly progress?: { readonly K: number; readonly done: number; readonly total: number };
  readonly last?: ChooseExpertsOutcome;
  /** The panel's page as last drawn (the tests read the table and the marked K from it). */
  readonly panelHtml?: string;
}

const TITLE = 'Choose Number of Experts';
const DEFAULT_KS = '1..6';
/** Restarts per K when the settings ask for fewer: one start per K would compare starts, not models. */
const MIN_RESTARTS = 10;
const PROGRESS_MS = 250;
const VIEW_TYPE = 'moeLab.selectKPanel';

export class ChooseExpertsCommand {
  private progress: SelectKStatus['progress'];
  private last: ChooseExpertsOutcome | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private panelHtml: string | undefined;
  /** What the panel's Save button saves. */
  private shown: { readonly csv: vscode.Uri; readonly options: FitOptions; readonly chosen?: number } | undefined;

  static register(context: vscode.ExtensionContext, runs: RunManager, log: Log): { disposable: vscode.Disposable; command: ChooseExpertsCommand } {
    const command = new ChooseExpertsCommand(context, runs, log);
    const disposable = vscode.Disposable.from(
      vscode.commands.registerCommand(COMMANDS.chooseExperts, (csv?: unknown, options?: unknown) => command.run(csv, options)),
      { dispose: () => command.panel?.dispose() },
    );
    return { command, disposable };
  }

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunManager,
    private readonly log: Log,
  ) {}

  status(): SelectKStatus {
    return { running: this.progress !== undefined, ...(this.progress ? { progress: this.progress } : {}), ...(this.last ? { last: this.last } : {}), ...(this.panelHtml ? { panelHtml: this.panelHtml } : {}) };
  }

  async run(resource?: unknown, optionsArgument?: unknown): Promise<ChooseExpertsOutcome | undefined> {
    // The explorer passes (clicked uri, selected uris): an array is a selection, not options.
    if (optionsArgument !== undefined && !Array.isArray(optionsArgument)) return this.runWithOptions(resource, optionsArgument);
    if (!(await ensureTrusted('Choosing the number of experts'))) return undefined;
    const csv = asUri(resource) ?? (await pickCsv());
    if (!csv) return undefined;
    let choice: { options: FitOptions; ks: number[] } | undefined;
    try {
      choice = await askChoice(csv);
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: cannot compare K on ${path.basename(csv.fsPath)}: ${errorMessage(error)}`);
      return undefined;
    }
    if (!choice || !(await this.runs.makeRoom(path.basename(csv.fsPath), 'ask'))) return undefined;
    const outcome = await this.compare(csv, choice.options, choice.ks);
    if (outcome.status !== 'failed' && outcome.chosen !== undefined) void this.offerToSave(csv, choice.options, outcome.chosen);
    return outcome;
  }

  /** `moeLab.chooseExperts(csv, options)`: no picks; mistakes in the arguments are thrown. */
  private async runWithOptions(csvArgument: unknown, optionsArgument: unknown): Promise<ChooseExpertsOutcome> {
    const csv = asUri(csvArgument);
    if (!csv) throw new Error('moeLab.chooseExperts: the first argument must be the CSV file (a Uri or a path)');
    const { ks: ksArgument, ...rest } = (typeof optionsArgument === 'object' && optionsArgument !== null ? optionsArgument : {}) as Record<string, unknown>;
    if (rest.experts !== undefined) throw new Error('moeLab.chooseExperts: give the numbers of experts to compare as "ks" (e.g. "1..6"), not "experts"');
    const ks = parseKRange(Array.isArray(ksArgument) ? ksArgument.join(',') : typeof ksArgument === 'string' ? ksArgument : DEFAULT_KS, '"ks"');
    const parsed = parseFitOptions(rest);
    if (!parsed.ok) throw new Error(`moeLab.chooseExperts: ${parsed.message.replace(/^fit options/, 'options')}`);
    if (!vscode.workspace.isTrusted) throw new Error('moeLab.chooseExperts: fitting is disabled in an untrusted workspace');
    const options = withDefaults(parsed.options, csv);
    if (!(await this.runs.makeRoom(path.basename(csv.fsPath), options.whenBusy ?? 'ask'))) throw new Error(`moeLab.chooseExperts: another run is active and was kept`);
    const outcome = await this.compare(csv, options, ks);
    if (outcome.status === 'failed' || outcome.chosen === undefined || !options.saveSpec) return outcome;
    const specFile = await this.saveSpec(csv, options, outcome.chosen, typeof options.saveSpec === 'string' ? options.saveSpec : undefined);
    this.last = { ...outcome, specFile };
    return this.last;
  }

  private compare(csv: vscode.Uri, options: FitOptions, ks: readonly number[]): Promise<ChooseExpertsOutcome> {
    const label = path.basename(csv.fsPath);
    const raw = specFor(csv, options, ks[0]);
    const validated = validateSpecObject(raw);
    if (!validated.ok) {
      const error = validated.errors[0].message;
      void vscode.window.showErrorMessage(`MoE Lab: cannot compare K on ${label}: ${error}`);
      return Promise.resolve((this.last = { status: 'failed', error }));
    }
    const spec = validated.spec;
    return this.runs.runJob({
      label,
      title: `MoE Lab: choosing the number of experts for ${label}`,
      begin: () => {
        this.progress = { K: ks[0], done: 0, total: ks.length * spec.init.restarts };
        this.log.info(`Choose number of experts: ${label}, K = ${ks.join(', ')}, ${spec.init.restarts} restarts each`);
        return { type: 'startSelectK', spec, baseDir: path.dirname(csv.fsPath), workspaceRoot: workspaceFolderFor(csv)?.uri.fsPath, ks, progressMilliseconds: PROGRESS_MS };
      },
      handlers: (control) => ({
        onSelectKProgress: (progress) => this.onProgress(progress, control),
        onInvalidMessage: () => this.log.warn('ignored a malformed message from the worker'),
      }),
      conclude: (ended) => {
        this.progress = undefined;
        this.last = this.conclude(ended, csv, options);
        return this.last;
      },
    });
  }

  private onProgress(progress: SelectKProgressMessage, control: JobControl): void {
    this.progress = { K: progress.K, done: progress.done, total: progress.total };
    control.status(`MoE Lab: K = ${progress.K}, ${progress.done}/${progress.total} restarts`);
    control.progress(progress.message, progress.total > 0 ? progress.done / progress.total : 0);
  }

  private conclude(ended: WorkerJobOutcome, csv: vscode.Uri, options: FitOptions): ChooseExpertsOutcome {
    const result = ended.ok ? ended.selectK?.result : undefined;
    if (!result) {
      const error = ended.ok ? 'the worker ended without a result' : ended.failure.message;
      this.log.error(`Choose number of experts failed: ${error}`);
      void vscode.window.showErrorMessage(`MoE Lab: choosing the number of experts for ${path.basename(csv.fsPath)} failed: ${error}`);
      return { status: 'failed', error };
    }
    this.log.info(`Choose number of experts: ${result.chosen !== undefined ? `K = ${result.chosen}. ` : ''}${result.reason}`);
    this.show(csv, options, result);
    return { status: result.cancelled ? 'cancelled' : 'finished', ...(result.chosen !== undefined ? { chosen: result.chosen } : {}), reason: result.reason, result };
  }

  private show(csv: vscode.Uri, options: FitOptions, result: SelectKResult): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'MoE Lab: Number of Experts', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((message: unknown) => {
        if ((message as { type?: unknown })?.type === 'saveSpec' && this.shown?.chosen !== undefined) void this.saveAndOpen(this.shown.csv, this.shown.options, this.shown.chosen);
      });
    }
    this.shown = { csv, options, ...(result.chosen !== undefined ? { chosen: result.chosen } : {}) };
    const restarts = options.restarts ?? MIN_RESTARTS;
    this.panelHtml = selectKHtml({ title: `Number of experts: ${path.basename(csv.fsPath)} → ${options.target}`, result, restarts, nonce: createNonce(), cspSource: this.panel.webview.cspSource });
    this.panel.webview.html = this.panelHtml;
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  private async offerToSave(csv: vscode.Uri, options: FitOptions, K: number): Promise<void> {
    const save = `Save Spec for K = ${K}`;
    const last = this.last;
    const choice = await vscode.window.showInformationMessage(`MoE Lab: K = ${K} experts for ${path.basename(csv.fsPath)}. ${last?.reason ?? ''}`, save);
    if (choice === save) await this.saveAndOpen(csv, options, K);
  }

  private async saveAndOpen(csv: vscode.Uri, options: FitOptions, K: number): Promise<void> {
    try {
      const file = await this.saveSpec(csv, options, K);
      await openSpec(this.context, vscode.Uri.file(file), { preserveFocus: true });
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: could not save the spec: ${errorMessage(error)}`);
    }
  }

  /** `<csv-name>-k<K>.moe.json` beside the CSV (the first free name), or `target`; paths relative to the spec. */
  private async saveSpec(csv: vscode.Uri, options: FitOptions, K: number, target?: string): Promise<string> {
    const csvDir = path.dirname(csv.fsPath);
    const file = target ? path.resolve(csvDir, target) : await freeFileName(csvDir, `${path.basename(csv.fsPath).replace(/\.csv$/i, '')}-k${K}`, '.moe.json');
    const raw = specFor(csv, options, K);
    (raw.data as Record<string, unknown>).csv = path.relative(path.dirname(file), csv.fsPath).split(path.sep).join('/');
    await vscode.workspace.fs.writeFile(vscode.Uri.file(file), Buffer.from(JSON.stringify(raw, null, 2) + '\n', 'utf8'));
    this.log.info(`Saved the spec for K = ${K} as ${file}`);
    return file;
  }
}

/** Fit options for the comparison: EM unless told otherwise, and at least MIN_RESTARTS starts per K. */
function withDefaults(options: FitOptions, csv: vscode.Uri): FitOptions {
  const settings = readSettings(csv);
  return { ...options, solvers: options.solvers ?? ['em'], restarts: options.restarts ?? Math.max(settings.defaultRestarts, MIN_RESTARTS) };
}

/** The fit spec at K (data path relative to the CSV's folder, which is the worker's base folder). */
function specFor(csv: vscode.Uri, options: FitOptions, K: number): Record<string, unknown> {
  const settings = readSettings(csv);
  const defaults = { maxIterations: settings.defaultMaxIterations, tolerance: settings.defaultTolerance, restarts: settings.defaultRestarts, testFraction: settings.defaultTestFraction };
  return fitSpecObject(path.basename(csv.fsPath), { ...options, experts: K }, defaults);
}

/** The quick picks: target column, then the Ks. */
async function askChoice(csv: vscode.Uri): Promise<{ options: FitOptions; ks: number[] } | undefined> {
  const preview = await previewCsv(csv.fsPath);
  const title = `${TITLE}: ${path.basename(csv.fsPath)}`;
  const columns = preview.columns;
  if (columns.length < 2) throw new Error(`it has ${columns.length} column(s); a fit needs a target and at least one feature`);
  const target = await pickOne(
    columns.map((c) => ({ label: c.name, description: c.kind === 'text' ? 'text' : 'numeric', value: c.name })),
    { title, step: 1, totalSteps: 2, placeholder: 'Which column to predict (the target)?', active: columns[columns.length - 1].name },
  );
  if (target === undefined) return undefined;
  const range = await vscode.window.showInputBox({
    title,
    prompt: `Numbers of experts to compare, each fitted with EM from ${MIN_RESTARTS} or more starts (a range like 1..6 or a list like 1,2,4)`,
    value: DEFAULT_KS,
    validateInput: (text) => {
      try {
        parseKRange(text, 'K');
        return undefined;
      } catch (error) {
        return errorMessage(error);
      }
    },
  });
  if (range === undefined) return undefined;
  return { options: withDefaults({ target }, csv), ks: parseKRange(range, 'K') };
}

async function pickCsv(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.scheme === 'file' && /\.csv$/i.test(active.fsPath)) return active;
  const files = await findDataFiles();
  if (files.length === 0) {
    void vscode.window.showInformationMessage('MoE Lab: there is no CSV file in this workspace.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    dataFileItems(files),
    { title: TITLE, placeHolder: 'Which CSV file?', matchOnDescription: true },
  );
  return picked?.uri;
}
