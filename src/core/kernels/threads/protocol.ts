/**
 * Messages between a matrix's owner thread and the kernel helper threads (see `pool.ts`). Tasks travel through a
 * MessagePort that the helper reads synchronously (`receiveMessageOnPort`) when a counter in shared memory tells
 * it that one was posted; it acknowledges through another counter. Nothing but these counters is waited on, so
 * the owner's API stays synchronous.
 */
export type HelperTask =
  | { readonly op: 'attach'; readonly id: number; readonly module: WebAssembly.Module; readonly memory: WebAssembly.Memory }
  | { readonly op: 'detach'; readonly id: number }
  | {
      readonly op: 'logits';
      readonly id: number;
      readonly x: number;
      readonly rows: number;
      readonly rowBytes: number;
      readonly w: number;
      readonly m: number;
      readonly out: number;
    }
  | {
      readonly op: 'gradient';
      readonly id: number;
      readonly x: number;
      readonly rows: number;
      readonly rowBytes: number;
      readonly a: number;
      readonly coefficientBytes: number;
      readonly m: number;
      readonly g: number;
    };

/** Int32 slots of a helper's control block. */
export const POSTED = 0;
export const DONE = 1;
/** Set by the helper when a task threw (the message is in `failure` of the next acknowledgement). */
export const FAILED = 2;
export const CONTROL_SLOTS = 4;
