import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, readCsvFile } from '../../src/core/data/csv';
import {
  buildDataset,
  closestName,
  computeStandardization,
  datasetFromArrays,
  naturalCompare,
  standardizeRows,
} from '../../src/core/data/select';
import type { Dataset } from '../../src/core/data/dataset';
import { UserInputError } from '../../src/core/errors';

function throwsUserError(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UserInputError, `expected a UserInputError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

/** Row i of X without the intercept. */
function row(data: Dataset, i: number): number[] {
  return Array.from(data.X.subarray(i * data.p, i * data.p + data.p - 1));
}

function close(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * (1 + Math.abs(expected)), `${actual} ≉ ${expected}`);
}

test('iris: text target with 3 classes → categorical, classes in natural order, intercept last', async () => {
  const table = await readCsvFile('examples/data/iris.csv', { displayName: 'iris.csv' });
  const built = buildDataset(table, { target: 'species' });
  assert.equal(built.family, 'categorical');
  assert.equal(built.droppedRows, 0);
  assert.equal(built.test, undefined);
  const { train } = built;
  assert.equal(train.n, 150);
  assert.equal(train.p, 5);
  assert.deepEqual(train.featureNames, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  assert.equal(train.targetName, 'species');
  assert.deepEqual(train.classes, ['setosa', 'versicolor', 'virginica']);
  const counts = [0, 0, 0];
  for (const y of train.y) counts[y]++;
  assert.deepEqual(counts, [50, 50, 50]);
  for (let i = 0; i < train.n; i++) assert.equal(train.X[i * train.p + 4], 1);
  // Standardized on all rows (no test set): each feature has mean 0 and population sd 1.
  for (let j = 0; j < 4; j++) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < train.n; i++) sum += train.X[i * train.p + j];
    for (let i = 0; i < train.n; i++) squares += train.X[i * train.p + j] ** 2;
    close(sum / train.n, 0, 1e-12);
    close(squares / train.n, 1, 1e-12);
  }
  close(train.standardization!.mean[0], 5.843333333333333, 1e-12);
});

test('wine: 178 rows, 13 features, cultivar classes; a 30% split is seeded and reproducible', async () => {
  const table = await readCsvFile('examples/data/wine.csv');
  const options = { target: 'cultivar', testFraction: 0.3, splitSeed: 7 };
  const a = buildDataset(table, options);
  const b = buildDataset(table, options);
  assert.equal(a.family, 'categorical');
  assert.deepEqual(a.train.classes, ['cultivar_1', 'cultivar_2', 'cultivar_3']);
  assert.equal(a.train.p, 14);
  assert.equal(a.test!.n, Math.round(0.3 * 178));
  assert.equal(a.train.n + a.test!.n, 178);
  assert.deepEqual(a.trainIndex, b.trainIndex);
  assert.deepEqual(a.testIndex, b.testIndex);
  assert.deepEqual(a.train.X, b.train.X);
  const c = buildDataset(table, { ...options, splitSeed: 8 });
  assert.notDeepEqual(c.testIndex, a.testIndex);
  // Train and test partition the rows.
  const all = [...a.trainIndex, ...a.testIndex!].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 178 }, (_, i) => i));
});

test('standardization uses training rows only and is applied to the test rows', () => {
  const lines = ['x,z,y'];
  for (let i = 0; i < 20; i++) lines.push(`${i * i},${i % 3},${i % 2}`);
  const table = parseCsv(lines.join('\n'), 's.csv');
  const built = buildDataset(table, { target: 'y', testFraction: 0.25, splitSeed: 3 });
  const { train, test: held } = built;
  assert.ok(held);
  const rawX = (index: number): number => index * index;
  const trainRaw = Array.from(built.trainIndex, rawX);
  const mean = trainRaw.reduce((s, v) => s + v, 0) / trainRaw.length;
  const sd = Math.sqrt(trainRaw.reduce((s, v) => s + (v - mean) ** 2, 0) / trainRaw.length);
  close(train.standardization!.mean[0], mean);
  close(train.standardization!.scale[0], sd);
  assert.equal(held.standardization, train.standardization);
  built.testIndex!.forEach((source, i) => close(held.X[i * held.p], (rawX(source) - mean) / sd));
  // The test rows' own statistics differ, so they are not centred.
  let testSum = 0;
  for (let i = 0; i < held.n; i++) testSum += held.X[i * held.p];
  assert.ok(Math.abs(testSum / held.n) > 1e-6);
});

test('standardize: false keeps raw values; a constant feature gets scale 1 and a warning', () => {
  const table = parseCsv('a,c,y\n1,5,0.5\n2,5,1.5\n4,5,2.5\n', 'c.csv');
  const raw = buildDataset(table, { target: 'y', standardize: false });
  assert.equal(raw.train.standardization, undefined);
  assert.deepEqual(row(raw.train, 2), [4, 5]);
  assert.equal(raw.family, 'gaussian');
  const scaled = buildDataset(table, { target: 'y' });
  assert.equal(scaled.train.standardization!.scale[1], 1);
  assert.deepEqual(scaled.warnings, ['feature "c" is constant on the training rows']);
  assert.equal(scaled.train.X[1], 0);
});

test('family inference', () => {
  const text2 = parseCsv('x,y\n1,yes\n2,no\n3,yes\n', 'b.csv');
  const bernoulli = buildDataset(text2, { target: 'y' });
  assert.equal(bernoulli.family, 'bernoulli');
  assert.deepEqual(bernoulli.train.classes, ['no', 'yes']);
  assert.deepEqual(Array.from(bernoulli.train.y), [1, 0, 1]); // y = 1 is the second class
  const zeroOne = buildDataset(parseCsv('x,y\n1,0\n2,1\n3,1\n', 'z.csv'), { target: 'y' });
  assert.equal(zeroOne.family, 'bernoulli');
  assert.deepEqual(zeroOne.train.classes, ['0', '1']);
  assert.deepEqual(Array.from(zeroOne.train.y), [0, 1, 1]);
  const real = buildDataset(parseCsv('x,y\n1,0.5\n2,1\n3,-2\n', 'r.csv'), { target: 'y' });
  assert.equal(real.family, 'gaussian');
  assert.equal(real.train.classes, undefined);
  assert.deepEqual(Array.from(real.train.y), [0.5, 1, -2]);
  throwsUserError(() => buildDataset(parseCsv('x,y\n1,a\n2,a\n', 'one.csv'), { target: 'y' }),
    'one.csv: target "y" has a single class ("a"); a classifier needs at least 2');
});

test('explicit families on numeric targets use the distinct values as classes', () => {
  const table = parseCsv('x,y\n1,10\n2,-1\n3,2\n4,10\n', 'n.csv');
  const categorical = buildDataset(table, { target: 'y', family: 'categorical' });
  assert.deepEqual(categorical.train.classes, ['-1', '2', '10']);
  assert.deepEqual(Array.from(categorical.train.y), [2, 0, 1, 2]);
  throwsUserError(() => buildDataset(table, { target: 'y', family: 'bernoulli' }),
    'n.csv: target "y" has 3 classes ("-1", "2", "10"); bernoulli experts need exactly 2 — use categorical');
  const two = buildDataset(parseCsv('x,y\n1,3\n2,7\n', 't.csv'), { target: 'y', family: 'bernoulli' });
  assert.deepEqual(two.train.classes, ['3', '7']);
  assert.deepEqual(Array.from(two.train.y), [0, 1]);
  const gaussian = buildDataset(parseCsv('x,y\n1,0\n2,1\n', 'g.csv'), { target: 'y', family: 'gaussian' });
  assert.equal(gaussian.family, 'gaussian');
  throwsUserError(() => buildDataset(parseCsv('x,y\n1,a\n2,b\n', 'g.csv'), { target: 'y', family: 'gaussian' }),
    'g.csv: column "y" cannot be the target of gaussian experts: it holds text (row 1: "a")');
});

test('class names sort naturally and independently of the locale', () => {
  const table = parseCsv('x,y\n1,item10\n2,item2\n3,Item1\n4,item2\n', 'c.csv');
  const built = buildDataset(table, { target: 'y' });
  assert.deepEqual(built.train.classes, ['Item1', 'item2', 'item10']);
  assert.deepEqual(['b', 'a10', 'a9', 'A9'].sort(naturalCompare), ['a9', 'A9', 'a10', 'b']);
});

test('missing and non-numeric feature cells: exact messages with file, row and column', () => {
  const table = parseCsv('sepal,petal_width,species\n1,0.2,a\n2,0.3,b\n3,abc,a\n4,,b\n', 'iris.csv');
  throwsUserError(() => buildDataset(table, { target: 'species', features: ['sepal', 'petal_width'] }),
    'iris.csv: row 3, column "petal_width": "abc" is not a number (2 rows have missing or non-numeric values; ' +
      'fix them, or drop those rows with --drop-invalid-rows or, in a spec, data.dropInvalidRows)');
  const missing = parseCsv('a,b,y\n1,2,p\n,3,q\n', 'm.csv');
  throwsUserError(() => buildDataset(missing, { target: 'y' }), /^m\.csv: row 2, column "a": missing value \(empty cell\) \(1 row has/);
  const emptyTarget = parseCsv('a,y\n1,p\n2,\n3,q\n', 't.csv');
  throwsUserError(() => buildDataset(emptyTarget, { target: 'y' }), /^t\.csv: row 2, column "y": the target is missing \(empty cell\)/);
  // The line is named when it differs from row + 1 (here a multi-line quoted cell comes first).
  const shifted = parseCsv('a,note,y\n1,"two\nlines",p\nx,n,q\n', 's.csv');
  throwsUserError(() => buildDataset(shifted, { target: 'y', features: ['a'] }),
    /^s\.csv: row 2 \(line 4\), column "a": "x" is not a number/);
  try {
    buildDataset(table, { target: 'species', features: ['sepal', 'petal_width'] });
  } catch (error) {
    assert.deepEqual((error as UserInputError).location, { file: 'iris.csv', row: 3, column: 'petal_width' });
  }
});

test('dropInvalidRows drops and counts rows with bad features or an empty target', () => {
  const table = parseCsv('a,b,y\n1,2,p\n3,abc,q\n,5,p\n6,7,\n8,9,q\n10,11,p\n', 'd.csv');
  const built = buildDataset(table, { target: 'y', features: ['a', 'b'], dropInvalidRows: true });
  assert.equal(built.droppedRows, 3);
  assert.equal(built.train.n, 3);
  assert.deepEqual(Array.from(built.trainIndex), [0, 4, 5]);
  assert.deepEqual(built.warnings, [
    'dropped 3 of 6 rows with missing or non-numeric values (first: row 2, column "b": "abc" is not a number)',
  ]);
  assert.deepEqual(built.train.classes, ['p', 'q']);
  throwsUserError(() => buildDataset(parseCsv('a,y\nx,1\n,2\n', 'all.csv'), { target: 'y', features: ['a'], dropInvalidRows: true }),
    'all.csv: column "a" cannot be a feature: it holds text (row 1: "x")');
});

const DROP_HINT = 'fix them, or drop those rows with --drop-invalid-rows or, in a spec, data.dropInvalidRows)';

test('a numeric target with NA cells is numbers with missing values, not a text target with an "NA" class', () => {
  const table = parseCsv('x,y\n1,0.5\n2,NA\n3,1.75\n4,-2\n5,3\n', 'r.csv');
  throwsUserError(() => buildDataset(table, { target: 'y' }),
    `r.csv: row 2, column "y": the target is missing (NA) (1 row has missing or non-numeric values; ${DROP_HINT}`);
  const built = buildDataset(table, { target: 'y', dropInvalidRows: true });
  assert.equal(built.family, 'gaussian');
  assert.equal(built.train.classes, undefined);
  assert.deepEqual(Array.from(built.trainIndex), [0, 2, 3, 4]);
  assert.deepEqual(Array.from(built.train.y), [0.5, 1.75, -2, 3]);
  // 0/1 numbers around an NA are still a bernoulli target, and an explicit categorical family takes the numbers as
  // its classes: NA is none of them.
  const zeroOne = buildDataset(parseCsv('x,y\n1,0\n2,NA\n3,1\n4,1\n', 'b.csv'), { target: 'y', dropInvalidRows: true });
  assert.equal(zeroOne.family, 'bernoulli');
  assert.deepEqual(zeroOne.train.classes, ['0', '1']);
  const categorical = buildDataset(parseCsv('x,y\n1,0\n2,NA\n3,1\n4,2\n', 'c.csv'),
    { target: 'y', family: 'categorical', dropInvalidRows: true });
  assert.deepEqual(categorical.train.classes, ['0', '1', '2']);
  assert.deepEqual(Array.from(categorical.train.y), [0, 1, 2]);
});

test('NA, NaN, null and empty cells: missing alike in the target and in the features, dropped or refused alike', () => {
  for (const marker of ['NA', 'NaN', 'null', '']) {
    const shown = marker === '' ? 'empty cell' : marker;
    const inFeature = parseCsv(`a,y\n1,0.5\n${marker},1.5\n3,2.5\n`, 'f.csv');
    const inTarget = parseCsv(`a,y\n1,0.5\n2,${marker}\n3,2.5\n`, 't.csv');
    throwsUserError(() => buildDataset(inFeature, { target: 'y' }),
      `f.csv: row 2, column "a": missing value (${shown}) (1 row has missing or non-numeric values; ${DROP_HINT}`);
    throwsUserError(() => buildDataset(inTarget, { target: 'y' }),
      `t.csv: row 2, column "y": the target is missing (${shown}) (1 row has missing or non-numeric values; ${DROP_HINT}`);
    for (const table of [inFeature, inTarget]) {
      const built = buildDataset(table, { target: 'y', dropInvalidRows: true });
      assert.equal(built.family, 'gaussian', `${table.file} with ${shown}`);
      assert.deepEqual(built.train.featureNames, ['a']);
      assert.equal(built.droppedRows, 1);
      assert.deepEqual(Array.from(built.trainIndex), [0, 2], `${table.file} with ${shown}`);
    }
  }
  // All four at once, in the features (rows 2–5) and in the target (rows 6–9): eight rows dropped and counted.
  const table = parseCsv(
    'a,b,y\n1,2,0.5\nNA,3,1.5\n4,NaN,2.5\nnull,5,3.5\n,6,4.5\n7,8,NA\n9,10,NaN\n11,12,null\n13,14,\n15,16,5.5\n17,18,6.5\n',
    'all.csv');
  throwsUserError(() => buildDataset(table, { target: 'y' }),
    `all.csv: row 2, column "a": missing value (NA) (8 rows have missing or non-numeric values; ${DROP_HINT}`);
  const built = buildDataset(table, { target: 'y', dropInvalidRows: true });
  assert.equal(built.family, 'gaussian');
  assert.deepEqual(built.train.featureNames, ['a', 'b']);
  assert.equal(built.droppedRows, 8);
  assert.deepEqual(Array.from(built.trainIndex), [0, 9, 10]);
  assert.deepEqual(built.warnings.filter((w) => w.startsWith('dropped')),
    ['dropped 8 of 11 rows with missing or non-numeric values (first: row 2, column "a": missing value (NA))']);
});

test('a column of all NaN or all Infinity text is left out of the automatic features with a warning naming it', () => {
  // Columns b (NaN), c (Infinity / -inf) and d (empty) hold no finite number: no row could use them, so they are not
  // features; each is named in a warning. Column e (names) is left out without a word: it does not look numeric.
  const table = parseCsv(
    'a,b,c,d,e,y\n1,NaN,Infinity,,x,0.5\n2,NaN,-inf,,y,1.5\n3,NaN,Infinity,,z,2.5\n4,NaN,Infinity,,w,3.5\n', 'w.csv');
  const built = buildDataset(table, { target: 'y' });
  assert.deepEqual(built.train.featureNames, ['a']);
  assert.deepEqual(built.warnings, [
    'w.csv: column "b" is left out of the features: every cell is missing (empty, NA, NaN or null)',
    'w.csv: column "c" is left out of the features: its cells are "Infinity" or missing, and features must be finite numbers',
    'w.csv: column "d" is left out of the features: every cell is missing (empty, NA, NaN or null)',
  ]);
  // When nothing else is left, the refusal says why each column was left out.
  throwsUserError(() => buildDataset(parseCsv('b,y\nInfinity,1\nInfinity,2\n', 'v.csv'), { target: 'y' }),
    'v.csv: no numeric feature columns besides the target "y"; column "b" is left out of the features: its cells are ' +
      '"Infinity" or missing, and features must be finite numbers; list the features explicitly or fix the non-numeric cells');
  // A column with numbers and one Infinity is a feature whose bad cell is reported by row, as before.
  throwsUserError(() => buildDataset(parseCsv('a,y\n1,1\nInfinity,2\n3,3\n', 'u.csv'), { target: 'y' }), /^u\.csv: row 2, column "a"/);
});

test('a column of numbers and NA cells is a feature however many cells are missing; one of NA alone is refused', () => {
  // Three NA of four cells: still a numeric column (not "mostly text"), so it is selected and its rows reported.
  const mostlyMissing = parseCsv('a,b,y\n1,NA,0.5\n2,NA,1.5\n3,NA,2.5\n4,7,3.5\n', 'm.csv');
  throwsUserError(() => buildDataset(mostlyMissing, { target: 'y' }), /^m\.csv: row 1, column "b": missing value \(NA\) \(3 rows have/);
  assert.deepEqual(buildDataset(mostlyMissing, { target: 'y', dropInvalidRows: true }).train.featureNames, ['a', 'b']);
  throwsUserError(() => buildDataset(parseCsv('a,b,y\n1,NA,0.5\n2,null,1.5\n', 'n.csv'), { target: 'y', features: ['a', 'b'] }),
    'n.csv: column "b" cannot be a feature: every cell is missing (empty, NA, NaN or null)');
  // Text among them is still text: the message names the first cell that is neither a number nor missing.
  throwsUserError(() => buildDataset(parseCsv('a,b,y\n1,NA,0.5\n2,abc,1.5\n', 't.csv'), { target: 'y', features: ['a', 'b'] }),
    't.csv: column "b" cannot be a feature: it holds text (row 2: "abc")');
});

test('default features are the numeric columns except the target; text features are refused', () => {
  const table = parseCsv('id,name,x,y\n1,ann,0.5,0\n2,bob,1.5,1\n', 'f.csv');
  const built = buildDataset(table, { target: 'y' });
  assert.deepEqual(built.train.featureNames, ['id', 'x']);
  throwsUserError(() => buildDataset(table, { target: 'y', features: ['name'] }),
    'f.csv: column "name" cannot be a feature: it holds text (row 1: "ann")');
  throwsUserError(() => buildDataset(table, { target: 'y', features: ['x', 'y'] }),
    'f.csv: column "y" is the target; it cannot also be a feature');
  throwsUserError(() => buildDataset(table, { target: 'y', features: ['x', 'x'] }), 'f.csv: feature column "x" is listed twice');
  throwsUserError(() => buildDataset(parseCsv('name,y\nann,1\n', 'n.csv'), { target: 'y' }),
    /^n\.csv: no numeric feature columns besides the target "y"/);
});

test('unknown target or feature columns list the available columns', () => {
  const table = parseCsv('sepal_length,species\n1,a\n2,b\n', 'iris.csv');
  throwsUserError(() => buildDataset(table, { target: 'specie' }),
    'iris.csv: unknown target column "specie" (did you mean "species"?); the columns are "sepal_length", "species"');
  throwsUserError(() => buildDataset(table, { target: 'species', features: ['colour'] }),
    'iris.csv: unknown feature column "colour"; the columns are "sepal_length", "species"');
  assert.equal(closestName('maxIter', ['maxIterations', 'tolerance']), 'maxIterations');
  assert.equal(closestName('zzz', ['maxIterations', 'tolerance']), undefined);
});

test('test fraction edge cases', () => {
  const table = parseCsv('x,y\n1,1\n2,2\n3,3\n', 'e.csv');
  const tiny = buildDataset(table, { target: 'y', testFraction: 0.1 });
  assert.equal(tiny.test, undefined);
  assert.match(tiny.warnings[0], /rounds to 0 rows/);
  throwsUserError(() => buildDataset(table, { target: 'y', testFraction: 1 }), 'testFraction must be in [0, 1) (got 1)');
  throwsUserError(() => buildDataset(parseCsv('x,y\n1,2.5\n', 'o.csv'), { target: 'y', testFraction: 0.9 }),
    'no training rows: testFraction 0.9 holds out all 1 rows');
});

test('datasetFromArrays follows the same split and standardization path', () => {
  const n = 50;
  const d = 2;
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    X[i * d] = i;
    X[i * d + 1] = Math.sin(i);
    y[i] = i % 2;
  }
  const names = { features: ['a', 'b'], target: 'y', classes: ['0', '1'] };
  const split = datasetFromArrays(X, y, names, { testFraction: 0.2, splitSeed: 5 });
  assert.equal(split.train.n, 40);
  assert.equal(split.test!.n, 10);
  assert.equal(split.train.p, 3);
  assert.deepEqual(split.train.classes, ['0', '1']);
  split.trainIndex.forEach((source, i) => assert.equal(split.train.y[i], y[source]));
  // The same rows through buildDataset give the same design matrices.
  const csv = ['a,b,y', ...Array.from({ length: n }, (_, i) => `${X[i * d]},${X[i * d + 1]},${y[i]}`)].join('\n');
  const viaCsv = buildDataset(parseCsv(csv, 'a.csv'), { target: 'y', testFraction: 0.2, splitSeed: 5 });
  assert.deepEqual(viaCsv.trainIndex, split.trainIndex);
  assert.deepEqual(viaCsv.train.X, split.train.X);
  assert.deepEqual(viaCsv.test!.X, split.test!.X);
  // Applying the stored statistics to raw rows reproduces the design matrix.
  const trainRaw = new Float64Array(split.train.n * d);
  split.trainIndex.forEach((source, i) => trainRaw.set(X.subarray(source * d, source * d + d), i * d));
  const again = standardizeRows(trainRaw, d, split.train.standardization);
  for (let k = 0; k < again.length; k++) close(again[k], split.train.X[k]);
  const stats = computeStandardization([Float64Array.from([1, 2, 3]), Float64Array.from([4, 4, 4])], Int32Array.from([0, 1, 2]));
  close(stats.mean[0], 2);
  close(stats.scale[0], Math.sqrt(2 / 3));
  assert.equal(stats.scale[1], 1);
  assert.throws(() => datasetFromArrays(new Float64Array(3), new Float64Array(2), names), /expected 2 × 2/);
});

test('a numeric target of a few integer codes is fitted as numbers with a warning that names the switch to classes', () => {
  const codes = Array.from({ length: 30 }, (_, i) => `${i},${i % 3}`).join('\n');
  const coded = buildDataset(parseCsv(`x,target\n${codes}\n`, 'wine012.csv'), { target: 'target' });
  assert.equal(coded.family, 'gaussian');
  const warning = coded.warnings.find((w) => /class codes/.test(w));
  assert.ok(warning, coded.warnings.join('\n'));
  assert.match(warning, /3 distinct values, all integers \(0, 1, 2\).*--expert categorical/);
  // Asked for classes, it is quiet; real numbers, many integers, or too few rows per value are not class codes.
  assert.ok(!buildDataset(parseCsv(`x,target\n${codes}\n`, 'w.csv'), { target: 'target', family: 'categorical' }).warnings.some((w) => /class codes/.test(w)));
  const measured = Array.from({ length: 30 }, (_, i) => `${i},${(i % 3) + 0.5}`).join('\n');
  assert.ok(!buildDataset(parseCsv(`x,y\n${measured}\n`, 'm.csv'), { target: 'y' }).warnings.some((w) => /class codes/.test(w)));
  const counts = Array.from({ length: 60 }, (_, i) => `${i},${i % 20}`).join('\n');
  assert.ok(!buildDataset(parseCsv(`x,y\n${counts}\n`, 'c.csv'), { target: 'y' }).warnings.some((w) => /class codes/.test(w)));
});

test('releaseColumns: the same datasets, and the table no longer holds the copied columns (issue 15, item 6)', () => {
  const text = 'a,b,y,note\n' + Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 13) % 11 - 5},${i % 3 === 0 ? 1.5 * i : -i},n${i}`).join('\n') + '\n';
  const options = { target: 'y', features: ['a', 'b'], testFraction: 0.25, splitSeed: 3 };
  const kept = buildDataset(parseCsv(text, 'x.csv'), options);
  const table = parseCsv(text, 'x.csv');
  const released = buildDataset(table, { ...options, releaseColumns: true });
  for (const part of ['train', 'test'] as const) {
    assert.deepEqual(released[part]!.X, kept[part]!.X);
    assert.deepEqual(released[part]!.y, kept[part]!.y);
  }
  assert.deepEqual(released.trainIndex, kept.trainIndex);
  const valuesOf = (name: string) => table.columns.find((c) => c.name === name)!.values;
  for (const name of ['a', 'b', 'y']) assert.equal(valuesOf(name).length, 0, `column ${name} was released`);
  assert.equal(valuesOf('note').length, 40, 'a column the dataset does not use is left alone');
});
