/**
 * Fits with no maximum and other degenerate fits are named while the run goes on (docs/degenerate-fits.md), each
 * once, at the iteration it appears; the result is kept and marked, its stop message never advises more
 * iterations when no maximum exists, and the best restart is chosen among the non-degenerate ones. Every data set
 * is built here, so the degenerate situation is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamLayout } from '../../src/core/model/layout';
import { Random } from '../../src/core/random';
import { markBestRestarts } from '../../src/core/runner/runExperiment';
import type { SolverResult } from '../../src/core/runner/types';
import { createEm } from '../../src/core/solvers/em';
import { createGd } from '../../src/core/solvers/gd';
import type { SolverAlgorithm } from '../../src/core/solvers/algorithm';
import { SolverRun } from '../../src/core/solvers/solverRun';
import { datasetFrom } from './helpers';

function run(algorithm: SolverAlgorithm, layout: ParamLayout, data: ReturnType<typeof datasetFrom>, theta0: Float64Array, maxIterations: number) {
  const solver = new SolverRun(algorithm, { layout, train: data, theta0, stopping: { maxIterations, tolerance: 1e-10, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
  while (solver.step()) {
    /* to the end */
  }
  return solver.result();
}

const kinds = (result: SolverResult) => (result.degeneracies ?? []).map((d) => `${d.kind}:${d.block}`);

test('separable classes: separation is named, and max iterations does not advise more iterations', () => {
  const rng = new Random(3);
  const n = 80;
  const X = Float64Array.from({ length: n }, () => rng.normal());
  const y = Float64Array.from(X, (x) => (x > 0.1 ? 1 : 0));
  const data = datasetFrom(X, y, 1, ['0', '1']);
  const layout = new ParamLayout({ family: 'bernoulli', K: 1, p: 2, C: 2, gate: 'constant', symmetric: false, ridge: 0 });
  for (const algorithm of [createEm(), createGd(1)]) {
    const result = run(algorithm, layout, data, new Float64Array(layout.size), 60);
    assert.deepEqual(kinds(result), ['separation:expert 1'], `${algorithm.name}: ${result.stopMessage}`);
    const found = result.degeneracies![0];
    assert.ok(result.trace[found.iteration].notes?.includes(found.message), 'named in the notes of the iteration that found it');
    assert.match(found.message, /no finite maximum.*add a ridge/);
    if (result.stopReason === 'maxIterations') {
      assert.doesNotMatch(result.stopMessage, /raise max iterations/);
      assert.match(result.stopMessage, /no finite maximum.*more iterations cannot help/);
    }
    assert.match(result.stopMessage, /degenerate fit: separation/);
    assert.ok(result.trainAccuracy === 1, 'the result is kept (it still predicts)');
  }
  // With a ridge a maximum exists: nothing is reported.
  const ridged = new ParamLayout({ ...layout.shape, ridge: 1 });
  assert.deepEqual(kinds(run(createEm(), ridged, data, new Float64Array(ridged.size), 60)), []);
});

test('a variance at the floor and an expert without gate weight are named', () => {
  const rng = new Random(1);
  const n = 200;
  const X = Float64Array.from({ length: n }, () => rng.normal());
  // Two rows lie exactly on y = 5x + 40, far from the rest; expert 2 starts there.
  const y = Float64Array.from({ length: n }, (_, i) => (i < 2 ? 5 * X[i] + 40 : X[i] + rng.normal()));
  const data = datasetFrom(X, y, 1);
  const collapse = new ParamLayout({ family: 'gaussian', K: 2, p: 2, C: 0, gate: 'constant', symmetric: false, ridge: 0 });
  const collapsed = run(createEm(), collapse, data, Float64Array.of(0, 1, 0, 5, 40, 0, Math.log(0.5)), 20);
  assert.ok(kinds(collapsed).includes('varianceCollapse:expert 2'), collapsed.stopMessage);
  assert.match(collapsed.degeneracies!.find((d) => d.kind === 'varianceCollapse')!.message, /fitting 2 rows almost exactly/);

  // Three experts for one line; expert 2's gate weight starts at e⁻⁵⁰ per row, far off, and EM keeps it empty.
  const line = Float64Array.from(X, (x) => 2 * x + rng.normal() * 0.3);
  const three = new ParamLayout({ family: 'gaussian', K: 3, p: 2, C: 0, gate: 'constant', symmetric: false, ridge: 0 });
  const empty = run(createEm(), three, datasetFrom(X, line, 1), Float64Array.of(0, -50, 2, 0, 9, 9, 2.1, 0, 0, 0, 0), 10);
  assert.deepEqual(kinds(empty), ['emptyExpert:expert 2'], JSON.stringify(empty.degeneracies));
});

test('a gate that separates the rows saturates: both named, no maximum', () => {
  const rng = new Random(5);
  const n = 120;
  const X = Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? -3 : 3) + 0.3 * rng.normal());
  const y = Float64Array.from(X, (x) => (x < 0 ? 1 + 0.1 * rng.normal() : -1 + 0.1 * rng.normal()));
  const data = datasetFrom(X, y, 1);
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const result = run(createEm(), layout, data, Float64Array.of(-1, 0, 0, 1, 0, -1, 0, 0), 200);
  const found = kinds(result);
  assert.ok(found.includes('separation:gate') || found.includes('saturatedGate:gate'), JSON.stringify(result.degeneracies));
  assert.doesNotMatch(result.stopMessage, /raise max iterations/);
});

test('the best restart is chosen among non-degenerate fits; if all are degenerate none is starred', () => {
  const fit = (restart: number, objective: number, degenerate: boolean) =>
    ({ solver: 'em', restart, objective, best: false, ...(degenerate ? { degeneracies: [{ kind: 'varianceCollapse', iteration: 3, block: 'expert 2', message: '' }] } : {}) }) as unknown as SolverResult;
  const results = [fit(0, -100, false), fit(1, -90, true), fit(2, -95, false)];
  assert.deepEqual(markBestRestarts(results), []);
  assert.deepEqual(results.map((r) => r.best), [false, false, true]);
  const allDegenerate = [fit(0, -100, true), fit(1, -90, true)];
  assert.deepEqual(markBestRestarts(allDegenerate), ['em']);
  assert.ok(allDegenerate.every((r) => !r.best));
});

test('a degenerate fit with the higher likelihood is not starred: the best is the best non-degenerate fit', () => {
  // Two rows lie exactly on y = 5x + 40, far from the rest: an expert put there collapses onto them, and the floor
  // gives that fit a higher likelihood than any honest one.
  const rng = new Random(1);
  const n = 200;
  const X = Float64Array.from({ length: n }, () => rng.normal());
  const y = Float64Array.from({ length: n }, (_, i) => (i < 2 ? 5 * X[i] + 40 : i % 2 === 0 ? X[i] + rng.normal() : -X[i] + 3 + rng.normal()));
  const data = datasetFrom(X, y, 1);
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: 2, C: 0, gate: 'constant', symmetric: false, ridge: 0 });
  const collapsing = { ...run(createEm(), layout, data, Float64Array.of(0, 1, 0, 5, 40, 0, Math.log(0.5)), 100), restart: 0 };
  const honest = { ...run(createEm(), layout, data, Float64Array.of(0, 1, 0, -1, 3, 0, 0), 100), restart: 1 };
  assert.ok(collapsing.degeneracies?.some((d) => d.kind === 'varianceCollapse'), JSON.stringify(collapsing.degeneracies));
  assert.equal(honest.degeneracies, undefined);
  assert.ok(collapsing.objective > honest.objective, `the degenerate fit has the higher ℓ (${collapsing.objective} > ${honest.objective})`);
  assert.deepEqual(markBestRestarts([collapsing, honest]), []);
  assert.equal(collapsing.best, false);
  assert.equal(honest.best, true);
});
