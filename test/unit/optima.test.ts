/**
 * Issue 14, items 2 and 3: which expert is which across runs (alignment by the relabelling closest to a
 * reference; the Hungarian method for larger K), and the distinct optima of a multi-start fit (only runs that
 * converged; equal ℓ and equal parameters up to relabelling), on real fits of public data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  alignExperts,
  alignRunLabels,
  cheapestAssignment,
  expertPermutation,
  groupOptima,
  permuteExperts,
  OPTIMUM_OBJECTIVE_TOLERANCE,
  OPTIMUM_PARAMETER_TOLERANCE,
  relativeParameterDistance,
} from '../../src/core/diagnostics/optima';
import { permutations } from '../../src/core/diagnostics/parameterError';
import { evaluate } from '../../src/core/model/evaluate';
import { packParams, paramsFromJson, paramsToJson, type FullParams } from '../../src/core/model/params';
import { loadData } from '../../src/core/runner/loadData';
import { minimumCostAssignment } from '../../src/core/optim/assignment';
import { Random } from '../../src/core/random';
import type { RunSummary } from '../../src/core/runner/results';
import { modelLayout, runExperiment } from '../../src/core/runner/runExperiment';
import type { RunEvent, SolverResult } from '../../src/core/runner/types';
import { validateSpecObject } from '../../src/core/spec/validate';

const ROOT = path.resolve(__dirname, '../..');
const PUBLIC = path.join(ROOT, 'test/fixtures/public');
type Finished = Extract<RunEvent, { type: 'runFinished' }>;

async function finish(raw: unknown, resultsRoot: string | false = false): Promise<Finished> {
  const validated = validateSpecObject(raw);
  if (!validated.ok) throw new Error(validated.errors.map((e) => e.message).join('; '));
  for await (const event of runExperiment(validated.spec, { baseDir: PUBLIC, resultsRoot })) {
    if (event.type === 'runFinished') return event;
  }
  throw new Error('the run did not finish');
}

const noData = (solvers: string[], extra: object = {}) => ({
  name: 'NOdata',
  data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
  model: { experts: 2, expert: 'gaussian', gate: 'constant' },
  solvers: Object.fromEntries(['em', 'gem', 'gd', 'adam'].map((name) => [name, { enabled: solvers.includes(name) }])),
  init: { strategy: 'random', seed: 1, restarts: 10 },
  ...extra,
});

/**
 * The same fit with its experts listed in another order, written out here independently of the code under test:
 * copy expert k = original expert order[k]; the gate re-referenced so that its last row is 0 again.
 */
function reordered(params: FullParams, order: readonly number[]): FullParams {
  const { K, p, R } = params;
  const W = new Float64Array(K * p);
  const beta = new Float64Array(K * R * p);
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < p; c++) W[k * p + c] = params.W[order[k] * p + c] - params.W[order[K - 1] * p + c];
    for (let c = 0; c < R * p; c++) beta[k * R * p + c] = params.beta[order[k] * R * p + c];
  }
  return { K, p, R, W, beta, sigma: params.sigma && Float64Array.from(order, (k) => params.sigma![k]) };
}

function reorderedResult(result: SolverResult, order: readonly number[], restart: number): SolverResult {
  return {
    ...result,
    restart,
    params: paramsToJson(reordered(paramsFromJson(result.params), order)),
    paramsRaw: paramsToJson(reordered(paramsFromJson(result.paramsRaw), order)),
    trace: result.trace.map((report) => ({
      ...report,
      mixingWeights: order.map((k) => report.mixingWeights[k]),
      gateWeights: order.map((k) => report.gateWeights![k]),
      notes: ['expert 2: as said while the run went on'],
    })),
  };
}

function assertParamsClose(actual: FullParams, expected: FullParams, tolerance = 1e-12): void {
  for (const key of ['W', 'beta', 'sigma'] as const) {
    const a = actual[key]!;
    const e = expected[key]!;
    assert.equal(a.length, e.length, key);
    a.forEach((value, i) => assert.ok(Math.abs(value - e[i]) <= tolerance, `${key}[${i}] = ${value}, expected ${e[i]}`));
  }
}

const inverse = (order: readonly number[]) => order.map((_, k) => order.indexOf(k));

let softmaxFit: Promise<Finished> | undefined;
/** A real K = 3 softmax-gated fit (one EM restart on NOdata), so that every relabelling moves the gate too. */
function threeExpertFit(): Promise<Finished> {
  softmaxFit ??= finish({ ...noData(['em']), model: { experts: 3, expert: 'gaussian', gate: 'softmax' }, init: { strategy: 'kmeans', seed: 1, restarts: 1 } });
  return softmaxFit;
}

test('a relabelled copy of a fit: the exact permutation is recovered, it is grouped with the fit and relabelled back', async () => {
  const [fit] = (await threeExpertFit()).results;
  const original = paramsFromJson(fit.params);
  for (const order of permutations(3).slice(1)) {
    const copy = reordered(original, order);
    // Copy expert j is original expert order[j]; label k must take the copy expert holding original expert k.
    assert.deepEqual(expertPermutation(original, copy), inverse(order), `order [${order}]`);
    assertParamsClose(alignExperts(original, copy), original);

    const copyResult = reorderedResult(fit, order, 1);
    const { results, alignment } = alignRunLabels([fit, copyResult]);
    assert.deepEqual(alignment?.relabelled, [{ solver: 'em', restart: 1 }]);
    assert.equal(results[0], fit, 'the reference run is kept as it is');
    assertParamsClose(paramsFromJson(results[1].params), original);
    assertParamsClose(paramsFromJson(results[1].paramsRaw), paramsFromJson(fit.paramsRaw), 1e-9);
    results[1].trace.forEach((report, t) =>
      report.mixingWeights.forEach((weight, k) => {
        assert.ok(Math.abs(weight - fit.trace[t].mixingWeights[k]) < 1e-15, `iteration ${t}, expert ${k + 1}`);
        assert.ok(Math.abs(report.gateWeights![k] - fit.trace[t].gateWeights![k]) < 1e-15, `iteration ${t}, expert ${k + 1}: gate weight`);
      }),
    );
    assert.deepEqual(results[1].expertOrder, inverse(order), 'the relabelled run says which of its own experts each label is');
    assert.equal(results[1].trace[0].notes?.[0], copyResult.trace[0].notes?.[0], 'notes keep the numbers the warnings used while the run went on');
    assert.equal(results[0].expertOrder, undefined);

    const { optima } = groupOptima([fit, copyResult]);
    assert.equal(optima.length, 1, 'a relabelled copy is the same optimum');
    assert.equal(optima[0].starts, 2);
    assert.ok(optima[0].spread < 1e-12, `spread ${optima[0].spread}`);
  }
});

test('every relabelling of a softmax-gated fit has the same log-likelihood (the gate re-referenced to the new last expert)', async () => {
  const validated = validateSpecObject({ ...noData(['em']), model: { experts: 3, expert: 'gaussian', gate: 'softmax' }, init: { strategy: 'kmeans', seed: 1, restarts: 1 } });
  assert.ok(validated.ok);
  const data = await loadData(validated.spec, { baseDir: PUBLIC });
  const layout = modelLayout(validated.spec, data);
  const [fit] = (await threeExpertFit()).results;
  const logLik = (params: FullParams) => evaluate(layout, data.train, packParams(layout, params)).logLik;
  const original = logLik(paramsFromJson(fit.params));
  assert.ok(Math.abs(original - fit.logLik) < 1e-9 * (1 + Math.abs(original)), 'the stored parameters give the stored ℓ');
  for (const order of permutations(3)) {
    const relabelled = permuteExperts(paramsFromJson(fit.params), order);
    assert.ok(Math.abs(logLik(relabelled) - original) < 1e-9 * (1 + Math.abs(original)), `order [${order}]: ℓ ${logLik(relabelled)} vs ${original}`);
    assert.deepEqual(Array.from(relabelled.W.subarray(2 * relabelled.p)), new Array(relabelled.p).fill(0), 'the last gate row is the reference, 0');
  }
});

test('beyond 6 experts the Hungarian method recovers the relabelling', () => {
  const random = new Random(7);
  const K = 8;
  const p = 3;
  const W = Float64Array.from({ length: K * p }, (_, i) => (i >= (K - 1) * p ? 0 : random.normal()));
  const params: FullParams = { K, p, R: 1, W, beta: Float64Array.from({ length: K * p }, () => random.normal()), sigma: Float64Array.from({ length: K }, () => 0.5 + random.uniform()) };
  const order = [3, 7, 0, 5, 1, 6, 2, 4];
  assert.deepEqual(expertPermutation(params, reordered(params, order)), inverse(order));
  assertParamsClose(alignExperts(params, reordered(params, order)), params);
});

test('a worked assignment: rows 0, 1, 2 to columns 1, 0, 2 cost 1 + 2 + 2 = 5, the least of the six', () => {
  const cost = [
    [4, 1, 3],
    [2, 0, 5],
    [3, 2, 2],
  ];
  assert.deepEqual(minimumCostAssignment(cost), [1, 0, 2]);
  assert.deepEqual(cheapestAssignment(cost), [1, 0, 2]);
  assert.deepEqual(minimumCostAssignment([]), []);
  assert.throws(() => minimumCostAssignment([[1, 2]]), /square/);
  assert.throws(() => minimumCostAssignment([[NaN]]), /cost\[1\]\[1\] is NaN/);
});

test('the Hungarian method reaches the brute-force minimum on random cost matrices (K ≤ 7)', () => {
  const total = (cost: number[][], assignment: number[]) => assignment.reduce((sum, column, row) => sum + cost[row][column], 0);
  const costMatrix = fc.integer({ min: 1, max: 7 }).chain((K) =>
    fc.array(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: K, maxLength: K }), { minLength: K, maxLength: K }),
  );
  fc.assert(
    fc.property(costMatrix, (cost) => {
      const hungarian = minimumCostAssignment(cost);
      assert.deepEqual([...hungarian].sort((a, b) => a - b), cost.map((_, k) => k), 'a permutation');
      const bruteForce = Math.min(...permutations(cost.length).map((order) => total(cost, order)));
      assert.ok(Math.abs(total(cost, hungarian) - bruteForce) <= 1e-9 * (1 + Math.abs(bruteForce)), `${total(cost, hungarian)} vs ${bruteForce}`);
    }),
    { numRuns: 300, seed: 14 },
  );
});

test('NOdata, constant gate, K = 2, random starts: the two known optima stay apart, each reached run grouped once', async () => {
  const { results, optima, labelAlignment } = await finish(noData(['em']));
  const converged = results.filter((r) => r.stopReason === 'converged');
  assert.ok(optima && optima.length >= 2, `optima: ${optima?.map((o) => o.logLik)}`);
  assert.ok(Math.abs(optima[0].logLik - -82.597) < 1e-3, `best optimum ℓ = ${optima[0].logLik}`);
  assert.ok(optima.some((o) => Math.abs(o.logLik - -115.6) < 0.1), 'the local optimum near ℓ = −115.6 is listed on its own');
  assert.ok(optima.every((o, i) => i === 0 || o.objective < optima[i - 1].objective), 'best first');
  assert.equal(optima.reduce((sum, o) => sum + o.starts, 0), converged.length, 'every converged run in exactly one optimum');
  const byRun = new Map(results.map((r) => [`${r.solver}${r.restart}`, r]));
  for (const optimum of optima) {
    assert.equal(optimum.reachedBy.length, optimum.starts);
    const shown = paramsFromJson(optimum.params);
    for (const label of optimum.reachedBy) {
      const member = byRun.get(`${label.solver}${label.restart}`)!;
      assert.ok(Math.abs(member.objective - optimum.objective) <= OPTIMUM_OBJECTIVE_TOLERANCE * (1 + Math.abs(optimum.objective)));
      // Labels are aligned: a member's parameters are close to the optimum's as stored, with no relabelling.
      assert.ok(relativeParameterDistance(paramsFromJson(member.params), shown) <= OPTIMUM_PARAMETER_TOLERANCE, `${label.solver} ${label.restart + 1}`);
    }
  }
  const [best, other] = [paramsFromJson(optima[0].params), paramsFromJson(optima[1].params)];
  assert.ok(relativeParameterDistance(alignExperts(best, other), best) > 10 * OPTIMUM_PARAMETER_TOLERANCE, 'distinct optima have distinct parameters');
  // Random starts put the experts in both orders: alignment was needed, and the reference is the best optimum.
  assert.ok(labelAlignment && labelAlignment.relabelled.length > 0, 'some runs were relabelled');
  assert.deepEqual(labelAlignment.reference, optima[0].representative);
});

test('runs that did not converge are not optima, even where they sit next to one', async () => {
  const { results, optima } = await finish(noData(['em', 'gd'], { stopping: { maxIterations: 200 } }));
  const notConverged = results.filter((r) => r.stopReason !== 'converged');
  assert.ok(notConverged.length > 0, 'GD stops at its iteration limit on some starts');
  const counted = new Set(optima!.flatMap((o) => o.reachedBy.map((l) => `${l.solver}${l.restart}`)));
  for (const run of notConverged) assert.ok(!counted.has(`${run.solver}${run.restart}`), `${run.solver} ${run.restart + 1} (${run.stopReason}) counted as an optimum`);

  // The same parameters as a converged run, but stopped by the iteration limit: listed apart, not a second start.
  const [fit] = results.filter((r) => r.stopReason === 'converged');
  const grouping = groupOptima([fit, { ...fit, restart: 99, stopReason: 'maxIterations', converged: false }]);
  assert.equal(grouping.optima.length, 1);
  assert.equal(grouping.optima[0].starts, 1);
  assert.deepEqual(grouping.notStationary, [{ solver: fit.solver, restart: 99, stopReason: 'maxIterations', logLik: fit.logLik }]);
  assert.deepEqual(groupOptima(notConverged).optima, [], 'no converged run, no optimum');
});

test('summary.json and every stored trace carry the aligned labels, the optima and labelsAligned', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-optima-'));
  const finished = await finish(noData(['em']), root);
  const summary = JSON.parse(readFileSync(path.join(finished.resultsDir!, 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(summary.labelsAligned, true);
  assert.deepEqual(summary.optima, JSON.parse(JSON.stringify(finished.optima)));
  const traces = readdirSync(path.join(finished.resultsDir!, 'traces'));
  assert.equal(traces.length, finished.results.length);
  for (const result of finished.results) {
    const stored = JSON.parse(readFileSync(path.join(finished.resultsDir!, 'traces', `${result.solver}-r${result.restart}.json`), 'utf8')) as SolverResult;
    assert.deepEqual(stored.params, result.params, `traces/${result.solver}-r${result.restart}.json holds the aligned parameters`);
  }
});

test('the CLI prints one line per optimum after the table and says the labels were aligned; --json has optima', () => {
  const args = ['fit', 'NOdata.csv', '--target', 'NO', '--gate', 'constant', '--init', 'random', '--seed', '1', '--restarts', '10', '--solvers', 'em'];
  const run = (extra: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'moe-lab.js'), ...args, ...extra], { cwd: PUBLIC, encoding: 'utf8', timeout: 120_000 });
  const text = run([]);
  assert.equal(text.status, 0, text.stderr);
  const lines = text.stdout.split('\n');
  const heading = lines.findIndex((line) => line.startsWith('distinct optima'));
  assert.ok(heading > lines.findIndex((line) => line.startsWith('(* best restart')), 'after the per-run table');
  const optimumLines = lines.slice(heading + 1).filter((line) => /^ {2}\d+\. ℓ /.test(line));
  assert.ok(optimumLines.length >= 2);
  assert.match(optimumLines[0], /^ {2}1\. ℓ -82\.597\d\s+BIC \d+\.\d\d\s+\d+ of 10 runs: em [\d, -]+$/);
  assert.match(text.stdout, /expert labels aligned to em restart \d+ \(the best optimum\) in every run/);

  const json = run(['--json']);
  assert.equal(json.status, 0, json.stderr);
  const document = JSON.parse(json.stdout);
  assert.equal(document.labelsAligned, true);
  assert.equal(document.optima.length, optimumLines.length, 'the same optima as the table');
  assert.deepEqual(Object.keys(document.optima[0]).sort(), ['aic', 'bic', 'logLik', 'objective', 'params', 'paramsRaw', 'reachedBy', 'representative', 'spread', 'starts']);
});
