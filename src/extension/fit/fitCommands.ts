/**
 * Fit Mixture of Experts… (`moeLab.fit`, on a CSV from the explorer or the palette: quick picks, a run, then an
 * offer to save the choices as `<csv-name>.moe.json` beside the data) and its programmatic twin
 * `moeLab.fitCsv(csv, options)`, which skips the quick picks and resolves with the run's outcome.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateSpecObject } from '../../core/spec/validate';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import { openSpec } from '../experiment/openSpec';
import type { Log } from '../log';
import { mayWriteAt, outsideMessage, type OutsideWorkspace } from '../outsideWorkspace';
import { announceOutcome } from '../run/outcomeMessages';
import type { RunManager, RunOutcome } from '../run/runManager';
import { asUri, configuredResultsRoot, ensureTrusted, errorMessage, freeFileName, workspaceFolderFor } from '../workspace';
import { previewCsv } from './csvPreview';
import { fitSpecObject, parseFitOptions, type FitOptions } from './fitSpec';
import { askFitOptions } from './fitWizard';
import { dataFileItems, findDataFiles } from '../dataFiles';

export interface FitOutcome extends RunOutcome {
  /** The spec written beside the CSV, when the choices were saved. */
  readonly specFile?: string;
}

export class FitCommands {
  static register(context: vscode.ExtensionContext, runs: RunManager, log: Log): vscode.Disposable {
    const commands = new FitCommands(context, runs, log);
    return vscode.Disposable.from(
      vscode.commands.registerCommand(COMMANDS.fit, (resource?: unknown) => commands.fitInteractively(resource)),
      vscode.commands.registerCommand(COMMANDS.fitCsv, (csv: unknown, options: unknown) => commands.fitWithOptions(csv, options)),
    );
  }

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunManager,
    private readonly log: Log,
  ) {}

  /** The explorer / palette command: quick picks, run, offer to save. */
  async fitInteractively(resource?: unknown): Promise<FitOutcome | undefined> {
    if (!(await ensureTrusted('Fitting a CSV'))) return undefined;
    const csv = asUri(resource) ?? (await this.pickCsv());
    if (!csv) return undefined;
    let options: FitOptions | undefined;
    try {
      options = await askFitOptions(await previewCsv(csv.fsPath), readSettings(csv));
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: cannot fit ${path.basename(csv.fsPath)}: ${errorMessage(error)}`);
      return undefined;
    }
    if (!options) return undefined;
    const resultsRoot = await this.consentedResultsRoot(csv, 'ask');
    if (typeof resultsRoot !== 'string') return undefined;
    if (!(await this.runs.makeRoom(path.basename(csv.fsPath), 'ask'))) return undefined;
    const outcome = await this.fit(csv, options, resultsRoot);
    if (outcome && outcome.status !== 'failed') void this.offerToSave(csv, options);
    return outcome;
  }

  /** `moeLab.fitCsv(csv, options)`: no quick picks; resolves with the outcome (errors are thrown). */
  async fitWithOptions(csvArgument: unknown, optionsArgument: unknown): Promise<FitOutcome> {
    const csv = asUri(csvArgument);
    if (!csv) throw new Error('moeLab.fitCsv: the first argument must be the CSV file (a Uri or a path)');
    const parsed = parseFitOptions(optionsArgument);
    if (!parsed.ok) throw new Error(`moeLab.fitCsv: ${parsed.message}`);
    if (!vscode.workspace.isTrusted) throw new Error('moeLab.fitCsv: runs are disabled in an untrusted workspace');
    const label = path.basename(csv.fsPath);
    const resultsRoot = await this.consentedResultsRoot(csv, parsed.options.outsideWorkspace ?? 'ask');
    if (typeof resultsRoot !== 'string') throw new Error(`moeLab.fitCsv: ${resultsRoot.refused}; ${label} was not fitted`);
    if (!(await this.runs.makeRoom(label, parsed.options.whenBusy ?? 'ask'))) {
      throw new Error(`moeLab.fitCsv: another run is active and was kept; ${label} was not fitted`);
    }
    const outcome = await this.fit(csv, parsed.options, resultsRoot);
    if (!outcome) throw new Error('moeLab.fitCsv: the fit could not start');
    if (outcome.status === 'failed' && outcome.userError) throw new Error(outcome.error);
    return outcome;
  }

  /**
   * The `moeLab.resultsFolder` setting's folder for a fit of `csv`, or why it is refused: outside the workspace, it is
   * written only when the user agrees (asked before making room, so Cancel leaves an active run alone as well).
   */
  private async consentedResultsRoot(csv: vscode.Uri, policy: OutsideWorkspace): Promise<string | { refused: string }> {
    const folder = workspaceFolderFor(csv);
    const resultsRoot = configuredResultsRoot(readSettings(csv), folder, path.dirname(csv.fsPath));
    if (await mayWriteAt(resultsRoot, folder, policy, 'results')) return resultsRoot;
    const refused = outsideMessage(resultsRoot, 'the moeLab.resultsFolder setting');
    this.log.warn(`Fit of ${path.basename(csv.fsPath)} not started: ${refused}`);
    return { refused };
  }

  private async fit(csv: vscode.Uri, options: FitOptions, resultsRoot: string): Promise<FitOutcome | undefined> {
    const folder = workspaceFolderFor(csv);
    const csvDir = path.dirname(csv.fsPath);
    const raw = this.specFor(csv, options);
    const validated = validateSpecObject(raw);
    if (!validated.ok) {
      const message = validated.errors.map((issue) => issue.message).join('; ');
      this.log.error(`Fit ${path.basename(csv.fsPath)}: ${message}`);
      void vscode.window.showErrorMessage(`MoE Lab: cannot fit ${path.basename(csv.fsPath)}: ${validated.errors[0].message}`);
      return { status: 'failed', error: message, userError: true, results: [], iterations: 0 };
    }
    const outcome = await this.runs.start({
      spec: validated.spec,
      rawSpec: raw,
      baseDir: csvDir,
      workspaceRoot: folder?.uri.fsPath,
      resultsRoot,
      label: path.basename(csv.fsPath),
      showPanel: options.showPanel,
    });
    announceOutcome(outcome, `Fit of ${path.basename(csv.fsPath)}`, undefined, {
      rerunWithRidge: (ridge) => void this.refitWithRidge(csv, options, ridge),
    });
    if (options.saveSpec && outcome.status !== 'failed') {
      const specFile = await this.saveSpec(csv, options, typeof options.saveSpec === 'string' ? options.saveSpec : undefined);
      return { ...outcome, specFile };
    }
    return outcome;
  }

  /** The offer after a fit with no maximum: the same choices with a ridge, then the same offer to save them. */
  private async refitWithRidge(csv: vscode.Uri, options: FitOptions, ridge: number): Promise<void> {
    const label = path.basename(csv.fsPath);
    const resultsRoot = await this.consentedResultsRoot(csv, 'ask');
    if (typeof resultsRoot !== 'string') return;
    if (!(await this.runs.makeRoom(label, 'ask'))) return;
    const withRidge = { ...options, ridge, saveSpec: false };
    const outcome = await this.fit(csv, withRidge, resultsRoot);
    if (outcome && outcome.status !== 'failed') void this.offerToSave(csv, withRidge);
  }

  /** The spec for this fit, with paths relative to the CSV's folder (where it would be saved). */
  private specFor(csv: vscode.Uri, options: FitOptions): Record<string, unknown> {
    const settings = readSettings(csv);
    const csvDir = path.dirname(csv.fsPath);
    const resultsRoot = configuredResultsRoot(settings, workspaceFolderFor(csv), csvDir);
    const resultsDir = path.relative(csvDir, resultsRoot).split(path.sep).join('/') || '.';
    const defaults = {
      maxIterations: settings.defaultMaxIterations,
      tolerance: settings.defaultTolerance,
      restarts: settings.defaultRestarts,
      testFraction: settings.defaultTestFraction,
    };
    return fitSpecObject(path.basename(csv.fsPath), options, defaults, resultsDir);
  }

  private async offerToSave(csv: vscode.Uri, options: FitOptions): Promise<void> {
    const name = `${path.basename(csv.fsPath).replace(/\.csv$/i, '')}.moe.json`;
    const save = `Save as ${name}`;
    const choice = await vscode.window.showInformationMessage(`MoE Lab: save these fit choices as an experiment beside ${path.basename(csv.fsPath)}?`, save, 'Not Now');
    if (choice !== save) return;
    try {
      const file = await this.saveSpec(csv, options, undefined, true);
      if (file) await openSpec(this.context, vscode.Uri.file(file), { preserveFocus: true });
    } catch (error) {
      void vscode.window.showErrorMessage(`MoE Lab: could not save the experiment: ${errorMessage(error)}`);
    }
  }

  /** Writes the spec beside the CSV (or at `target`); interactive saves ask before overwriting. */
  private async saveSpec(csv: vscode.Uri, options: FitOptions, target?: string, interactive = false): Promise<string | undefined> {
    const csvDir = path.dirname(csv.fsPath);
    const stem = path.basename(csv.fsPath).replace(/\.csv$/i, '');
    let file = target ? path.resolve(csvDir, target) : path.join(csvDir, `${stem}.moe.json`);
    if (!target && (await exists(file))) {
      if (interactive) {
        const overwrite = 'Overwrite';
        const other = 'Save Beside It';
        const choice = await vscode.window.showWarningMessage(`${path.basename(file)} already exists.`, { modal: true }, overwrite, other);
        if (choice === undefined) return undefined;
        if (choice === other) file = await freeFileName(csvDir, stem, '.moe.json');
      } else {
        file = await freeFileName(csvDir, stem, '.moe.json');
      }
    }
    // The spec's paths are relative to its own folder.
    const specDir = path.dirname(file);
    const raw = this.specFor(csv, options);
    const data = raw.data as Record<string, unknown>;
    data.csv = path.relative(specDir, csv.fsPath).split(path.sep).join('/');
    if (typeof raw.resultsDir === 'string') {
      raw.resultsDir = path.relative(specDir, path.resolve(csvDir, raw.resultsDir)).split(path.sep).join('/') || '.';
    }
    await vscode.workspace.fs.writeFile(vscode.Uri.file(file), Buffer.from(JSON.stringify(raw, null, 2) + '\n', 'utf8'));
    this.log.info(`Saved the fit choices as ${file}`);
    return file;
  }

  private async pickCsv(): Promise<vscode.Uri | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && active.scheme === 'file' && /\.csv$/i.test(active.fsPath)) return active;
    const files = await findDataFiles();
    if (files.length === 0) {
      void vscode.window.showInformationMessage('MoE Lab: there is no CSV file in this workspace. Generate a synthetic dataset?', 'Generate').then((choice) => {
        if (choice) void vscode.commands.executeCommand(COMMANDS.generateSyntheticDataset);
      });
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      dataFileItems(files),
      { title: 'Fit Mixture of Experts', placeHolder: 'Which CSV file?', matchOnDescription: true },
    );
    return picked?.uri;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(file));
    return true;
  } catch {
    return false;
  }
}
