/**
 * Interrupts that reach inside long synchronous computations (issue 15, item 5). An AbortSignal is only seen between
 * iterations, and one EM iteration on a few hundred MB of data takes seconds; a thread that computes cannot run a
 * signal handler or a message handler either. So the thread that receives Ctrl-C (the CLI's main thread, while a
 * worker thread fits) sets a flag in shared memory, and the long loops (each pass over the rows in the M-steps, the
 * starts and the dataset build) poll it with {@link throwIfInterrupted}: an atomic load, cheap beside a pass.
 *
 * A thread watches at most one flag, installed by {@link watchInterrupts}; without one the checks never fire. The
 * solver loop (solverRun.ts) turns {@link Interrupted} into a cancelled run that keeps the last complete iterate, so a
 * run stopped inside an M-step still leaves a complete cancelled results folder.
 */

/** Thrown by {@link throwIfInterrupted} once an interrupt was requested. */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  constructor() {
    super('interrupted');
  }
}

let flag: Int32Array | undefined;
/** Depth of {@link uninterruptible} sections: checks inside them do not fire. */
let suspended = 0;

/** Shared memory for one interrupt flag: give it to {@link watchInterrupts} in the computing thread. */
export function createInterruptBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
}

/** Sets the flag from any thread: the computing thread's next check throws. */
export function requestInterrupt(buffer: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(buffer), 0, 1);
}

/** This thread's checks read `buffer` from now on (`undefined`: they never fire). */
export function watchInterrupts(buffer: SharedArrayBuffer | undefined): void {
  flag = buffer ? new Int32Array(buffer) : undefined;
}

export function interruptRequested(): boolean {
  return flag !== undefined && Atomics.load(flag, 0) !== 0;
}

/** Call between passes over the rows: throws {@link Interrupted} once an interrupt was requested. */
export function throwIfInterrupted(): void {
  if (suspended === 0 && flag !== undefined && Atomics.load(flag, 0) !== 0) throw new Interrupted();
}

/** Rows between two checks inside a pass ({@link throwIfInterruptedAtRow}): 65 536, a few ms of work. */
const ROW_CHECK_MASK = (1 << 16) - 1;

/**
 * Call for every row `i` of a pass over the rows: checks once per 65 536 rows (a mask test per row otherwise), so that
 * an interrupt is seen inside one long pass too.
 */
export function throwIfInterruptedAtRow(i: number): void {
  if ((i & ROW_CHECK_MASK) === 0 && suspended === 0 && flag !== undefined && Atomics.load(flag, 0) !== 0) throw new Interrupted();
}

/**
 * Runs `work` with the checks off: for work that must not stop halfway (recording an accepted iterate and its
 * report), short beside the computation that the checks cut.
 */
export function uninterruptible<T>(work: () => T): T {
  suspended++;
  try {
    return work();
  } finally {
    suspended--;
  }
}

export function isInterrupted(error: unknown): error is Interrupted {
  return error instanceof Interrupted;
}
