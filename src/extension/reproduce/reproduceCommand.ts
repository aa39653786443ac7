/**
 * MoE Lab: Reproduce Paper Experiments — the `moe-lab reproduce` experiments (src/core/reproduce) run in the run
 * worker, so the editor stays responsive. Quick picks choose Quick (a smoke test) or Full (hours) and the
 * experiments; the report goes to `<results folder>/reproduction-<timestamp>/` (report.md, results.json) and the
 * charts open in the convergence panel. It takes the run manager's one-job slot: a run and a reproduction never
 * compete for the cores (their timings are part of the results), and Stop Run or the notification's Cancel stops it,
 * keeping the experiments that finished. `moeLab.reproducePaper({ quick, only, fmnistInstances, outDir, whenBusy, outsideWorkspace })`
 * skips the picks and resolves with the outcome.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findUnfinishedReproductions, optionsOfInvocation } from '../../core/reproduce/invocation';
import { EXPERIMENT_NAMES, type ExperimentName } from '../../core/reproduce/types';
import type { ReproduceProgressMessage, ReproduceWrittenMessage } from '../../protocol/workerMessages';
import { COMMANDS } from '../commands';
import { readSettings } from '../config';
import type { Log } from '../log';
import { mayWriteAt, outsideMessage } from '../outsideWorkspace';
import type { ConvergencePanel } from '../panel/convergencePanel';
import type { JobControl, RunManager } from '../run/runManager';
import type { WorkerJobOutcome } from '../run/workerJob';
import { pickMany, pickOne } from '../ui/picks';
import { configuredResultsRoot, ensureTrusted, errorMessage, workspaceFolderFor } from '../workspace';
import { describeChoice, panelReproductionOf, parseReproduceArgument, reproductionFolderName, type ReproduceChoice } from './reproduceOptions';

export interface ReproduceOutcome {
  readonly status: 'finished' | 'cancelled' | 'failed';
  /** The output folder, with report.md and results.json (absent when the job failed before writing). */
  readonly dir?: string;
  readonly report?: string;
  readonly results?: string;
  readonly charts: number;
  readonly error?: string;
}

/** What the integration tests can observe (the extension's API). */
export interface ReproductionStatus {
  readonly running: boolean;
  readonly experiment?: ExperimentName;
  readonly done?: number;
  readonly total?: number;
  readonly last?: ReproduceOutcome;
}

const LABEL = 'the paper reproduction';
const PROGRESS_MS = 250;
const CHART_NOTE = 'the VS Code command draws the charts in the convergence panel instead of PNG files; `moe-lab reproduce` renders PNGs';

const EXPERIMENT_DESCRIPTIONS: Readonly<Record<ExperimentName, string>> = {
  symmoline: 'SymMoLinE: EM, Gradient EM, GD, Adam from the same starts (paper Figs. 1–2)',
  fmnist: 'Random-Invert Fashion-MNIST, 2 softmax experts (paper Table 2, Fig. 3)',
  'equal-time': 'the Fashion-MNIST curves against seconds (not in the paper; runs fmnist)',
  'snr-sweep': "EM's observed and predicted rate against SNR (theory)",
  'summary-table': "the third-party summary's table and ablation (not the authors' material)",
};

export class ReproduceCommand {
  private progress: Omit<ReproductionStatus, 'running' | 'last'> | undefined;
  private last: ReproduceOutcome | undefined;

  static register(context: vscode.ExtensionContext, runs: RunManager, panel: ConvergencePanel, log: Log): { disposable: vscode.Disposable; command: ReproduceCommand } {
    const command = new ReproduceCommand(context, runs, panel, log);
    return { command, disposable: vscode.commands.registerCommand(COMMANDS.reproducePaper, (options?: unknown) => command.run(options)) };
  }

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunManager,
    private readonly panel: ConvergencePanel,
    private readonly log: Log,
  ) {}

  status(): ReproductionStatus {
    return { running: this.progress !== undefined, ...(this.progress ?? {}), ...(this.last ? { last: this.last } : {}) };
  }

  async run(argument?: unknown): Promise<ReproduceOutcome | undefined> {
    if (!(await ensureTrusted('Reproducing the paper'))) return undefined;
    const folder = workspaceFolderFor();
    if (!folder) {
      void vscode.window.showWarningMessage('MoE Lab: open a folder first; the reproduction report is written into the workspace.');
      return undefined;
    }
    const root = configuredResultsRoot(readSettings(folder), folder, folder.uri.fsPath);
    const choice = argument === undefined ? await askResumeOrChoice(root) : await parseReproduceArgument(argument, folder.uri.fsPath);
    if (!choice) return undefined;
    // `outDir` is confined by parseReproduceArgument; the results folder of the settings may lie outside: ask first.
    if (!choice.outDir && !(await mayWriteAt(root, folder, choice.outsideWorkspace, 'the reproduction report'))) {
      const error = outsideMessage(root, 'the moeLab.resultsFolder setting');
      this.log.warn(`Reproduction not started: ${error}`);
      return { status: 'failed', charts: 0, error };
    }
    if (!(await this.runs.makeRoom(LABEL, choice.whenBusy))) return undefined;
    return this.execute(choice, choice.outDir ?? path.join(root, reproductionFolderName(new Date())));
  }

  private execute(choice: ReproduceChoice, outDir: string): Promise<ReproduceOutcome> {
    return this.runs.runJob({
      label: LABEL,
      title: `MoE Lab: reproducing the paper (${choice.quick ? 'quick' : 'full'})`,
      begin: () => {
        this.progress = {};
        this.log.info(`Reproduction started: ${describeChoice(choice)}; report → ${outDir}`);
        return {
          type: 'startReproduce',
          quick: choice.quick,
          only: choice.only,
          examplesDir: this.context.asAbsolutePath(path.join('examples', 'data')),
          ...(choice.fmnistInstances === undefined ? {} : { fmnistInstances: choice.fmnistInstances }),
          outDir,
          ...(choice.resume ? { resume: true } : {}),
          command: describeChoice(choice),
          chartNote: CHART_NOTE,
          progressMilliseconds: PROGRESS_MS,
        };
      },
      handlers: (control) => ({
        onReproduceProgress: (progress) => this.onProgress(progress, choice, control),
        onInvalidMessage: () => this.log.warn('ignored a malformed message from the reproduction worker'),
      }),
      conclude: (ended) => {
        this.progress = undefined;
        const outcome = this.conclude(ended, choice);
        this.last = outcome;
        return outcome;
      },
    });
  }

  private onProgress(progress: ReproduceProgressMessage, choice: ReproduceChoice, control: JobControl): void {
    if (progress.experiment !== this.progress?.experiment) this.log.info(`Reproduction: ${progress.experiment} — ${progress.message}`);
    this.progress = { experiment: progress.experiment, done: progress.done, total: progress.total };
    control.status(`MoE Lab: reproducing ${progress.experiment} ${progress.done}/${progress.total}`);
    // Each experiment is an equal share of the bar; within it, its own work units.
    const index = Math.max(0, choice.only.indexOf(progress.experiment));
    const fraction = (index + (progress.total > 0 ? progress.done / progress.total : 0)) / Math.max(1, choice.only.length);
    control.progress(`${progress.experiment} ${progress.done}/${progress.total}: ${progress.message}`, fraction);
  }

  private conclude(ended: WorkerJobOutcome, choice: ReproduceChoice): ReproduceOutcome {
    const written = ended.ok ? ended.reproduction : undefined;
    if (!written) {
      const error = ended.ok ? 'the worker ended without writing the report' : ended.failure.message;
      this.log.error(`Reproduction failed: ${error}${!ended.ok && ended.failure.stack ? `\n${ended.failure.stack}` : ''}`);
      void vscode.window.showErrorMessage(`MoE Lab: the paper reproduction failed: ${error}`, 'Show Log').then((c) => c && vscode.commands.executeCommand(COMMANDS.showLog));
      return { status: 'failed', charts: 0, error };
    }
    this.logWritten(written);
    this.panel.showReproduction(panelReproductionOf(written, choice));
    void this.announce(written, choice);
    return { status: written.cancelled ? 'cancelled' : 'finished', dir: written.dir, report: written.report, results: written.results, charts: written.charts.length };
  }

  private logWritten(written: ReproduceWrittenMessage): void {
    const failed = written.checks.filter((c) => !c.passed);
    this.log.info(`Reproduction ${written.cancelled ? 'cancelled (finished experiments written)' : 'finished'} in ${written.seconds.toFixed(1)} s: ${written.report}`);
    for (const check of written.checks) this.log.info(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name} (${check.experiment})`);
    for (const skipped of written.skipped) this.log.warn(`  not reported: ${skipped.name}: ${skipped.reason.split('\n')[0]}`);
    if (failed.length > 0) this.log.warn(`${failed.length} check(s) failed; see ${written.report}`);
  }

  private async announce(written: ReproduceWrittenMessage, choice: ReproduceChoice): Promise<void> {
    const open = 'Open Report';
    const resume = 'Resume';
    const text = written.cancelled
      ? `MoE Lab: the paper reproduction was stopped; the experiments that finished are in ${path.basename(written.dir)}/report.md, and Resume continues from there.`
      : `MoE Lab: the paper reproduction finished (${written.seconds.toFixed(0)} s); its charts are in the convergence panel.`;
    try {
      const answer = await vscode.window.showInformationMessage(text, open, ...(written.cancelled ? [resume] : []));
      if (answer === open) await vscode.window.showTextDocument(vscode.Uri.file(written.report));
      if (answer === resume) await vscode.commands.executeCommand(COMMANDS.reproducePaper, { resume: written.dir, whenBusy: choice.whenBusy });
    } catch (error) {
      this.log.warn(`Could not open ${written.report}: ${errorMessage(error)}`);
    }
  }
}

/**
 * When the results folder holds unfinished reproductions (a checkpoint left by a stop, a crash or a reload), the
 * first pick offers to resume one of them; otherwise, or on "Start a new reproduction", the usual picks.
 */
async function askResumeOrChoice(root: string): Promise<ReproduceChoice | undefined> {
  const unfinished = (await findUnfinishedReproductions(root))
    .map((u) => ({ ...u, options: optionsOfInvocation(u.invocation) }))
    .filter((u): u is typeof u & { options: Exclude<typeof u.options, { unsupported: string }> } => !('unsupported' in u.options));
  if (unfinished.length === 0) return askChoice();
  const picked = await pickOne<ReproduceChoice | 'new'>(
    [
      ...unfinished.map((u) => ({
        label: `Resume ${path.basename(u.dir)}`,
        description: `${u.options.quick ? 'quick' : 'full'}; ${u.parts.length} finished part(s) kept`,
        value: { ...u.options, outDir: u.dir, resume: true, whenBusy: 'ask', outsideWorkspace: 'ask' } as ReproduceChoice,
      })),
      { label: 'Start a new reproduction', description: 'choose what to run', value: 'new' as const },
    ],
    { title: 'Reproduce Paper Experiments', placeholder: 'An earlier reproduction did not finish', active: 'new' },
  );
  if (picked === undefined) return undefined;
  return picked === 'new' ? askChoice() : picked;
}

/** Only a full run that includes a Fashion-MNIST experiment asks a third question (its instances). */
const asksInstances = (quick: boolean, only: readonly ExperimentName[]) => !quick && (only.includes('fmnist') || only.includes('equal-time'));

/** The quick picks: mode, experiments, and for a full run with Fashion-MNIST the number of instances. */
async function askChoice(): Promise<ReproduceChoice | undefined> {
  const title = 'Reproduce Paper Experiments';
  const quick = await pickOne(
    [
      { label: 'Quick', description: 'small sizes: under a minute', value: true },
      { label: 'Full', description: 'the paper’s sizes: hours', value: false },
    ],
    { title, step: 1, placeholder: 'How much to run', active: true, totalStepsFor: ([mode]) => (asksInstances(mode ?? true, EXPERIMENT_NAMES) ? 3 : 2) },
  );
  if (quick === undefined) return undefined;
  const only = await pickMany(
    EXPERIMENT_NAMES.map((name) => ({ label: name, detail: EXPERIMENT_DESCRIPTIONS[name], value: name })),
    {
      title,
      step: 2,
      placeholder: 'Experiments to run (Enter accepts the ticked ones)',
      selected: EXPERIMENT_NAMES,
      atLeastOne: 'Tick at least one experiment',
      totalStepsFor: (ticked) => (asksInstances(quick, ticked) ? 3 : 2),
    },
  );
  if (!only) return undefined;
  if (quick) return { quick, only, whenBusy: 'ask', outsideWorkspace: 'ask' };
  const fmnistInstances = asksInstances(quick, only) ? await askInstances(title) : undefined;
  if (fmnistInstances === null) return undefined;
  const start = 'Start Full Reproduction';
  const confirmed = await vscode.window.showWarningMessage(
    'The full reproduction takes hours on a typical machine.',
    { modal: true, detail: 'It runs in the background; Cancel in its notification (or Stop Run) stops it and writes the experiments that finished.' },
    start,
  );
  return confirmed === start ? { quick, only, whenBusy: 'ask', outsideWorkspace: 'ask', ...(fmnistInstances ? { fmnistInstances } : {}) } : undefined;
}

/** Fashion-MNIST instances for a full run; null when dismissed. */
async function askInstances(title: string): Promise<number | null> {
  const instances = await pickOne(
    [
      { label: '1', description: 'curves without a band (quickest)', value: 1 },
      { label: '5', description: 'a rough band', value: 5 },
      { label: '25', description: 'the paper’s count (many hours)', value: 25 },
    ],
    { title, step: 3, totalSteps: 3, placeholder: 'Fashion-MNIST instances (the paper: 25)', active: 5 },
  );
  return instances === undefined ? null : instances;
}
