/** The host ⇄ webview and host ⇄ worker message validators (src/protocol): what passes, what is refused. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseFromWebview, parseToWebview } from '../../../src/protocol/panelMessages';
import { isRunEvent, parseFromWorker } from '../../../src/protocol/workerMessages';

const report = { iteration: 3, seconds: 0.01, logLik: -10, objective: -10, gradientNorm: 0.1, snr: 2, mixingWeights: [0.5, 0.5], responsibilityEntropy: 0.3, aic: 1, bic: 2 };

test('webview → host: well-formed messages pass, with only their known fields', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseFromWebview({ type: 'ready', runId: '20260101-000000-iris', extra: 1 }), { type: 'ready', runId: '20260101-000000-iris' });
  assert.deepEqual(parseFromWebview({ type: 'stopRun', runId: 'r1' }), { type: 'stopRun', runId: 'r1' });
  const png = { type: 'exportPng', chart: 'logLik', suggestedName: 'a.png', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' };
  assert.deepEqual(parseFromWebview({ ...png, more: true }), png);
  assert.deepEqual(parseFromWebview({ type: 'log', level: 'warn', message: 'x' }), { type: 'log', level: 'warn', message: 'x' });
  assert.deepEqual(parseFromWebview({ type: 'runShown', runId: 'r1', reports: 0, x: 1 }), { type: 'runShown', runId: 'r1', reports: 0 });
  assert.deepEqual(parseFromWebview({ type: 'runShown', runId: 'r1', reports: 5, ms: 12.5 }), { type: 'runShown', runId: 'r1', reports: 5, ms: 12.5 });
});

test('webview → host: anything else is refused', () => {
  const bad: unknown[] = [
    null,
    undefined,
    'ready',
    [],
    {},
    { type: 'unknown' },
    { type: 'ready', runId: '../etc/passwd' },
    { type: 'stopRun' },
    { type: 'exportPng', chart: 'x', suggestedName: 'a.png', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' },
    { type: 'exportPng', chart: 'x', suggestedName: 'a.png', dataUrl: 42 },
    { type: 'exportCsv', suggestedName: 'a.csv' },
    { type: 'exportCsv', suggestedName: 'x'.repeat(1000), csv: '' },
    { type: 'revealResults', resultsDir: '' },
    { type: 'log', level: 'debug', message: 'x' },
    { type: 'runShown', runId: 'r1' },
    { type: 'runShown', runId: 'r1', reports: -1 },
    { type: 'runShown', runId: 'r1', reports: 1.5 },
    { type: 'runShown', runId: '../x', reports: 1 },
    { type: 'runShown', runId: 'r1', reports: 1, ms: -1 },
    { type: 'runShown', runId: 'r1', reports: 1, ms: 'slow' },
  ];
  for (const value of bad) assert.equal(parseFromWebview(value), undefined, JSON.stringify(value));
});

test('host → webview: updates are checked down to the iteration reports (null stands for a non-finite number)', () => {
  const update = { type: 'update', runId: 'r', series: [{ solver: 'em', restart: 0, from: 0, reports: [report, { ...report, iteration: 4, logLik: null }] }], results: [], warnings: [], end: { status: 'running' } };
  assert.ok(parseToWebview(update));
  assert.equal(parseToWebview({ ...update, series: [{ solver: 'sgd', restart: 0, from: 0, reports: [] }] }), undefined);
  assert.equal(parseToWebview({ ...update, series: [{ solver: 'em', restart: -1, from: 0, reports: [] }] }), undefined);
  assert.equal(parseToWebview({ ...update, series: [{ solver: 'em', restart: 0, from: 0, reports: [{ ...report, iteration: 1.5 }] }] }), undefined);
  assert.equal(parseToWebview({ ...update, series: [{ solver: 'em', restart: 0, from: 0, reports: [{ ...report, logLik: '1' }] }] }), undefined);
  assert.equal(parseToWebview({ ...update, end: { status: 'done' } }), undefined);
  for (const status of ['finished', 'cancelled', 'failed', 'interrupted']) assert.ok(parseToWebview({ ...update, end: { status } }), status);
  assert.equal(parseToWebview({ type: 'snapshot', snapshot: { header: {} } }), undefined);
});

test('worker → host: run events and job messages are checked', () => {
  assert.ok(isRunEvent({ type: 'iteration', solver: 'gd', restart: 1, report }));
  assert.equal(isRunEvent({ type: 'iteration', solver: 'gd', restart: 1, report: { ...report, seconds: 'x' } }), false);
  assert.equal(isRunEvent({ type: 'solverFinished', solver: 'gd', restart: 0, result: { solver: 'em', trace: [] } }), false, 'solver mismatch');
  assert.ok(parseFromWorker({ type: 'events', events: [{ type: 'warning', message: 'w' }] }));
  assert.equal(parseFromWorker({ type: 'events', events: [{ type: 'warning' }] }), undefined);
  assert.deepEqual(parseFromWorker({ type: 'done', junk: 1 }), { type: 'done' });
  assert.ok(parseFromWorker({ type: 'failed', message: 'm', userError: true, pointer: '/data/target' }));
  assert.equal(parseFromWorker({ type: 'failed', message: 'm' }), undefined);
  assert.equal(parseFromWorker({ type: 'synthWritten', csvPath: 'a', truthPath: 'b', rows: -1, features: 2 }), undefined);
});

const chart = {
  id: 'symmoline-beta-error',
  experiment: 'symmoline',
  title: 'β error',
  xLabel: 'iteration',
  yLabel: 'error',
  yLog: true,
  series: [{ label: 'EM', solver: 'em', x: [0, 1, 2], y: [1, 0.1, null], lower: [0.9, 0.05, null], upper: [1.1, 0.2, null] }],
};
const reproduction = { id: 'reproduction-20260101-000000', title: 'Paper reproduction', status: 'finished', reportPath: '/w/report.md', seconds: 3, charts: [chart], checks: [{ experiment: 'symmoline', name: 'EM is monotone', passed: true }], skipped: [] };

test('host → webview: a reproduction passes with its charts; a malformed chart, series or status is refused', () => {
  assert.ok(parseToWebview({ type: 'reproduction', reproduction }));
  const series = chart.series[0];
  const bad = [
    { ...reproduction, id: '../x' },
    { ...reproduction, status: 'running' },
    { ...reproduction, charts: [{ ...chart, experiment: 'other' }] },
    { ...reproduction, charts: [{ ...chart, id: 'a/b' }] },
    { ...reproduction, charts: [{ ...chart, yLog: 'yes' }] },
    { ...reproduction, charts: [{ ...chart, series: [{ ...series, y: [1, 2] }] }] },
    { ...reproduction, charts: [{ ...chart, series: [{ ...series, upper: [1, 'x', 3] }] }] },
    { ...reproduction, charts: [{ ...chart, series: [{ ...series, solver: 'sgd' }] }] },
    { ...reproduction, skipped: [{ name: 'fmnist' }] },
  ];
  for (const value of bad) assert.equal(parseToWebview({ type: 'reproduction', reproduction: value }), undefined, JSON.stringify(value).slice(0, 120));
});

test('webview → host: reproduction messages are checked (a report must be a report.md)', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready', reproductionId: 'reproduction-1', x: 1 }), { type: 'ready', reproductionId: 'reproduction-1' });
  assert.deepEqual(parseFromWebview({ type: 'openReport', reportPath: '/w/r/report.md' }), { type: 'openReport', reportPath: '/w/r/report.md' });
  assert.deepEqual(parseFromWebview({ type: 'reproductionShown', reproductionId: 'r1', charts: 4 }), { type: 'reproductionShown', reproductionId: 'r1', charts: 4 });
  for (const value of [
    { type: 'ready', reproductionId: '..' + '/x' },
    { type: 'openReport', reportPath: '/etc/passwd' },
    { type: 'openReport', reportPath: '/w/report.md.exe' },
    { type: 'reproductionShown', reproductionId: 'r1', charts: -1 },
  ]) {
    assert.equal(parseFromWebview(value), undefined, JSON.stringify(value));
  }
});

test('worker → host: reproduction progress and the written reproduction are checked', () => {
  assert.ok(parseFromWorker({ type: 'reproduceProgress', experiment: 'symmoline', done: 1, total: 3, message: 'x' }));
  assert.equal(parseFromWorker({ type: 'reproduceProgress', experiment: 'nope', done: 1, total: 3, message: 'x' }), undefined);
  const written = { type: 'reproduceWritten', dir: '/w', report: '/w/report.md', results: '/w/results.json', cancelled: false, seconds: 1, charts: [chart], checks: reproduction.checks, skipped: [] };
  assert.ok(parseFromWorker(written));
  assert.equal(parseFromWorker({ ...written, charts: [{ ...chart, series: 'x' }] }), undefined);
  assert.equal(parseFromWorker({ ...written, cancelled: 'no' }), undefined);
});
