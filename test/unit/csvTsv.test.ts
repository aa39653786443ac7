import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseCsv, readCsvFile, type CsvTable } from '../../src/core/data/csv';
import { UserInputError } from '../../src/core/errors';

// Issue 15: the numeric fast path skipped TABs around a number even when TAB was the delimiter, so an empty TSV
// cell was swallowed; and the chunk decoder dropped a U+FEFF found at the start of its first non-ASCII chunk.

function columnsOf(table: CsvTable): Array<{ name: string; kind: string; cells: Array<number | string> }> {
  return table.columns.map((column) => ({
    name: column.name,
    kind: column.kind,
    cells: column.kind === 'text' ? [...column.text!] : Array.from(column.values, (v) => (Number.isNaN(v) ? 'NaN' : v)),
  }));
}

async function withFile<T>(text: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'moe-tsv-'));
  try {
    const path = join(dir, 'data.tsv');
    writeFileSync(path, text);
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a TSV keeps an empty cell between two numbers', () => {
  const table = parseCsv('a\tb\tc\n1\t\t2\n3\t4\t5\n', 't.tsv');
  assert.deepEqual(columnsOf(table).map((c) => c.cells), [[1, 3], ['NaN', 4], [2, 5]]);
});

test('a TSV row with one cell too many is refused, not shifted into the wrong columns', () => {
  assert.throws(() => parseCsv('a\tb\tc\n1\t2\t\t3\n', 't.tsv'), (error: unknown) => {
    assert.ok(error instanceof UserInputError);
    assert.match(error.message, /row 1 .*has 4 cells, but the header has 3 columns/);
    return true;
  });
});

test('spaces still pad a number in a TSV, and TABs still pad one in a CSV', () => {
  assert.deepEqual(columnsOf(parseCsv('a\tb\n 1 \t  2\n', 't.tsv')).map((c) => c.cells), [[1], [2]]);
  assert.deepEqual(columnsOf(parseCsv('a,b\n\t1\t,\t2\n', 't.csv')).map((c) => c.cells), [[1], [2]]);
});

test('property: a TSV with empty cells keeps its column count, and parseCsv and readCsvFile agree at every chunk size', async () => {
  const cell = fc.oneof(
    fc.constant(''),
    fc.constant(' '),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.integer({ min: -999, max: 999 }).map((n) => ` ${n} `),
  );
  const tsv = fc.integer({ min: 1, max: 5 }).chain((width) => fc.record({
    width: fc.constant(width),
    rows: fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 }),
    chunkSize: fc.integer({ min: 1, max: 64 }),
  }));
  await fc.assert(fc.asyncProperty(tsv, async ({ width, rows, chunkSize }) => {
    // A row of blank cells only would be a blank line when the table is one column wide: give it a number.
    const fixed = rows.map((row) => (row.every((c) => c.trim() === '') && width === 1 ? ['0'] : row));
    const header = Array.from({ length: width }, (_, k) => `c${k}`).join('\t');
    const text = `${header}\n${fixed.map((row) => row.join('\t')).join('\n')}\n`;
    const inMemory = parseCsv(text, 't.tsv');
    assert.equal(inMemory.columns.length, width);
    assert.equal(inMemory.rowCount, fixed.length);
    for (let k = 0; k < width; k++) {
      const column = inMemory.columns[k];
      fixed.forEach((row, r) => {
        const expected = row[k].trim() === '' ? NaN : Number(row[k]);
        if (column.kind === 'numeric') assert.ok(Object.is(column.values[r], expected), `row ${r + 1}, column ${k}`);
      });
    }
    const streamed = await withFile(text, (path) => readCsvFile(path, { chunkSize }));
    assert.deepEqual(columnsOf(streamed), columnsOf(inMemory));
  }), { numRuns: 150, seed: 15 });
});

test('a U+FEFF inside a quoted cell stays text wherever the chunks of the file fall', async () => {
  // The first non-ASCII chunk starts with the U+FEFF at byte 1 048 576 when the file is read in 1 MiB chunks.
  const prefix = 'ab\n' + '1\n'.repeat(524_286) + '"';
  assert.equal(Buffer.byteLength(prefix), 1_048_576);
  const text = `${prefix}\uFEFF123"\n`;
  const expected = parseCsv(text, 'bom.csv');
  assert.equal(expected.columns[0].kind, 'text');
  assert.equal(expected.columns[0].text!.at(-1), '\uFEFF123');
  await withFile(text, async (path) => {
    for (const chunkSize of [1_048_576, 1_048_575, 65_536]) {
      const table = await readCsvFile(path, { chunkSize });
      assert.equal(table.columns[0].kind, 'text', `chunk size ${chunkSize}`);
      assert.equal(table.columns[0].text!.at(-1), '\uFEFF123', `chunk size ${chunkSize}`);
    }
  });
});

test('a leading byte-order mark is still stripped from a file', async () => {
  await withFile('\uFEFFa,b\n1,2\n', async (path) => {
    const table = await readCsvFile(path, { chunkSize: 3 });
    assert.deepEqual(table.columns.map((c) => c.name), ['a', 'b']);
  });
});
