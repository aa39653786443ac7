/**
 * Batches a run's events for a thread boundary (the extension's and the CLI's run workers post them to the thread
 * that shows them): the first event of a run and its end go at once, the rest at most once per interval (a timer
 * covers pauses; the runner yields to the event loop every few milliseconds).
 */
import type { RunEvent } from './types';

/** Events posted at once: a run's (or select-k's) first and last, which the other side waits for. */
const URGENT = new Set(['runStarted', 'runFinished', 'started', 'finished']);

export class EventBatcher<E extends { readonly type: string } = RunEvent> {
  private pending: E[] = [];
  private lastPost = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly post: (events: E[]) => void,
  ) {}

  push(event: E): void {
    this.pending.push(event);
    const now = performance.now();
    if (URGENT.has(event.type) || now - this.lastPost >= this.intervalMs) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.intervalMs - (now - this.lastPost)));
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.lastPost = performance.now();
    this.post(events);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
