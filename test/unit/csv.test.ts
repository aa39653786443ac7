import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { csvLineOfRow, parseCsv, parseStrictNumber, readCsvFile, type CsvTable } from '../../src/core/data/csv';
import { PlainCellReader } from '../../src/core/data/csv/plainCells';
import { UserInputError } from '../../src/core/errors';

function throwsUserError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UserInputError, `expected a UserInputError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

function values(table: CsvTable, name: string): number[] {
  return Array.from(table.columns.find((c) => c.name === name)!.values);
}

function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'moe-csv-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('comma, semicolon and tab delimiters are detected from the header', () => {
  for (const [delimiter, text] of [
    [',', 'a,b,c\n1,2,3\n4,5,6\n'],
    [';', 'a;b;c\n1,5;2;3\n4;5;6\n'],
    ['\t', 'a\tb\tc\n1\t2\t3\n4\t5\t6\n'],
  ] as const) {
    const table = parseCsv(text, 't.csv');
    assert.equal(table.delimiter, delimiter);
    assert.deepEqual(table.header, ['a', 'b', 'c']);
    assert.equal(table.rowCount, 2);
  }
  // With semicolons, a decimal comma is not a number: the column is text.
  const semicolon = parseCsv('a;b;c\n1,5;2;3\n4;5;6\n', 't.csv');
  assert.equal(semicolon.columns[0].kind, 'text');
  assert.deepEqual(semicolon.columns[0].text, ['1,5', '4']);
});

test('delimiters inside quotes in the header do not count', () => {
  const table = parseCsv('"x,y";b;c\n1;2;3\n', 't.csv');
  assert.equal(table.delimiter, ';');
  assert.deepEqual(table.header, ['x,y', 'b', 'c']);
});

test('quoted cells: embedded delimiter, newline and doubled quotes', () => {
  const table = parseCsv('id,note\n1,"a,b"\n2,"line1\nline2"\n3,"say ""hi"""\n4,""\n', 'q.csv');
  const note = table.columns[1];
  assert.equal(note.kind, 'text');
  assert.deepEqual(note.text, ['a,b', 'line1\nline2', 'say "hi"', '']);
  assert.equal(note.emptyCount, 1);
  assert.equal(note.firstEmptyRow, 4);
  assert.deepEqual(values(table, 'id'), [1, 2, 3, 4]);
  // Row 3 starts on line 5 because row 2 spans two lines.
  assert.equal(csvLineOfRow(table, 2), 3);
  assert.equal(csvLineOfRow(table, 3), 5);
  assert.equal(csvLineOfRow(table, 4), 6);
});

test('quoted numbers are numbers; spaces around unquoted cells and around quotes are trimmed', () => {
  const table = parseCsv('a , b\n "1.5" ,  2 \n3,"4"  \n', 's.csv');
  assert.deepEqual(table.header, ['a', 'b']);
  assert.deepEqual(values(table, 'a'), [1.5, 3]);
  assert.deepEqual(values(table, 'b'), [2, 4]);
  assert.ok(table.columns.every((c) => c.kind === 'numeric'));
});

test('BOM, CRLF, blank lines and a missing final newline', () => {
  const expected = parseCsv('a,b\n1,2\n3,4\n', 'x.csv');
  for (const text of ['\uFEFFa,b\r\n1,2\r\n3,4\r\n', 'a,b\r\n1,2\r\n3,4', 'a,b\n1,2\n\n3,4\n\n', 'a,b\r1,2\r3,4\r']) {
    const table = parseCsv(text, 'x.csv');
    assert.deepEqual(table.header, expected.header);
    assert.deepEqual(values(table, 'a'), [1, 3]);
    assert.deepEqual(values(table, 'b'), [2, 4]);
  }
  assert.equal(csvLineOfRow(parseCsv('a,b\n1,2\n\n3,4\n', 'x.csv'), 2), 4);
});

test('strict numbers', () => {
  for (const [text, value] of [['1', 1], ['-2.5e-3', -2.5e-3], ['.5', 0.5], ['1.', 1], ['+3', 3], ['1E5', 1e5], ['-0', -0],
    ['0.1', 0.1], ['123456789012345678', 123456789012345678], ['1e-300', 1e-300]] as const) {
    assert.equal(parseStrictNumber(text), value, text);
  }
  for (const text of ['1,2', 'abc', '0x10', 'Infinity', '-Infinity', 'NaN', '', '.', '-', '1e', '1e+', '1.2.3', ' 1', '1e999', '٣']) {
    assert.ok(Number.isNaN(parseStrictNumber(text)), text);
  }
});

test('the fast number path agrees with Number()', () => {
  const decimal = fc.tuple(
    fc.constantFrom('', '-', '+'),
    fc.stringMatching(/^[0-9]{0,18}$/),
    fc.option(fc.stringMatching(/^[0-9]{0,18}$/), { nil: undefined }),
    fc.option(fc.integer({ min: -330, max: 330 }), { nil: undefined }),
  ).map(([sign, whole, fraction, exponent]) =>
    `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : `e${exponent}`}`);
  fc.assert(fc.property(decimal, (text) => {
    const expected = Number(text);
    const parsed = parseStrictNumber(text);
    if (Number.isFinite(expected) && /[0-9]/.test(text.split('e')[0])) assert.ok(Object.is(parsed, expected), text);
    else assert.ok(Number.isNaN(parsed), text);
  }), { numRuns: 3000 });
});

test('columns record empty and non-numeric cells with their first rows', () => {
  const table = parseCsv('x,y,label\n1,,a\n2,abc,b\n,4,c\n5,?,\n', 'm.csv');
  const [x, y, label] = table.columns;
  assert.equal(x.kind, 'numeric');
  assert.equal(x.emptyCount, 1);
  assert.equal(x.firstEmptyRow, 3);
  assert.equal(x.nonNumericCount, 0);
  assert.equal(x.text, undefined);
  assert.equal(y.kind, 'text');
  assert.equal(y.emptyCount, 1);
  assert.equal(y.firstEmptyRow, 1);
  assert.equal(y.nonNumericCount, 2);
  assert.equal(y.firstNonNumericRow, 2);
  assert.deepEqual(y.text, ['', 'abc', '4', '?']);
  assert.deepEqual(Array.from(y.values).map((v) => (Number.isNaN(v) ? null : v)), [null, null, 4, null]);
  assert.equal(label.kind, 'text');
  assert.deepEqual(label.text, ['a', 'b', 'c', '']);
});

test('a column that turns to text keeps the earlier numbers as text', () => {
  const table = parseCsv('v\n1\n2.50\n\nx\n', 'v.csv');
  // The blank line is skipped: rows are 1, 2.50, x.
  assert.equal(table.rowCount, 3);
  assert.deepEqual(table.columns[0].text, ['1', '2.5', 'x']);
});

test('errors: empty file, header only, empty or duplicate names, ragged rows, quotes', () => {
  throwsUserError(() => parseCsv('', 'e.csv'), 'e.csv: the file is empty (a header row and data rows are needed)');
  throwsUserError(() => parseCsv('\uFEFF\n\n', 'e.csv'), 'e.csv: the file is empty (a header row and data rows are needed)');
  throwsUserError(() => parseCsv('a,b\n', 'h.csv'), 'h.csv: the file has a header row but no data rows');
  throwsUserError(() => parseCsv('a,,c\n1,2,3\n', 'n.csv'),
    'n.csv: header (line 1): column 2 has no name (every column needs a name)');
  throwsUserError(() => parseCsv('a,b,a\n1,2,3\n', 'd.csv'),
    'd.csv: header (line 1): duplicate column name "a" (columns 1 and 3)');
  throwsUserError(() => parseCsv('a,b,c\n1,2,3\n4,5\n', 'r.csv'), 'r.csv: row 2 (line 3) has 2 cells, but the header has 3 columns');
  throwsUserError(() => parseCsv('a,b\n1,2\n3,4,5\n', 'r.csv'), 'r.csv: row 2 (line 3) has 3 cells, but the header has 2 columns');
  throwsUserError(() => parseCsv('a,b\n1,"2\n3,4\n', 'u.csv'),
    'u.csv: row 1 (line 2), column "b": unterminated quoted cell: the quote opened on line 2 is never closed');
  throwsUserError(() => parseCsv('a,b\n1,"2"x\n', 'u.csv'),
    'u.csv: row 1 (line 2), column "b": unexpected "x" after the closing quote of a quoted cell');
  const error = (() => {
    try {
      parseCsv('a,b\n1,2\n3\n', 'r.csv');
    } catch (e) {
      return e as UserInputError;
    }
  })();
  assert.deepEqual(error?.location, { file: 'r.csv', row: 2 });
});

test('parseCsv throws nothing but UserInputError on arbitrary text', () => {
  const pieces = fc.constantFrom('a', 'b', '1', '2.5', '-', 'e', ',', ';', '\t', '"', '""', '\n', '\r', '\r\n', ' ', '\uFEFF', 'é');
  const csvLike = fc.array(pieces, { maxLength: 60 }).map((parts) => parts.join(''));
  const check = (text: string): void => {
    try {
      const table = parseCsv(text, 'f.csv');
      assert.ok(table.rowCount > 0);
      for (const column of table.columns) assert.equal(column.values.length, table.rowCount);
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
    }
  };
  fc.assert(fc.property(csvLike, check), { numRuns: 3000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), check), { numRuns: 1000 });
});

test('reading a file in chunks gives the same table as parseCsv, across every kind of chunk boundary', async () => {
  await withTempDir(async (dir) => {
    // A quoted cell with a delimiter, a doubled quote, a CRLF and multi-byte characters, repeated so that chunk
    // boundaries fall inside each of them.
    const rows = ['id,text,value'];
    for (let i = 0; i < 40; i++) rows.push(`${i},"a,b ""q""\r\nnext é€😀",${i / 4}`);
    const text = `\uFEFF${rows.join('\r\n')}\r\n`;
    const path = join(dir, 'chunks.csv');
    writeFileSync(path, text, 'utf8');
    const expected = parseCsv(text, 'chunks.csv');
    for (const chunkSize of [1, 2, 3, 5, 7, 64, 1000]) {
      const table = await readCsvFile(path, { chunkSize, displayName: 'chunks.csv' });
      assert.deepEqual(table, expected, `chunk size ${chunkSize}`);
    }
  });
});

test('a file bigger than the default chunk with a quoted field across the 64 KiB boundary', async () => {
  await withTempDir(async (dir) => {
    const header = 'x,y,note\n';
    const filler: string[] = [];
    let length = header.length;
    let i = 0;
    while (length < 65536 - 20) {
      const line = `${i},${(i * 0.37).toFixed(3)},plain\n`;
      filler.push(line);
      length += line.length;
      i++;
    }
    const spanning = `${i},1.5,"this quoted cell, with a comma and a\nnewline, crosses the chunk boundary"\n`;
    const tail = Array.from({ length: 5000 }, (_, k) => `${i + 1 + k},${k},"t${k}"\n`).join('');
    const text = header + filler.join('') + spanning + tail;
    assert.ok(length < 65536 && length + spanning.length > 65536, 'the quoted cell spans the boundary');
    assert.ok(Buffer.byteLength(text) > 2 * 65536);
    const path = join(dir, 'big.csv');
    writeFileSync(path, text, 'utf8');
    const streamed = await readCsvFile(path);
    assert.deepEqual(streamed, parseCsv(text, path));
    assert.equal(streamed.rowCount, filler.length + 1 + 5000);
    assert.equal(streamed.columns[2].text![filler.length],
      'this quoted cell, with a comma and a\nnewline, crosses the chunk boundary');
  });
});

/** The table, or the message of the UserInputError that reading threw. */
async function outcome(read: () => CsvTable | Promise<CsvTable>): Promise<CsvTable | string> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof UserInputError) return error.message;
    throw error;
  }
}

test('numbers read from the bytes of ASCII chunks give what the text path gives, errors included', async () => {
  // Mostly numbers, with what makes the byte path hand a cell to the state machine: text, empty, quoted, padded,
  // ragged rows; chunk sizes put boundaries everywhere.
  const cell = fc.oneof(
    { weight: 6, arbitrary: fc.oneof(fc.integer({ min: -999, max: 999 }).map(String), fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)) },
    { weight: 1, arbitrary: fc.constantFrom('', ' 1.5 ', '"2"', 'abc', '1e5', '.5', '-', '1e999') },
  );
  const row = fc.array(cell, { minLength: 2, maxLength: 4 }).map((cells) => cells.join(','));
  await withTempDir(async (dir) => {
    const path = join(dir, 'ascii.csv');
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.constantFrom(3, 7, 16, 64, 4096), async (rows, eol, chunkSize) => {
      const text = `a,b,c${eol}${rows.join(eol)}${eol}`;
      writeFileSync(path, text, 'utf8');
      const expected = await outcome(() => parseCsv(text, 'ascii.csv'));
      assert.deepEqual(await outcome(() => readCsvFile(path, { chunkSize, displayName: 'ascii.csv' })), expected);
    }), { numRuns: 300 });
  });
});

test('the WebAssembly plain-cell reader: values equal Number() bit for bit; it stops at every cell it must not take', () => {
  const reader = PlainCellReader.create(64, 4 * 3, 3);
  assert.ok(reader, 'WebAssembly is available in Node: the reader must be created');
  const comma = 44;
  const readRow = (line: string, cell = 0, stageOffset = 0) => {
    const bytes = Buffer.from(line, 'latin1');
    assert.ok(reader.load(bytes));
    const stop = reader.read(0, stageOffset, cell, comma);
    return { stop, next: reader.nextCell, rowEnded: reader.rowEnded, values: Array.from(reader.stage.subarray(stageOffset, stageOffset + 3)) };
  };
  // A whole row of plain cells: every value, the line end's index, the row ended.
  const plain = readRow('-0,5.,.25\n');
  assert.deepEqual({ ...plain, values: plain.values.map((v) => Object.is(v, -0) ? '-0' : v) }, { stop: 9, next: 3, rowEnded: true, values: ['-0', 5, 0.25] });
  // The first cell it does not take: its index in the row and where it starts; the cells before it are written.
  for (const [line, stop, next] of [
    ['1,2e5,3\n', 2, 1], // an exponent
    ['1, 2,3\n', 2, 1], // a space
    ['+1,2,3\n', 0, 0], // a plus sign
    ['1,-,3\n', 2, 1], // no digit
    ['1,.,3\n', 2, 1], // a lone point
    ['1,2,abc\n', 4, 2], // text
    ['1,,3\n', 2, 1], // empty
    ['9007199254740992,1,2\n', 0, 0], // a mantissa of 2^53: not exact by one division
    ['0.00000000000000000000001,1,2\n', 0, 0], // 23 digits after the point
    ['1,2,3', 4, 2], // cut by the chunk's end
  ] as const) {
    const result = readRow(line);
    assert.deepEqual([result.stop, result.next, result.rowEnded], [stop, next, false], line);
  }
  const largest = readRow('9007199254740991,0.0000000000000000000001,1\r\n');
  assert.deepEqual(largest, { stop: 43, next: 3, rowEnded: true, values: [9007199254740991, 1e-22, 1] });
  // Cells already read in this row, a stage offset, and a column that turned to text.
  reader.numeric[2] = 0;
  const partial = readRow('7,8,9\n', 0, 6);
  assert.deepEqual([partial.stop, partial.next, partial.rowEnded, partial.values.slice(0, 2)], [4, 2, false, [7, 8]]);
  assert.equal(reader.load(Buffer.alloc(65)), false, 'a chunk longer than the reader was made for is refused');
});

test('plain numbers read through the WebAssembly reader equal Number() of their text, across chunk boundaries', async () => {
  // Plain cells near every edge of the reader's grammar, on rows wide enough to stage several rows per flush.
  const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{1,${max}}$`));
  const plainCell = fc.oneof(
    fc.tuple(fc.constantFrom('', '-'), digits(17), fc.option(digits(24), { nil: undefined })).map(([sign, whole, fraction]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}`),
    fc.tuple(fc.constantFrom('', '-'), digits(23)).map(([sign, fraction]) => `${sign}.${fraction}`),
    fc.constantFrom('0', '-0', '5.', '9007199254740991', '9007199254740992', '9007199254740993', '0.0000000000000000000001'),
  );
  await withTempDir(async (dir) => {
    const path = join(dir, 'plain.csv');
    await fc.assert(fc.asyncProperty(fc.array(fc.array(plainCell, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 40 }), fc.constantFrom(5, 16, 100, 4096), async (rows, chunkSize) => {
      const text = `a,b,c,d,e,f\n${rows.map((r) => r.join(',')).join('\n')}\n`;
      writeFileSync(path, text, 'utf8');
      const table = await readCsvFile(path, { chunkSize, displayName: 'plain.csv' });
      rows.forEach((cells, r) => cells.forEach((cell, k) => assert.ok(Object.is(table.columns[k].values[r], Number(cell)), `row ${r + 1} column ${k}: ${cell}`)));
    }), { numRuns: 300 });
  });
});

test('a column that turns to text after thousands of numeric rows keeps them all, staged or not', async () => {
  await withTempDir(async (dir) => {
    const rows = Array.from({ length: 5000 }, (_, r) => `${r},${(r * 0.25).toString()},${r % 7}`);
    rows.push('5000,n/a,1');
    const text = `id,x,y\n${rows.join('\n')}\n`;
    const path = join(dir, 'turns.csv');
    writeFileSync(path, text, 'utf8');
    const table = await readCsvFile(path, { chunkSize: 1000, displayName: 'turns.csv' });
    assert.deepEqual(table, parseCsv(text, 'turns.csv'));
    const x = table.columns[1];
    assert.equal(x.kind, 'text');
    assert.equal(x.text![4999], String(4999 * 0.25));
    assert.equal(x.text![5000], 'n/a');
    assert.equal(x.firstNonNumericRow, 5001);
    assert.deepEqual(Array.from(table.columns[2].values.subarray(0, 8)), [0, 1, 2, 3, 4, 5, 6, 0]);
  });
});

test('columns sized from the file length: rows longer or shorter later than at the start', async () => {
  await withTempDir(async (dir) => {
    // The estimate from the first rows is too low (long rows later) or too high (short rows later).
    const short = Array.from({ length: 3000 }, (_, k) => `${k},1`);
    const long = Array.from({ length: 3000 }, (_, k) => `${k},${(k * 1.2345678901234).toPrecision(17)}`);
    for (const rows of [[...short, ...long], [...long, ...short]]) {
      const text = `x,y\n${rows.join('\n')}\n`;
      const path = join(dir, 'sized.csv');
      writeFileSync(path, text, 'utf8');
      const table = await readCsvFile(path, { displayName: 'sized.csv' });
      assert.deepEqual(table, parseCsv(text, 'sized.csv'));
      assert.equal(table.rowCount, 6000);
    }
  });
});

test('invalid UTF-8 is reported with the file and row', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'latin1.csv');
    const head = Buffer.from('name,value\nalpha,1\nbeta,2\n', 'utf8');
    const bad = Buffer.from([0x67, 0x61, 0x6d, 0x6d, 0xe1, 0x2c, 0x33, 0x0a]); // "gamm\xe1,3\n" (Latin-1 á)
    writeFileSync(path, Buffer.concat([head, bad, Buffer.from('delta,4\n')]));
    for (const chunkSize of [4, 65536]) {
      await assert.rejects(readCsvFile(path, { chunkSize, displayName: 'latin1.csv' }), (error: unknown) => {
        assert.ok(error instanceof UserInputError);
        assert.equal(error.message, `latin1.csv: row 3 (line 4): invalid UTF-8 bytes at byte ${head.length + 4}; save the file as UTF-8`);
        return true;
      });
    }
    const truncated = join(dir, 'truncated.csv');
    writeFileSync(truncated, Buffer.concat([Buffer.from('a\n1\nx'), Buffer.from([0xe2, 0x82])]));
    await assert.rejects(readCsvFile(truncated, { displayName: 't.csv' }), /t\.csv: row 2 .*ends inside a multi-byte character/);
  });
});

test('a missing file is a UserInputError', async () => {
  await assert.rejects(readCsvFile('/nonexistent/nothing.csv'), (error: unknown) => {
    assert.ok(error instanceof UserInputError);
    assert.equal(error.message, '/nonexistent/nothing.csv: cannot read the file: no such file');
    return true;
  });
});

test('the example data sets read as expected', async () => {
  const iris = await readCsvFile('examples/data/iris.csv');
  assert.equal(iris.rowCount, 150);
  assert.deepEqual(iris.header, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
  assert.deepEqual(iris.columns.map((c) => c.kind), ['numeric', 'numeric', 'numeric', 'numeric', 'text']);
  const wine = await readCsvFile('examples/data/wine.csv');
  assert.equal(wine.rowCount, 178);
  assert.equal(wine.columns.length, 14);
  assert.equal(wine.columns[13].name, 'cultivar');
});
