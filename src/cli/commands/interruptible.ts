/**
 * Ctrl-C for the commands that compute in the CLI's worker thread (`run`, `fit`, a sweep, `select-k`): SIGINT aborts
 * the signal the worker watches, so it stops inside the pass under way, and the command still reads the events that
 * follow (the runs kept, marked cancelled).
 */

/**
 * Consumes the events of `start(signal)` with `visit`, `signal` aborting on SIGINT. A stream that ends with the
 * signal's own reason was stopped before its work began (during a load): not an error here. Any other error is
 * rethrown. Returns whether Ctrl-C came.
 */
export async function consumeUntilInterrupted<E>(start: (signal: AbortSignal) => AsyncIterable<E>, visit: (event: E) => void): Promise<boolean> {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    for await (const event of start(controller.signal)) visit(event);
  } catch (error) {
    if (!controller.signal.aborted || error !== controller.signal.reason) throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  return controller.signal.aborted;
}
