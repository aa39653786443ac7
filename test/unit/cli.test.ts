/**
 * The `moe-lab` CLI end to end, as a user runs it (`node bin/moe-lab.js …`): synth → fit on the generated data
 * and on Iris and Wine, `run` on a spec, and user mistakes exiting with code 2 and one line on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');

function cli(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectUserError(args: string[], pattern: RegExp) {
  const result = cli(args);
  assert.equal(result.code, 2, `exit code for ${args.join(' ')}: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

test('synth writes the CSV and its truth; fit --json prints one document with every field', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-cli-'));
  const csv = path.join(dir, 'sym.csv');
  const synth = cli(['synth', '--kind', 'linear', '--experts', '2', '--dim', '3', '--samples', '400', '--snr', '5', '--seed', '2', '--out', csv]);
  assert.equal(synth.code, 0, synth.stderr);
  const header = readFileSync(csv, 'utf8').split('\n')[0];
  assert.equal(header, 'x1,x2,x3,y');
  const truth = JSON.parse(readFileSync(path.join(dir, 'sym.truth.json'), 'utf8'));
  assert.deepEqual(truth.beta[1], truth.beta[0].map((v: number) => 0 - v), 'K = 2 synthetic experts are (β*, −β*)');

  const fit = cli(['fit', csv, '--target', 'y', '--max-iter', '40', '--restarts', '2', '--json']);
  assert.equal(fit.code, 0, fit.stderr);
  const document = JSON.parse(fit.stdout);
  assert.equal(document.results.length, 6);
  for (const result of document.results) {
    for (const key of ['solver', 'restart', 'iterations', 'converged', 'stopReason', 'logLik', 'trainRmse', 'parameterError', 'seconds', 'params', 'trace']) {
      assert.ok(key in result, `${result.solver} result has ${key}`);
    }
    assert.equal(result.params.W.length, 2);
    assert.equal(result.params.W[0].length, 4, 'K × p gate, p = 3 features + intercept');
    assert.equal(result.params.sigma.length, 2);
    assert.equal(result.trace.length, result.iterations + 1);
    assert.ok(Number.isFinite(result.trace[0].logLik) && 'gradientNorm' in result.trace[0]);
  }
  const em = document.results.find((r: { solver: string; best: boolean }) => r.solver === 'em' && r.best);
  assert.ok(em.parameterError < 0.1, `EM parameter error ${em.parameterError}`);
});

test('fit on Iris and Wine (categorical experts inferred from a text target)', () => {
  for (const [file, target] of [['iris.csv', 'species'], ['wine.csv', 'cultivar']]) {
    const fit = cli(['fit', path.join('examples', 'data', file), '--target', target, '--test-fraction', '0.3', '--ridge', '0.01', '--max-iter', '100', '--json']);
    assert.equal(fit.code, 0, fit.stderr);
    const document = JSON.parse(fit.stdout);
    assert.equal(document.dataset.family, 'categorical');
    const em = document.results.find((r: { solver: string }) => r.solver === 'em');
    assert.ok(em.testAccuracy > 0.85, `${file}: EM test accuracy ${em.testAccuracy}`);
    assert.ok('trainAccuracy' in em && !('trainRmse' in em));
  }
});

test('run writes a results folder; the table form names every solver', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-cli-run-'));
  const specPath = path.join(dir, 'quick.moe.json');
  writeFileSync(specPath, JSON.stringify({ name: 'quick', data: { synthetic: { kind: 'logistic', experts: 2, dim: 2, samples: 200, snr: 4, seed: 1 } }, stopping: { maxIterations: 15 } }));
  const run = cli(['run', specPath]);
  assert.equal(run.code, 0, run.stderr);
  for (const solver of ['em', 'gd', 'adam']) assert.match(run.stdout, new RegExp(`^${solver}`, 'm'));
  const resultsLine = run.stdout.split('\n').find((line) => line.startsWith('results: '))!;
  const runDir = resultsLine.slice('results: '.length);
  assert.ok(existsSync(path.join(runDir, 'summary.json')));
  // The run records its spec file, relative to the run folder, so the spec form can list this spec's runs only.
  const recorded = JSON.parse(readFileSync(path.join(runDir, 'spec.json'), 'utf8')).run.specFile;
  assert.equal(path.resolve(runDir, recorded), specPath);
});

test('user mistakes exit with code 2 and one clear line', () => {
  expectUserError(['fit', 'missing.csv', '--target', 'y'], /missing\.csv/);
  expectUserError(['fit', 'examples/data/iris.csv', '--target', 'colour'], /colour/);
  expectUserError(['fit', 'examples/data/iris.csv', '--target', 'species', '--bogus'], /bogus/);
  expectUserError(['fit', 'examples/data/iris.csv', '--target', 'species', '--lr-gd=-1'], /--lr-gd must be a positive number/);
  expectUserError(['fit', 'examples/data/iris.csv', '--target', 'species', '--lr-gd', '-1'], /--lr-gd/);
  expectUserError(['fit', 'examples/data/iris.csv', '--target', 'species', '--solvers', 'em,sgd'], /sgd/);
  expectUserError(['synth', '--kind', 'cubic', '--out', '/tmp/x.csv'], /--kind/);
  expectUserError(['frobnicate'], /unknown command/);
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-cli-bad-'));
  const bad = path.join(dir, 'bad.moe.json');
  writeFileSync(bad, JSON.stringify({ data: { csv: 'x.csv', target: 'y' }, solvers: { gd: { learningRate: 0 } } }));
  expectUserError(['run', bad], /\/solvers\/gd\/learningRate/);
  writeFileSync(bad, '{ "data": { "csv": "x.csv", }');
  expectUserError(['run', bad], /bad\.moe\.json.*line|bad\.moe\.json:\d+/);
});
