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
