/**
 * The runner end to end on real data: the event stream's order, the results folder (complete, atomic,
 * one trace per solver and restart), cancellation keeping what was computed, and the restarts' best mark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runExperiment } from '../../src/core/runner/runExperiment';
import type { RunEvent } from '../../src/core/runner/types';
import { validateSpecObject } from '../../src/core/spec/validate';
import type { ExperimentSpec } from '../../src/core/spec/types';
import { generateSynthetic, syntheticCsv, truthPathFor } from '../../src/core/synth/generate';

const EXAMPLES = path.resolve(__dirname, '../../examples');

function spec(raw: unknown): ExperimentSpec {
  const result = validateSpecObject(raw);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.spec;
}

async function collect(events: AsyncIterable<RunEvent>, onEvent?: (event: RunEvent, index: number) => void): Promise<RunEvent[]> {
  const all: RunEvent[] = [];
  for await (const event of events) {
    onEvent?.(event, all.length);
    all.push(event);
  }
  return all;
}

test('a run streams started → iterations → finished events and writes a complete results folder', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-runner-'));
  const experiment = spec({
    name: 'synthetic check',
    data: { synthetic: { kind: 'linear', experts: 2, dim: 3, samples: 300, snr: 4, seed: 7 } },
    solvers: { em: { enabled: true }, gd: { enabled: true, learningRate: 0.2 }, adam: { enabled: true } },
    stopping: { maxIterations: 30, tolerance: 1e-10 },
    init: { restarts: 2 },
  });
  const events = await collect(runExperiment(experiment, { baseDir: root, resultsRoot: root }));
  assert.equal(events[0].type, 'runStarted');
  const last = events[events.length - 1];
  assert.equal(last.type, 'runFinished');
  if (last.type !== 'runFinished') return;
  const finished = events.filter((e) => e.type === 'solverFinished');
  assert.equal(finished.length, 6);
  for (const event of finished) {
    if (event.type !== 'solverFinished') continue;
    const iterations = events.filter((e) => e.type === 'iteration' && e.solver === event.solver && e.restart === event.restart);
    assert.equal(iterations.length, event.result.iterations + 1, 'one report per iteration plus the start');
    assert.ok(event.result.parameterError !== undefined, 'synthetic truth gives a parameter error');
  }
  for (const solver of ['em', 'gd', 'adam']) assert.equal(last.results.filter((r) => r.solver === solver && r.best).length, 1);
  assert.ok(last.resultsDir && existsSync(path.join(last.resultsDir, 'summary.json')));
  assert.ok(!readdirSync(root).some((name) => name.endsWith('.partial')));
  const summary = JSON.parse(readFileSync(path.join(last.resultsDir, 'summary.json'), 'utf8'));
  assert.equal(summary.complete, true);
  assert.equal(readdirSync(path.join(last.resultsDir, 'traces')).length, 6);
  const csvLines = readFileSync(path.join(last.resultsDir, 'traces.csv'), 'utf8').trim().split('\n');
  assert.equal(csvLines.length, 1 + last.results.reduce((sum, r) => sum + r.trace.length, 0));
});

test('cancelling keeps what was computed and marks the run cancelled', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-cancel-'));
  const experiment = spec({
    data: { synthetic: { kind: 'linear', experts: 2, dim: 3, samples: 500, snr: 2, seed: 1 } },
    solvers: { em: { enabled: true }, gd: { enabled: true, learningRate: 0.01 }, adam: { enabled: false } },
    stopping: { maxIterations: 100000, tolerance: 0 },
  });
  const controller = new AbortController();
  const events = await collect(runExperiment(experiment, { baseDir: root, resultsRoot: root, signal: controller.signal }), (event, index) => {
    if (event.type === 'iteration' && index === 40) controller.abort();
  });
  const last = events[events.length - 1];
  assert.ok(last.type === 'runFinished' && last.cancelled);
  if (last.type !== 'runFinished') return;
  assert.ok(last.results.every((r) => r.stopReason === 'cancelled' || r.stopReason === 'converged'));
  assert.ok(last.results.every((r) => r.trace.length > 5), 'traces so far are kept');
  const summary = JSON.parse(readFileSync(path.join(last.resultsDir!, 'summary.json'), 'utf8'));
  assert.equal(summary.cancelled, true);
  assert.equal(summary.complete, false);
});

test('a CSV with a truth file beside it gets parameter errors; iris runs with categorical experts', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-truth-'));
  const generated = generateSynthetic({ kind: 'logistic', experts: 2, dim: 2, samples: 400, snr: 5, seed: 3 });
  const csv = path.join(root, 'logistic.csv');
  writeFileSync(csv, syntheticCsv(generated));
  writeFileSync(truthPathFor(csv), JSON.stringify(generated.truth));
  const experiment = spec({ data: { csv: 'logistic.csv', target: 'y' }, solvers: { gd: { enabled: false }, adam: { enabled: false } }, stopping: { maxIterations: 20 } });
  const events = await collect(runExperiment(experiment, { baseDir: root, resultsRoot: false }));
  const started = events[0];
  assert.ok(started.type === 'runStarted' && started.dataset.family === 'bernoulli' && started.dataset.truthKnown);
  const last = events[events.length - 1];
  assert.ok(last.type === 'runFinished' && last.results[0].parameterError !== undefined && last.resultsDir === undefined);

  const iris = spec(JSON.parse(readFileSync(path.join(EXAMPLES, 'iris.moe.json'), 'utf8')));
  const irisEvents = await collect(runExperiment({ ...iris, init: { ...iris.init, restarts: 1 }, stopping: { ...iris.stopping, maxIterations: 50 } }, { baseDir: EXAMPLES, resultsRoot: false }));
  const irisLast = irisEvents[irisEvents.length - 1];
  assert.ok(irisLast.type === 'runFinished');
  if (irisLast.type !== 'runFinished') return;
  const em = irisLast.results.find((r) => r.solver === 'em')!;
  assert.ok(em.testAccuracy! > 0.9, `EM test accuracy on iris ${em.testAccuracy}`);
  assert.equal((em.params.beta as number[][][])[0].length, 2, 'C − 1 = 2 free class rows per expert');
});

test('a data path outside the workspace is refused, naming the spec field', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-outside-'));
  const experiment = spec({ data: { csv: '../../etc/passwd.csv', target: 'y' } });
  await assert.rejects(collect(runExperiment(experiment, { baseDir: root, workspaceRoot: root, resultsRoot: false })), (error: Error & { location?: { pointer?: string } }) => {
    assert.match(error.message, /outside the workspace/);
    assert.equal(error.location?.pointer, '/data/csv');
    return true;
  });
});

test('a run folder describes its data from the start, so a run killed before its summary can still be shown', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-start-'));
  const experiment = spec({
    data: { synthetic: { kind: 'linear', experts: 2, dim: 3, samples: 240, snr: 3, seed: 5 } },
    solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false } },
    stopping: { maxIterations: 5, tolerance: 0 },
  });
  const events = runExperiment(experiment, { baseDir: root, resultsRoot: root });
  const first = await events.next();
  assert.ok(!first.done && first.value.type === 'runStarted');
  if (first.done || first.value.type !== 'runStarted') return;
  const [partial] = readdirSync(root).filter((name) => name.endsWith('.partial'));
  assert.ok(partial, 'the run writes into a .partial folder');
  const file = JSON.parse(readFileSync(path.join(root, partial, 'spec.json'), 'utf8'));
  assert.deepEqual(file.run.dataset, JSON.parse(JSON.stringify(first.value.dataset)));
  assert.equal(file.run.dataset.rows, 240);
  assert.equal(file.run.parameterCount, first.value.parameterCount);
  assert.ok(Number.isFinite(Date.parse(file.run.startedAt)));
  await events.return(undefined);
});
