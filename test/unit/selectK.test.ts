/**
 * Choosing the number of experts (`selectK`, `moe-lab select-k`): BIC picks the true K on synthetic data with a
 * known K and a clear signal; a K whose every restart is degenerate is not chosen even when its BIC is lowest;
 * AIC and BIC are those of the best converged restart; the comparison cancels; the CLI prints the table with the
 * chosen K marked and writes a spec for it that validates and runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Random } from '../../src/core/random';
import { parseKRange, selectK, type SelectKEvent, type SelectKResult } from '../../src/core/runner/selectK';
import type { SolverResult } from '../../src/core/runner/types';
import { parseFromWorker } from '../../src/protocol/workerMessages';
import { validateSpecObject } from '../../src/core/spec/validate';
import type { ExperimentSpec } from '../../src/core/spec/types';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');
const NO_DATA = path.join(ROOT, 'test', 'fixtures', 'public', 'NOdata.csv');

function specFrom(raw: Record<string, unknown>): ExperimentSpec {
  const validated = validateSpecObject({ name: 'select-k test', ...raw });
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  return validated.spec;
}

async function collect(spec: ExperimentSpec, ks: number[], onEvent: (event: SelectKEvent) => void = () => {}, signal?: AbortSignal): Promise<SelectKResult> {
  let result: SelectKResult | undefined;
  for await (const event of selectK(spec, { baseDir: ROOT, ks, signal })) {
    onEvent(event);
    if (event.type === 'finished') result = event.result;
  }
  assert.ok(result, 'a finished event');
  return result;
}

for (const trueK of [2, 3]) {
  test(`BIC picks the true K = ${trueK} on synthetic data with a clear signal`, async () => {
    const samples = 500;
    const spec = specFrom({
      data: { synthetic: { kind: 'linear', experts: trueK, dim: 2, samples, snr: 6, seed: trueK, symmetric: false } },
      init: { restarts: 4 },
    });
    const result = await collect(spec, [1, 2, 3, 4]);
    assert.equal(result.chosen, trueK, result.reason);
    assert.match(result.reason, new RegExp(`^BIC is lowest at K = ${trueK}`));
    assert.deepEqual(result.solvers, ['em'], 'EM only by default');
    // The spec holds out nothing, so the comparison holds out a seeded 30 % and says so.
    assert.deepEqual(result.holdOut, { fraction: 0.3, rows: samples * 0.3, splitSeed: 0, added: true });
    const n = result.dataset.rows;
    assert.equal(n, samples * 0.7);
    for (const candidate of result.candidates) {
      assert.equal(candidate.status, 'ok', `K = ${candidate.K}: ${JSON.stringify(candidate)}`);
      const { logLik, aic, bic, testLogLik } = candidate.best!;
      // Gaussian experts with a softmax gate over p = d + 1 columns: K(p + 1) expert and (K − 1)p gate parameters.
      assert.equal(candidate.parameters, candidate.K * 4 + (candidate.K - 1) * 3);
      assert.ok(Math.abs(aic - (2 * candidate.parameters - 2 * logLik)) < 1e-9);
      assert.ok(Math.abs(bic - (candidate.parameters * Math.log(n) - 2 * logLik)) < 1e-9);
      assert.ok(Number.isFinite(testLogLik), 'the held-out ℓ is reported');
    }
    const bics = result.candidates.map((c) => c.best!.bic);
    assert.equal(Math.min(...bics), result.candidates.find((c) => c.K === trueK)!.best!.bic);
  });
}

test('a test fraction in the spec is the hold-out, and nothing is added', async () => {
  const spec = specFrom({
    data: { synthetic: { kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 6, seed: 1, symmetric: false }, testFraction: 0.2, splitSeed: 7 },
    init: { restarts: 2 },
  });
  const result = await collect(spec, [1, 2]);
  assert.deepEqual(result.holdOut, { fraction: 0.2, rows: 60, splitSeed: 7, added: false });
  assert.equal(result.dataset.rows, 240);
});

/**
 * y follows one line for x < 0 and another for x ≥ 0: a softmax gate on x separates the two groups exactly, so
 * with K = 2 the likelihood keeps rising as the gate's coefficient grows (no finite maximum).
 */
function separatedGateCsv(): string {
  const rng = new Random(5);
  const lines = ['x,y'];
  for (let i = 0; i < 200; i++) {
    const x = rng.normal();
    const y = x < 0 ? 2 * x + 0.5 * rng.normal() : -2 * x + 6 + 0.5 * rng.normal();
    lines.push(`${x},${y}`);
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'moe-selectk-')), 'separated.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('a K whose every restart is degenerate is reported and not chosen, even where its BIC is lowest', async () => {
  const spec = specFrom({ data: { csv: separatedGateCsv(), target: 'y' }, init: { restarts: 4 } });
  const restartsAtTwo: SolverResult[] = [];
  const result = await collect(spec, [1, 2], (event) => {
    if (event.type === 'restartFinished' && event.K === 2) restartsAtTwo.push(event.result);
  });
  assert.equal(restartsAtTwo.length, 4);
  for (const restart of restartsAtTwo) assert.ok(restart.degeneracies?.length, `restart ${restart.restart + 1}: ${restart.stopMessage}`);
  const [one, two] = result.candidates;
  assert.equal(two.status, 'allDegenerate');
  assert.equal(two.degenerate, 4);
  assert.equal(two.best, undefined, 'a degenerate fit does not speak for its K');
  // Taken at face value, the degenerate fits would win: BIC alone would choose K = 2.
  assert.ok(Math.min(...restartsAtTwo.map((r) => r.bic)) < one.best!.bic);
  assert.equal(result.chosen, 1);
  assert.match(result.reason, /K = 2: every restart ended in a degenerate fit, so it is not compared/);
  // The extension's worker posts this result to the host, which checks it first: a real one must pass, whole.
  const message = { type: 'selectKFinished', result: JSON.parse(JSON.stringify(result)) };
  assert.deepEqual(parseFromWorker(message), message);
  assert.equal(parseFromWorker({ type: 'selectKFinished', result: { ...message.result, candidates: [{ K: -1 }] } }), undefined);
});

test('cancelling stops the comparison and compares the Ks fitted before it', async () => {
  const spec = specFrom({
    data: { synthetic: { kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 6, seed: 1, symmetric: false } },
    init: { restarts: 3 },
    stopping: { maxIterations: 200 },
  });
  const controller = new AbortController();
  const seen: number[] = [];
  const result = await collect(
    spec,
    [1, 2, 3],
    (event) => {
      if (event.type === 'kStarted') seen.push(event.K);
      if (event.type === 'iteration' && event.K === 2 && event.iteration === 1) controller.abort();
    },
    controller.signal,
  );
  assert.equal(result.cancelled, true);
  assert.deepEqual(seen, [1, 2], 'K = 3 is not started');
  assert.deepEqual(result.candidates.map((c) => [c.K, c.status]), [[1, 'ok'], [2, 'cancelled']]);
  assert.equal(result.chosen, 1);
  assert.match(result.reason, /cancelled/);
});

test('--k ranges and lists', () => {
  assert.deepEqual(parseKRange('1..6'), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(parseKRange('4, 2,2,1..2'), [1, 2, 4]);
  for (const bad of ['0..3', '3..1', '', 'two', '1.5', '-1']) assert.throws(() => parseKRange(bad), /--k must be a range like 1\.\.6/, bad);
});

function cli(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('CLI on NOdata (public, constant gate): the table marks the K with the lowest BIC, and --save-spec writes a spec that validates and runs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-selectk-cli-'));
  const saved = path.join(dir, 'chosen.moe.json');
  const run = cli(['select-k', NO_DATA, '--target', 'Equivalence', '--gate', 'constant', '--k', '1..3', '--restarts', '5', '--save-spec', saved]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  assert.match(lines[1], /held out: 26 rows, a seeded 30 % \(split seed 0\) added for this comparison/);
  const header = lines.findIndex((line) => /^\s*K\s+logLik\s+params\s+AIC\s+BIC\s+held-out logLik\s+converged\s+degenerate/.test(line));
  assert.ok(header >= 0, run.stdout);
  const rows = lines.slice(header + 1, header + 4).map((line) => line.trim().split(/\s+/));
  assert.deepEqual(rows.map((cells) => cells[0].replace('*', '')), ['1', '2', '3']);
  const starred = rows.filter((cells) => cells[0].endsWith('*'));
  assert.equal(starred.length, 1, 'one K is marked');
  const bic = (cells: string[]) => Number(cells[4]);
  const comparable = rows.filter((cells) => cells[1] !== '—');
  assert.equal(bic(starred[0]), Math.min(...comparable.map(bic)), 'the marked K has the lowest BIC');
  const chosen = Number(starred[0][0].replace('*', ''));
  assert.match(run.stdout, new RegExp(`chosen: K = ${chosen}\\. BIC is lowest at K = ${chosen}`));

  const spec = JSON.parse(readFileSync(saved, 'utf8'));
  const validated = validateSpecObject(spec);
  assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
  assert.equal(validated.spec.model.experts, chosen);
  assert.equal(validated.spec.model.gate, 'constant');
  assert.equal(path.resolve(dir, spec.data.csv), NO_DATA, 'the data path is relative to the spec');
  const rerun = cli(['run', saved, '--json'], dir);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.ok(JSON.parse(rerun.stdout).results.some((r: SolverResult) => r.best), 'the saved spec fits');

  const json = cli(['select-k', NO_DATA, '--target', 'Equivalence', '--gate', 'constant', '--k', '1..3', '--restarts', '5', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const document = JSON.parse(json.stdout);
  assert.equal(document.chosen, chosen, 'the same choice as the table');
  assert.equal(document.candidates.length, 3);
  assert.equal(document.savedSpec, null);
});

test('CLI mistakes exit 2 with one line naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--target', 'Equivalence'], /--k is required/],
    [['--target', 'Equivalence', '--k', '3..1'], /--k must be a range like 1\.\.6/],
    [['--target', 'Equivalence', '--k', '1..3', '--experts', '2'], /--experts: select-k compares the numbers of experts given by --k/],
    [['--target', 'Equivalence', '--k', '1..3', '--symmetric'], /--symmetric: a symmetric model has exactly 2 experts/],
    [['--target', 'Equivalence', '--k', '1..3', '--save-spec', 'out.json'], /--save-spec must name a \.moe\.json file/],
    [['--target', 'nope', '--k', '1..3'], /unknown target column "nope"/],
  ];
  for (const [flags, pattern] of cases) {
    const result = cli(['select-k', NO_DATA, ...flags]);
    assert.equal(result.code, 2, `${flags.join(' ')}: ${result.stderr}`);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], pattern);
  }
});
