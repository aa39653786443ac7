/**
 * A truth file is compared with a fit only as far as the fitted model can represent it: the gate type and the
 * symmetry count, not only K, p and the family (docs: README "Diagnostics per iteration").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runExperiment } from '../../src/core/runner/runExperiment';
import type { RunEvent } from '../../src/core/runner/types';
import { validateSpecObject } from '../../src/core/spec/validate';
import { generateSynthetic, syntheticCsv, truthPathFor, type SyntheticOptions } from '../../src/core/synth/generate';

function csvWithTruth(options: SyntheticOptions): string {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-truth-compare-'));
  const generated = generateSynthetic(options);
  const csv = path.join(root, 'data.csv');
  writeFileSync(csv, syntheticCsv(generated));
  writeFileSync(truthPathFor(csv), JSON.stringify(generated.truth));
  return csv;
}

async function fit(csv: string, model: Record<string, unknown>): Promise<RunEvent[]> {
  const result = validateSpecObject({
    name: 'truth',
    data: { csv: path.basename(csv), target: 'y' },
    model: { experts: 2, ...model },
    solvers: { gd: { enabled: false }, adam: { enabled: false } },
    stopping: { maxIterations: 30 },
  });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
  const events: RunEvent[] = [];
  for await (const event of runExperiment(result.spec, { baseDir: path.dirname(csv), resultsRoot: false })) events.push(event);
  return events;
}

const warningsOf = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
const startOf = (events: RunEvent[]) => events.find((e) => e.type === 'runStarted') as Extract<RunEvent, { type: 'runStarted' }>;
const reportsOf = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'iteration' ? [e.report] : []));

test('a constant-gate fit of softmax-gated truth reports the experts\' error only, and says why', async () => {
  const csv = csvWithTruth({ kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 4, seed: 11, symmetric: false });
  const events = await fit(csv, { gate: 'constant' });
  const start = startOf(events);
  assert.equal(start.dataset.truthLogLik, undefined, 'ℓ(θ*) with the truth\'s gate dropped is not the truth\'s likelihood');
  const reports = reportsOf(events);
  assert.ok(reports.every((r) => r.parameterError !== undefined), 'the experts are comparable');
  assert.ok(reports.every((r) => r.gateError === undefined && r.truthGap === undefined), 'no gate error, no ℓ(θ*) − ℓ');
  assert.ok(warningsOf(events).some((w) => /constant gate cannot represent/.test(w)), warningsOf(events).join('\n'));
});

test('a symmetric fit of experts that are not β₂ = −β₁ drops ℓ(θ*) and says why', async () => {
  const csv = csvWithTruth({ kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 4, seed: 12, symmetric: false });
  const events = await fit(csv, { symmetric: true });
  assert.equal(startOf(events).dataset.truthLogLik, undefined);
  assert.ok(reportsOf(events).every((r) => r.parameterError !== undefined && r.truthGap === undefined));
  assert.ok(warningsOf(events).some((w) => /symmetric model cannot represent/.test(w)), warningsOf(events).join('\n'));
});

test('a model that can represent the truth gets every comparison: gate error, ℓ(θ*) and no warning', async () => {
  const csv = csvWithTruth({ kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 4, seed: 13, symmetric: true });
  for (const model of [{ gate: 'softmax' }, { gate: 'softmax', symmetric: true }]) {
    const events = await fit(csv, model);
    const start = startOf(events);
    assert.ok(start.dataset.truthLogLik !== undefined && Number.isFinite(start.dataset.truthLogLik), JSON.stringify(model));
    const reports = reportsOf(events);
    assert.ok(reports.every((r) => r.gateError !== undefined && r.truthGap !== undefined), JSON.stringify(model));
    assert.deepEqual(warningsOf(events).filter((w) => /truth/.test(w)), []);
  }
  // Truth of a constant gate (every feature coefficient of the gate 0) is representable by a constant gate.
  const generated = generateSynthetic({ kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 4, seed: 14, symmetric: false });
  const W = generated.truth.W.map((row, k) => row.map((value, j) => (j < row.length - 1 ? 0 : k === 0 ? 0.7 : 0)));
  const root = mkdtempSync(path.join(tmpdir(), 'moe-truth-constant-'));
  const constantCsv = path.join(root, 'data.csv');
  writeFileSync(constantCsv, syntheticCsv(generated));
  writeFileSync(truthPathFor(constantCsv), JSON.stringify({ ...generated.truth, W }));
  const events = await fit(constantCsv, { gate: 'constant' });
  assert.ok(startOf(events).dataset.truthLogLik !== undefined);
  assert.ok(reportsOf(events).every((r) => r.gateError !== undefined));
});
