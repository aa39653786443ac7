/**
 * Solvers against what the mathematics guarantees: EM never decreases the (penalized) objective; each M-step block
 * is a maximizer of Q (its gradient is ~0; with a ridge on gaussian experts, each conditional maximization of ECM);
 * Gradient EM with one step is GD, and with many steps approaches EM; EM recovers known parameters at high SNR, a
 * symmetric model with β₂ = −β₁ included; EM, a tuned GD and Adam reach the same optimum on an easy problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataset } from '../../src/core/data/dataset';
import { initialParameters } from '../../src/core/init';
import { evaluate, gradientQ } from '../../src/core/model/evaluate';
import { ParamLayout, type ModelShape } from '../../src/core/model/layout';
import { createAdam } from '../../src/core/solvers/adam';
import type { SolverAlgorithm } from '../../src/core/solvers/algorithm';
import { createEm } from '../../src/core/solvers/em';
import { createGd } from '../../src/core/solvers/gd';
import { createGradientEm } from '../../src/core/solvers/gradientEm';
import { emUpdate } from '../../src/core/solvers/mstep';
import { expandParams, type FullParams } from '../../src/core/model/params';
import { categoricalMixture, runToEnd as runSolverToEnd, synthetic } from './helpers';

const STOP = { maxIterations: 60, tolerance: 0, timeBudgetSeconds: 0 };

/** The solver run from θ₀ to its end (60 iterations unless `stopping` says otherwise). */
function runToEnd(algorithm: SolverAlgorithm, layout: ParamLayout, data: Dataset, theta0: Float64Array, stopping = STOP, truth?: FullParams) {
  return runSolverToEnd(algorithm, { layout, data, theta0, stopping, truth });
}

const linear = synthetic({ kind: 'linear', experts: 3, dim: 3, samples: 300, snr: 3, seed: 21 }).data;
const logistic = synthetic({ kind: 'logistic', experts: 2, dim: 3, samples: 300, snr: 3, seed: 22 }).data;
const categorical = categoricalMixture(300, 23);

const monotoneCases: { name: string; data: Dataset; shape: Omit<ModelShape, 'p'> }[] = [
  { name: 'gaussian K=3', data: linear, shape: { family: 'gaussian', K: 3, C: 0, gate: 'softmax', symmetric: false, ridge: 0 } },
  { name: 'gaussian K=2 constant gate', data: linear, shape: { family: 'gaussian', K: 2, C: 0, gate: 'constant', symmetric: false, ridge: 0 } },
  { name: 'gaussian K=2 ridge (ECM)', data: linear, shape: { family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0.5 } },
  { name: 'gaussian symmetric, fixed σ', data: linear, shape: { family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: true, ridge: 0, fixedSigma: 1 } },
  { name: 'bernoulli K=2', data: logistic, shape: { family: 'bernoulli', K: 2, C: 2, gate: 'softmax', symmetric: false, ridge: 0 } },
  { name: 'bernoulli symmetric', data: logistic, shape: { family: 'bernoulli', K: 2, C: 2, gate: 'softmax', symmetric: true, ridge: 0 } },
  { name: 'categorical K=2', data: categorical, shape: { family: 'categorical', K: 2, C: 3, gate: 'softmax', symmetric: false, ridge: 0 } },
];

for (const { name, data, shape } of monotoneCases) {
  test(`EM never decreases the objective, any start: ${name}`, () => {
    const layout = new ParamLayout({ ...shape, p: data.p });
    for (let seed = 0; seed < 8; seed++) {
      const theta0 = initialParameters(layout, data, { strategy: seed % 2 ? 'kmeans' : 'random', seed, perturbation: 0 });
      const { result } = runToEnd(createEm(), layout, data, theta0, { maxIterations: 40, tolerance: 0, timeBudgetSeconds: 0 });
      for (let t = 1; t < result.trace.length; t++) {
        const before = result.trace[t - 1].objective;
        const after = result.trace[t].objective;
        assert.ok(after >= before - 1e-9 * (1 + Math.abs(before)), `seed ${seed}, iteration ${t}: ${before} → ${after}`);
      }
    }
  });

  test(`each M-step block maximizes Q (its gradient is ~0): ${name}`, () => {
    const layout = new ParamLayout({ ...shape, p: data.p });
    const theta = initialParameters(layout, data, { strategy: 'random', seed: 5, perturbation: 0 });
    const ev = evaluate(layout, data, theta);
    const { theta: next } = emUpdate(layout, data, theta, ev);
    const gradientOfQAt = (point: Float64Array) => gradientQ(layout, data, point, evaluate(layout, data, point), ev.resp, new Float64Array(layout.size));
    const gradQ = gradientOfQAt(next);
    if (isEcm(layout)) {
      // ECM: β maximizes the penalized Q with σ held at σᵗ, then σ maximizes Q given that β. Each conditional
      // maximization has a zero gradient of its block where it was taken: β's at (β⁺, σᵗ), σ's and the gate's at θ⁺.
      const sigmaHeld = next.slice();
      sigmaHeld.set(theta.subarray(layout.sigmaOffset), layout.sigmaOffset);
      gradQ.set(gradientOfQAt(sigmaHeld).subarray(layout.betaOffset, layout.sigmaOffset), layout.betaOffset);
    }
    const worst = Math.max(...gradQ.map(Math.abs)) / data.n;
    assert.ok(worst < 1e-7, `largest |∂Q/∂θ|/n after the M-step: ${worst}`);
  });
}

/** Gaussian experts with a ridge and a free σ: EM's M-step is two conditional maximizations (see mstep.ts). */
function isEcm(layout: ParamLayout): boolean {
  return layout.shape.family === 'gaussian' && layout.shape.ridge > 0 && layout.sigmaCount > 0;
}

test('Gradient EM with one step makes exactly the iterates of GD with the same η', () => {
  const layout = new ParamLayout({ family: 'gaussian', K: 3, p: linear.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta0 = initialParameters(layout, linear, { strategy: 'random', seed: 1, perturbation: 0 });
  const gd = runToEnd(createGd(0.05), layout, linear, theta0, { maxIterations: 25, tolerance: 0, timeBudgetSeconds: 0 });
  const gem = runToEnd(createGradientEm(0.05, 1), layout, linear, theta0, { maxIterations: 25, tolerance: 0, timeBudgetSeconds: 0 });
  assert.deepEqual(Array.from(gem.theta), Array.from(gd.theta));
  assert.deepEqual(gem.result.trace.map((r) => r.logLik), gd.result.trace.map((r) => r.logLik));
});

test('Gradient EM approaches the EM step as the number of inner steps grows', () => {
  const layout = new ParamLayout({ family: 'bernoulli', K: 2, p: logistic.p, C: 2, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta = initialParameters(layout, logistic, { strategy: 'random', seed: 2, perturbation: 0 });
  const ev = evaluate(layout, logistic, theta);
  const context = { layout, data: logistic, gradientAt: (t: Float64Array, e: typeof ev) => gradientQ(layout, logistic, t, e, e.resp, new Float64Array(layout.size)) };
  const em = createEm().step(theta, ev, context).theta;
  const distance = (a: Float64Array) => Math.sqrt(a.reduce((s, v, j) => s + (v - em[j]) ** 2, 0));
  const gaps = [1, 10, 100, 2000].map((steps) => distance(createGradientEm(1, steps).step(theta, ev, context).theta));
  for (let j = 1; j < gaps.length; j++) assert.ok(gaps[j] < gaps[j - 1], `gaps ${gaps}`);
  assert.ok(gaps[gaps.length - 1] < 1e-3 * distance(theta), `gaps ${gaps}`);
});

/** EM's best of `restarts` random starts on synthetic data; `symmetric` for the truth, `symmetricModel` for the fit. */
function recover(kind: 'linear' | 'logistic', experts: number, samples: number, snr: number, restarts: number, symmetric = false, symmetricModel = symmetric) {
  const { data, truth } = synthetic({ kind, experts, dim: 3, samples, snr, seed: 100 + experts, symmetric });
  const layout = new ParamLayout({ family: kind === 'linear' ? 'gaussian' : 'bernoulli', K: experts, p: data.p, C: kind === 'linear' ? 0 : 2, gate: 'softmax', symmetric: symmetricModel, ridge: 0 });
  let best: ReturnType<typeof runToEnd> | undefined;
  for (let restart = 0; restart < restarts; restart++) {
    const theta0 = initialParameters(layout, data, { strategy: 'random', seed: restart, perturbation: 0 });
    const run = runToEnd(createEm(), layout, data, theta0, { maxIterations: 300, tolerance: 1e-9, timeBudgetSeconds: 0 }, truth);
    if (!best || run.result.objective > best.result.objective) best = run;
  }
  return { ...best!, layout, truth };
}

/** Whether the second expert's coefficients are exactly minus the first's (β₂ = −β₁). */
function opposite(beta: Float64Array, p: number): boolean {
  return Array.from(beta.subarray(0, p)).every((v, j) => beta[p + j] === -v);
}

test('EM recovers K=2 symmetric linear experts at high SNR (random starts, best of 3)', () => {
  const symmetric = recover('linear', 2, 2000, 6, 3, true);
  const { layout, truth, result } = symmetric;
  assert.ok(opposite(truth.beta, truth.p), 'the synthetic truth has β₂* = −β₁*');
  // The model has one coefficient block and one σ, and its fitted experts are β̂ and −β̂.
  assert.equal(layout.expertBlocks, 1);
  assert.equal(layout.sigmaCount, 1);
  const fitted = expandParams(layout, symmetric.theta);
  assert.ok(opposite(fitted.beta, fitted.p), `fitted experts ${Array.from(fitted.beta)}`);
  assert.equal(fitted.sigma![0], fitted.sigma![1]);
  assert.ok(result.parameterError! < 0.05, `parameter error ${result.parameterError}`);
  assert.ok(result.gateError! < 0.25, `gate error ${result.gateError}`);
  // The constraint holds in the truth, so the free model (p + 1 more parameters: a second β and σ) gains little:
  // 2(ℓ_free − ℓ_sym) is χ² with p + 1 = 5 degrees of freedom (Wilks), below its 99.9 % quantile 20.5. Nested
  // models: ℓ_free ≥ ℓ_sym at their optima.
  const free = recover('linear', 2, 2000, 6, 3, true, false);
  assert.equal(free.layout.expertBlocks, 2);
  const gain = free.result.logLik - result.logLik;
  assert.ok(gain >= -1e-6 && 2 * gain < 20.5, `ℓ_free − ℓ_sym = ${gain}`);
});

test('EM recovers K=4 linear experts at high SNR (random starts, best of 4)', () => {
  const { result } = recover('linear', 4, 1500, 8, 4);
  assert.ok(result.parameterError! < 0.05, `parameter error ${result.parameterError}`);
});

test('EM recovers K=2 logistic experts at high SNR (random starts, best of 3)', () => {
  const { result } = recover('logistic', 2, 4000, 8, 3);
  assert.ok(result.parameterError! < 0.2, `parameter error ${result.parameterError}`);
});

test('EM, a tuned GD and Adam reach the same optimum on an easy problem', () => {
  const { data } = synthetic({ kind: 'linear', experts: 2, dim: 2, samples: 800, snr: 5, seed: 31 });
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: data.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta0 = initialParameters(layout, data, { strategy: 'kmeans', seed: 0, perturbation: 0 });
  const stopping = { maxIterations: 20000, tolerance: 1e-13, timeBudgetSeconds: 0 };
  const em = runToEnd(createEm(), layout, data, theta0, stopping);
  const gd = runToEnd(createGd(0.3), layout, data, theta0, stopping);
  const adam = runToEnd(createAdam(0.01), layout, data, theta0, stopping);
  for (const other of [gd, adam]) {
    assert.ok(Math.abs(other.result.logLik - em.result.logLik) < 1e-4 * Math.abs(em.result.logLik), `${other.result.solver}: ${other.result.logLik} vs EM ${em.result.logLik}`);
    const gap = Math.sqrt(other.theta.reduce((s, v, j) => s + (v - em.theta[j]) ** 2, 0));
    assert.ok(gap < 1e-2, `${other.result.solver} parameters differ from EM's by ${gap}`);
  }
  assert.ok(em.result.iterations < gd.result.iterations, 'EM needs fewer iterations than GD');
});

test('a non-finite step stops the solver as diverged and keeps its trace', () => {
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: linear.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta0 = initialParameters(layout, linear, { strategy: 'random', seed: 1, perturbation: 0 });
  const { result } = runToEnd(createGd(1e6), layout, linear, theta0, { maxIterations: 200, tolerance: 0, timeBudgetSeconds: 0 });
  assert.equal(result.stopReason, 'diverged');
  assert.match(result.stopMessage, /learning rate too large/);
  assert.ok(result.trace.length >= 1 && result.trace.every((r) => Number.isFinite(r.logLik)));
});
