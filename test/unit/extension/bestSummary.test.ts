/**
 * The status bar's "best" when a run ends: solvers that reach one optimum (their objectives within the optima
 * tolerance) are named as a tie, EM first, instead of whichever stopped a few 1e-5 nats higher.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { OPTIMUM_OBJECTIVE_TOLERANCE } from '../../../src/core/diagnostics/optima';
import { runExperiment } from '../../../src/core/runner/runExperiment';
import type { SolverResult } from '../../../src/core/runner/types';
import { validateSpecObject } from '../../../src/core/spec/validate';
import { bestSummary } from '../../../src/extension/run/bestSummary';

const PUBLIC = path.resolve(__dirname, '../../fixtures/public');

test('EM, GD and Adam at one optimum of NOdata are a tie, named in solver order', async () => {
  const validated = validateSpecObject({
    name: 'NOdata tie',
    data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
    model: { experts: 2, expert: 'gaussian', gate: 'constant' },
    solvers: { em: { enabled: true }, gd: { enabled: true, learningRate: 0.05 }, adam: { enabled: true, learningRate: 0.05 }, gem: { enabled: false } },
    stopping: { maxIterations: 3000 },
    init: { strategy: 'kmeans', seed: 1, restarts: 1 },
  });
  if (!validated.ok) throw new Error(validated.errors[0].message);
  let results: readonly SolverResult[] = [];
  for await (const event of runExperiment(validated.spec, { baseDir: PUBLIC, resultsRoot: false })) if (event.type === 'runFinished') results = event.results;
  const converged = results.filter((r) => r.stopReason === 'converged');
  assert.ok(converged.length >= 2, results.map((r) => `${r.solver}: ${r.stopMessage}`).join('\n'));
  const top = Math.max(...converged.map((r) => r.objective));
  const atTop = converged.filter((r) => Math.abs(r.objective - top) <= OPTIMUM_OBJECTIVE_TOLERANCE * (1 + Math.abs(top)));
  assert.ok(atTop.length >= 2, 'at least two solvers reach the same optimum');
  const text = bestSummary(results);
  assert.match(text, /a tie: /);
  assert.ok(text.indexOf('EM') < text.indexOf(atTop.some((r) => r.solver === 'adam') ? 'Adam' : 'GD'), text);
});

test('a clear winner is named alone, with its restart', () => {
  const result = (solver: SolverResult['solver'], objective: number) => ({ solver, restart: 0, logLik: objective, objective, best: true });
  assert.equal(bestSummary([result('em', -120), result('adam', -100)]), ' — best ℓ = -100 (Adam, restart 1)');
  assert.equal(bestSummary([]), '');
});
