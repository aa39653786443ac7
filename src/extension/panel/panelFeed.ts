/**
 * What the panel's webview has been sent of a run, and what is new since: `snapshot()` sends everything and
 * `update()` the rest — per solver and restart the reports from the index the webview already has, the results,
 * warnings and end since the last call. Nothing is ever dropped: a slow panel gets larger updates, not fewer
 * points. `FlushScheduler` bounds how often updates go out. No VS Code import (tested in plain Node).
 */
import type { SnapshotMessage, UpdateMessage } from '../../protocol/panelMessages';
import type { RunRecord } from '../run/runRecord';
import { seriesKey } from '../run/runRecord';

export class PanelFeed {
  private sentReports = new Map<string, number>();
  private sentResults = 0;
  private sentWarnings = 0;
  private sentVersion = -1;
  private sentEnd = '';

  constructor(readonly record: RunRecord) {}

  /** True when the record changed since the last snapshot or update. */
  get dirty(): boolean {
    return this.record.version !== this.sentVersion;
  }

  snapshot(): SnapshotMessage {
    const snapshot = this.record.snapshot();
    this.sentReports = new Map(snapshot.series.map((s) => [seriesKey(s.solver, s.restart), s.reports.length]));
    this.sentResults = snapshot.results.length;
    this.sentWarnings = snapshot.warnings.length;
    this.sentVersion = this.record.version;
    this.sentEnd = JSON.stringify(snapshot.end);
    return { type: 'snapshot', snapshot };
  }

  /** What is new, or undefined when nothing is. */
  update(): UpdateMessage | undefined {
    if (!this.dirty) return undefined;
    const record = this.record;
    const series = [];
    for (const s of record.orderedSeries()) {
      const key = seriesKey(s.solver, s.restart);
      const from = this.sentReports.get(key) ?? 0;
      if (s.reports.length > from) {
        series.push({ solver: s.solver, restart: s.restart, from, reports: s.reports.slice(from) });
        this.sentReports.set(key, s.reports.length);
      }
    }
    // `runFinished` replaces the results (final `best` flags): resend them all then.
    const endText = JSON.stringify(record.end);
    const endChanged = endText !== this.sentEnd;
    const resultsReplaced = record.results.length < this.sentResults || (endChanged && !record.running);
    const results = resultsReplaced ? record.results : record.results.slice(this.sentResults);
    const warnings = record.warnings.slice(this.sentWarnings);
    this.sentResults = record.results.length;
    this.sentWarnings = record.warnings.length;
    this.sentVersion = record.version;
    this.sentEnd = endText;
    return { type: 'update', runId: record.runId, series, results: [...results], warnings, end: record.end };
  }
}

/** How long an update may go unacknowledged before the next one is sent anyway (a lost acknowledgement must not stall the panel). */
export const ACK_TIMEOUT_MS = 10_000;

/**
 * When to send the panel its next update: at most `perSecond` times per second after `request()` (the first request
 * after a quiet spell flushes at once, later ones are coalesced into the next allowed slot), and never while the
 * webview has not yet acknowledged what was posted (`posted()` … `acknowledge()`). A webview slower than the
 * stream so gets fewer, larger updates instead of a growing queue: without this a panel showing a long, fast run fell
 * tens of seconds behind, and a new run's snapshot waited behind the old run's updates. After an acknowledgement the
 * next update also waits as long as the webview said it worked on the last one, so a slow panel is busy at most about
 * half the time and leaves the workbench (the same browser thread) room to work. The end of a run (`flushNow`) goes
 * at once.
 */
export class FlushScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = -Infinity;
  /** When the unacknowledged message went out (undefined: nothing awaits an acknowledgement). */
  private sentAt: number | undefined;
  /** The next flush may not go before this (the webview's work on the last message, again, after its acknowledgement). */
  private notBefore = -Infinity;
  /** A request is waiting for its slot or for an acknowledgement. */
  private wanted = false;
  /** The last acknowledged round trip (ms), for the log and the tests. */
  roundTripMs: number | undefined;

  constructor(
    private readonly flush: () => void,
    private perSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly ackTimeoutMs = ACK_TIMEOUT_MS,
  ) {}

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
  }

  get intervalMs(): number {
    return 1000 / Math.max(0.1, this.perSecond);
  }

  /** True while a posted message awaits the webview's acknowledgement. */
  get awaiting(): boolean {
    return this.sentAt !== undefined;
  }

  request(): void {
    this.wanted = true;
    this.schedule();
  }

  /** Something the webview acknowledges (a snapshot or an update) was posted. */
  posted(): void {
    this.sentAt = this.now();
  }

  /**
   * The webview applied what was posted, working on it for `workMs` (at most the round trip; unknown: none): the next
   * update may follow after the rate slot and after as long again as that work.
   */
  acknowledge(workMs = 0): void {
    if (this.sentAt === undefined) return;
    const now = this.now();
    this.roundTripMs = now - this.sentAt;
    this.sentAt = undefined;
    // Not the whole round trip: time queued behind other work (a busy workbench, the previous run's last update)
    // would hold the next run's first reports back twice.
    this.notBefore = now + Math.min(Math.max(0, workMs), this.roundTripMs);
    this.clearTimer();
    if (this.wanted) this.schedule();
  }

  /** Flushes now (e.g. at the end of a run), still counting against the rate. */
  flushNow(): void {
    this.clearTimer();
    this.run();
  }

  /** Drops a pending flush (nothing more is sent until the next request). */
  cancel(): void {
    this.clearTimer();
    this.wanted = false;
  }

  /** Forgets what awaited an acknowledgement (a new webview, which has been sent nothing yet). */
  reset(): void {
    this.cancel();
    this.sentAt = undefined;
    this.notBefore = -Infinity;
  }

  private schedule(): void {
    if (this.timer) return;
    // Waiting for the webview: its acknowledgement reschedules; if it never comes, go anyway after the timeout.
    const due = this.sentAt !== undefined ? this.sentAt + this.ackTimeoutMs : Math.max(this.last + this.intervalMs, this.notBefore);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, Math.max(0, Math.ceil(due - this.now())));
  }

  private run(): void {
    this.wanted = false;
    this.last = this.now();
    this.flush();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
