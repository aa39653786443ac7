/**
 * `moe-lab data fmnist`: the IDX reader on small files built here (valid, and damaged in each way a download can
 * be), and the Random-Invert transform on slices of Debian's `dataset-fashion-mnist` (skipped, with the reason,
 * where the package is not installed; CI installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readCsvFile } from '../../src/core/data/csv';
import { FMNIST_CLASSES, FMNIST_DEFAULT_SOURCES, formatPixel, inversionMask, readFmnistSplit, writeFmnist } from '../../src/core/data/fmnist';
import { parseIdx, readIdxFile } from '../../src/core/data/idx';
import { buildDataset } from '../../src/core/data/select';
import { isUserInputError } from '../../src/core/errors';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');
const SOURCE = FMNIST_DEFAULT_SOURCES[0];
const installed = existsSync(path.join(SOURCE, 'train-images-idx3-ubyte.gz'));
const needsPackage = installed ? false : `dataset-fashion-mnist is not installed in ${SOURCE}`;

function temporary(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** IDX bytes: header for `dims`, then `values`. */
function idx(dims: number[], values: ArrayLike<number>, type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((size, d) => header.writeUInt32BE(size, 4 + 4 * d));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(values))]);
}

/** A source folder with `count` tiny images per split (pixel = (i + j) mod 256, label = i mod 10). */
function tinySource(count = 6, overrides: Partial<Record<string, Buffer>> = {}): string {
  const dir = temporary('moe-idx-');
  for (const prefix of ['train', 't10k']) {
    const pixels = Array.from({ length: count * 784 }, (_, k) => (Math.floor(k / 784) + (k % 784)) % 256);
    const labels = Array.from({ length: count }, (_, i) => i % 10);
    const files: Record<string, Buffer> = {
      [`${prefix}-images-idx3-ubyte.gz`]: gzipSync(idx([count, 28, 28], pixels)),
      [`${prefix}-labels-idx1-ubyte.gz`]: gzipSync(idx([count], labels)),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), overrides[name] ?? bytes);
  }
  return dir;
}

async function expectUserError(run: () => unknown, pattern: RegExp): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.ok(isUserInputError(error), `a UserInputError, got ${(error as Error).stack}`);
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.fail(`expected an error matching ${pattern}`);
}

test('IDX: a valid file is read with its dimensions; gzip is recognized by content', () => {
  const dir = tinySource(3);
  const images = readIdxFile(path.join(dir, 'train-images-idx3-ubyte.gz'), 3);
  assert.deepEqual(images.dims, [3, 28, 28]);
  assert.equal(images.data.length, 3 * 784);
  assert.equal(images.data[785], (1 + 1) % 256);
  const plain = path.join(dir, 'plain-labels');
  writeFileSync(plain, idx([4], [1, 2, 3, 4]));
  assert.deepEqual(Array.from(readIdxFile(plain, 1).data), [1, 2, 3, 4]);
});

test('IDX: damaged files are user errors that name the file and the defect', async () => {
  const valid = gzipSync(idx([6, 28, 28], Array.from({ length: 6 * 784 }, (_, k) => (k * 37) % 256)));
  const cases: [string, Buffer, RegExp][] = [
    ['truncated gzip', valid.subarray(0, Math.floor(valid.length / 2)), /train-images-idx3-ubyte\.gz: the gzip stream is truncated/],
    ['corrupt gzip', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(64, 0xff)]), /train-images-idx3-ubyte\.gz: the gzip stream is damaged/],
    ['wrong magic', gzipSync(idx([6, 28, 28], new Uint8Array(6 * 784), 0x0b)), /IDX value type 0x0b is not unsigned bytes \(0x08\); magic number 0x00000b03/],
    ['wrong dimension count', gzipSync(idx([6, 784], new Uint8Array(6 * 784))), /magic number 0x00000802 says 2 dimension\(s\); expected 3/],
    ['short payload', gzipSync(idx([6, 28, 28], new Uint8Array(5 * 784))), /truncated: the header announces 6 × 28 × 28 values/],
    ['extra bytes', gzipSync(idx([6, 28, 28], new Uint8Array(6 * 784 + 3))), /3 unexpected bytes after/],
    ['not IDX at all', gzipSync(Buffer.from('hello, this is text')), /not an IDX file/],
    ['wrong image size', gzipSync(idx([6, 27, 28], new Uint8Array(6 * 27 * 28))), /images are 27 × 28 pixels/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const dir = tinySource(6, { 'train-images-idx3-ubyte.gz': bytes });
    await expectUserError(() => readFmnistSplit(dir, 'train'), pattern);
    void name;
  }
  const fewerLabels = tinySource(6, { 'train-labels-idx1-ubyte.gz': gzipSync(idx([5], [0, 1, 2, 3, 4])) });
  await expectUserError(() => readFmnistSplit(fewerLabels, 'train'), /train-labels-idx1-ubyte\.gz: 5 labels for the 6 images/);
  const badLabel = tinySource(6, { 'train-labels-idx1-ubyte.gz': gzipSync(idx([6], [0, 1, 12, 3, 4, 5])) });
  await expectUserError(() => readFmnistSplit(badLabel, 'train'), /label 12 of image 3 is not a class 0–9/);
  await expectUserError(() => readFmnistSplit(temporary('moe-empty-'), 'test'), /t10k-images-idx3-ubyte\.gz: file not found/);
  await expectUserError(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0]), 'x.idx', 3), /x\.idx: truncated header/);
});

test('inversion: seeded, one stream per split, a limit gives a prefix, the probability is respected', () => {
  const a = inversionMask(7, 'train', 2000, 0.5);
  assert.deepEqual(inversionMask(7, 'train', 2000, 0.5), a, 'same seed, same decisions');
  assert.deepEqual(inversionMask(7, 'train', 100, 0.5), a.subarray(0, 100), 'a limit keeps the first decisions');
  assert.notDeepEqual(inversionMask(8, 'train', 2000, 0.5), a);
  assert.notDeepEqual(inversionMask(7, 'test', 2000, 0.5), a, 'test has its own stream');
  const share = a.reduce((sum, v) => sum + v, 0) / a.length;
  assert.ok(Math.abs(share - 0.5) < 0.05, `about half inverted (${share})`);
  assert.equal(inversionMask(7, 'train', 500, 0).reduce((s, v) => s + v, 0), 0);
  assert.equal(inversionMask(7, 'train', 500, 1).reduce((s, v) => s + v, 0), 500);
  assert.deepEqual([0, 1, 128, 255].map(formatPixel), ['0', '0.0039', '0.502', '1']);
});

test('writeFmnist on tiny files: CSV layout, polarity kept out of the features, transform.json', async () => {
  const source = tinySource(6);
  const out = temporary('moe-fm-out-');
  const transform = await writeFmnist({ out, source, invertProbability: 0.5, seed: 3 });
  const lines = readFileSync(path.join(out, 'train.csv'), 'utf8').trimEnd().split('\n');
  const header = lines[0].split(',');
  assert.equal(header.length, 785);
  assert.equal(header[0], 'p1');
  assert.equal(header[783], 'p784');
  assert.equal(header[784], 'label');
  assert.equal(lines.length, 7);
  const polarity = readFileSync(path.join(out, 'train.polarity.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(polarity[0], 'row,inverted');
  const mask = inversionMask(3, 'train', 6, 0.5);
  for (let i = 0; i < 6; i++) {
    assert.equal(polarity[i + 1], `${i + 1},${mask[i]}`);
    const cells = lines[i + 1].split(',');
    assert.equal(cells[784], FMNIST_CLASSES[i % 10]);
    for (const j of [0, 1, 400, 783]) {
      const byte = (i + j) % 256;
      assert.equal(cells[j], formatPixel(mask[i] ? 255 - byte : byte), `row ${i + 1}, p${j + 1}`);
    }
  }
  assert.equal(transform.train.inverted, mask.reduce((s, v) => s + v, 0));
  const written = JSON.parse(readFileSync(path.join(out, 'transform.json'), 'utf8'));
  assert.deepEqual(written.classes, FMNIST_CLASSES);
  assert.equal(written.invertProbability, 0.5);
  assert.equal(written.seed, 3);
  assert.equal(written.train.rows, 6);
  assert.equal(written.test.file, 'test.csv');
});

test('Fashion-MNIST slice: pixels in [0, 1], inversion x → 1 − x against the IDX bytes, reproducible, readable as a dataset', { skip: needsPackage }, async () => {
  const out = temporary('moe-fm-slice-');
  const transform = await writeFmnist({ out, invertProbability: 0.5, seed: 11, limitTrain: 200, limitTest: 50 });
  assert.equal(transform.train.rows, 200);
  assert.equal(transform.train.sourceRows, 60000);
  assert.equal(transform.test.rows, 50);
  const original = readFmnistSplit(SOURCE, 'train', 200);
  const mask = inversionMask(11, 'train', 200, 0.5);
  const lines = readFileSync(path.join(out, 'train.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 201);
  let inverted = 0;
  for (let i = 0; i < 200; i++) {
    const cells = lines[i + 1].split(',');
    assert.equal(cells.length, 785);
    assert.equal(cells[784], FMNIST_CLASSES[original.labels[i]]);
    inverted += mask[i];
    for (let j = 0; j < 784; j++) {
      const value = Number(cells[j]);
      assert.ok(value >= 0 && value <= 1 && /^(0|1|0\.\d{1,4})$/.test(cells[j]), `p${j + 1} of row ${i + 1}: ${cells[j]}`);
      const x = original.pixels[i * 784 + j] / 255;
      assert.ok(Math.abs(value - (mask[i] ? 1 - x : x)) <= 5e-5 + 1e-12, `row ${i + 1} p${j + 1}`);
    }
  }
  assert.equal(transform.train.inverted, inverted);
  assert.ok(inverted > 60 && inverted < 140);

  const again = temporary('moe-fm-slice-');
  await writeFmnist({ out: again, invertProbability: 0.5, seed: 11, limitTrain: 100, limitTest: 50 });
  const shorter = readFileSync(path.join(again, 'train.csv'), 'utf8');
  assert.ok(lines.slice(0, 101).join('\n') + '\n' === shorter, 'a smaller limit writes a prefix of the same rows');
  assert.equal(readFileSync(path.join(again, 'test.csv'), 'utf8'), readFileSync(path.join(out, 'test.csv'), 'utf8'));

  const table = await readCsvFile(path.join(out, 'train.csv'));
  const built = buildDataset(table, { target: 'label', family: 'auto' });
  assert.equal(built.family, 'categorical');
  assert.equal(built.train.p, 785);
  assert.equal(built.train.n, 200);
  assert.ok(built.train.featureNames.every((name) => !/invert|polarity/i.test(name)), 'polarity is not a feature');
});

test('CLI: moe-lab data fmnist writes the slice; a damaged source exits 2 with one line naming the file', { skip: needsPackage }, () => {
  const out = temporary('moe-fm-cli-');
  const ok = spawnSync(process.execPath, [BIN, 'data', 'fmnist', '--out', out, '--limit-train', '200', '--limit-test', '20', '--seed', '5', '--json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(ok.status, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout);
  assert.equal(summary.train.rows, 200);
  assert.equal(summary.seed, 5);
  assert.ok(existsSync(path.join(out, 'test.polarity.csv')));

  const damaged = temporary('moe-fm-damaged-');
  for (const name of ['train-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
    copyFileSync(path.join(SOURCE, name), path.join(damaged, name));
  }
  const labels = readFileSync(path.join(SOURCE, 'train-labels-idx1-ubyte.gz'));
  writeFileSync(path.join(damaged, 'train-labels-idx1-ubyte.gz'), labels.subarray(0, Math.floor(labels.length / 2)));
  const bad = spawnSync(process.execPath, [BIN, 'data', 'fmnist', '--out', out, '--source', damaged], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(bad.status, 2, bad.stderr);
  const lines = bad.stderr.trim().split('\n');
  assert.equal(lines.length, 1, bad.stderr);
  assert.match(lines[0], /train-labels-idx1-ubyte\.gz: the gzip stream is truncated/);

  // A payload cut short inside a valid gzip stream.
  const images = gunzipSync(readFileSync(path.join(SOURCE, 't10k-images-idx3-ubyte.gz')));
  writeFileSync(path.join(damaged, 'train-labels-idx1-ubyte.gz'), labels);
  writeFileSync(path.join(damaged, 't10k-images-idx3-ubyte.gz'), gzipSync(images.subarray(0, images.length - 784)));
  const short = spawnSync(process.execPath, [BIN, 'data', 'fmnist', '--out', out, '--source', damaged], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(short.status, 2, short.stderr);
  assert.match(short.stderr.trim(), /t10k-images-idx3-ubyte\.gz: truncated: the header announces 10000 × 28 × 28 values/);

  const usage = spawnSync(process.execPath, [BIN, 'data', 'mnist', '--out', out], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /unknown data set "mnist"/);
});
