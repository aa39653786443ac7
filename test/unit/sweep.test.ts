/**
 * Sweeps: the expansion (cartesian product, first field slowest, each combination the spec as written with the
 * values put in), the validation (each combination a full spec, clear messages naming the path, a cap on the
 * number of combinations), the runner (a 3 × 2 sweep writes 6 complete run folders and sweep.json; each reuses the
 * spec's restarts; a cancel keeps the finished combinations; a kill leaves a readable `.partial` folder) and the
 * CLI (`moe-lab run` on a sweep spec: a line per combination, the summary table, --json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { combinationCount, MAX_SWEEP_COMBINATIONS, shortFieldNames, SWEEPABLE_FIELDS, sweepAxes, sweepPoints } from '../../src/core/spec/sweep';
import { parseSpecText, resolveSpec, validateSpecObject } from '../../src/core/spec/validate';
import { selectK, type SelectKResult } from '../../src/core/runner/selectK';
import { chooseKFromSweep, planSweep, readSweep, runSweep, solverFinals, SweepWriter, sweepRunFolders, type SweepEvent, type SweepFile } from '../../src/core/runner/sweep';
import type { RunSummary, SpecFile } from '../../src/core/runner/results';
import type { ExperimentSpec } from '../../src/core/spec/types';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');

/** Small synthetic regression: every combination runs in a fraction of a second. */
const BASE = {
  name: 'sweep test',
  data: { synthetic: { kind: 'linear', experts: 2, dim: 2, samples: 240, snr: 4, seed: 3, symmetric: false }, testFraction: 0.25 },
  solvers: { gd: { enabled: false } },
  stopping: { maxIterations: 30 },
  init: { restarts: 2 },
};
const SWEEP_3x2 = { 'model.experts': [1, 2, 3], 'solvers.adam.learningRate': [0.01, 0.05] };

function validSpec(raw: Record<string, unknown>): { spec: ExperimentSpec; raw: unknown } {
  const validated = validateSpecObject(raw);
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  return { spec: validated.spec, raw: validated.raw };
}

function messages(raw: unknown): string[] {
  const result = validateSpecObject(raw);
  return result.ok ? [] : result.errors.map((error) => error.message);
}

async function drain(generator: AsyncGenerator<SweepEvent, SweepFile, undefined>, onEvent: (event: SweepEvent) => void = () => {}): Promise<SweepEvent[]> {
  const events: SweepEvent[] = [];
  for await (const event of generator) {
    events.push(event);
    onEvent(event);
  }
  return events;
}

test('expansion: the cartesian product, first field slowest, each combination the spec with the values put in', () => {
  const raw = { ...BASE, model: { experts: 2, gate: 'softmax' }, sweep: SWEEP_3x2 };
  const axes = sweepAxes(raw)!;
  assert.deepEqual(axes.map((axis) => axis.field), ['model.experts', 'solvers.adam.learningRate']);
  assert.equal(combinationCount(axes), 6);
  const points = sweepPoints(raw, axes);
  assert.deepEqual(points.map((p) => p.values), [[1, 0.01], [1, 0.05], [2, 0.01], [2, 0.05], [3, 0.01], [3, 0.05]]);
  for (const point of points) {
    assert.equal(point.raw.sweep, undefined, 'a combination has no sweep');
    const model = point.raw.model as Record<string, unknown>;
    assert.equal(model.experts, point.values[0]);
    assert.equal(model.gate, 'softmax', 'fields beside the swept one are kept');
    const solvers = point.raw.solvers as Record<string, Record<string, unknown>>;
    assert.equal(solvers.adam.learningRate, point.values[1], 'a missing section is created');
    assert.equal(solvers.gd.enabled, false);
  }
  assert.deepEqual((raw.model as Record<string, unknown>).experts, 2, 'the spec as written is not changed');
  assert.equal(points[3].label, 'model.experts = 2, solvers.adam.learningRate = 0.05');
  assert.deepEqual(shortFieldNames(['model.experts', 'data.synthetic.experts', 'solvers.gd.learningRate']), ['model.experts', 'data.synthetic.experts', 'gd.learningRate']);
});

test('every sweepable field is a field of the resolved spec, and its values obey that field\'s own schema', () => {
  const synthetic = resolveSpec({ data: { synthetic: {} } }) as unknown as Record<string, unknown>;
  for (const field of SWEEPABLE_FIELDS) {
    const parts = field.split('.');
    const resolvedPath = parts[0] === 'data' && parts[1] !== 'synthetic' ? ['data', parts[1]] : parts[0] === 'data' ? ['data', 'source', ...parts.slice(1)] : parts;
    let node: unknown = synthetic;
    for (const part of resolvedPath) node = (node as Record<string, unknown>)?.[part];
    assert.ok(node !== undefined || field === 'model.fixedSigma', `${field} exists in a resolved spec`);
  }
  // The same limits as the field itself: model.experts is an integer in 1..50, learning rates are > 0.
  assert.deepEqual(messages({ data: { synthetic: {} }, sweep: { 'model.experts': [2, 51] } }), ['/sweep/model.experts/1: must be <= 50 (got 51)']);
  assert.deepEqual(messages({ data: { synthetic: {} }, sweep: { 'model.experts': [1.5] } }), ['/sweep/model.experts/0: must be an integer (got 1.5)']);
  assert.deepEqual(messages({ data: { synthetic: {} }, sweep: { 'solvers.adam.learningRate': [0] } }), ['/sweep/solvers.adam.learningRate/0: must be > 0 (got 0)']);
  assert.match(messages({ data: { synthetic: {} }, sweep: { 'init.strategy': ['best'] } })[0], /^\/sweep\/init\.strategy\/0: must be one of "mixed", /);
});

test('validation names the path: unknown or unsweepable fields, empty or repeated lists, too many combinations', () => {
  const base = { data: { synthetic: {} } };
  assert.deepEqual(messages({ ...base, sweep: { 'model.expers': [1, 2] } }), ['/sweep/model.expers: not a field that can be swept (did you mean "model.experts"?)']);
  assert.match(messages({ ...base, sweep: { 'solvers.gd.enabled': [true, false] } })[0], /^\/sweep\/solvers\.gd\.enabled: not a field that can be swept/);
  assert.deepEqual(messages({ ...base, sweep: { 'model.experts': [] } }), ['/sweep/model.experts: must list at least 1 item']);
  assert.match(messages({ ...base, sweep: { 'model.experts': [2, 2] } })[0], /^\/sweep\/model\.experts: must not list the same item twice/);
  assert.match(messages({ ...base, sweep: { 'model.experts': 3 } })[0], /^\/sweep\/model\.experts: must be an array/);
  const four = { 'model.experts': [1], 'init.seed': [1], 'model.ridge': [0], 'init.restarts': [1] };
  assert.deepEqual(messages({ ...base, sweep: four }), ['/sweep: must have at most 3 fields (got 4)']);
  // An empty sweep is no sweep: the spec runs once.
  assert.equal(validSpec({ ...base, sweep: {} }).spec.sweep, undefined);
  const many = { 'model.experts': Array.from({ length: 20 }, (_, i) => i + 1), 'init.seed': [0, 1, 2, 3, 4, 5] };
  assert.equal(combinationCount(sweepAxes({ sweep: many })!), 120);
  assert.ok(120 > MAX_SWEEP_COMBINATIONS);
  assert.deepEqual(messages({ ...base, sweep: many }), [`/sweep: 20 × 6 = 120 combinations; a sweep runs at most ${MAX_SWEEP_COMBINATIONS}, each a complete run with every restart (list fewer values)`]);
  assert.deepEqual(messages({ data: { csv: 'a.csv', target: 'y' }, sweep: { 'data.synthetic.snr': [1, 2] } }), ['/sweep/data.synthetic.snr: sweeps the synthetic generator, but this spec reads a CSV file']);
});

test('each combination is validated as a full spec: a problem says which values cause it, with a position in the text', () => {
  const text = JSON.stringify({ data: { synthetic: {} }, model: { symmetric: true }, sweep: { 'model.experts': [1, 2, 3] } }, null, 2);
  const parsed = parseSpecText(text);
  assert.ok(!parsed.ok);
  assert.deepEqual(parsed.errors.map((e) => e.message), [
    '/model/symmetric: with model.experts = 1: a symmetric model needs exactly 2 experts (model.experts is 1)',
    '/model/symmetric: with model.experts = 3: a symmetric model needs exactly 2 experts (model.experts is 3)',
  ]);
  assert.equal(parsed.errors[0].line, text.split('\n').findIndex((line) => line.includes('"symmetric"')) + 1);
  const tooMany = messages({ data: { synthetic: { symmetric: true } }, sweep: { 'data.synthetic.experts': [2, 3] } });
  assert.deepEqual(tooMany, ['/data/synthetic/symmetric: with data.synthetic.experts = 3: symmetric synthetic data needs exactly 2 experts (data.synthetic.experts is 3)']);
  // A problem of the swept field itself points into the sweep: 5 experts for a 4-row synthetic set.
  const swept = messages({ data: { synthetic: { dim: 10000, samples: 100000000 } }, sweep: { 'data.synthetic.samples': [100, 100000000] } });
  assert.match(swept[0] ?? '', /^\/sweep\/data\.synthetic\.samples: with data\.synthetic\.samples = 100000000: \/data\/synthetic\/samples: /);
  // The spec as written is not run, so its own value of a swept field does not matter.
  assert.deepEqual(messages({ data: { synthetic: {} }, model: { symmetric: true, experts: 3 }, sweep: { 'model.experts': [2] } }), []);
  const { spec } = validSpec({ ...BASE, sweep: SWEEP_3x2 });
  assert.deepEqual(spec.sweep, [{ field: 'model.experts', values: [1, 2, 3] }, { field: 'solvers.adam.learningRate', values: [0.01, 0.05] }]);
});

test('a 3 × 2 sweep writes 6 complete run folders and sweep.json, each combination with the spec\'s restarts', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-sweep-'));
  const { spec, raw } = validSpec({ ...BASE, sweep: SWEEP_3x2 });
  const events = await drain(runSweep(spec, { baseDir: ROOT, resultsRoot: root, rawSpec: raw }));
  const finished = events.at(-1);
  assert.ok(finished?.type === 'sweepFinished' && finished.dir);
  const dir = finished.dir;
  assert.deepEqual(readdirSync(root), [path.basename(dir)], 'one sweep folder, published under its final name');
  assert.match(path.basename(dir), /^\d{8}-\d{6}-sweep-test-sweep$/);
  const sweep = await readSweep(dir);
  assert.equal(sweep.status, 'finished');
  assert.deepEqual(sweep.solvers, ['em', 'adam']);
  assert.equal(sweep.combinations.length, 6);
  const folders = await sweepRunFolders(dir);
  assert.equal(folders.length, 6);
  for (const [i, combination] of sweep.combinations.entries()) {
    assert.equal(combination.status, 'finished');
    const folder = path.join(dir, combination.runId);
    assert.equal(folders[i], folder);
    const summary = JSON.parse(readFileSync(path.join(folder, 'summary.json'), 'utf8')) as RunSummary;
    const specFile = JSON.parse(readFileSync(path.join(folder, 'spec.json'), 'utf8')) as SpecFile;
    assert.equal(summary.complete, true);
    // The run ran the combination's values, stored as written (no sweep) and resolved.
    const [K, lr] = combination.values as [number, number];
    assert.equal(specFile.resolved.model.experts, K);
    assert.equal(specFile.resolved.solvers.adam.learningRate, lr);
    assert.equal(specFile.resolved.sweep, undefined);
    assert.equal((specFile.asWritten as Record<string, unknown>).sweep, undefined);
    assert.equal(((specFile.asWritten as { model: { experts: number } }).model).experts, K);
    // The multi-start: every enabled solver ran every restart, and the traces are there.
    assert.equal(summary.results.length, 2 * 2);
    assert.deepEqual(readdirSync(path.join(folder, 'traces')).sort(), ['adam-r0.json', 'adam-r1.json', 'em-r0.json', 'em-r1.json']);
    assert.ok(existsSync(path.join(folder, 'traces.csv')));
    // sweep.json's finals are the starred restarts of the run.
    assert.deepEqual(combination.solvers, solverFinals(summary.results));
    for (const solver of ['em', 'adam'] as const) {
      const starred = summary.results.find((r) => r.solver === solver && r.best)!;
      assert.equal(combination.solvers?.[solver]?.logLik, starred.logLik);
      assert.ok(summary.results.filter((r) => r.solver === solver).every((r) => r.objective <= starred.objective));
      assert.ok(combination.solvers?.[solver]?.testLogLik !== undefined, 'the held-out ℓ, since the spec holds out rows');
    }
  }
  // Events: a start and an end per combination, and the runs' own events in between.
  assert.equal(events.filter((e) => e.type === 'combinationStarted').length, 6);
  assert.equal(events.filter((e) => e.type === 'run' && e.event.type === 'runFinished').length, 6);
});

test('cancel stops the running combination (kept, marked cancelled), starts no other, and keeps the finished ones', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-sweep-cancel-'));
  const { spec, raw } = validSpec({ ...BASE, stopping: { maxIterations: 400, tolerance: 0 }, sweep: SWEEP_3x2 });
  const controller = new AbortController();
  let iterationsOfSecond = 0;
  const events = await drain(runSweep(spec, { baseDir: ROOT, resultsRoot: root, rawSpec: raw, signal: controller.signal }), (event) => {
    if (event.type === 'run' && event.index === 1 && event.event.type === 'iteration' && ++iterationsOfSecond === 20) controller.abort();
  });
  const finished = events.at(-1);
  assert.ok(finished?.type === 'sweepFinished' && finished.dir);
  const sweep = await readSweep(finished.dir);
  assert.equal(sweep.status, 'cancelled');
  assert.deepEqual(sweep.combinations.map((c) => c.status), ['finished', 'cancelled', 'pending', 'pending', 'pending', 'pending']);
  assert.equal(events.filter((e) => e.type === 'combinationStarted').length, 2, 'no combination starts after the cancel');
  const second = JSON.parse(readFileSync(path.join(finished.dir, sweep.combinations[1].runId, 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(second.cancelled, true);
  assert.ok(second.results.some((r) => r.stopReason === 'cancelled'));
  assert.deepEqual((await sweepRunFolders(finished.dir)).map((f) => path.basename(f)), sweep.combinations.slice(0, 2).map((c) => c.runId));
  assert.ok(!existsSync(finished.dir + '.partial'));
});

test('a combination that cannot run fails with its reason; the others run', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-sweep-fail-'));
  // 40 experts for 30 training rows: the runner refuses that model (a user error), not the spec.
  const { spec, raw } = validSpec({ ...BASE, data: { ...BASE.data, synthetic: { ...BASE.data.synthetic, samples: 40 } }, sweep: { 'model.experts': [40, 1] } });
  const events = await drain(runSweep(spec, { baseDir: ROOT, resultsRoot: root, rawSpec: raw }));
  const finished = events.at(-1);
  assert.ok(finished?.type === 'sweepFinished');
  assert.equal(finished.sweep.status, 'finished');
  assert.equal(finished.sweep.combinations[0].status, 'failed');
  assert.match(finished.sweep.combinations[0].error!, /40 experts for 30 training rows/);
  assert.equal(finished.sweep.combinations[1].status, 'finished');
});

test('a sweep killed midway leaves a .partial folder whose sweep.json lists what finished', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-sweep-kill-'));
  const { spec, raw } = validSpec({ ...BASE, sweep: { 'model.experts': [1, 2] } });
  const plan = planSweep(spec, raw);
  const writer = await SweepWriter.create(root, 'killed-sweep', plan, spec.name, ['em']);
  await writer.update({ ...plan.combinations[0], status: 'finished', solvers: {} });
  // No finish(): the process died here.
  const partial = path.join(root, 'killed-sweep.partial');
  const sweep = await readSweep(partial);
  assert.equal(sweep.status, 'running');
  assert.deepEqual(sweep.combinations.map((c) => c.status), ['finished', 'pending']);
  assert.equal(plan.combinations[0].spec.name, 'sweep test [experts = 1]');
});

test('moe-lab run on a sweep spec: a line per combination, the summary table, and one JSON document with --json', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-sweep-cli-'));
  const specFile = path.join(dir, 'tune.moe.json');
  writeFileSync(specFile, JSON.stringify({ ...BASE, resultsDir: 'runs', sweep: SWEEP_3x2 }, null, 2));
  const run = spawnSync(process.execPath, [BIN, 'run', specFile], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const progress = run.stderr.split('\n').filter((line) => /^\[\d\/6\]/.test(line));
  assert.equal(progress.length, 6, run.stderr);
  assert.match(progress[3], /^\[4\/6\] model\.experts = 2, solvers\.adam\.learningRate = 0\.05: em ℓ -\d+\.\d{4} \(\w+\), adam ℓ -\d+\.\d{4} \(\w+\)/);
  const lines = run.stdout.split('\n');
  assert.equal(lines[0], 'sweep test: 6 of 6 combinations finished');
  assert.match(lines[1], /^experts\s+adam\.learningRate\s+em ℓ\s+adam ℓ\s+em test ℓ\s+adam test ℓ\s+seconds\s+status$/);
  assert.equal(lines.slice(2, 8).filter((line) => /finished$/.test(line)).length, 6);
  assert.equal(lines.filter((line) => line.includes('*')).length, 3, 'one star per solver, and the footnote');
  const folder = /^results: (.+)$/m.exec(run.stdout)?.[1];
  assert.ok(folder && existsSync(path.join(folder, 'sweep.json')));
  assert.equal(path.dirname(folder), path.join(dir, 'runs'));

  writeFileSync(specFile, JSON.stringify({ ...BASE, sweep: { 'model.experts': [1, 2] } }, null, 2));
  const json = spawnSync(process.execPath, [BIN, 'run', specFile, '--json', '--out', path.join(dir, 'json')], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  assert.equal(json.stderr, '');
  const document = JSON.parse(json.stdout) as SweepFile & { resultsDir: string; cancelled: boolean; kChoice?: { reason: string } };
  assert.match(document.kChoice?.reason ?? '', /K = [12]/, 'a sweep of model.experts alone carries select-k\'s choice');
  assert.equal(document.status, 'finished');
  assert.equal(document.cancelled, false);
  assert.deepEqual(document.combinations.map((c) => [c.values, c.status]), [[[1], 'finished'], [[2], 'finished']]);
  assert.equal(path.dirname(document.resultsDir), path.join(dir, 'json'));

  // A bad sweep is a user error naming the path (exit 2, one line).
  writeFileSync(specFile, JSON.stringify({ ...BASE, sweep: { 'model.experts': [0, 1] } }));
  const bad = spawnSync(process.execPath, [BIN, 'run', specFile], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^moe-lab: tune\.moe\.json:\d+:\d+: \/sweep\/model\.experts\/0: must be >= 1 \(got 0\)\n$/);
});

test('a sweep of model.experts alone is K selection by hand: the same choice and reason as select-k on the same fits', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-sweep-k-'));
  const raw = {
    name: 'choose K',
    data: { synthetic: { kind: 'linear', experts: 2, dim: 2, samples: 400, snr: 6, seed: 2, symmetric: false }, testFraction: 0.3 },
    solvers: { gd: { enabled: false }, adam: { enabled: false } },
    init: { restarts: 3 },
  };
  const { spec, raw: written } = validSpec({ ...raw, sweep: { 'model.experts': [1, 2, 3] } });
  const events = await drain(runSweep(spec, { baseDir: ROOT, resultsRoot: root, rawSpec: written }));
  const finished = events.at(-1);
  assert.ok(finished?.type === 'sweepFinished' && finished.dir);
  const choice = await chooseKFromSweep(finished.dir, finished.sweep);
  assert.ok(choice);
  // select-k fits the same specs (EM, the same seeds, the same split), so it must reach the same candidates and words.
  let reference: SelectKResult | undefined;
  for await (const event of selectK(validSpec(raw).spec, { baseDir: ROOT, ks: [1, 2, 3] })) if (event.type === 'finished') reference = event.result;
  assert.ok(reference);
  assert.equal(choice.chosen, 2, choice.reason);
  assert.equal(choice.chosen, reference.chosen);
  assert.equal(choice.reason, reference.reason);
  assert.deepEqual(choice.candidates.map((c) => [c.K, c.parameters, c.best?.bic]), reference.candidates.map((c) => [c.K, c.parameters, c.best?.bic]));
  // Other sweeps are not K selection.
  const other = await readSweep(finished.dir);
  assert.equal(await chooseKFromSweep(finished.dir, { ...other, fields: [{ field: 'init.seed', values: [1, 2, 3] }] }), undefined);
});
