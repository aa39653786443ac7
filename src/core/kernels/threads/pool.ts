/**
 * Helper threads for the WebAssembly kernels: with T threads, a product's rows are split into T contiguous
 * shares; the calling thread computes the first while helpers compute the others in the same shared memory, and
 * the call returns when all are done — the kernels' API stays synchronous, so the solvers run unchanged in the
 * CLI, in tests and in the extension's run worker (helpers are then nested workers).
 *
 * Off by default (one thread): on the 2-vCPU machines we measured, a second thread gave no speed-up for these
 * SIMD kernels (docs/wide-data.md). `setKernelThreads(T)` or MOE_LAB_THREADS=T (T ≥ 2, or `auto` for the
 * machine's available parallelism, at most MAX_THREADS) turn it on; helpers, T − 1 of them, are started on first
 * use. If the helper script cannot be found, or a helper fails or does not answer, threading is switched off for
 * the rest of the process and the work is done on the calling thread.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { CONTROL_SLOTS, DONE, FAILED, POSTED, type HelperTask } from './protocol';

export const MAX_THREADS = 4;
/** How long a call waits for a helper (the first call includes the helper's start-up) before giving up on threads. */
const HELPER_TIMEOUT_MS = 60_000;

/** A thread count, or `auto`: the machine's available parallelism (at most MAX_THREADS). */
export type ThreadSetting = number | 'auto';

const DEFAULT_THREADS: ThreadSetting = 1;
let wantedThreads: ThreadSetting = threadsFromEnvironment() ?? DEFAULT_THREADS;
let pool: KernelThreadPool | undefined;
let broken = false;

function threadsFromEnvironment(): ThreadSetting | undefined {
  const text = typeof process === 'object' ? process.env?.MOE_LAB_THREADS : undefined;
  if (text === 'auto') return 'auto';
  const value = Number(text);
  return text && Number.isInteger(value) && value >= 1 ? value : undefined;
}

/** Threads the kernels use (the calling thread included). */
export function kernelThreads(): number {
  if (broken) return 1;
  if (wantedThreads !== 'auto') return Math.max(1, Math.min(MAX_THREADS, wantedThreads));
  let cores = 1;
  try {
    cores = availableParallelism();
  } catch {
    cores = 1;
  }
  return Math.max(1, Math.min(MAX_THREADS, cores));
}

/** Sets the thread count for matrices prepared from now on (1 = no helpers); returns the previous setting. */
export function setKernelThreads(threads: ThreadSetting = DEFAULT_THREADS): ThreadSetting {
  const previous = wantedThreads;
  wantedThreads = threads;
  if (pool && pool.helperCount !== Math.max(0, kernelThreads() - 1)) {
    pool.close();
    pool = undefined;
  }
  return previous;
}

/** The pool for the current setting, or undefined when products run on the calling thread only. */
export function threadPool(): KernelThreadPool | undefined {
  const helpers = kernelThreads() - 1;
  if (helpers < 1) return undefined;
  if (!pool) {
    const script = helperScript();
    if (!script) {
      broken = true;
      return undefined;
    }
    pool = new KernelThreadPool(script, helpers);
  }
  return pool;
}

/** Marks threading as failed for the rest of the process (the caller then computes everything itself). */
export function abandonThreads(): void {
  broken = true;
  pool?.close();
  pool = undefined;
}

/**
 * dist/kernelHelper.js beside the bundle; or, running from the sources under tsx (tests, benchmarks), a small
 * CommonJS starter beside this file that loads helper.ts through tsx (worker threads do not inherit tsx's
 * loader on Node 20).
 */
function helperScript(): string | undefined {
  const bundled = path.join(__dirname, 'kernelHelper.js');
  if (existsSync(bundled)) return bundled;
  const fromSource = path.join(__dirname, 'helperFromSource.cjs');
  if (!existsSync(fromSource) || !existsSync(path.join(__dirname, 'helper.ts'))) return undefined;
  try {
    require.resolve('tsx/cjs');
    return fromSource;
  } catch {
    return undefined;
  }
}

interface Helper {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly state: Int32Array;
  posted: number;
}

export class KernelThreadPool {
  private readonly helpers: Helper[] = [];
  private nextId = 1;
  private readonly attached = new FinalizationRegistry<number>((id) => this.postAll({ op: 'detach', id }));

  constructor(script: string, count: number) {
    for (let h = 0; h < count; h++) {
      const { port1, port2 } = new MessageChannel();
      const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
      const worker = new Worker(script, { workerData: { port: port2, control }, transferList: [port2] });
      worker.unref();
      port1.unref();
      // A helper that fails to start is noticed by the timeout of the call waiting for it.
      worker.on('error', () => undefined);
      this.helpers.push({ worker, port: port1, state: new Int32Array(control), posted: 0 });
    }
  }

  get helperCount(): number {
    return this.helpers.length;
  }

  /** Registers a module and its shared memory with every helper; `owner` is the object whose collection detaches it. */
  attach(owner: object, module: WebAssembly.Module, memory: WebAssembly.Memory): number {
    const id = this.nextId++;
    this.postAll({ op: 'attach', id, module, memory });
    this.attached.register(owner, id);
    return id;
  }

  /** Posts tasks[h] to helper h, runs `local` here, then waits for the helpers. Throws when a helper fails. */
  run(tasks: readonly (HelperTask | undefined)[], local: () => void): void {
    tasks.forEach((task, h) => {
      if (task) this.post(this.helpers[h], task);
    });
    local();
    for (const helper of this.helpers) this.wait(helper);
  }

  private postAll(task: HelperTask): void {
    for (const helper of this.helpers) this.post(helper, task);
  }

  private post(helper: Helper, task: HelperTask): void {
    helper.port.postMessage(task);
    helper.posted++;
    Atomics.store(helper.state, POSTED, helper.posted);
    Atomics.notify(helper.state, POSTED);
  }

  private wait(helper: Helper): void {
    const deadline = Date.now() + HELPER_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(helper.state, DONE);
      if (done >= helper.posted) break;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('a kernel helper thread did not answer');
      Atomics.wait(helper.state, DONE, done, left);
    }
    if (Atomics.load(helper.state, FAILED) !== 0) throw new Error('a kernel helper thread failed');
  }

  close(): void {
    for (const helper of this.helpers) {
      void helper.worker.terminate();
      helper.port.close();
    }
    this.helpers.length = 0;
  }
}
