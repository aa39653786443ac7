/**
 * MoE Lab's log-likelihood against R's `logLik` on real data. Each case is a model fitted in R — a mixture of two
 * linear regressions with a constant gate (mixtools::regmixEM), a two-expert mixture of experts with a logistic gate
 * (mixtools::hmeEM), a logistic regression (glm) and a multinomial logistic regression (nnet::multinom), the last
 * two as one expert (K = 1) — whose parameters and logLik were stored by the R scripts in test/fixtures/r-reference/
 * (its README names the data, their licences and the command to rerun; this test reads the stored values and needs
 * no R). For each: ℓ of MoE Lab at R's parameters, on the raw CSV, equals R's logLik; R's fit is a stationary point
 * of MoE Lab's ℓ (∇ℓ ≈ 0, and EM started there does not climb); and MoE Lab's EM from its own starts reaches it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readCsvFile } from '../../src/core/data/csv';
import type { Dataset, ExpertFamily } from '../../src/core/data/dataset';
import { buildDataset } from '../../src/core/data/select';
import { initialParameters } from '../../src/core/init';
import { evaluate, gradient } from '../../src/core/model/evaluate';
import { ParamLayout } from '../../src/core/model/layout';
import { packParams, type FullParams } from '../../src/core/model/params';
import { createEm } from '../../src/core/solvers/em';
import { SolverRun } from '../../src/core/solvers/solverRun';
import type { GateKind } from '../../src/core/spec/types';

const FIXTURES = path.resolve(__dirname, '../fixtures/r-reference');

/** What a reference file holds that every case reads; the parameters are read by each case's `params`. */
interface ReferenceFile {
  readonly call: string;
  readonly data: string;
  readonly target: string;
  readonly features: string[];
  readonly n: number;
  readonly logLik: number;
  readonly [field: string]: unknown;
}

interface ReferenceCase {
  readonly file: string;
  readonly family: ExpertFamily;
  readonly gate: GateKind;
  readonly K: number;
  /** R's parameters in MoE Lab's full form (coefficient rows with the intercept last). */
  readonly params: (reference: ReferenceFile, p: number) => FullParams;
}

const numbers = (value: unknown) => value as number[];

const CASES: ReferenceCase[] = [
  {
    // log π_k = log λ_k in the gate's intercept column; expert k: tuned = intercept_k + slope_k · stretchratio + σ_k ε.
    file: 'regmix-tonedata.json',
    family: 'gaussian',
    gate: 'constant',
    K: 2,
    params: (r) => {
      const [lambda, intercept, slope, sigma] = [numbers(r.lambda), numbers(r.intercept), numbers(r.slope), numbers(r.sigma)];
      return { K: 2, p: 2, R: 1, W: Float64Array.of(0, Math.log(lambda[0]), 0, Math.log(lambda[1])), beta: Float64Array.of(slope[0], intercept[0], slope[1], intercept[1]), sigma: Float64Array.from(sigma) };
    },
  },
  {
    // P(expert 1 | x) = logistic(gateIntercept + gateSlope · x): the softmax gate with expert 2's row at 0.
    file: 'hme-tonedata.json',
    family: 'gaussian',
    gate: 'softmax',
    K: 2,
    params: (r) => {
      const [intercept, slope, sigma] = [numbers(r.intercept), numbers(r.slope), numbers(r.sigma)];
      return { K: 2, p: 2, R: 1, W: Float64Array.of(r.gateSlope as number, r.gateIntercept as number, 0, 0), beta: Float64Array.of(slope[0], intercept[0], slope[1], intercept[1]), sigma: Float64Array.from(sigma) };
    },
  },
  {
    // glm's log-odds of the second class (virginica) is MoE Lab's free bernoulli row (P(y = 1 | x)).
    file: 'glm-iris.json',
    family: 'bernoulli',
    gate: 'softmax',
    K: 1,
    params: (r, p) => ({ K: 1, p, R: 1, W: new Float64Array(p), beta: Float64Array.of(r.petal_length as number, r.petal_width as number, r.intercept as number) }),
  },
  {
    // multinom's rows are log-odds against the first class; MoE Lab's against the last: row c = β_c − β_3 (β_1 = 0).
    file: 'multinom-wine.json',
    family: 'categorical',
    gate: 'softmax',
    K: 1,
    params: (r, p) => {
      const row = (cls: string) => {
        const coefficients = r[cls] as Record<string, number>;
        return [coefficients.alcohol, coefficients.malic_acid, coefficients.ash, coefficients['(Intercept)']];
      };
      const zero = [0, 0, 0, 0];
      const [first, second, third] = [zero, row('cultivar_2'), row('cultivar_3')];
      return { K: 1, p, R: 2, W: new Float64Array(p), beta: Float64Array.from([...first.map((v, j) => v - third[j]), ...second.map((v, j) => v - third[j])]) };
    },
  },
];

interface Loaded {
  readonly reference: ReferenceFile;
  readonly data: Dataset;
  readonly layout: ParamLayout;
  /** R's fit as MoE Lab's θ, on the raw (unstandardized) features. */
  readonly theta: Float64Array;
}

async function load(referenceCase: ReferenceCase, standardize = false): Promise<Loaded> {
  const reference = JSON.parse(readFileSync(path.join(FIXTURES, referenceCase.file), 'utf8')) as ReferenceFile;
  const table = await readCsvFile(path.join(FIXTURES, reference.data));
  const { train: data } = buildDataset(table, { target: reference.target, features: reference.features, family: referenceCase.family, standardize, testFraction: 0 });
  assert.equal(data.n, reference.n, `${reference.data}: the rows R fitted`);
  const C = data.classes?.length ?? 0;
  const layout = new ParamLayout({ family: referenceCase.family, K: referenceCase.K, p: data.p, C, gate: referenceCase.gate, symmetric: false, ridge: 0 });
  return { reference, data, layout, theta: packParams(layout, referenceCase.params(reference, data.p)) };
}

function runEm(layout: ParamLayout, data: Dataset, theta0: Float64Array, maxIterations: number, tolerance: number) {
  const run = new SolverRun(createEm(), { layout, train: data, theta0, stopping: { maxIterations, tolerance, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0.01 });
  while (!run.finished) run.step();
  return { result: run.result(), theta: run.parameters };
}

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

for (const referenceCase of CASES) {
  test(`ℓ at R's parameters equals R's logLik: ${referenceCase.file}`, async () => {
    const { reference, data, layout, theta } = await load(referenceCase);
    const logLik = evaluate(layout, data, theta).logLik;
    const relative = Math.abs(logLik - reference.logLik) / Math.abs(reference.logLik);
    assert.ok(relative < 1e-10, `${reference.call}: MoE Lab ℓ = ${logLik}, R logLik = ${reference.logLik} (relative difference ${relative.toExponential(2)})`);
  });

  test(`R's fit is a stationary point of MoE Lab's ℓ, and EM started there stays: ${referenceCase.file}`, async () => {
    const { reference, data, layout, theta } = await load(referenceCase);
    const ev = evaluate(layout, data, theta);
    // ∇ℓ/n at R's fit against ∇ℓ/n at MoE Lab's random start on the same data: R's fit is a stationary point.
    const atR = norm(gradient(layout, data, theta, ev)) / data.n;
    const theta0 = initialParameters(layout, data, { strategy: 'random', seed: 1, perturbation: 0 });
    const atStart = norm(gradient(layout, data, theta0, evaluate(layout, data, theta0))) / data.n;
    assert.ok(atR < 1e-6 && atR < 1e-6 * atStart, `‖∇ℓ/n‖ = ${atR.toExponential(2)} at R's fit, ${atStart.toExponential(2)} at a random start`);

    const { result, theta: after } = runEm(layout, data, theta, 50, 0);
    const rise = Math.max(...result.trace.map((row) => row.logLik)) - reference.logLik;
    assert.ok(rise < 1e-9 * Math.abs(reference.logLik), `EM from R's fit raised ℓ by ${rise.toExponential(2)}`);
    let moved = 0;
    for (let j = 0; j < theta.length; j++) moved = Math.max(moved, Math.abs(after[j] - theta[j]) / (1 + Math.abs(theta[j])));
    assert.ok(moved < 1e-4, `EM from R's fit moved θ by ${moved.toExponential(2)} (largest relative change)`);
  });

  test(`MoE Lab's EM from its own starts reaches R's logLik: ${referenceCase.file}`, async () => {
    // On standardized features, as a fit runs by default; ℓ does not depend on an affine change of the features.
    const { reference, data, layout } = await load(referenceCase, true);
    let best = -Infinity;
    for (let seed = 1; seed <= 10; seed++) {
      const theta0 = initialParameters(layout, data, { strategy: 'random', seed, perturbation: 0 });
      best = Math.max(best, runEm(layout, data, theta0, 2000, 1e-13).result.logLik);
    }
    assert.ok(Math.abs(best - reference.logLik) < 1e-8 * Math.abs(reference.logLik), `best of 10 EM runs ℓ = ${best}, R logLik = ${reference.logLik}`);
  });
}
