/**
 * Runs experiments in a worker thread, one job at a time: starting a job stops the active one first (its results so
 * far are kept, marked cancelled); the commands ask the user before that (`makeRoom`). One at a time on purpose: the
 * panel and status bar follow one job, and each solver's seconds are part of what a run measures, which a second
 * fit competing for the same cores would distort. A job is a run (`start`) or another worker job such as the paper
 * reproduction (`runJob`); both hold the same slot, so they too go one at a time, and Stop Run stops either.
 * While a job is active the user sees a cancellable progress notification, a status-bar item (click to stop) and
 * log lines in the output channel; listeners (the convergence panel) get a run's record as it grows.
 * Stop sets the worker's interrupt flag and cancels the job's AbortSignal there (workerJob.ts): the runner ends every
 * solver inside the iteration under way, keeping its last complete iterate, and writes the results so far, marked
 * cancelled. A worker that does not finish within a grace period is terminated.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../../core/runner/types';
import type { ExperimentSpec, SolverName } from '../../core/spec/types';
import type { PanelResult } from '../../protocol/panelMessages';
import { runSolverLabel, solverLabel } from '../../core/solvers/labels';
import type { ToWorkerMessage } from '../../protocol/workerMessages';
import { COMMANDS, RUNNING_CONTEXT_KEY } from '../commands';
import type { Log } from '../log';
import { RunRecord } from './runRecord';
import type { WhenBusy } from './whenBusy';
import { WorkerJob, type WorkerJobHandlers, type WorkerJobOutcome } from './workerJob';

export { isWhenBusy, type WhenBusy } from './whenBusy';

export interface RunRequest {
  readonly spec: ExperimentSpec;
  readonly rawSpec?: unknown;
  /** The spec file being run (absolute), recorded in the run folder; absent for fits from a CSV. */
  readonly specFile?: string;
  /** Folder that relative data paths resolve against. */
  readonly baseDir: string;
  readonly workspaceRoot?: string;
  /** Folder that receives the run folder. */
  readonly resultsRoot: string;
  /** What is being run, for messages ("iris.csv", "experiment.moe.json"). */
  readonly label: string;
  /** Worker event batches at most this often (ms). */
  readonly batchMilliseconds?: number;
  /** Open the convergence panel when the run starts (default: the `moeLab.openPanelOnRun` setting). */
  readonly showPanel?: boolean;
  /** Name of the run folder (default `<timestamp>-<name>`); a sweep names its combinations' folders. */
  readonly runId?: string;
}

export interface RunOutcome {
  readonly status: 'finished' | 'cancelled' | 'failed';
  readonly runId?: string;
  readonly resultsDir?: string;
  readonly seconds?: number;
  readonly error?: string;
  /** The failure is a mistake in the input (column, file, spec field), not a crash. */
  readonly userError?: boolean;
  /** Spec field at fault, for user errors. */
  readonly pointer?: string;
  readonly results: readonly PanelResult[];
  /** Iterations reported over all solvers and restarts. */
  readonly iterations: number;
  /** Milliseconds from the stop request to the run's end, for cancelled runs. */
  readonly cancelLatencyMs?: number;
}

/** A job for the one-job slot: what to start in a fresh run worker, and what its end means. */
export interface JobRequest<T> {
  /** What is running, for messages ("iris.csv", "the paper reproduction"). */
  readonly label: string;
  /** Title of the progress notification. */
  readonly title: string;
  /** Called once the slot is held: the message that starts the worker. */
  begin(): ToWorkerMessage;
  /** The worker's message handlers; `control` updates the status bar and the notification. */
  handlers(control: JobControl): WorkerJobHandlers;
  /**
   * The job's result from how its worker ended, drawn before the slot is released. `stopRequestedAt`
   * (performance.now()) is set when the job was asked to stop.
   */
  conclude(ended: WorkerJobOutcome, stopRequestedAt: number | undefined): T;
  /** Said after "was terminated" when the worker does not stop within the grace period. */
  readonly terminationNote?: string;
}

/** What a job's handlers may change while it runs (both ignored once a stop was requested). */
export interface JobControl {
  status(text: string, tooltip?: string | vscode.MarkdownString): void;
  /** The notification's message and the share of the work done, from 0 to 1. */
  progress(message: string, fraction: number): void;
}

/** The job holding the slot. */
class HeldJob {
  stopRequestedAt: number | undefined;
  /** Settles when the job has ended and its result is drawn. */
  ended!: Promise<unknown>;
  worker!: WorkerJob;
  reportProgress: ((message: string, fraction: number) => void) | undefined;
  constructor(
    readonly label: string,
    readonly terminationNote: string | undefined,
    /** Set when the job is a run (`start`). */
    readonly run: ActiveRun | undefined,
  ) {}
}

/** How long a cancelled job may take to write its results before its worker is terminated. */
const CANCEL_GRACE_MS = 30_000;
/** Status bar and progress text refresh at most this often. */
const UI_REFRESH_MS = 250;

class ActiveRun {
  record: RunRecord | undefined;
  lastUiRefresh = 0;
  readonly latest = new Map<SolverName, { restart: number; iteration: number }>();
  constructor(readonly request: RunRequest) {}
}

export class RunManager implements vscode.Disposable {
  private active: HeldJob | undefined;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly startedEmitter = new vscode.EventEmitter<RunRecord>();
  private readonly changedEmitter = new vscode.EventEmitter<RunRecord>();

  /** A run reported `runStarted`: its record (which then grows in place). */
  readonly onDidStartRun = this.startedEmitter.event;
  /** The active run's record changed (new events, or its end). */
  readonly onDidChangeRun = this.changedEmitter.event;

  static register(context: vscode.ExtensionContext, log: Log): RunManager {
    const manager = new RunManager(context.asAbsolutePath(path.join('dist', 'runWorker.js')), log);
    context.subscriptions.push(manager, vscode.commands.registerCommand(COMMANDS.stopRun, () => manager.stop()));
    return manager;
  }

  constructor(
    readonly workerFile: string,
    private readonly log: Log,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('moeLab.run', vscode.StatusBarAlignment.Left, 10);
    this.statusItem.name = 'MoE Lab run';
    this.statusItem.command = COMMANDS.stopRun;
  }

  /** A run (not another job) holds the slot. */
  get isRunning(): boolean {
    return this.active?.run !== undefined;
  }

  /** A stop was requested and the run is winding down. */
  get isStopping(): boolean {
    return this.active?.run !== undefined && this.active.stopRequestedAt !== undefined;
  }

  /** What the active run was asked to do. */
  get activeRequest(): RunRequest | undefined {
    return this.active?.run?.request;
  }

  /** The active run's record, once it has started. */
  get activeRecord(): RunRecord | undefined {
    return this.active?.run?.record;
  }

  /**
   * Whether a job of `label` may start now: true when no job is active, or the active one was stopped (`whenBusy`
   * `stop`, or `ask` and the user chose to stop it). `keep` and a declined question leave the active job alone.
   */
  async makeRoom(label: string, whenBusy: WhenBusy = 'ask'): Promise<boolean> {
    const active = this.active;
    if (!active) return true;
    if (whenBusy === 'keep') {
      this.log.info(`Not starting ${label}: ${active.label} is still running`);
      return false;
    }
    if (whenBusy === 'ask' && active.stopRequestedAt === undefined) {
      // (A job already stopping is waited for without asking: the user has chosen to stop it.)
      const stop = 'Stop It and Run';
      const again = active.label === label;
      const choice = await vscode.window.showWarningMessage(
        again
          ? `MoE Lab is already running ${label}. Stop it (its results so far are kept) and run it again from the start?`
          : `MoE Lab is running ${active.label}. Stop it (its results so far are kept) and run ${label}?`,
        { modal: true, detail: 'MoE Lab runs one experiment at a time, so that the solvers’ timings are not distorted by a second fit.' },
        stop,
      );
      if (choice !== stop) {
        this.log.info(`Not starting ${label}: ${active.label} keeps running`);
        return false;
      }
    }
    await this.stop();
    return true;
  }

  /** Runs `request` to its end (stopping any active job first) and says how it ended. */
  start(request: RunRequest): Promise<RunOutcome> {
    const run = new ActiveRun(request);
    return this.hold(
      {
        label: request.label,
        title: `MoE Lab: running ${request.label}`,
        terminationNote: 'finished solvers are in the ".partial" run folder',
        begin: () => {
          const spec = request.spec;
          const solvers = (Object.keys(spec.solvers) as SolverName[]).filter((name) => spec.solvers[name].enabled);
          this.log.info(
            `Run ${request.label} ("${spec.name}"): ${solvers.join(', ')}; K = ${spec.model.experts}; ` +
              `${spec.init.restarts} restart(s); max ${spec.stopping.maxIterations} iterations; results → ${request.resultsRoot}`,
          );
          return {
            type: 'startRun',
            spec,
            rawSpec: request.rawSpec,
            ...(request.specFile ? { specFile: request.specFile } : {}),
            baseDir: request.baseDir,
            workspaceRoot: request.workspaceRoot,
            resultsRoot: request.resultsRoot,
            ...(request.runId ? { runId: request.runId } : {}),
            batchMilliseconds: request.batchMilliseconds ?? 50,
          };
        },
        handlers: (control) => ({
          onEvents: (events) => this.receive(run, events, control),
          onInvalidMessage: (value) => this.log.warn(`ignored a malformed message from the run worker: ${preview(value)}`),
        }),
        conclude: (ended, stopRequestedAt) => this.finish(run, ended.ok ? undefined : ended.failure, stopRequestedAt),
      },
      run,
    );
  }

  /**
   * Runs a job that is not a run (the paper reproduction) in the same slot, once the active job has stopped (like
   * `start`, the last caller wins), and resolves with its result.
   */
  runJob<T>(request: JobRequest<T>): Promise<T> {
    return this.hold(request, undefined);
  }

  private async hold<T>(request: JobRequest<T>, run: ActiveRun | undefined): Promise<T> {
    // A loop, not an `if`: when several starts wait for the same job to stop, each stops the one started before it,
    // so the last start wins and no earlier worker is left running unseen.
    while (this.active) await this.stop();
    const held = new HeldJob(request.label, request.terminationNote, run);
    this.active = held;
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
    this.statusItem.text = `$(loading~spin) MoE Lab: starting ${request.label}`;
    this.statusItem.tooltip = `MoE Lab: ${request.label} — click to stop (what finished is kept)`;
    this.statusItem.show();
    const control: JobControl = {
      status: (text, tooltip) => {
        if (this.active !== held || held.stopRequestedAt !== undefined) return;
        this.statusItem.text = `$(loading~spin) ${text}`;
        if (tooltip !== undefined) this.statusItem.tooltip = tooltip;
      },
      progress: (message, fraction) => {
        if (this.active === held && held.stopRequestedAt === undefined) held.reportProgress?.(message, fraction);
      },
    };
    try {
      held.worker = new WorkerJob(this.workerFile, request.begin(), request.handlers(control));
    } catch (error) {
      this.release(held);
      throw error;
    }
    const progressDone = this.showProgress(held, request.title);
    held.ended = held.worker.outcome.then((ended) => {
      progressDone();
      try {
        return request.conclude(ended, held.stopRequestedAt);
      } finally {
        this.release(held);
      }
    });
    return held.ended as Promise<T>;
  }

  private release(held: HeldJob): void {
    if (this.active !== held) return;
    this.active = undefined;
    this.statusItem.hide();
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, false);
  }

  /** Stops the active job (keeping what was computed) and waits for it to end. */
  async stop(): Promise<void> {
    const held = this.active;
    if (!held) return;
    if (held.stopRequestedAt === undefined) {
      held.stopRequestedAt = performance.now();
      this.log.info(`Stop requested for ${held.run?.record?.runId ?? held.label}`);
      this.statusItem.text = '$(loading~spin) MoE Lab: stopping…';
      held.worker.cancel();
    }
    const timer = setTimeout(() => {
      if (held.worker.finished) return;
      this.log.warn(`${held.label} did not stop within ${CANCEL_GRACE_MS / 1000} s and its worker was terminated${held.terminationNote ? `; ${held.terminationNote}` : ''}.`);
      held.worker.dispose();
    }, CANCEL_GRACE_MS);
    try {
      await held.ended.catch(() => undefined);
    } finally {
      clearTimeout(timer);
    }
  }

  private receive(run: ActiveRun, events: readonly RunEvent[], control: JobControl): void {
    for (const event of events) {
      if (event.type === 'runStarted') {
        run.record = RunRecord.fromStart(event);
        this.startedEmitter.fire(run.record);
        continue;
      }
      if (!run.record) continue;
      run.record.apply(event);
      switch (event.type) {
        case 'iteration':
          run.latest.set(event.solver, { restart: event.restart, iteration: event.report.iteration });
          break;
        case 'warning':
          this.log.warn(event.message);
          break;
        case 'solverFinished': {
          const r = event.result;
          this.log.info(`${solverLabel(r.solver, undefined, r.acceleration)} restart ${r.restart + 1}: ${r.stopReason} after ${r.iterations} iterations (${r.seconds.toFixed(2)} s), ℓ = ${fmt(r.logLik)} — ${r.stopMessage}`);
          break;
        }
        case 'runFinished':
          this.log.info(
            `Run ${event.runId} ${event.cancelled ? 'cancelled (results so far kept)' : 'finished'} in ${event.seconds.toFixed(2)} s` +
              (event.resultsDir ? `; results: ${event.resultsDir}` : ''),
          );
          break;
        default:
          break;
      }
    }
    if (run.record) this.changedEmitter.fire(run.record);
    this.showRunProgress(run, control);
  }

  /** The run's solvers and iterations in the status bar and the notification, at most every UI_REFRESH_MS. */
  private showRunProgress(run: ActiveRun, control: JobControl): void {
    const now = performance.now();
    if (now - run.lastUiRefresh < UI_REFRESH_MS) return;
    run.lastUiRefresh = now;
    const record = run.record;
    if (!record) return;
    const parts = [...run.latest.entries()].map(([solver, at]) => `${runSolverLabel(solver, record.header)} ${at.iteration}`);
    const last = [...run.latest.entries()].at(-1);
    const restarts = record.header.restarts;
    const restartText = last && restarts > 1 ? ` (restart ${last[1].restart + 1}/${restarts})` : '';
    control.status(
      last ? `MoE: ${runSolverLabel(last[0], record.header)} it ${last[1].iteration}${restartText}` : 'MoE Lab: loading data',
      new vscode.MarkdownString(`**MoE Lab — ${record.header.name}**\n\n${parts.join(' · ') || 'starting'}${restartText}\n\nClick to stop the run (results so far are kept).`),
    );
    const total = Math.max(1, record.header.solvers.length * restarts * Math.max(1, record.header.maxIterations));
    const done = record.iterationCount + record.results.reduce((sum, r) => sum + Math.max(0, record.header.maxIterations - r.iterations), 0);
    control.progress(`${parts.join(' · ')}${restartText}`, Math.min(1, done / total));
  }

  /** A cancellable progress notification (Cancel stops the job, like Stop Run) until the returned function is called. */
  private showProgress(held: HeldJob, title: string): () => void {
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      let reported = 0;
      held.reportProgress = (message, fraction) => {
        const increment = Math.max(0, fraction * 100 - reported);
        reported += increment;
        progress.report({ message, increment });
      };
      const subscription = token.onCancellationRequested(() => {
        if (this.active === held) void this.stop();
      });
      try {
        await done;
      } finally {
        subscription.dispose();
        held.reportProgress = undefined;
      }
    });
    return resolveDone;
  }

  private finish(
    run: ActiveRun,
    ended: { message: string; userError: boolean; pointer?: string; stack?: string } | undefined,
    stopRequestedAt: number | undefined,
  ): RunOutcome {
    const record = run.record;
    // A worker that said `done` without ever reporting its run is a failure too (not a crash of this method).
    const failure = ended ?? (record ? undefined : { message: 'the run worker ended without reporting its run', userError: false });
    const cancelLatencyMs = stopRequestedAt === undefined ? undefined : performance.now() - stopRequestedAt;
    let outcome: RunOutcome;
    if (failure && !(record && !record.running)) {
      const stopped = stopRequestedAt !== undefined && !failure.userError;
      if (record) record.fail(stopped ? 'the run was stopped before it could write its results' : failure.message);
      if (!stopped) {
        this.log.error(`Run ${run.request.label} failed: ${failure.message}${failure.stack ? `\n${failure.stack}` : ''}`);
      }
      outcome = {
        status: stopped ? 'cancelled' : 'failed',
        runId: record?.runId,
        error: failure.message,
        userError: failure.userError,
        ...(failure.pointer ? { pointer: failure.pointer } : {}),
        results: record?.results ?? [],
        iterations: record?.iterationCount ?? 0,
        ...(cancelLatencyMs === undefined ? {} : { cancelLatencyMs }),
      };
    } else {
      const end = record!.end;
      outcome = {
        status: end.status === 'cancelled' ? 'cancelled' : 'finished',
        runId: record!.runId,
        resultsDir: end.resultsDir,
        seconds: end.seconds,
        results: record!.results,
        iterations: record!.iterationCount,
        ...(cancelLatencyMs === undefined ? {} : { cancelLatencyMs }),
      };
      if (cancelLatencyMs !== undefined) this.log.info(`Stopped ${cancelLatencyMs.toFixed(0)} ms after the request`);
    }
    if (record) this.changedEmitter.fire(record);
    return outcome;
  }

  dispose(): void {
    this.active?.worker.dispose();
    this.active = undefined;
    this.statusItem.dispose();
    this.startedEmitter.dispose();
    this.changedEmitter.dispose();
  }
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}

function preview(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 200);
  } catch {
    return String(value).slice(0, 200);
  }
}
