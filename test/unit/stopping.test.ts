/**
 * The stopping rules (docs/stopping.md) on real public data: "converged" only where the gradient is small too,
 * "stalled" where the objective stops changing away from a stationary point, an M-step that can leave a
 * saturated softmax, the penalized objective named as such, and the missing-information rate only at a
 * stationary point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fitSoftmaxRegression, softmaxObjective } from '../../src/core/optim/softmaxRegression';
import { runExperiment } from '../../src/core/runner/runExperiment';
import type { SolverResult } from '../../src/core/runner/types';
import { DEFAULT_GRADIENT_TOLERANCE } from '../../src/core/solvers/solverRun';
import { validateSpecObject } from '../../src/core/spec/validate';
import type { ExperimentSpec } from '../../src/core/spec/types';

const PUBLIC = path.resolve(__dirname, '../fixtures/public');

function spec(raw: unknown): ExperimentSpec {
  const result = validateSpecObject(raw);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.spec;
}

async function results(experiment: ExperimentSpec): Promise<SolverResult[]> {
  for await (const event of runExperiment(experiment, { baseDir: PUBLIC, resultsRoot: false })) {
    if (event.type === 'runFinished') return event.results;
  }
  throw new Error('the run did not finish');
}

const finalGradient = (result: SolverResult) => result.trace[result.trace.length - 1].gradientNorm;

function assertConvergedMeansStationary(all: SolverResult[]): void {
  const converged = all.filter((result) => result.stopReason === 'converged');
  for (const result of converged) {
    assert.ok(
      finalGradient(result) <= DEFAULT_GRADIENT_TOLERANCE,
      `${result.solver} restart ${result.restart + 1} "converged" with ‖∇ℓ/n‖ = ${finalGradient(result)}: ${result.stopMessage}`,
    );
  }
  for (const result of converged) {
    assert.match(result.stopMessage, /‖∇ℓ\/n‖ = [0-9.e+-]+ ≤/, 'the message shows the gradient norm beside the Δℓ rule');
  }
}

test('a softmax M-step leaves a saturated start: the gate block rises to its optimum instead of taking 0 steps', () => {
  // One feature on a 40–100 scale (as Old Faithful's waiting times) and coefficients that put class 0 at
  // probability ≈ e⁻⁶⁰ on every row, while every row's target is class 0: the Hessian vanishes there and the
  // Newton direction is useless, but the gradient is large.
  const n = 50;
  const X = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    X[2 * i] = 40 + (60 * i) / (n - 1);
    X[2 * i + 1] = 1;
  }
  const targets = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) targets[2 * i] = 1;
  const problem = { X, n, p: 2, C: 2, targets, ridge: 0 };
  const start = Float64Array.from([-0.9, 0.4]);
  const before = softmaxObjective(problem, start);
  const solve = fitSoftmaxRegression(problem, start);
  assert.ok(solve.iterations > 0, 'the solver moved');
  assert.ok(solve.objective > before + 0.99 * Math.abs(before), `Q rose from ${before} to ${solve.objective} (its supremum is 0)`);
  assert.ok(solve.gradientNorm < 1e-6, `the block's gradient is small at the end (${solve.gradientNorm})`);
});

test('EM with a saturated softmax gate (Old Faithful, raw scale) is never "converged" away from a stationary point', async () => {
  const all = await results(
    spec({
      name: 'faithful raw',
      data: { csv: 'faithful.csv', target: 'eruptions', features: ['waiting'], standardize: false },
      model: { experts: 2, expert: 'gaussian', gate: 'softmax' },
      solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false }, gem: { enabled: false } },
      init: { strategy: 'random', seed: 1, restarts: 10 },
    }),
  );
  assert.equal(all.length, 10);
  assertConvergedMeansStationary(all);
  // The start of restart 8 put π₁ ≈ e⁻⁶⁴ on every row and EM used to stop there at ℓ ≈ −18 000.
  const worst = Math.min(...all.map((r) => r.logLik));
  assert.ok(worst > -1000, `every restart leaves the saturated start (worst ℓ = ${worst})`);
  for (const result of all.filter((r) => r.stopReason === 'stalled')) {
    assert.ok(finalGradient(result) > DEFAULT_GRADIENT_TOLERANCE);
    assert.match(result.stopMessage, /not a stationary point/);
  }
});

test('Adam on NOdata (constant gate, K = 2): a step that happens to change ℓ by almost nothing is not convergence', async () => {
  const all = await results(
    spec({
      name: 'NOdata',
      data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
      model: { experts: 2, expert: 'gaussian', gate: 'constant' },
      solvers: { em: { enabled: true }, gd: { enabled: true }, adam: { enabled: true }, gem: { enabled: false } },
      init: { strategy: 'random', seed: 1, restarts: 10 },
    }),
  );
  assertConvergedMeansStationary(all);
  // Where Adam says converged it is at an optimum EM also reaches: within 1e-3 nats of the best EM restart or of
  // another EM stationary point.
  const emOptima = all.filter((r) => r.solver === 'em' && r.converged).map((r) => r.logLik);
  for (const adam of all.filter((r) => r.solver === 'adam' && r.converged)) {
    assert.ok(
      emOptima.some((l) => Math.abs(l - adam.logLik) < 1e-2),
      `Adam restart ${adam.restart + 1} "converged" at ℓ = ${adam.logLik}, where no EM restart stopped (${emOptima.join(', ')})`,
    );
  }
});

test('with a ridge the stop message names the penalized objective it measured', async () => {
  const all = await results(
    spec({
      name: 'NOdata ridge',
      data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
      model: { experts: 2, expert: 'gaussian', gate: 'softmax', ridge: 0.5 },
      solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false }, gem: { enabled: false } },
      init: { strategy: 'kmeans', seed: 1, restarts: 1 },
    }),
  );
  const [em] = all;
  assert.match(em.stopMessage, /\|ΔF\|/);
  assert.match(em.stopMessage, /F = ℓ − 0\.5\/2·‖θ‖²|penalized/);
  assert.doesNotMatch(em.stopMessage, /\|Δℓ\|/);
});

test('the missing-information rate is reported at a stationary point only, not where EM hit its iteration limit', async () => {
  const base = {
    data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
    model: { experts: 2, expert: 'gaussian', gate: 'constant' },
    solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false }, gem: { enabled: false } },
    init: { strategy: 'random', seed: 2, restarts: 1 },
  };
  const [stopped] = await results(spec({ name: 'capped', ...base, stopping: { maxIterations: 3 } }));
  assert.equal(stopped.stopReason, 'maxIterations');
  assert.equal(stopped.missingInformation, undefined, 'no rate at an iterate that is not stationary');
  const [converged] = await results(spec({ name: 'converged', ...base }));
  assert.equal(converged.stopReason, 'converged');
  assert.ok(converged.missingInformation, 'the rate is reported at the converged point');
  assert.ok(converged.missingInformation.spectralRadius < 1, `a rate below 1 at a maximum (${converged.missingInformation.spectralRadius})`);
});

test('a gradient tolerance the change rule cannot reach stops EM as stalled, with advice that fits a crawling EM', async () => {
  const [em] = await results(
    spec({
      name: 'NOdata strict',
      data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
      model: { experts: 2, expert: 'gaussian', gate: 'constant' },
      solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false }, gem: { enabled: false } },
      stopping: { gradientTolerance: 1e-12 },
      init: { strategy: 'kmeans', seed: 1, restarts: 1 },
    }),
  );
  assert.equal(em.stopReason, 'stalled');
  assert.ok(em.trace.at(-1)!.gradientNorm > 1e-12);
  assert.match(em.stopMessage, /EM still gains, but less than the tolerance per iteration/);
  assert.equal(em.missingInformation, undefined, 'no missing-information rate at a stall');
});

test('tolerance 0 turns the change rule off: every solver runs to its iteration limit, even where ℓ stops changing', async () => {
  // A one-expert Gaussian model: EM's M-step is ordinary least squares, so from its second iteration on ℓ changes by
  // exactly 0 — the case in which "|Δℓ| ≤ 0" used to stop it as converged.
  const maxIterations = 12;
  const all = await results(
    spec({
      name: 'NOdata tolerance 0',
      data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
      model: { experts: 1, expert: 'gaussian', gate: 'constant' },
      solvers: { em: { enabled: true }, gd: { enabled: true }, adam: { enabled: true }, gem: { enabled: true } },
      stopping: { maxIterations, tolerance: 0 },
      init: { strategy: 'kmeans', seed: 1, restarts: 1 },
    }),
  );
  assert.equal(all.length, 4);
  const em = all.find((result) => result.solver === 'em')!;
  const last = em.trace.at(-1)!.logLik;
  assert.equal(em.trace.at(-2)!.logLik, last, 'EM sits at its fixed point: ℓ no longer changes');
  for (const result of all) {
    assert.equal(result.stopReason, 'maxIterations', `${result.solver}: ${result.stopMessage}`);
    assert.equal(result.trace.at(-1)!.iteration, maxIterations);
  }
});
