/**
 * The rows the panel's expert scatter gets (src/core/runner/dataSample.ts): on the CSV's own scale (standardization
 * undone exactly), at most MAX_SAMPLE_ROWS of them spread through the data, only for one or two features; and the
 * runner sends them with `runStarted`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetFromArrays } from '../../src/core/data/select';
import { dataSample, MAX_SAMPLE_ROWS } from '../../src/core/runner/dataSample';
import { runExperiment } from '../../src/core/runner/runExperiment';
import { validateSpecObject } from '../../src/core/spec/validate';
import { isDataSample } from '../../src/protocol/panelMessages';

function rows(n: number, d: number): { X: Float64Array; y: Float64Array } {
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = 100 * (j + 1) + i * (j + 2) * 0.37;
    y[i] = 3 * i - 7;
  }
  return { X, y };
}

test('a standardized two-feature dataset gives back its raw values, row for row', () => {
  const { X, y } = rows(500, 2);
  const { train } = datasetFromArrays(X, y, { features: ['a', 'b'], target: 'y' }, { standardize: true });
  assert.ok(train.standardization, 'precondition: standardized');
  const sample = dataSample(train)!;
  assert.equal(sample.rows, 500);
  assert.equal(sample.y.length, 500);
  for (let i = 0; i < 500; i++) {
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(sample.x[j][i] - X[i * 2 + j]) < 1e-9 * Math.abs(X[i * 2 + j]), `row ${i}, feature ${j}`);
    assert.equal(sample.y[i], y[i]);
  }
  assert.ok(isDataSample(sample), 'the panel accepts it');
});

test('a large dataset is sampled evenly to at most MAX_SAMPLE_ROWS rows, first row included', () => {
  const { X, y } = rows(9001, 1);
  const { train } = datasetFromArrays(X, y, { features: ['a'], target: 'y' });
  const sample = dataSample(train)!;
  assert.equal(sample.y.length, MAX_SAMPLE_ROWS);
  assert.equal(sample.rows, 9001);
  assert.equal(sample.y[0], y[0]);
  // Evenly spread: consecutive sampled rows are ⌊9001/2000⌋ or ⌈9001/2000⌉ apart (y is linear in the row index).
  for (let s = 1; s < sample.y.length; s++) {
    const gap = (sample.y[s] - sample.y[s - 1]) / 3;
    assert.ok(gap === 4 || gap === 5, `gap ${gap} at ${s}`);
  }
});

test('three or more features: no sample (there is no scatter to draw)', () => {
  const { X, y } = rows(50, 3);
  const { train } = datasetFromArrays(X, y, { features: ['a', 'b', 'c'], target: 'y' });
  assert.equal(dataSample(train), undefined);
});

test('the runner sends the sample with runStarted for a one-feature run, not for a wider one', async () => {
  const spec = (dim: number) =>
    validateSpecObject({
      name: `dim ${dim}`,
      data: { synthetic: { kind: 'linear', experts: 2, dim, samples: 300, snr: 4, seed: 1, symmetric: false } },
      model: { experts: 2, expert: 'gaussian', gate: 'softmax' },
      solvers: { em: { enabled: true }, gem: { enabled: false }, gd: { enabled: false }, adam: { enabled: false } },
      stopping: { maxIterations: 2 },
      init: { strategy: 'random', seed: 1, restarts: 1 },
    });
  for (const [dim, expected] of [
    [1, 300],
    [3, undefined],
  ] as const) {
    const validated = spec(dim);
    assert.ok(validated.ok);
    for await (const event of runExperiment(validated.spec, { baseDir: process.cwd(), resultsRoot: false })) {
      if (event.type !== 'runStarted') continue;
      assert.equal(event.sample?.y.length, expected, `dim ${dim}`);
      break;
    }
  }
});
