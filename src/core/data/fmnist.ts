/**
 * Fashion-MNIST (Zalando Research, MIT licence) as the paper's "Random Invert" data: every image is scaled to
 * [0, 1] (byte / 255) and, with probability p, inverted (x → 1 − x: a black object on a white background
 * instead of a white object on black). The decision is seeded, one independent stream per split, so a seed
 * reproduces the files exactly and `--limit-train N` gives the first N rows of the full file.
 *
 * Output folder:
 *   train.csv, test.csv                 p1 … p784 (row-major 28 × 28, up to 4 decimals), label (class names)
 *   train.polarity.csv, test.polarity.csv   row,inverted (1-based data row, 0/1) — kept out of the features
 *   transform.json                      source files, p, seed, inverted counts, the class list (written last)
 *
 * Every file is written under a temporary name and renamed, so an interrupted run leaves no half-written CSV.
 */
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserInputError } from '../errors';
import { Random } from '../random';
import { readCsvFile } from './csv';
import type { Dataset } from './dataset';
import { readIdxFile } from './idx';
import { buildDataset, standardizeRows } from './select';

/** Class names in label order 0 … 9 (the dataset's own documentation). */
export const FMNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Where Debian's `dataset-fashion-mnist` installs the IDX files. */
export const FMNIST_DEFAULT_SOURCES: readonly string[] = ['/usr/share/datasets/fashion-mnist'];

export const FMNIST_SIDE = 28;
export const FMNIST_PIXELS = FMNIST_SIDE * FMNIST_SIDE;

export type FmnistSplit = 'train' | 'test';
const FILE_PREFIX: Record<FmnistSplit, string> = { train: 'train', test: 't10k' };

export interface FmnistImages {
  readonly split: FmnistSplit;
  readonly n: number;
  /** n × 784 bytes, row-major. */
  readonly pixels: Uint8Array;
  /** n labels in 0 … 9. */
  readonly labels: Uint8Array;
  /** Images in the source file (n is smaller under a limit). */
  readonly sourceRows: number;
  readonly imagesFile: string;
  readonly labelsFile: string;
}

/** The folder holding the four files: `source` when given (checked), else the first default that exists. */
export function findFmnistSource(source?: string): string {
  if (source !== undefined) {
    const resolved = path.resolve(source);
    if (!existsSync(resolved)) throw new UserInputError(`--source ${resolved}: folder not found`, { file: resolved });
    return resolved;
  }
  const found = FMNIST_DEFAULT_SOURCES.find((dir) => existsSync(dir));
  if (!found) {
    throw new UserInputError(
      `Fashion-MNIST not found in ${FMNIST_DEFAULT_SOURCES.join(', ')}: install the Debian package dataset-fashion-mnist ` +
        '(apt-get install dataset-fashion-mnist) or pass --source DIR with the four IDX files',
    );
  }
  return found;
}

/** `<prefix>-<kind>-ubyte.gz`, or the uncompressed name when only that exists. */
function idxPath(dir: string, split: FmnistSplit, kind: 'images-idx3' | 'labels-idx1'): string {
  const base = path.join(dir, `${FILE_PREFIX[split]}-${kind}-ubyte`);
  if (existsSync(`${base}.gz`) || !existsSync(base)) return `${base}.gz`;
  return base;
}

/** Reads and validates one split; `limit` keeps its first rows. */
export function readFmnistSplit(dir: string, split: FmnistSplit, limit?: number): FmnistImages {
  const imagesFile = idxPath(dir, split, 'images-idx3');
  const labelsFile = idxPath(dir, split, 'labels-idx1');
  const images = readIdxFile(imagesFile, 3);
  const labels = readIdxFile(labelsFile, 1);
  const [count, rows, cols] = images.dims;
  if (rows !== FMNIST_SIDE || cols !== FMNIST_SIDE) {
    throw new UserInputError(`${imagesFile}: images are ${rows} × ${cols} pixels; Fashion-MNIST images are ${FMNIST_SIDE} × ${FMNIST_SIDE}`, {
      file: imagesFile,
    });
  }
  if (labels.dims[0] !== count) {
    throw new UserInputError(`${labelsFile}: ${labels.dims[0]} labels for the ${count} images of ${path.basename(imagesFile)}`, { file: labelsFile });
  }
  if (count === 0) throw new UserInputError(`${imagesFile}: the file holds no images`, { file: imagesFile });
  for (let i = 0; i < count; i++) {
    if (labels.data[i] >= FMNIST_CLASSES.length) {
      throw new UserInputError(`${labelsFile}: label ${labels.data[i]} of image ${i + 1} is not a class 0–${FMNIST_CLASSES.length - 1}`, {
        file: labelsFile,
      });
    }
  }
  const n = limit === undefined ? count : Math.min(limit, count);
  return {
    split,
    n,
    pixels: images.data.subarray(0, n * FMNIST_PIXELS),
    labels: labels.data.subarray(0, n),
    sourceRows: count,
    imagesFile,
    labelsFile,
  };
}

/**
 * The per-image inversion decisions of one split: image i is inverted when the i-th uniform of the split's stream
 * is below p. Train and test draw from independent streams derived from `seed`, so a row limit on one split
 * changes nothing in the other and a limited file is a prefix of the full one.
 */
export function inversionMask(seed: number, split: FmnistSplit, n: number, probability: number): Uint8Array {
  const master = new Random(seed);
  const trainSeed = Math.floor(master.uniform() * 4294967296);
  const testSeed = Math.floor(master.uniform() * 4294967296);
  const rng = new Random(split === 'train' ? trainSeed : testSeed);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.uniform() < probability ? 1 : 0;
  return mask;
}

/** Pixel value byte/255 as written: up to 4 decimals, no trailing zeros (`0`, `1`, `0.502`, `0.0039`). */
export function formatPixel(byte: number): string {
  const text = (byte / 255).toFixed(4);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export interface FmnistWriteOptions {
  readonly out: string;
  /** Folder with the IDX files (default: where Debian installs them). */
  readonly source?: string;
  readonly invertProbability: number;
  readonly seed: number;
  readonly limitTrain?: number;
  readonly limitTest?: number;
}

export interface FmnistSplitSummary {
  readonly file: string;
  readonly polarityFile: string;
  readonly rows: number;
  readonly sourceRows: number;
  readonly inverted: number;
  readonly imagesFile: string;
  readonly labelsFile: string;
}

export interface FmnistTransform {
  readonly dataset: string;
  readonly createdBy: string;
  readonly source: string;
  readonly pixels: string;
  readonly transform: string;
  readonly invertProbability: number;
  readonly seed: number;
  readonly target: string;
  readonly features: string;
  /** Class names in label order 0 … 9 (a CSV reader may list them in another order). */
  readonly classes: readonly string[];
  readonly train: FmnistSplitSummary;
  readonly test: FmnistSplitSummary;
}

export const TRANSFORM_FILE = 'transform.json';

/** Reads the IDX files, applies the seeded inversion and writes the folder described in the module comment. */
export async function writeFmnist(options: FmnistWriteOptions): Promise<FmnistTransform> {
  const { invertProbability, seed } = options;
  if (!(invertProbability >= 0 && invertProbability <= 1)) throw new UserInputError(`invert probability must be in [0, 1] (got ${invertProbability})`);
  const source = findFmnistSource(options.source);
  const train = readFmnistSplit(source, 'train', options.limitTrain);
  const test = readFmnistSplit(source, 'test', options.limitTest);
  const out = path.resolve(options.out);
  await fs.mkdir(out, { recursive: true });
  const summaries: Record<FmnistSplit, FmnistSplitSummary> = {} as Record<FmnistSplit, FmnistSplitSummary>;
  for (const images of [train, test]) {
    const mask = inversionMask(seed, images.split, images.n, invertProbability);
    const file = path.join(out, `${images.split}.csv`);
    const polarityFile = path.join(out, `${images.split}.polarity.csv`);
    await writeAtomically(file, (stream) => writeImagesCsv(images, mask, stream));
    await writeAtomically(polarityFile, (stream) => writePolarityCsv(mask, stream));
    let inverted = 0;
    for (let i = 0; i < mask.length; i++) inverted += mask[i];
    summaries[images.split] = {
      file: path.basename(file),
      polarityFile: path.basename(polarityFile),
      rows: images.n,
      sourceRows: images.sourceRows,
      inverted,
      imagesFile: images.imagesFile,
      labelsFile: images.labelsFile,
    };
  }
  const transform: FmnistTransform = {
    dataset: 'Fashion-MNIST (Zalando Research, MIT licence), "Random Invert" variant',
    createdBy: 'moe-lab data fmnist',
    source,
    pixels: 'byte / 255 in [0, 1], written with up to 4 decimals',
    transform: 'each image independently, with probability invertProbability: x → 1 − x (seeded; one stream per split)',
    invertProbability,
    seed,
    target: 'label',
    features: `p1 … p${FMNIST_PIXELS}: the ${FMNIST_SIDE} × ${FMNIST_SIDE} pixels, row by row`,
    classes: FMNIST_CLASSES,
    train: summaries.train,
    test: summaries.test,
  };
  await writeAtomically(path.join(out, TRANSFORM_FILE), async (stream) => {
    await write(stream, JSON.stringify(transform, null, 2) + '\n');
  });
  return transform;
}

const ROWS_PER_CHUNK = 256;

async function writeImagesCsv(images: FmnistImages, mask: Uint8Array, stream: NodeJS.WritableStream): Promise<void> {
  const encoder = new TextEncoder();
  const header = Array.from({ length: FMNIST_PIXELS }, (_, j) => `p${j + 1}`).join(',') + ',label\n';
  await write(stream, header);
  const cells = Array.from({ length: 256 }, (_, byte) => encoder.encode(formatPixel(byte) + ','));
  const labels = FMNIST_CLASSES.map((name) => encoder.encode(name + '\n'));
  const widest = Math.max(...cells.map((c) => c.length)) * FMNIST_PIXELS + Math.max(...labels.map((l) => l.length));
  for (let start = 0; start < images.n; start += ROWS_PER_CHUNK) {
    const end = Math.min(images.n, start + ROWS_PER_CHUNK);
    const buffer = Buffer.allocUnsafe(widest * (end - start));
    let at = 0;
    for (let i = start; i < end; i++) {
      const flip = mask[i] === 1 ? 255 : 0;
      const base = i * FMNIST_PIXELS;
      for (let j = 0; j < FMNIST_PIXELS; j++) {
        const cell = cells[images.pixels[base + j] ^ flip]; // 255 − b === 255 ^ b for a byte
        buffer.set(cell, at);
        at += cell.length;
      }
      const label = labels[images.labels[i]];
      buffer.set(label, at);
      at += label.length;
    }
    await write(stream, buffer.subarray(0, at));
  }
}

async function writePolarityCsv(mask: Uint8Array, stream: NodeJS.WritableStream): Promise<void> {
  const lines = ['row,inverted'];
  for (let i = 0; i < mask.length; i++) lines.push(`${i + 1},${mask[i]}`);
  await write(stream, lines.join('\n') + '\n');
}

function write(stream: NodeJS.WritableStream, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

async function writeAtomically(file: string, body: (stream: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  const stream = createWriteStream(temporary);
  try {
    await body(stream);
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
    await fs.rename(temporary, file);
  } catch (error) {
    stream.destroy();
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The train.csv and test.csv of a folder written by `writeFmnist`, as data sets: features standardized (unless
 * `standardize` is false) with the training rows' statistics only, the test rows with the same statistics.
 */
export async function readFmnistCsv(dir: string, { standardize = true } = {}): Promise<{ train: Dataset; test: Dataset }> {
  const read = async (name: string, withStatistics: boolean): Promise<Dataset> => {
    const table = await readCsvFile(path.join(dir, name));
    return buildDataset(table, { target: 'label', family: 'categorical', standardize: withStatistics }).train;
  };
  const train = await read('train.csv', standardize);
  const raw = await read('test.csv', false);
  const testFile = path.join(dir, 'test.csv');
  if (raw.featureNames.join('\u0000') !== train.featureNames.join('\u0000')) {
    throw new UserInputError(`${testFile}: its feature columns differ from train.csv`, { file: testFile });
  }
  // A slice may miss classes: give the test rows the training rows' class indices.
  const index = raw.classes!.map((name) => train.classes!.indexOf(name));
  const missing = raw.classes!.find((_, c) => index[c] < 0);
  if (missing !== undefined) throw new UserInputError(`${testFile}: class "${missing}" does not occur in train.csv`, { file: testFile });
  const y = raw.y.map((c) => index[c]);
  if (!train.standardization) return { train, test: { ...raw, y, classes: train.classes } };
  const d = raw.p - 1;
  const features = new Float64Array(raw.n * d);
  for (let i = 0; i < raw.n; i++) features.set(raw.X.subarray(i * raw.p, i * raw.p + d), i * d);
  const X = standardizeRows(features, d, train.standardization);
  return { train, test: { ...raw, X, y, classes: train.classes, standardization: train.standardization } };
}
