/**
 * The model's likelihood and gradients against mathematics: the total log-likelihood equals the formula of
 * DESIGN §1 written out independently, and every gradient matches central finite differences of ℓ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, gateLogProbabilities, gradient } from '../../src/core/model/evaluate';
import { ParamLayout, type ModelShape } from '../../src/core/model/layout';
import { expandParams, packParams, toRawCoordinates, toStandardizedCoordinates } from '../../src/core/model/params';
import { Random } from '../../src/core/random';
import { gateLogProbabilitiesFromLogits } from '../../src/core/model/gate';
import { fastExp } from '../../src/core/kernels/exp';
import { datasetFrom, synthetic } from './helpers';
import type { Dataset } from '../../src/core/data/dataset';

function randomTheta(layout: ParamLayout, seed: number, scale = 0.7): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: layout.size }, () => rng.normal() * scale);
}

function categoricalData(n: number, d: number, C: number, seed: number): Dataset {
  const rng = new Random(seed);
  const X = Float64Array.from({ length: n * d }, () => rng.normal());
  const y = Float64Array.from({ length: n }, () => rng.integer(C));
  return datasetFrom(X, y, d, Array.from({ length: C }, (_, c) => `class${c}`));
}

const gaussian = synthetic({ kind: 'linear', experts: 3, dim: 3, samples: 60, snr: 2, seed: 4 }).data;
const binary = synthetic({ kind: 'logistic', experts: 2, dim: 3, samples: 60, snr: 2, seed: 5 }).data;
const categorical = categoricalData(60, 3, 4, 6);

const cases: { name: string; data: Dataset; shape: Omit<ModelShape, 'p'> }[] = [
  { name: 'gaussian, softmax gate', data: gaussian, shape: { family: 'gaussian', K: 3, C: 0, gate: 'softmax', symmetric: false, ridge: 0 } },
  { name: 'gaussian, constant gate', data: gaussian, shape: { family: 'gaussian', K: 3, C: 0, gate: 'constant', symmetric: false, ridge: 0 } },
  { name: 'gaussian, ridge', data: gaussian, shape: { family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0.3 } },
  { name: 'gaussian, fixed σ', data: gaussian, shape: { family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0, fixedSigma: 0.8 } },
  { name: 'gaussian, symmetric', data: gaussian, shape: { family: 'gaussian', K: 2, C: 0, gate: 'softmax', symmetric: true, ridge: 0 } },
  { name: 'bernoulli', data: binary, shape: { family: 'bernoulli', K: 3, C: 2, gate: 'softmax', symmetric: false, ridge: 0 } },
  { name: 'bernoulli, symmetric', data: binary, shape: { family: 'bernoulli', K: 2, C: 2, gate: 'softmax', symmetric: true, ridge: 0 } },
  { name: 'categorical', data: categorical, shape: { family: 'categorical', K: 2, C: 4, gate: 'softmax', symmetric: false, ridge: 0 } },
  { name: 'categorical, constant gate, ridge', data: categorical, shape: { family: 'categorical', K: 3, C: 4, gate: 'constant', symmetric: false, ridge: 0.1 } },
];

for (const { name, data, shape } of cases) {
  test(`gradient matches finite differences of the objective: ${name}`, () => {
    const layout = new ParamLayout({ ...shape, p: data.p });
    const theta = randomTheta(layout, 11);
    const analytic = gradient(layout, data, theta, evaluate(layout, data, theta));
    for (let j = 0; j < layout.size; j++) {
      const h = 1e-6;
      const plus = theta.slice();
      const minus = theta.slice();
      plus[j] += h;
      minus[j] -= h;
      const numeric = (evaluate(layout, data, plus).objective - evaluate(layout, data, minus).objective) / (2 * h);
      assert.ok(Math.abs(numeric - analytic[j]) <= 1e-5 * (1 + Math.abs(numeric)), `coordinate ${j}: analytic ${analytic[j]}, numeric ${numeric}`);
    }
  });
}

test('total log-likelihood includes every constant (two gaussian experts, written out by hand)', () => {
  // Two rows, one feature; θ chosen by hand. ℓ = Σ_i log Σ_k π_ik N(y_i; β_kᵀx_i, σ_k²).
  const data = datasetFrom(Float64Array.of(0.5, -1.2), Float64Array.of(1.3, -0.4), 1);
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: 2, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const w = [0.7, -0.2]; // gate row of expert 1 (slope, intercept); expert 2 is the reference
  const beta = [[1.5, 0.1], [-0.8, 0.3]];
  const sigma = [0.6, 1.4];
  const theta = packParams(layout, {
    K: 2, p: 2, R: 1,
    W: Float64Array.of(w[0], w[1], 0, 0),
    beta: Float64Array.of(...beta[0], ...beta[1]),
    sigma: Float64Array.of(...sigma),
  });
  const normal = (y: number, mean: number, sd: number) => Math.exp(-((y - mean) ** 2) / (2 * sd * sd)) / Math.sqrt(2 * Math.PI * sd * sd);
  let expected = 0;
  for (const [x, y] of [[0.5, 1.3], [-1.2, -0.4]]) {
    const g = w[0] * x + w[1];
    const pi1 = Math.exp(g) / (Math.exp(g) + 1);
    expected += Math.log(pi1 * normal(y, beta[0][0] * x + beta[0][1], sigma[0]) + (1 - pi1) * normal(y, beta[1][0] * x + beta[1][1], sigma[1]));
  }
  assert.ok(Math.abs(evaluate(layout, data, theta).logLik - expected) < 1e-12);
});

test('responsibilities sum to one per row and log π is normalized', () => {
  const layout = new ParamLayout({ family: 'categorical', K: 3, p: categorical.p, C: 4, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta = randomTheta(layout, 3, 2);
  const ev = evaluate(layout, categorical, theta);
  const logPi = gateLogProbabilities(layout, categorical, theta);
  const gateWeights = [0, 0, 0];
  for (let i = 0; i < categorical.n; i++) {
    let r = 0;
    let pi = 0;
    for (let k = 0; k < 3; k++) {
      r += ev.resp[i * 3 + k];
      pi += Math.exp(logPi[i * 3 + k]);
      gateWeights[k] += Math.exp(logPi[i * 3 + k]);
    }
    assert.ok(Math.abs(r - 1) < 1e-12 && Math.abs(pi - 1) < 1e-12);
  }
  // The evaluation keeps Σ_i π_ik, summed in its pass, and those are the same sums (its exponentials are `fastExp`'s,
  // within 2 ulp of Math.exp).
  ev.gateWeights.forEach((sum, k) => assert.ok(Math.abs(sum - gateWeights[k]) <= 1e-14 * gateWeights[k], `expert ${k}: ${sum} vs ${gateWeights[k]}`));
});

test('standardized and raw coordinates describe the same predictions', () => {
  const rng = new Random(9);
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: 3, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const full = expandParams(layout, randomTheta(layout, 2));
  const standardization = { mean: Float64Array.of(3, -1), scale: Float64Array.of(2, 0.5) };
  const raw = toRawCoordinates(full, standardization);
  const x = [rng.normal() * 2 + 3, rng.normal() * 0.5 - 1];
  const z = [(x[0] - 3) / 2, (x[1] + 1) / 0.5];
  for (let row = 0; row < 2; row++) {
    const onStandardized = full.beta[row * 3] * z[0] + full.beta[row * 3 + 1] * z[1] + full.beta[row * 3 + 2];
    const onRaw = raw.beta[row * 3] * x[0] + raw.beta[row * 3 + 1] * x[1] + raw.beta[row * 3 + 2];
    assert.ok(Math.abs(onStandardized - onRaw) < 1e-12);
  }
  const back = toStandardizedCoordinates(raw, standardization);
  back.beta.forEach((value, j) => assert.ok(Math.abs(value - full.beta[j]) < 1e-12));
});

test("the two-expert gate's log-probabilities have the bits of the general K-expert formula", () => {
  // The general formula written out: log π_k = g_k − (max + log Σ_k e^{g_k − max}), with the reference logit 0.
  const general = (g: number): [number, number] => {
    const logits = [g, 0];
    const max = Math.max(0, g);
    let sum = 0;
    for (const value of logits) sum += fastExp(value - max);
    const lse = max + Math.log(sum);
    return [g - lse, -lse];
  };
  const rng = new Random(21);
  const out = new Float64Array(2);
  const values = [0, -0, 1e-300, -1e-300, 700, -700, 750, -750, ...Array.from({ length: 2000 }, () => rng.normal() * 30)];
  for (const g of values) {
    gateLogProbabilitiesFromLogits(Float64Array.of(g), 2, out, 0);
    const [a, b] = general(g);
    assert.ok(Object.is(out[0], a) && Object.is(out[1], b), `g = ${g}: ${out[0]}, ${out[1]} vs ${a}, ${b}`);
  }
});
