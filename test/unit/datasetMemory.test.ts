/**
 * The reader's columns and the dataset's X are never both whole (issue 15, item 6). The reader keeps each column in
 * a resizable buffer that grows in place; the dataset builder, told that the table is read for it alone
 * (`releaseColumns`), fills X from the last row to the first and shrinks every column behind it, so each column's
 * memory goes back as soon as its rows are copied, not when the garbage collector gets to it. What is checked here
 * is the behaviour (the same datasets, the columns' memory given back); the peak itself is measured by
 * `npm run bench:large`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../src/core/data/csv';
import { buildDataset } from '../../src/core/data/select';

/** More rows than one block of the fill (65 536), with missing cells here and there and a categorical target. */
function bigTable(rows: number): string {
  const lines = ['a,b,c,label'];
  for (let i = 0; i < rows; i++) {
    const a = i % 997 === 5 ? 'NA' : ((i * 7) % 101) / 10;
    const c = i % 1543 === 8 ? '' : ((i * 13) % 37) - 18;
    lines.push(`${a},${(i % 17) * 0.25},${c},${i % 3 === 0 ? 'x' : 'y'}`);
  }
  return lines.join('\n') + '\n';
}

test('released columns give their memory back, and the datasets equal those built from a kept table', () => {
  const text = bigTable(150_000);
  const options = { target: 'label', dropInvalidRows: true, testFraction: 0.25, splitSeed: 7 } as const;
  const kept = buildDataset(parseCsv(text, 'kept.csv'), options);
  const table = parseCsv(text, 'released.csv');
  const buffers = table.columns.filter((column) => column.name !== 'label').map((column) => column.values.buffer);
  assert.ok(buffers.every((buffer) => buffer.byteLength > 0));
  const released = buildDataset(table, { ...options, releaseColumns: true });
  assert.ok(kept.droppedRows > 0 && kept.test && released.test);
  for (const part of ['train', 'test'] as const) {
    const a = kept[part]!;
    const b = released[part]!;
    assert.equal(b.n, a.n);
    assert.equal(b.p, a.p);
    assert.ok(Buffer.from(b.X.buffer, b.X.byteOffset, b.X.byteLength).equals(Buffer.from(a.X.buffer, a.X.byteOffset, a.X.byteLength)), `${part} X differs`);
    assert.deepEqual(Array.from(b.y), Array.from(a.y));
  }
  assert.deepEqual(Array.from(released.trainIndex), Array.from(kept.trainIndex));
  // The features' buffers hold nothing any more: their memory went back as X was filled.
  for (const buffer of buffers) assert.equal(buffer.byteLength, 0);
  for (const column of table.columns.filter((c) => c.name !== 'label')) assert.equal(column.values.length, 0);
});

test('without releaseColumns the table stays whole and usable', () => {
  const table = parseCsv(bigTable(1000), 't.csv');
  buildDataset(table, { target: 'label', dropInvalidRows: true });
  for (const column of table.columns) assert.equal(column.values.length, 1000);
});
