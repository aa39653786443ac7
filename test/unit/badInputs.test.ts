/**
 * The catalogue of bad inputs (test/fixtures/bad/): each exits with code 2 and the exact one-line message that
 * names the file and the row, column or JSON pointer. Nothing crashes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BAD = path.join(ROOT, 'test', 'fixtures', 'bad');

function stderrOf(args: string[]): string {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'moe-lab.js'), ...args], { cwd: BAD, encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 2, `exit code of ${args.join(' ')}; stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  return lines[0];
}

const csvCases: [string, string][] = [
  ['empty.csv', 'empty.csv: the file is empty (a header row and data rows are needed)'],
  ['header-only.csv', 'header-only.csv: the file has a header row but no data rows'],
  ['ragged.csv', 'ragged.csv: row 2 (line 3) has 2 cells, but the header has 3 columns'],
  ['non-numeric.csv', 'non-numeric.csv: row 2, column "x2": "abc" is not a number (1 row has missing or non-numeric values; fix them, or pass --drop-invalid-rows to drop those rows)'],
  ['missing-cell.csv', 'missing-cell.csv: row 2, column "x2": missing value (empty cell) (1 row has missing or non-numeric values; fix them, or pass --drop-invalid-rows to drop those rows)'],
  ['duplicate-column.csv', 'duplicate-column.csv: header (line 1): duplicate column name "x1" (columns 1 and 2)'],
  ['empty-column-name.csv', 'empty-column-name.csv: header (line 1): column 2 has no name (every column needs a name)'],
  ['one-class.csv', 'one-class.csv: target "y" has a single class ("a"); a classifier needs at least 2'],
  ['latin1.csv', 'latin1.csv: row 1 (line 2): invalid UTF-8 bytes at byte 10; save the file as UTF-8'],
];

for (const [file, message] of csvCases) {
  test(`bad CSV ${file}`, () => {
    // `fit` names the file as typed (here relative to test/fixtures/bad) and its own flags.
    assert.equal(stderrOf(['fit', file, '--target', 'y']), `moe-lab: ${message}`);
  });
}

const specCases: [string, string][] = [
  ['wrong-types.moe.json', 'moe-lab: wrong-types.moe.json:1:75: /model/experts: must be an integer (got "two")'],
  ['unknown-solver.moe.json', 'moe-lab: unknown-solver.moe.json:1:66: /solvers/sgd: unknown field (did you mean "gd"?)'],
  ['zero-learning-rate.moe.json', 'moe-lab: zero-learning-rate.moe.json:1:92: /solvers/adam/learningRate: must be > 0 (got 0)'],
  ['missing-data.moe.json', `moe-lab: /data/csv: data file not found: ${path.join(BAD, 'no-such-file.csv')}`],
  ['more-experts-than-rows.moe.json', 'moe-lab: /model/experts: 3 experts for 2 training rows: use fewer experts than rows'],
];

for (const [file, message] of specCases) {
  test(`bad spec ${file}`, () => {
    assert.equal(stderrOf(['run', file]), message);
  });
}

test('a 2 GB file that is not a CSV is refused quickly with a clear message', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-huge-'));
  const file = path.join(dir, 'huge.csv');
  const fd = openSync(file, 'w');
  writeSync(fd, 'a,y\n1,2\n');
  ftruncateSync(fd, 2 * 1024 ** 3); // sparse: 2 GB of NUL bytes after two valid lines
  closeSync(fd);
  assert.equal(
    stderrOf(['fit', file, '--target', 'y']),
    `moe-lab: ${file}: row 2 (line 3), column "a": a cell is longer than 1,000,000 characters; is this really a CSV file?`,
  );
});
