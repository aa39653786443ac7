/**
 * One job in a fresh run worker (`dist/runWorker.js`): started on construction, terminated when it reports
 * `done` or `failed`, when it dies, or on `dispose()`. Every message from the worker is validated first.
 * No VS Code import, so it can be exercised from plain Node.
 */
import { Worker } from 'node:worker_threads';
import { createInterruptBuffer, requestInterrupt } from '../../core/interrupt';
import type { RunEvent } from '../../core/runner/types';
import {
  parseFromWorker,
  type FailedMessage,
  type ReproduceProgressMessage,
  type ReproduceWrittenMessage,
  type RunWorkerData,
  type SelectKFinishedMessage,
  type SelectKProgressMessage,
  type SynthWrittenMessage,
  type ToWorkerMessage,
} from '../../protocol/workerMessages';

export interface WorkerJobHandlers {
  /** A batch of run events, in order. */
  onEvents?(events: readonly RunEvent[]): void;
  /** Where a paper reproduction stands. */
  onReproduceProgress?(progress: ReproduceProgressMessage): void;
  /** Where a comparison of K stands. */
  onSelectKProgress?(progress: SelectKProgressMessage): void;
  /** A message that failed validation (it is otherwise ignored). */
  onInvalidMessage?(value: unknown): void;
}

export type WorkerJobOutcome =
  | { readonly ok: true; readonly synth?: SynthWrittenMessage; readonly reproduction?: ReproduceWrittenMessage; readonly selectK?: SelectKFinishedMessage }
  | { readonly ok: false; readonly failure: Pick<FailedMessage, 'message' | 'userError' | 'pointer' | 'stack'> };

export class WorkerJob {
  private readonly worker: Worker;
  /** Shared with the worker: set on cancel, so that the worker stops inside the pass it is computing. */
  private readonly interrupt = createInterruptBuffer();
  private settled = false;
  private synth: SynthWrittenMessage | undefined;
  private reproduction: ReproduceWrittenMessage | undefined;
  private selectK: SelectKFinishedMessage | undefined;
  private resolveOutcome!: (outcome: WorkerJobOutcome) => void;
  /** Settles once: the job finished, failed, the worker died, or the job was disposed. */
  readonly outcome: Promise<WorkerJobOutcome>;

  constructor(workerFile: string, start: ToWorkerMessage, private readonly handlers: WorkerJobHandlers = {}) {
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
    this.worker = new Worker(workerFile, { stdout: false, stderr: false, workerData: { interrupt: this.interrupt } satisfies RunWorkerData });
    this.worker.on('message', (value: unknown) => this.receive(value));
    this.worker.on('error', (error) => this.settle({ ok: false, failure: { message: `the run worker crashed: ${error.message}`, userError: false, stack: error.stack } }));
    this.worker.on('exit', (code) => this.settle({ ok: false, failure: { message: `the run worker exited (code ${code}) before finishing`, userError: false } }));
    this.worker.postMessage(start);
  }

  /**
   * Asks the worker to stop: inside the iteration under way (the interrupt flag, which its passes over the rows poll)
   * and between iterations (`cancel`, which also ends what polls no flag). A run still finishes normally and writes
   * its results, each solver's last complete iterate.
   */
  cancel(): void {
    if (this.settled) return;
    requestInterrupt(this.interrupt);
    this.worker.postMessage({ type: 'cancel' } satisfies ToWorkerMessage);
  }

  /** Ends the worker at once (what it was writing stays in its `.partial` folder). */
  dispose(): void {
    this.settle({ ok: false, failure: { message: 'the run worker was stopped', userError: false } });
  }

  get finished(): boolean {
    return this.settled;
  }

  private receive(value: unknown): void {
    if (this.settled) return;
    const message = parseFromWorker(value);
    if (!message) {
      this.handlers.onInvalidMessage?.(value);
      return;
    }
    switch (message.type) {
      case 'events':
        this.handlers.onEvents?.(message.events);
        break;
      case 'synthWritten':
        this.synth = message;
        break;
      case 'reproduceProgress':
        this.handlers.onReproduceProgress?.(message);
        break;
      case 'reproduceWritten':
        this.reproduction = message;
        break;
      case 'selectKProgress':
        this.handlers.onSelectKProgress?.(message);
        break;
      case 'selectKFinished':
        this.selectK = message;
        break;
      case 'done':
        this.settle({ ok: true, ...(this.synth ? { synth: this.synth } : {}), ...(this.reproduction ? { reproduction: this.reproduction } : {}), ...(this.selectK ? { selectK: this.selectK } : {}) });
        break;
      case 'failed':
        this.settle({ ok: false, failure: message });
        break;
    }
  }

  private settle(outcome: WorkerJobOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveOutcome(outcome);
    void this.worker.terminate();
  }
}
