/**
 * Runs experiments in a worker thread, one at a time: starting a run stops the active one first (its results so far
 * are kept, marked cancelled); the commands ask the user before that (`makeRoom`). One at a time on purpose: the
 * panel and status bar follow one run, and each solver's seconds are part of what a run measures, which a second
 * fit competing for the same cores would distort. While a run is active the user sees a cancellable progress
 * notification, a status-bar item (solver and iteration; click to stop) and log lines in the output channel;
 * listeners (the convergence panel) get the run's record as it grows.
 * Stop cancels the run's AbortSignal in the worker: the runner ends every solver at its next iteration and writes
 * the results so far, marked cancelled. A worker that does not finish within a grace period is terminated.
 * A job that is not a run (the paper reproduction) takes the same slot through `claim`, so that runs and
 * reproductions also go one at a time, and Stop Run stops it too.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../../core/runner/types';
import type { ExperimentSpec, SolverName } from '../../core/spec/types';
import type { PanelResult } from '../../protocol/panelMessages';
import { COMMANDS, RUNNING_CONTEXT_KEY } from '../commands';
import type { Log } from '../log';
import { RunRecord } from './runRecord';
import { WorkerJob } from './workerJob';

export interface RunRequest {
  readonly spec: ExperimentSpec;
  readonly rawSpec?: unknown;
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

import type { WhenBusy } from './whenBusy';
export { isWhenBusy, type WhenBusy } from './whenBusy';

/** A job other than a run (the paper reproduction) holding the one-job slot. */
export interface OtherJob {
  /** What is running, for messages ("the paper reproduction"). */
  readonly label: string;
  /** Asks the job to stop, keeping what it computed. */
  cancel(): void;
  /** Ends the job at once (when it does not stop within the grace period). */
  kill(): void;
}

/** The slot as `claim` hands it to a job: status-bar text while it runs, and `release` when it has ended. */
export interface JobSlot {
  status(text: string): void;
  release(): void;
}

interface HeldSlot {
  readonly job: OtherJob;
  stopping: boolean;
  readonly released: Promise<void>;
}

/** How long a cancelled run may take to write its results before its worker is terminated. */
const CANCEL_GRACE_MS = 30_000;
/** Status bar and progress text refresh at most this often. */
const UI_REFRESH_MS = 250;

class ActiveRun {
  record: RunRecord | undefined;
  cancelRequestedAt: number | undefined;
  /** Settles when the run has ended and its outcome is known. */
  outcome!: Promise<RunOutcome>;
  readonly latest = new Map<SolverName, { restart: number; iteration: number }>();
  constructor(
    readonly request: RunRequest,
    readonly job: WorkerJob,
  ) {}
}

export class RunManager implements vscode.Disposable {
  private current: ActiveRun | undefined;
  private other: HeldSlot | undefined;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly startedEmitter = new vscode.EventEmitter<RunRecord>();
  private readonly changedEmitter = new vscode.EventEmitter<RunRecord>();
  private lastUiRefresh = 0;
  private progressReporter: ((text: string, fraction: number) => void) | undefined;

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

  get isRunning(): boolean {
    return this.current !== undefined;
  }

  /** A stop was requested and the run is winding down. */
  get isStopping(): boolean {
    return this.current?.cancelRequestedAt !== undefined;
  }

  /** What the active run was asked to do. */
  get activeRequest(): RunRequest | undefined {
    return this.current?.request;
  }

  /** The active run's record, once it has started. */
  get activeRecord(): RunRecord | undefined {
    return this.current?.record;
  }

  /**
   * Whether a run of `label` may start now: true when no run is active, or the active one was stopped (`whenBusy`
   * `stop`, or `ask` and the user chose to stop it). `keep` and a declined question leave the active run alone.
   */
  async makeRoom(label: string, whenBusy: WhenBusy = 'ask'): Promise<boolean> {
    const activeLabel = this.current?.request.label ?? this.other?.job.label;
    if (activeLabel === undefined) return true;
    if (whenBusy === 'keep') {
      this.log.info(`Not starting ${label}: ${activeLabel} is still running`);
      return false;
    }
    const stopping = this.current ? this.current.cancelRequestedAt !== undefined : this.other!.stopping;
    if (whenBusy === 'ask' && !stopping) {
      // (A run already stopping is waited for without asking: the user has chosen to stop it.)
      const stop = 'Stop It and Run';
      const again = activeLabel === label;
      const choice = await vscode.window.showWarningMessage(
        again
          ? `MoE Lab is already running ${label}. Stop it (its results so far are kept) and run it again from the start?`
          : `MoE Lab is running ${activeLabel}. Stop it (its results so far are kept) and run ${label}?`,
        { modal: true, detail: 'MoE Lab runs one experiment at a time, so that the solvers’ timings are not distorted by a second fit.' },
        stop,
      );
      if (choice !== stop) {
        this.log.info(`Not starting ${label}: ${activeLabel} keeps running`);
        return false;
      }
    }
    await this.stop();
    return true;
  }

  /** Runs `request` to its end (stopping any active run first) and says how it ended. */
  async start(request: RunRequest): Promise<RunOutcome> {
    // A loop, not an `if`: when several starts wait for the same run to stop, each stops the one started before it,
    // so the last start wins and no earlier worker is left running unseen.
    while (this.current || this.other) await this.stop();
    const job = new WorkerJob(
      this.workerFile,
      {
        type: 'startRun',
        spec: request.spec,
        rawSpec: request.rawSpec,
        baseDir: request.baseDir,
        workspaceRoot: request.workspaceRoot,
        resultsRoot: request.resultsRoot,
        batchMilliseconds: request.batchMilliseconds ?? 50,
      },
      {
        onEvents: (events) => this.receive(active, events),
        onInvalidMessage: (value) => this.log.warn(`ignored a malformed message from the run worker: ${preview(value)}`),
      },
    );
    const active = new ActiveRun(request, job);
    this.current = active;
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
    const solvers = (Object.keys(request.spec.solvers) as SolverName[]).filter((name) => request.spec.solvers[name].enabled);
    this.log.info(
      `Run ${request.label} ("${request.spec.name}"): ${solvers.join(', ')}; K = ${request.spec.model.experts}; ` +
        `${request.spec.init.restarts} restart(s); max ${request.spec.stopping.maxIterations} iterations; results → ${request.resultsRoot}`,
    );
    this.statusItem.text = `$(loading~spin) MoE Lab: starting ${request.label}`;
    this.statusItem.tooltip = 'MoE Lab run starting — click to stop';
    this.statusItem.show();

    const progressDone = this.showProgress(active);
    active.outcome = job.outcome.then((ended) => {
      progressDone();
      return this.finish(active, ended.ok ? undefined : ended.failure);
    });
    return active.outcome;
  }

  /**
   * Takes the one-job slot for `job` once the active run or job has stopped (like `start`, the last caller wins).
   * The caller starts its job right after and releases the slot when the job has ended.
   */
  async claim(job: OtherJob): Promise<JobSlot> {
    while (this.current || this.other) await this.stop();
    let release!: () => void;
    const held: HeldSlot = { job, stopping: false, released: new Promise<void>((resolve) => (release = resolve)) };
    this.other = held;
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, true);
    this.statusItem.text = `$(loading~spin) MoE Lab: ${job.label}`;
    this.statusItem.tooltip = `MoE Lab: ${job.label} — click to stop (what finished is kept)`;
    this.statusItem.show();
    return {
      status: (text) => {
        if (this.other === held && !held.stopping) this.statusItem.text = `$(loading~spin) MoE Lab: ${text}`;
      },
      release: () => {
        if (this.other !== held) return;
        this.other = undefined;
        this.statusItem.hide();
        void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, false);
        release();
      },
    };
  }

  /** Stops the active run or job (keeping what was computed) and waits for it to end. */
  async stop(): Promise<RunOutcome | undefined> {
    const active = this.current;
    if (!active) {
      await this.stopOther();
      return undefined;
    }
    if (active.cancelRequestedAt === undefined) {
      active.cancelRequestedAt = performance.now();
      this.log.info(`Stop requested for ${active.record?.runId ?? active.request.label}`);
      this.statusItem.text = '$(loading~spin) MoE Lab: stopping…';
      active.job.cancel();
    }
    const timer = setTimeout(() => {
      if (!active.job.finished) {
        this.log.warn(`The run worker did not stop within ${CANCEL_GRACE_MS / 1000} s and was terminated; finished solvers are in the ".partial" run folder.`);
        active.job.dispose();
      }
    }, CANCEL_GRACE_MS);
    try {
      return await active.outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  private async stopOther(): Promise<void> {
    const held = this.other;
    if (!held) return;
    if (!held.stopping) {
      held.stopping = true;
      this.log.info(`Stop requested for ${held.job.label}`);
      this.statusItem.text = '$(loading~spin) MoE Lab: stopping…';
      held.job.cancel();
    }
    const timer = setTimeout(() => {
      if (this.other !== held) return;
      this.log.warn(`${held.job.label} did not stop within ${CANCEL_GRACE_MS / 1000} s and was terminated.`);
      held.job.kill();
    }, CANCEL_GRACE_MS);
    try {
      await held.released;
    } finally {
      clearTimeout(timer);
    }
  }

  private receive(active: ActiveRun, events: readonly RunEvent[]): void {
    if (this.current !== active) return;
    for (const event of events) {
      if (event.type === 'runStarted') {
        active.record = RunRecord.fromStart(event);
        this.startedEmitter.fire(active.record);
        continue;
      }
      if (!active.record) continue;
      active.record.apply(event);
      switch (event.type) {
        case 'iteration':
          active.latest.set(event.solver, { restart: event.restart, iteration: event.report.iteration });
          break;
        case 'warning':
          this.log.warn(event.message);
          break;
        case 'solverFinished': {
          const r = event.result;
          this.log.info(`${r.solver} restart ${r.restart + 1}: ${r.stopReason} after ${r.iterations} iterations (${r.seconds.toFixed(2)} s), ℓ = ${fmt(r.logLik)} — ${r.stopMessage}`);
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
    if (active.record) this.changedEmitter.fire(active.record);
    this.refreshUi(active, false);
  }

  private refreshUi(active: ActiveRun, force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastUiRefresh < UI_REFRESH_MS) return;
    this.lastUiRefresh = now;
    const record = active.record;
    if (!record || active.cancelRequestedAt !== undefined) return;
    const parts = [...active.latest.entries()].map(([solver, at]) => `${label(solver)} ${at.iteration}`);
    const last = [...active.latest.entries()].at(-1);
    const restarts = record.header.restarts;
    const restartText = last && restarts > 1 ? ` (restart ${last[1].restart + 1}/${restarts})` : '';
    this.statusItem.text = last ? `$(loading~spin) MoE: ${label(last[0])} it ${last[1].iteration}${restartText}` : '$(loading~spin) MoE Lab: loading data';
    this.statusItem.tooltip = new vscode.MarkdownString(
      `**MoE Lab — ${record.header.name}**\n\n${parts.join(' · ') || 'starting'}${restartText}\n\nClick to stop the run (results so far are kept).`,
    );
    const total = Math.max(1, record.header.solvers.length * restarts * Math.max(1, record.header.maxIterations));
    const done = record.iterationCount + record.results.reduce((sum, r) => sum + Math.max(0, record.header.maxIterations - r.iterations), 0);
    this.progressReporter?.(`${parts.join(' · ')}${restartText}`, Math.min(1, done / total));
  }

  private showProgress(active: ActiveRun): () => void {
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `MoE Lab: running ${active.request.label}`, cancellable: true },
      async (progress, token) => {
        let reported = 0;
        this.progressReporter = (message, fraction) => {
          const increment = Math.max(0, fraction * 100 - reported);
          reported += increment;
          progress.report({ message, increment });
        };
        const subscription = token.onCancellationRequested(() => void this.stop());
        try {
          await done;
        } finally {
          subscription.dispose();
          this.progressReporter = undefined;
        }
      },
    );
    return resolveDone;
  }

  private finish(active: ActiveRun, ended: { message: string; userError: boolean; pointer?: string; stack?: string } | undefined): RunOutcome {
    const record = active.record;
    // A worker that said `done` without ever reporting its run is a failure too (not a crash of this method).
    const failure = ended ?? (record ? undefined : { message: 'the run worker ended without reporting its run', userError: false });
    const cancelLatencyMs = active.cancelRequestedAt === undefined ? undefined : performance.now() - active.cancelRequestedAt;
    let outcome: RunOutcome;
    if (failure && !(record && !record.running)) {
      const stopped = active.cancelRequestedAt !== undefined && !failure.userError;
      if (record) record.fail(stopped ? 'the run was stopped before it could write its results' : failure.message);
      if (!stopped) {
        this.log.error(`Run ${active.request.label} failed: ${failure.message}${failure.stack ? `\n${failure.stack}` : ''}`);
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
    if (this.current === active) {
      this.current = undefined;
      this.statusItem.hide();
      void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT_KEY, false);
    }
    return outcome;
  }

  dispose(): void {
    this.current?.job.dispose();
    this.current = undefined;
    this.statusItem.dispose();
    this.startedEmitter.dispose();
    this.changedEmitter.dispose();
  }
}

const SOLVER_LABELS: Record<SolverName, string> = { em: 'EM', gem: 'Gradient EM', gd: 'GD', adam: 'Adam' };

export function label(solver: SolverName): string {
  return SOLVER_LABELS[solver];
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
