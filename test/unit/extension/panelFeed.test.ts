/**
 * The host's run record and panel feed (batched, append-only updates with no point dropped), the flush scheduler's
 * rate bound, and the webview's store that applies the feed's messages — all without VS Code or a browser.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { IterationReport, RunEvent, SolverResult } from '../../../src/core/runner/types';
import { FlushScheduler, PanelFeed } from '../../../src/extension/panel/panelFeed';
import { RunRecord } from '../../../src/extension/run/runRecord';
import { PanelStore } from '../../../webview/panel/store';

const report = (iteration: number, logLik = -100 + iteration): IterationReport => ({
  iteration,
  seconds: iteration / 100,
  logLik,
  objective: logLik,
  gradientNorm: 1 / (iteration + 1),
  snr: 1,
  mixingWeights: [0.5, 0.5],
  responsibilityEntropy: 0.5,
  aic: 10,
  bic: 12,
});

function started(): Extract<RunEvent, { type: 'runStarted' }> {
  return {
    type: 'runStarted',
    runId: 'run-1',
    spec: { name: 'test', model: { experts: 2 }, stopping: { maxIterations: 50 } } as never,
    dataset: { source: 'x.csv', rows: 10, testRows: 0, features: ['a'], target: 'y', family: 'gaussian', droppedRows: 0, truthKnown: false },
    solvers: ['em', 'gd'],
    restarts: 1,
    parameterCount: 7,
  };
}

function result(solver: 'em' | 'gd', iterations: number, best = false): SolverResult {
  return { solver, restart: 0, iterations, converged: true, stopReason: 'converged', stopMessage: 'ok', logLik: -1, objective: -1, seconds: 1, aic: 1, bic: 1, params: { W: [], beta: [] }, paramsRaw: { W: [], beta: [] }, best, trace: [] };
}

test('the feed sends a snapshot, then only what is new, and every report exactly once', () => {
  const record = RunRecord.fromStart(started());
  const feed = new PanelFeed(record);
  const store = new PanelStore();
  store.load(feed.snapshot().snapshot);
  assert.equal(feed.update(), undefined, 'nothing new yet');
  let sent = 0;
  for (let i = 0; i <= 40; i++) {
    record.apply({ type: 'iteration', solver: 'em', restart: 0, report: report(i) });
    record.apply({ type: 'iteration', solver: 'gd', restart: 0, report: report(i) });
    if (i % 7 === 3) {
      const update = feed.update()!;
      sent += update.series.reduce((n, s) => n + s.reports.length, 0);
      assert.equal(store.apply(JSON.parse(JSON.stringify(update))).kind, 'applied');
    }
  }
  record.apply({ type: 'warning', message: 'careful' });
  record.apply({ type: 'solverFinished', solver: 'em', restart: 0, result: result('em', 40) });
  record.apply({ type: 'runFinished', runId: 'run-1', cancelled: false, seconds: 2, results: [result('em', 40, true), result('gd', 40, true)], resultsDir: '/r' });
  const last = feed.update()!;
  sent += last.series.reduce((n, s) => n + s.reports.length, 0);
  assert.equal(store.apply(last).kind, 'applied');
  assert.equal(sent, 82, 'every report sent once');
  assert.deepEqual([...store.series.values()].map((s) => s.reports.length), [41, 41]);
  assert.deepEqual(store.warnings, ['careful']);
  assert.equal(store.end.status, 'finished');
  assert.equal(store.end.resultsDir, '/r');
  assert.equal(store.results.size, 2);
  assert.ok([...store.results.values()].every((r) => r.best), 'final best flags replace the running ones');
  assert.equal(store.bestLogLik(), -60);
});

test('the store skips points it already has and refuses a gap (the panel then asks for a snapshot)', () => {
  const record = RunRecord.fromStart(started());
  const feed = new PanelFeed(record);
  const store = new PanelStore();
  store.load(feed.snapshot().snapshot);
  for (let i = 0; i < 5; i++) record.apply({ type: 'iteration', solver: 'em', restart: 0, report: report(i) });
  const update = feed.update()!;
  assert.equal(store.apply(update).kind, 'applied');
  assert.equal(store.apply(update).kind, 'applied', 'a repeated update');
  assert.equal(store.series.get('em:0')!.reports.length, 5);
  const gap = { ...update, series: [{ ...update.series[0], from: 9 }] };
  assert.equal(store.apply(gap).kind, 'gap');
  assert.equal(store.apply({ ...update, runId: 'other' }).kind, 'otherRun');
});

test('the flush scheduler flushes at most `perSecond` times per second and never loses a request', async () => {
  const flushedAt: number[] = [];
  const scheduler = new FlushScheduler(() => flushedAt.push(performance.now()), 20); // at most every 50 ms
  const started = performance.now();
  let lastRequest = 0;
  while (performance.now() - started < 300) {
    scheduler.request();
    lastRequest = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await new Promise((resolve) => setTimeout(resolve, 120));
  scheduler.cancel();
  for (let i = 1; i < flushedAt.length; i++) assert.ok(flushedAt[i] - flushedAt[i - 1] >= 49, `flushes ${(flushedAt[i] - flushedAt[i - 1]).toFixed(1)} ms apart`);
  assert.ok(flushedAt.length >= 2, `${flushedAt.length} flushes`);
  assert.ok(flushedAt.at(-1)! >= lastRequest, 'the last request was flushed');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('the flush scheduler sends nothing while the webview has not acknowledged the last message, then the rest at once in one flush', async () => {
  let flushes = 0;
  let scheduler!: FlushScheduler;
  scheduler = new FlushScheduler(() => {
    flushes++;
    scheduler.posted();
  }, 1000); // the rate alone would allow a flush every millisecond
  scheduler.request();
  await sleep(20);
  assert.equal(flushes, 1, 'the first request flushes');
  assert.ok(scheduler.awaiting);
  for (let i = 0; i < 20; i++) {
    scheduler.request();
    await sleep(2);
  }
  assert.equal(flushes, 1, 'requests while unacknowledged are held back');
  scheduler.acknowledge();
  await sleep(2 * scheduler.roundTripMs! + 50); // the next flush waits the round trip again
  assert.equal(flushes, 2, 'after the acknowledgement the held requests go as one flush');
  scheduler.acknowledge();
  await sleep(30);
  assert.equal(flushes, 2, 'an acknowledgement alone sends nothing');
  scheduler.cancel();
});

test('after an acknowledgement the next flush waits as long as the webview worked on the last message (a slow webview is busy at most about half the time), not for time it spent queued', async () => {
  const flushedAt: number[] = [];
  let scheduler!: FlushScheduler;
  scheduler = new FlushScheduler(() => {
    flushedAt.push(performance.now());
    scheduler.posted();
  }, 1000);
  scheduler.request();
  await sleep(90); // the round trip: 10 ms queued, 80 ms drawing
  assert.equal(flushedAt.length, 1, 'the first request flushed');
  scheduler.request();
  let acknowledgedAt = performance.now();
  scheduler.acknowledge(80);
  // From the post (which a loaded machine may make late within the 90 ms) to the acknowledgement; the clock is read
  // by the scheduler just after each of the test's readings, hence the 1 ms.
  const sincePosted = acknowledgedAt - flushedAt[0];
  assert.ok(Math.abs(scheduler.roundTripMs! - sincePosted) <= 1, `round trip ${scheduler.roundTripMs} ms against ${sincePosted} ms since the post`);
  await sleep(200);
  assert.equal(flushedAt.length, 2);
  assert.ok(flushedAt[1] - acknowledgedAt >= 78, `flushed ${(flushedAt[1] - acknowledgedAt).toFixed(0)} ms after an acknowledgement of 80 ms of work`);
  // A long round trip spent queued (the webview says it worked 1 ms): the next flush goes with the next rate slot.
  await sleep(150);
  scheduler.request();
  acknowledgedAt = performance.now();
  scheduler.acknowledge(1);
  await sleep(30);
  assert.equal(flushedAt.length, 3);
  assert.ok(flushedAt[2] - acknowledgedAt < 25, `flushed ${(flushedAt[2] - acknowledgedAt).toFixed(0)} ms after the acknowledgement`);
  scheduler.cancel();
});

test('a lost acknowledgement holds the panel back only until the timeout; the end of a run and a new webview go at once', async () => {
  let flushes = 0;
  let scheduler!: FlushScheduler;
  scheduler = new FlushScheduler(() => {
    flushes++;
    scheduler.posted();
  }, 1000, () => performance.now(), 50);
  scheduler.request();
  await sleep(10);
  scheduler.request();
  await sleep(20);
  assert.equal(flushes, 1);
  await sleep(60);
  assert.equal(flushes, 2, 'sent after the acknowledgement timeout');
  scheduler.flushNow();
  assert.equal(flushes, 3, 'flushNow does not wait for an acknowledgement');
  scheduler.reset();
  assert.equal(scheduler.awaiting, false);
  scheduler.request();
  await sleep(10);
  assert.equal(flushes, 4, 'after a reset (a new webview) the next request flushes at once');
  scheduler.cancel();
});
