import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpecObject } from '../../src/core/spec/validate';
import { runFuzz } from '../fuzz/harness';
import { referenceReadCsv } from '../fuzz/referenceCsv';

test('validateSpecObject reports a hole in a sparse array instead of throwing', () => {
  const topLevel = validateSpecObject([, 1]);
  assert.equal(topLevel.ok, false);
  const nested = validateSpecObject({ name: 'x', data: { csv: 'a.csv', target: 'y' }, model: { experts: [1, , 2] } });
  assert.equal(nested.ok, false);
  if (!nested.ok) assert.ok(nested.errors.some((e) => e.pointer === '/model/experts/1'), JSON.stringify(nested.errors));
});

test('the reference CSV reader of the fuzz harness reads what the format says', () => {
  assert.deepEqual(referenceReadCsv('\uFEFFa;b\r\n 1 ;"x;""y"""\r\n\r\n2;\n'), {
    ok: true, delimiter: ';', header: ['a', 'b'], rows: [['1', 'x;"y"'], ['2', '']],
  });
  assert.deepEqual(referenceReadCsv('a\tb\tc\n1\t\t2'), { ok: true, delimiter: '\t', header: ['a', 'b', 'c'], rows: [['1', '', '2']] });
  for (const bad of ['a,b\n1,2,3\n', 'a,a\n1,2\n', 'a,b\n"1,2\n', 'a,b\n"1"x,2\n', 'a,b\n', '']) {
    assert.equal(referenceReadCsv(bad).ok, false, JSON.stringify(bad));
  }
});

test('fuzz: 2000 seeded CSV files and specs keep the reader\'s and the validator\'s invariants', { timeout: 120_000 }, async () => {
  const report = await runFuzz({ cases: 2000, seed: 20261206, timeBoundMs: 10_000 });
  const shown = report.failures.slice(0, 5).map((f) => `case ${f.index} (seed ${f.caseSeed}): ${f.message}\n  input: ${f.input?.slice(0, 400)}`);
  assert.deepEqual(shown, []);
  assert.ok(report.numericCells > 1000, `only ${report.numericCells} numeric cells were checked`);
});
