/**
 * Degenerate fits are reported, not crashed (DESIGN §6): a collapsing variance is floored, an expert that loses
 * all responsibility keeps its parameters, a singular weighted system gets a reported ridge, and the run goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamLayout } from '../../src/core/model/layout';
import { Random } from '../../src/core/random';
import { createEm } from '../../src/core/solvers/em';
import { SolverRun } from '../../src/core/solvers/solverRun';
import { datasetFrom } from './helpers';

function runEm(layout: ParamLayout, data: ReturnType<typeof datasetFrom>, theta0: Float64Array, iterations = 15) {
  const run = new SolverRun(createEm(), { layout, train: data, theta0, stopping: { maxIterations: iterations, tolerance: 0, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
  while (!run.finished) run.step();
  return run.result();
}

test('a collapsing variance is floored and reported, and EM goes on', () => {
  // Half the rows lie exactly on a line: the expert that takes them has zero residual variance.
  const rng = new Random(1);
  const n = 200;
  const X = Float64Array.from({ length: n }, () => rng.normal());
  const y = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 2 * X[i] + 1 : rng.normal() * 3));
  const data = datasetFrom(X, y, 1);
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: 2, C: 0, gate: 'constant', symmetric: false, ridge: 0 });
  const theta0 = Float64Array.of(0, 2, 1, 0, 0, Math.log(0.5), Math.log(3));
  const result = runEm(layout, data, theta0, 30);
  const notes = result.trace.flatMap((r) => r.notes ?? []);
  assert.ok(notes.some((note) => /variance collapsed .* floored/.test(note)), notes.join('\n'));
  assert.ok(result.trace.every((r) => Number.isFinite(r.logLik)));
  assert.ok(result.params.sigma!.every((s) => s > 0));
});

test('an expert that loses all responsibility keeps its parameters and is reported', () => {
  const rng = new Random(2);
  const n = 100;
  const X = Float64Array.from({ length: n }, () => rng.normal());
  const y = Float64Array.from({ length: n }, (_, i) => X[i] + rng.normal() * 0.1);
  const data = datasetFrom(X, y, 1);
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: 2, C: 0, gate: 'constant', symmetric: false, ridge: 0 });
  // Gate intercept −800: expert 1 starts with zero weight everywhere.
  const theta0 = Float64Array.of(-800, 5, 5, 1, 0, 0, 0);
  const result = runEm(layout, data, theta0, 3);
  const notes = result.trace.flatMap((r) => r.notes ?? []);
  assert.ok(notes.some((note) => /expert 1 has lost all responsibility/.test(note)), notes.join('\n'));
  assert.deepEqual(result.params.beta[0], [5, 5], 'the empty expert keeps its coefficients');
  assert.ok(Number.isFinite(result.logLik));
});

test('a singular weighted system (duplicated column) gets a reported ridge', () => {
  const rng = new Random(3);
  const n = 120;
  const X = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) X[2 * i] = X[2 * i + 1] = rng.normal();
  const y = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 3 : -3) * X[2 * i] + rng.normal() * 0.2);
  const data = datasetFrom(X, y, 2);
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: 3, C: 0, gate: 'constant', symmetric: false, ridge: 0 });
  const theta0 = Float64Array.of(0, 1, 0, 0, -1, 0, 0, 0, 0);
  const result = runEm(layout, data, theta0, 5);
  const notes = result.trace.flatMap((r) => r.notes ?? []);
  assert.ok(notes.some((note) => /singular weighted least-squares system; ridge .* added/.test(note)), notes.join('\n'));
  for (let t = 1; t < result.trace.length; t++) assert.ok(result.trace[t].logLik >= result.trace[t - 1].logLik - 1e-6);
});
