/**
 * New Experiment (a `*.moe.json` from the template, opened in the spec editor) and Run Experiment (the active spec,
 * the one a menu was opened on, or one picked from the workspace). Both also take arguments, for tests and other
 * extensions: `moeLab.newExperiment({ csv?, target?, folder?, open? }) → Uri`, `moeLab.runExperiment(uri) → RunOutcome`.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isUserInputError } from '../../core/errors';
import { readUtf8File } from '../../core/utf8File';
import { defaultSpecTemplate, formatSpecIssue, parseSpecText } from '../../core/spec/validate';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import { previewCsv, type ColumnPreview } from '../fit/csvPreview';
import { suggestTarget } from './dataChoice';
import { dataFileItems, findDataFiles } from '../dataFiles';
import type { Log } from '../log';
import { announceOutcome } from '../run/outcomeMessages';
import { isWhenBusy, type RunManager, type RunOutcome, type WhenBusy } from '../run/runManager';
import { pickOne } from '../ui/picks';
import { asUri, configuredResultsRoot, ensureTrusted, errorMessage, freeFileName, workspaceFolderFor } from '../workspace';
import { mayWriteAt, outsideMessage, outsideWorkspaceOption } from '../outsideWorkspace';
import { openSpec } from './openSpec';
import type { SweepCommand, SweepOutcome } from '../sweep/sweepCommand';

const SPEC_SUFFIX = '.moe.json';

export function isSpecUri(uri: vscode.Uri | undefined): uri is vscode.Uri {
  return uri !== undefined && uri.path.toLowerCase().endsWith(SPEC_SUFFIX);
}

export class ExperimentCommands {
  static register(context: vscode.ExtensionContext, runs: RunManager, log: Log, sweeps: SweepCommand): vscode.Disposable {
    const commands = new ExperimentCommands(context, runs, log, sweeps);
    return vscode.Disposable.from(
      vscode.commands.registerCommand(COMMANDS.newExperiment, (options?: unknown) => commands.newExperiment(options)),
      vscode.commands.registerCommand(COMMANDS.runExperiment, (resource?: unknown, options?: unknown) => commands.runExperiment(resource, options)),
    );
  }

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunManager,
    private readonly log: Log,
    private readonly sweeps: SweepCommand,
  ) {}

  async newExperiment(argument?: unknown): Promise<vscode.Uri | undefined> {
    const options = (typeof argument === 'object' && argument !== null && !(argument instanceof vscode.Uri) ? argument : {}) as {
      csv?: unknown;
      target?: unknown;
      folder?: unknown;
      open?: unknown;
    };
    let csv = asUri(options.csv) ?? (argument instanceof vscode.Uri && /\.csv$/i.test(argument.fsPath) ? argument : undefined);
    let target = typeof options.target === 'string' ? options.target : undefined;
    const interactive = options.csv === undefined && !(argument instanceof vscode.Uri);
    const folder = workspaceFolderFor(csv);
    if (!folder) {
      void vscode.window.showWarningMessage('MoE Lab: open a folder first; experiments live in the workspace.');
      return undefined;
    }
    if (interactive) {
      const choice = await this.pickDataSource();
      if (choice === undefined) return undefined;
      csv = choice === 'synthetic' ? undefined : choice;
    }
    if (csv && target === undefined) {
      try {
        const preview = await previewCsv(csv.fsPath);
        const suggested = suggestTarget(preview.columns, preview.sampledRows);
        target = interactive
          ? await pickOne(
              preview.columns.map((c) => ({ label: c.name, description: columnDescription(c, c.name === suggested), value: c.name })),
              { title: `New Experiment: ${path.basename(csv.fsPath)}`, placeholder: 'Target column: the one to predict', active: suggested },
            )
          : suggested;
      } catch (error) {
        void vscode.window.showErrorMessage(`MoE Lab: cannot read ${path.basename(csv.fsPath)}: ${errorMessage(error)}`);
        return undefined;
      }
      if (target === undefined) return undefined;
    }
    const dir = csv ? path.dirname(csv.fsPath) : (asUri(options.folder)?.fsPath ?? folder.uri.fsPath);
    const stem = csv ? path.basename(csv.fsPath).replace(/\.csv$/i, '') : 'experiment';
    const file = await freeFileName(dir, stem, SPEC_SUFFIX);
    const template = defaultSpecTemplate(csv ? path.relative(dir, csv.fsPath).split(path.sep).join('/') : undefined, target);
    // The name follows the file (iris-2.moe.json → "iris-2"): it names the results folders, which must tell the specs apart.
    template.name = path.basename(file).slice(0, -SPEC_SUFFIX.length);
    const settings = readSettings(folder);
    const stopping = (template.stopping ?? {}) as Record<string, unknown>;
    template.stopping = { ...stopping, maxIterations: settings.defaultMaxIterations, tolerance: settings.defaultTolerance };
    template.resultsDir = path.relative(dir, configuredResultsRoot(settings, folder, dir)).split(path.sep).join('/') || '.';
    const uri = vscode.Uri.file(file);
    await vscode.workspace.fs.writeFile(uri, Buffer.from(JSON.stringify(template, null, 2) + '\n', 'utf8'));
    this.log.info(`New experiment ${file}`);
    if (options.open !== false) await openSpec(this.context, uri);
    return uri;
  }

  /**
   * `options.whenBusy` (programmatic callers): what to do if a run is active (default `ask`); `options.outsideWorkspace`:
   * `refuse` a results folder outside the workspace instead of asking (default `ask`). Menus pass the selected
   * files as the second argument (an array), which is not an options object.
   */
  async runExperiment(resource?: unknown, options?: unknown): Promise<RunOutcome | SweepOutcome | undefined> {
    if (!(await ensureTrusted('Running an experiment'))) return undefined;
    const requested = typeof options === 'object' && options !== null && !Array.isArray(options) ? (options as { whenBusy?: unknown }).whenBusy : undefined;
    const whenBusy: WhenBusy = isWhenBusy(requested) ? requested : 'ask';
    const uri = asUri(resource) ?? activeSpecUri() ?? (await this.pickSpec());
    if (!uri) return undefined;
    const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
    const name = path.basename(uri.fsPath);
    let text: string;
    try {
      // A saved spec is read from disk as strict UTF-8: an editor shows bytes in another encoding as U+FFFD, which
      // would silently change a name or a path in the spec.
      text = open && (open.isDirty || open.isUntitled) ? open.getText() : await readUtf8File(uri.fsPath, name);
    } catch (error) {
      const message = isUserInputError(error) ? error.message : `cannot read ${name}: ${errorMessage(error)}`;
      void vscode.window.showErrorMessage(`MoE Lab: ${message}`);
      return isUserInputError(error) ? { status: 'failed', error: message, userError: true, results: [], iterations: 0 } : undefined;
    }
    const parsed = parseSpecText(text, name);
    if (!parsed.ok) {
      for (const issue of parsed.errors) this.log.error(formatSpecIssue(issue, name));
      const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more; see the MoE Lab log)` : '';
      void vscode.window.showErrorMessage(`MoE Lab: ${name} is not a valid experiment: ${parsed.errors[0].message}${more}`, 'Open Spec').then((choice) => {
        if (choice) void openSpec(this.context, uri);
      });
      return { status: 'failed', error: parsed.errors[0].message, userError: true, results: [], iterations: 0 };
    }
    // Asked after validation (a broken spec does not disturb the active run); the spec text was read above, so the run
    // uses the spec as it was when the user started it, whatever happens to the file while the question is open.
    const baseDir = path.dirname(uri.fsPath);
    const folder = workspaceFolderFor(uri);
    const explicit = typeof (parsed.raw as { resultsDir?: unknown })?.resultsDir === 'string';
    const resultsRoot = explicit ? path.resolve(baseDir, parsed.spec.resultsDir) : configuredResultsRoot(readSettings(uri), folder, baseDir);
    // Asked before making room, so an answer of Cancel leaves the active run alone as well.
    if (!(await mayWriteAt(resultsRoot, folder, outsideWorkspaceOption(options), 'results'))) {
      const error = outsideMessage(resultsRoot, explicit ? `${name}: /resultsDir` : 'the moeLab.resultsFolder setting');
      this.log.warn(`Run of ${name} not started: ${error}`);
      return { status: 'failed', error, userError: true, ...(explicit ? { pointer: '/resultsDir' } : {}), results: [], iterations: 0 };
    }
    if (!(await this.runs.makeRoom(name, whenBusy))) return undefined;
    if (parsed.spec.sweep) {
      return this.sweeps.run({ spec: parsed.spec, rawSpec: parsed.raw, baseDir, workspaceRoot: folder?.uri.fsPath, resultsRoot, label: name });
    }
    const outcome = await this.runs.start({
      spec: parsed.spec,
      rawSpec: parsed.raw,
      specFile: uri.fsPath,
      baseDir,
      workspaceRoot: folder?.uri.fsPath,
      resultsRoot,
      label: name,
    });
    announceOutcome(outcome, `Run of ${name}`, uri);
    return outcome;
  }

  private async pickDataSource(): Promise<vscode.Uri | 'synthetic' | undefined> {
    const files = await findDataFiles();
    return pickOne<vscode.Uri | 'synthetic'>(
      [
        { label: '$(beaker) Synthetic data', description: 'a known mixture (the paper\'s setting)', value: 'synthetic' },
        ...dataFileItems(files).map((item) => ({ label: `$(table) ${item.label}`, description: item.description, value: item.uri })),
      ],
      { title: 'New Experiment', placeholder: 'Data for the experiment', active: files[0]?.uri ?? 'synthetic' },
    );
  }

  private async pickSpec(): Promise<vscode.Uri | undefined> {
    const files = await vscode.workspace.findFiles(`**/*${SPEC_SUFFIX}`, '**/node_modules/**', 500);
    if (files.length === 0) {
      const create = 'New Experiment';
      const choice = await vscode.window.showInformationMessage('MoE Lab: there is no *.moe.json experiment in this workspace.', create);
      if (choice === create) await vscode.commands.executeCommand(COMMANDS.newExperiment);
      return undefined;
    }
    if (files.length === 1) return files[0];
    const picked = await vscode.window.showQuickPick(
      files.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri), uri })),
      { title: 'Run Experiment', placeHolder: 'Which experiment?', matchOnDescription: true },
    );
    return picked?.uri;
  }
}

function columnDescription(column: ColumnPreview, suggested: boolean): string {
  const kind = column.kind === 'text' ? `text · ${column.distinct > 50 ? 'more than 50' : column.distinct} values` : 'numeric';
  return suggested ? `${kind} · suggested` : kind;
}

/** The spec in the active editor: a text editor, or the spec editor (a custom editor tab). */
export function activeSpecUri(): vscode.Uri | undefined {
  const editorUri = vscode.window.activeTextEditor?.document.uri;
  if (isSpecUri(editorUri)) return editorUri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) {
    if (isSpecUri(input.uri)) return input.uri;
  }
  return undefined;
}
