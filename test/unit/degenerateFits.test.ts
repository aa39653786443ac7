/**
 * Fits with no maximum and other degenerate fits are named while the run goes on (docs/degenerate-fits.md), each
 * once, at the iteration it appears; the result is kept and marked, its stop message never advises more
 * iterations when no maximum exists, and the best restart is chosen among the non-degenerate ones. Every data set
 * is built here, so the degenerate situation is known.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ParamLayout } from '../../src/core/model/layout';
import { Random } from '../../src/core/random';
import { markBestRestarts, runExperiment } from '../../src/core/runner/runExperiment';
import type { SolverResult } from '../../src/core/runner/types';
import { createEm } from '../../src/core/solvers/em';
import { createGd } from '../../src/core/solvers/gd';
import type { SolverAlgorithm } from '../../src/core/solvers/algorithm';
import { SolverRun } from '../../src/core/solvers/solverRun';
import { validateSpecObject } from '../../src/core/spec/validate';
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

test('on Old Faithful (raw scale, 10 random starts) the starred EM restart is not degenerate', async () => {
  const spec = validateSpecObject({
    name: 'faithful',
    data: { csv: 'faithful.csv', target: 'eruptions', features: ['waiting'], standardize: false },
    model: { experts: 2, expert: 'gaussian', gate: 'softmax' },
    solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false }, gem: { enabled: false } },
    init: { strategy: 'random', seed: 1, restarts: 10 },
  });
  if (!spec.ok) throw new Error(spec.errors.map((e) => e.message).join('; '));
  let results: SolverResult[] = [];
  for await (const event of runExperiment(spec.spec, { baseDir: path.resolve(__dirname, '../fixtures/public'), resultsRoot: false })) {
    if (event.type === 'runFinished') results = event.results;
  }
  assert.ok(results.some((r) => r.degeneracies?.length), 'some restarts are degenerate');
  const best = results.filter((r) => r.best);
  assert.equal(best.length, 1);
  assert.equal(best[0].degeneracies, undefined);
  const bestHealthy = Math.max(...results.filter((r) => !r.degeneracies).map((r) => r.objective));
  assert.equal(best[0].objective, bestHealthy);
});
