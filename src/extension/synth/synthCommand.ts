/**
 * Generate Synthetic Dataset: the paper's settings (SymMoLinE / SymMoLogE for K = 2, random experts otherwise)
 * chosen with quick picks for kind, K, d, n, SNR and seed; the CSV and its `<name>.truth.json` are written by a
 * worker (large n does not block the editor) into `synthetic/` of the workspace. A run on that CSV then tracks the
 * parameter error against the truth. `moeLab.generateSyntheticDataset(options)` skips the picks and resolves with
 * `{ csv, truth }` (file paths); a `file` outside the workspace is asked about (or refused with
 * `outsideWorkspace: 'refuse'`), and resolves with undefined when not written.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SyntheticKind } from '../../core/spec/types';
import { truthPathFor, type SyntheticOptions } from '../../core/synth/generate';
import { COMMANDS } from '../commands';
import type { Log } from '../log';
import { mayWriteAt, outsideMessage, outsideWorkspaceOption } from '../outsideWorkspace';
import { WorkerJob } from '../run/workerJob';
import { inputNumber, pickOne } from '../ui/picks';
import { asUri, ensureTrusted, workspaceFolderFor } from '../workspace';

export interface SynthResult {
  readonly csv: string;
  readonly truth: string;
  readonly rows: number;
  readonly features: number;
}

const STEPS = 6;

export class SynthCommand {
  static register(context: vscode.ExtensionContext, log: Log): vscode.Disposable {
    const command = new SynthCommand(context.asAbsolutePath(path.join('dist', 'runWorker.js')), log);
    return vscode.commands.registerCommand(COMMANDS.generateSyntheticDataset, (options?: unknown) => command.run(options));
  }

  constructor(
    private readonly workerFile: string,
    private readonly log: Log,
  ) {}

  async run(argument?: unknown): Promise<SynthResult | undefined> {
    if (!(await ensureTrusted('Generating a dataset'))) return undefined;
    const folder = workspaceFolderFor();
    if (!folder) {
      void vscode.window.showWarningMessage('MoE Lab: open a folder first; the dataset is written into the workspace.');
      return undefined;
    }
    const interactive = argument === undefined;
    const options = interactive ? await this.ask() : parseSynthOptions(argument);
    if (!options) return undefined;
    const file = typeof (argument as { file?: unknown })?.file === 'string' ? (argument as { file: string }).file : undefined;
    const csvPath = file ? (asUri(file)?.fsPath ?? file) : path.join(folder.uri.fsPath, 'synthetic', `${options.kind}-K${options.experts}-d${options.dim}-n${options.samples}-snr${options.snr}-seed${options.seed}.csv`);
    // A `file` from a command argument may point anywhere: outside the workspace only with the user's consent.
    if (!(await mayWriteAt(csvPath, folder, outsideWorkspaceOption(argument), 'the dataset'))) {
      this.log.warn(`Dataset not generated: ${outsideMessage(csvPath, 'the file')}`);
      return undefined;
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MoE Lab: generating ${path.basename(csvPath)}` },
      () => this.generate(options, csvPath),
    );
    this.log.info(`Wrote ${result.csv} (${result.rows} rows × ${result.features} features) and ${result.truth}`);
    if (interactive) void this.offerNext(vscode.Uri.file(result.csv));
    return result;
  }

  private async generate(options: SyntheticOptions, csvPath: string): Promise<SynthResult> {
    const truthPath = truthPathFor(csvPath);
    const job = new WorkerJob(this.workerFile, { type: 'startSynth', options, csvPath, truthPath });
    const outcome = await job.outcome;
    if (!outcome.ok) throw new Error(`could not generate ${path.basename(csvPath)}: ${outcome.failure.message}`);
    const written = outcome.synth;
    return { csv: csvPath, truth: truthPath, rows: written?.rows ?? options.samples, features: written?.features ?? options.dim };
  }

  private async ask(): Promise<SyntheticOptions | undefined> {
    const title = 'Generate Synthetic Dataset';
    const kind = await pickOne<SyntheticKind>(
      [
        { label: 'linear', description: 'gaussian experts y ~ N(βₖᵀx, 1)', detail: 'with K = 2 the paper’s SymMoLinE (β*, −β*)', value: 'linear' },
        { label: 'logistic', description: 'bernoulli experts P(y=1) = σ(βₖᵀx)', detail: 'with K = 2 the paper’s SymMoLogE', value: 'logistic' },
      ],
      { title, step: 1, totalSteps: STEPS, placeholder: 'Kind of experts', active: 'linear' },
    );
    if (!kind) return undefined;
    const experts = await pickOne(
      [2, 3, 4, 5, 8].map((k) => ({ label: String(k), description: k === 2 ? 'symmetric (β*, −β*), as in the paper' : 'independent random experts', value: k })),
      { title, step: 2, totalSteps: STEPS, placeholder: 'Number of experts K', active: 2 },
    );
    if (experts === undefined) return undefined;
    const dim = await pickOne(
      [1, 2, 5, 10, 20, 50, 100].map((d) => ({ label: String(d), value: d })),
      { title, step: 3, totalSteps: STEPS, placeholder: 'Dimension d (features x ~ N(0, I_d))', active: 5 },
    );
    if (dim === undefined) return undefined;
    const samples = await pickOne(
      [200, 1000, 5000, 10_000, 100_000, 1_000_000].map((n) => ({ label: n.toLocaleString('en-US'), value: n })),
      { title, step: 4, totalSteps: STEPS, placeholder: 'Rows n', active: 1000 },
    );
    if (samples === undefined) return undefined;
    const snr = await pickOne(
      [0.5, 1, 2, 4, 8, 16].map((s) => ({ label: String(s), description: s <= 1 ? 'low: experts overlap, EM slows down' : s >= 8 ? 'high: well separated' : undefined, value: s })),
      { title, step: 5, totalSteps: STEPS, placeholder: 'Signal-to-noise ratio ‖β*‖/σ', active: 4 },
    );
    if (snr === undefined) return undefined;
    const seed = await inputNumber({
      title,
      step: 6,
      totalSteps: STEPS,
      prompt: 'Seed (the same seed gives the same dataset)',
      value: 0,
      check: (value) => (Number.isInteger(value) && value >= 0 ? undefined : 'The seed is an integer ≥ 0'),
    });
    if (seed === undefined) return undefined;
    return { kind, experts, dim, samples, snr, seed, symmetric: experts === 2 };
  }

  private async offerNext(csv: vscode.Uri): Promise<void> {
    const fit = 'Fit…';
    const experiment = 'New Experiment';
    const choice = await vscode.window.showInformationMessage(`MoE Lab: wrote ${vscode.workspace.asRelativePath(csv)} and its ground truth.`, fit, experiment);
    if (choice === fit) await vscode.commands.executeCommand(COMMANDS.fit, csv);
    if (choice === experiment) await vscode.commands.executeCommand(COMMANDS.newExperiment, { csv: csv.fsPath, target: 'y' });
  }
}

/** Options from an untrusted command argument (ranges are checked by the generator's callers here). */
export function parseSynthOptions(value: unknown): SyntheticOptions {
  const input = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const v = input[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`generateSyntheticDataset: "${key}" must be an integer in [${min}, ${max}]`);
    return v;
  };
  const kind = input.kind ?? 'linear';
  if (kind !== 'linear' && kind !== 'logistic') throw new Error('generateSyntheticDataset: "kind" must be linear or logistic');
  const experts = integer('experts', 2, 1, 50);
  const snr = input.snr ?? 4;
  if (typeof snr !== 'number' || !(snr > 0) || !Number.isFinite(snr)) throw new Error('generateSyntheticDataset: "snr" must be a positive number');
  const symmetric = input.symmetric ?? experts === 2;
  if (typeof symmetric !== 'boolean' || (symmetric && experts !== 2)) throw new Error('generateSyntheticDataset: "symmetric" needs experts = 2');
  return { kind, experts, dim: integer('dim', 5, 1, 10_000), samples: integer('samples', 1000, 2, 50_000_000), snr, seed: integer('seed', 0, 0, 2 ** 31 - 1), symmetric };
}
