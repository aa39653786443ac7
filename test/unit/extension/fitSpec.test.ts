/** Fit options → experiment spec (what the Fit wizard runs and saves), and the CSV preview's family inference. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateSpecObject } from '../../../src/core/spec/validate';
import { compatibleFamilies, inferFamily, previewCsv } from '../../../src/extension/fit/csvPreview';
import { fitSpecObject, parseFitOptions } from '../../../src/extension/fit/fitSpec';

const DEFAULTS = { maxIterations: 500, tolerance: 1e-8, restarts: 1, testFraction: 0.3 };

test('the spec from fit options validates and carries every choice', () => {
  const raw = fitSpecObject('iris.csv', { target: 'species', features: ['petal_length'], expert: 'categorical', experts: 3, solvers: ['em', 'adam'], learningRates: { adam: 0.05 } }, DEFAULTS, '.moe-lab/runs');
  const validated = validateSpecObject(raw);
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  const { spec } = validated as Extract<typeof validated, { ok: true }>;
  assert.equal(spec.model.experts, 3);
  assert.equal(spec.model.expert, 'categorical');
  assert.deepEqual(spec.data.source, { csv: 'iris.csv', target: 'species', features: ['petal_length'], dropInvalidRows: false });
  assert.deepEqual(Object.entries(spec.solvers).filter(([, s]) => s.enabled).map(([n]) => n), ['em', 'adam']);
  assert.equal(spec.solvers.adam.learningRate, 0.05);
  assert.equal(spec.stopping.maxIterations, 500);
  assert.equal(spec.data.testFraction, 0.3);
  assert.equal(spec.resultsDir, '.moe-lab/runs');
  assert.equal(spec.name, 'iris');
});

test('fit options from a command argument: types checked, unknown keys named', () => {
  assert.deepEqual(parseFitOptions({ target: 'y', experts: 2 }), { ok: true, options: { target: 'y', experts: 2 } });
  assert.match((parseFitOptions({ experts: 2 }) as { message: string }).message, /target/);
  assert.match((parseFitOptions({ target: 'y', solvers: ['em', 'sgd'] }) as { message: string }).message, /"solvers"/);
  assert.match((parseFitOptions({ target: 'y', learningRates: { gd: 'fast' } }) as { message: string }).message, /"learningRates"/);
  assert.match((parseFitOptions({ target: 'y', colour: 'red' }) as { message: string }).message, /unknown option "colour"/);
  assert.equal(parseFitOptions('y').ok, false);
});

test('the preview infers the family as the core does: text or 0/1 → classes, other numbers → gaussian', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-preview-'));
  try {
    const file = path.join(dir, 'd.csv');
    writeFileSync(file, 'x,flag,label,amount,count,rain\n1,0,a,1.5,3,NA\n2,1,b,2.5,4,0.2\n3,1,a,0.1,3,1.1\n');
    const preview = await previewCsv(file);
    const column = (name: string) => preview.columns.find((c) => c.name === name)!;
    assert.equal(inferFamily(column('flag')), 'bernoulli');
    assert.equal(inferFamily(column('label')), 'bernoulli');
    assert.equal(inferFamily(column('amount')), 'gaussian');
    // R's NA in a column of numbers is a missing value, not a class (as in the fit: select.ts).
    assert.equal(inferFamily(column('rain')), 'gaussian');
    assert.deepEqual(compatibleFamilies(column('count')), ['gaussian', 'bernoulli', 'categorical']);
    assert.deepEqual(compatibleFamilies(column('label')), ['bernoulli', 'categorical']);
    assert.equal(preview.complete, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
