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

/**
 * Calls `flush` at most `perSecond` times per second after `request()`: the first request after a quiet spell
 * flushes at once, later ones are coalesced into the next allowed slot.
 */
export class FlushScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = -Infinity;

  constructor(
    private readonly flush: () => void,
    private perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
  }

  get intervalMs(): number {
    return 1000 / Math.max(0.1, this.perSecond);
  }

  request(): void {
    if (this.timer) return;
    const wait = Math.max(0, Math.ceil(this.last + this.intervalMs - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.last = this.now();
      this.flush();
    }, wait);
  }

  /** Flushes now (e.g. at the end of a run), still counting against the rate. */
  flushNow(): void {
    this.cancel();
    this.last = this.now();
    this.flush();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
