/**
 * Diagnostics against their definitions: the missing-information rate predicts EM's observed linear rate; the
 * KL step is ≥ 0 and 0 only for a zero step; parameter error ignores expert labels; AIC/BIC follow their
 * formulas; the retrospective rate of an exactly geometric sequence is its ratio.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completeDataKl } from '../../src/core/diagnostics/klStep';
import { informationCriteria, mixing, signalToNoise } from '../../src/core/diagnostics/metrics';
import { missingInformation } from '../../src/core/diagnostics/missingInformation';
import { NO_CONTRACTION, describePredictedRates, predictedRate } from '../../src/core/diagnostics/predictedRate';
import { parameterError } from '../../src/core/diagnostics/parameterError';
import { rateFromObjective } from '../../src/core/diagnostics/rate';
import { initialParameters } from '../../src/core/init';
import { evaluate, gateLogProbabilities, gradientQ } from '../../src/core/model/evaluate';
import { ParamLayout } from '../../src/core/model/layout';
import { expandParams, packParams } from '../../src/core/model/params';
import { createEm } from '../../src/core/solvers/em';
import { SolverRun } from '../../src/core/solvers/solverRun';
import { synthetic } from './helpers';

test("the missing information's spectral radius predicts EM's observed local rate", () => {
  for (const snr of [1.5, 3]) {
    const { data, truth } = synthetic({ kind: 'linear', experts: 2, dim: 2, samples: 1500, snr, seed: 8 });
    const layout = new ParamLayout({ family: 'gaussian', K: 2, p: data.p, C: 0, gate: 'softmax', symmetric: true, ridge: 0, fixedSigma: 1 });
    const theta0 = initialParameters(layout, data, { strategy: 'nearTruth', seed: 1, truth, perturbation: 0.2 });
    const run = new SolverRun(createEm(), { layout, train: data, theta0, stopping: { maxIterations: 400, tolerance: 1e-14, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0.01 });
    while (!run.finished) run.step();
    const result = run.result();
    const predicted = result.missingInformation!.spectralRadius;
    // Observed: the step ratio once the iterates are in the linear regime but before round-off.
    const rates = result.trace.map((r) => r.rate).filter((r, t): r is number => r !== undefined && t > 5 && t < result.trace.length - 5);
    const observed = rates[Math.floor(rates.length / 2)];
    assert.ok(predicted > 0 && predicted < 1, `predicted ${predicted}`);
    assert.ok(Math.abs(observed - predicted) < 0.05, `SNR ${snr}: observed ρ̂ ${observed}, predicted ${predicted}`);
  }
});

test('higher SNR gives a faster predicted EM rate (smaller missing information)', () => {
  const radius = [1, 2, 4].map((snr) => {
    const { data, truth } = synthetic({ kind: 'linear', experts: 2, dim: 2, samples: 3000, snr, seed: 4 });
    const layout = new ParamLayout({ family: 'gaussian', K: 2, p: data.p, C: 0, gate: 'softmax', symmetric: true, ridge: 0, fixedSigma: 1 });
    return missingInformation(layout, data, packParams(layout, truth))!.spectralRadius;
  });
  assert.ok(radius[0] > radius[1] && radius[1] > radius[2], `radii ${radius}`);
});

test('the KL step is zero for a zero step and positive otherwise', () => {
  const { data } = synthetic({ kind: 'logistic', experts: 2, dim: 3, samples: 200, snr: 3, seed: 2 });
  const layout = new ParamLayout({ family: 'bernoulli', K: 2, p: data.p, C: 2, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta = initialParameters(layout, data, { strategy: 'random', seed: 3, perturbation: 0 });
  const ev = evaluate(layout, data, theta);
  assert.ok(Math.abs(completeDataKl(layout, data, ev, theta, ev, theta)) < 1e-14);
  const moved = theta.map((v, j) => v + 0.01 * Math.sin(j + 1));
  assert.ok(completeDataKl(layout, data, ev, theta, evaluate(layout, data, moved), moved) > 0);
});

test('the KL step of gaussian experts is the closed form from the experts\' means, σ and the gate', () => {
  // KL(N(μ₁, s₁²) ‖ N(μ₂, s₂²)) = log(s₂/s₁) + (s₁² + (μ₁ − μ₂)²)/(2 s₂²) − 1/2, with μ_ik = sign_k·x_iᵀβ_k computed
  // here row by row from θ (the evaluations do not keep the means).
  // 9 000 rows: more than one block of the product that computes θᵗ's gate logits and mean shifts.
  for (const [symmetric, samples] of [[false, 150], [true, 150], [false, 9000]] as const) {
    const { data } = synthetic({ kind: 'linear', experts: 2, dim: 3, samples, snr: 3, seed: 5, symmetric });
    const layout = new ParamLayout({ family: 'gaussian', K: 2, p: data.p, C: 0, gate: 'softmax', symmetric, ridge: 0 });
    const before = initialParameters(layout, data, { strategy: 'random', seed: 4, perturbation: 0 });
    const after = before.map((v, j) => v + 0.05 * Math.cos(j + 2));
    const mean = (theta: Float64Array, i: number, k: number) => {
      let sum = 0;
      for (let j = 0; j < data.p; j++) sum += data.X[i * data.p + j] * theta[layout.betaRow(k, 0) + j];
      return layout.expertSign(k) * sum;
    };
    const evBefore = evaluate(layout, data, before);
    const evAfter = evaluate(layout, data, after);
    const [logPiBefore, logPiAfter] = [gateLogProbabilities(layout, data, before), gateLogProbabilities(layout, data, after)];
    let expected = 0;
    for (let i = 0; i < data.n; i++) {
      for (let k = 0; k < 2; k++) {
        const [s1, s2] = [layout.sigma(before, k), layout.sigma(after, k)];
        const dm = mean(before, i, k) - mean(after, i, k);
        const expertKl = Math.log(s2 / s1) + (s1 * s1 + dm * dm) / (2 * s2 * s2) - 0.5;
        const logPi = logPiBefore[i * 2 + k];
        expected += Math.exp(logPi) * (logPi - logPiAfter[i * 2 + k] + expertKl);
      }
    }
    expected /= data.n;
    const kl = completeDataKl(layout, data, evBefore, before, evAfter, after);
    assert.ok(expected > 0 && Math.abs(kl - expected) <= 1e-12 * expected, `symmetric ${symmetric}, n ${samples}: ${kl} vs ${expected}`);
  }
});

test("the responsibilities' entropy summed in the pass is −Σ r log r of the responsibilities", () => {
  for (const [kind, family, C] of [['linear', 'gaussian', 0], ['logistic', 'bernoulli', 2]] as const) {
    const { data } = synthetic({ kind, experts: 3, dim: 2, samples: 500, snr: 2, seed: 8 });
    const layout = new ParamLayout({ family, K: 3, p: data.p, C, gate: 'softmax', symmetric: false, ridge: 0 });
    const ev = evaluate(layout, data, initialParameters(layout, data, { strategy: 'random', seed: 2, perturbation: 0 }));
    let expected = 0;
    for (const r of ev.resp) if (r > 0) expected -= r * Math.log(r);
    expected /= data.n;
    const { entropy } = mixing(ev);
    assert.ok(expected > 0.05 && Math.abs(entropy - expected) <= 1e-12 * expected, `${family}: ${entropy} vs ${expected}`);
  }
});

test('parameter error is invariant to relabelling the experts', () => {
  const { data, truth } = synthetic({ kind: 'linear', experts: 3, dim: 2, samples: 50, snr: 3, seed: 6, symmetric: false });
  const layout = new ParamLayout({ family: 'gaussian', K: 3, p: data.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const fitted = expandParams(layout, initialParameters(layout, data, { strategy: 'random', seed: 1, perturbation: 0 }));
  const order = [2, 0, 1];
  const relabelled = {
    ...fitted,
    W: Float64Array.from(order.flatMap((k) => Array.from(fitted.W.subarray(k * 3, k * 3 + 3)))),
    beta: Float64Array.from(order.flatMap((k) => Array.from(fitted.beta.subarray(k * 3, k * 3 + 3)))),
  };
  const a = parameterError(fitted, truth);
  const b = parameterError(relabelled, truth);
  assert.ok(Math.abs(a.expert - b.expert) < 1e-12 && Math.abs(a.gate - b.gate) < 1e-12);
  assert.equal(parameterError(truth, truth).expert, 0);
});

test('SNR of the symmetric truth (β*, −β*) with unit noise is 2‖β*‖', () => {
  const { truth } = synthetic({ kind: 'linear', experts: 2, dim: 4, samples: 10, snr: 3, seed: 1 });
  assert.ok(Math.abs(signalToNoise(truth) - 6) < 1e-12);
});

test('AIC and BIC follow their definitions (lower is better)', () => {
  assert.deepEqual(informationCriteria(-100, 5, 1000), { aic: 210, bic: 5 * Math.log(1000) + 200 });
});

test('the retrospective rate of a geometric approach is its ratio', () => {
  const values = Array.from({ length: 20 }, (_, t) => -1 - 0.5 ** t);
  values.push(-1); // the final value ℓ*
  const rates = rateFromObjective(values).filter((r): r is number => r !== undefined);
  assert.ok(rates.length > 10 && rates.every((r) => Math.abs(r - 0.5) < 1e-9));
});

test('symmetric logistic model: exchanging w and β leaves the likelihood unchanged, and the error allows it', async () => {
  const { exchangeGateAndExperts, symmetricLogisticError } = await import('../../src/core/diagnostics/parameterError');
  const { data, truth } = synthetic({ kind: 'logistic', experts: 2, dim: 3, samples: 200, snr: 3, seed: 12 });
  const layout = new ParamLayout({ family: 'bernoulli', K: 2, p: data.p, C: 2, gate: 'softmax', symmetric: true, ridge: 0 });
  const exchanged = exchangeGateAndExperts(truth);
  const a = evaluate(layout, data, packParams(layout, truth)).logLik;
  const b = evaluate(layout, data, packParams(layout, exchanged)).logLik;
  assert.ok(Math.abs(a - b) < 1e-9 * Math.abs(a), `${a} vs ${b}`);
  const error = symmetricLogisticError(exchanged, truth);
  assert.ok(error.expert < 1e-12 && error.exchanged === true);
});

test("mean gate probabilities: they sum to 1, and at EM's fixed point they equal the responsibility shares (the gate intercept's score equation Σ_i (r_ik − π_ik) = 0)", () => {
  const { data } = synthetic({ kind: 'linear', experts: 3, dim: 2, samples: 600, snr: 4, seed: 11, symmetric: false });
  const layout = new ParamLayout({ family: 'gaussian', K: 3, p: data.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta0 = initialParameters(layout, data, { strategy: 'random', seed: 2, perturbation: 0 });
  const run = new SolverRun(createEm(), { layout, train: data, theta0, stopping: { maxIterations: 500, tolerance: 1e-13, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0.01 });
  while (!run.finished) run.step();
  const { trace } = run.result();
  for (const report of trace) {
    const total = report.gateWeights!.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-12, `iteration ${report.iteration}: Σ_k mean π_k = ${total}`);
  }
  const start = trace[0];
  const startGap = Math.max(...start.gateWeights!.map((g, k) => Math.abs(g - start.mixingWeights[k])));
  const last = trace[trace.length - 1];
  const endGap = Math.max(...last.gateWeights!.map((g, k) => Math.abs(g - last.mixingWeights[k])));
  // The exact gate M-step solves Σ_i (r_ik − π_ik) x_i = 0 for the responsibilities of the previous iterate; at
  // the fixed point those are the current ones, so the intercept column gives equal shares.
  assert.ok(startGap > 1e-3, `a random start is not a fixed point (gap ${startGap})`);
  assert.ok(endGap < 1e-5, `gate shares ${last.gateWeights} against responsibility shares ${last.mixingWeights}`);
});

test('a missing-information radius of 1 or more is not shown as a rate: at a saddle the observed information is not positive definite', () => {
  const { data, truth } = synthetic({ kind: 'linear', experts: 2, dim: 2, samples: 1500, snr: 3, seed: 8 });
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: data.p, C: 0, gate: 'softmax', symmetric: true, ridge: 0, fixedSigma: 1 });
  // θ = 0: experts (β, −β) coincide and the gate is even, so by symmetry ∇ℓ = 0 — a stationary point, and with
  // well-separated experts in the data not a maximum: ℓ rises as β moves towards ±β*, so I_obs has a negative eigenvalue.
  const saddle = new Float64Array(layout.size);
  const ev = evaluate(layout, data, saddle);
  const gradient = gradientQ(layout, data, saddle, ev, ev.resp, new Float64Array(layout.size));
  assert.ok(Math.hypot(...gradient) / data.n < 1e-12, 'θ = 0 is stationary');
  const atSaddle = missingInformation(layout, data, saddle)!;
  assert.ok(atSaddle.spectralRadius > 1, `radius ${atSaddle.spectralRadius} at the saddle`);
  assert.deepEqual(predictedRate(atSaddle), { kind: 'none', radius: atSaddle.spectralRadius });
  const atTruth = missingInformation(layout, data, packParams(layout, truth))!;
  assert.equal(predictedRate(atTruth).kind, 'rate');

  const line = describePredictedRates([
    { restart: 1, information: atSaddle },
    { restart: 0, information: atTruth },
    { restart: 2, information: { spectralRadius: 1 } },
  ]);
  assert.equal(line, `r1: ${atTruth.spectralRadius.toFixed(3)}; r2, r3: ${NO_CONTRACTION}`);
  assert.doesNotMatch(line, /1\.\d{3}/, 'no number above 1 is shown');
});
