/**
 * Papercuts of the `moe-lab` CLI found by use (issue 13, item 7), each checked as a user meets it: the built CLI
 * (`node bin/moe-lab.js …`, built by `npm run build`) run in a child process, its exit code, stdout and stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');

function cli(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'moe-cli-papercuts-'));
}

interface RawParams {
  W: number[][];
  beta: number[][];
  sigma: number[];
}

/** The fitted mixture's mean E[y | x] = Σ_k π_k(x) β_kᵀx on raw features x (the intercept last, W's last row 0). */
function predictMean(params: RawParams, x: readonly number[]): number {
  const row = [...x, 1];
  const dot = (w: number[]) => w.reduce((sum, value, j) => sum + value * row[j], 0);
  const logits = params.W.map(dot);
  const top = Math.max(...logits);
  const weights = logits.map((logit) => Math.exp(logit - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return params.beta.reduce((sum, beta, k) => sum + (weights[k] / total) * dot(beta), 0);
}

test('--init kmeans: one seed gives the same model with and without --no-standardize (clusters on z-scores)', () => {
  // Synthetic gaussian experts, then columns moved and scaled far apart (×50 + 70, ×0.02 − 3, ×5 + 1000): on the
  // raw columns k-means would cluster by x1 alone. EM is equivariant under an affine change of features (the
  // E-step depends on θ only through the linear predictors, the M-steps are least squares and a Newton solve),
  // so equal clusters must give the same first M-step, the same EM path and the same fitted model.
  const dir = tempDir();
  const generated = path.join(dir, 'mixture.csv');
  const synth = cli(['synth', '--kind', 'linear', '--experts', '2', '--dim', '3', '--samples', '400', '--snr', '4', '--seed', '5', '--no-symmetric', '--out', generated]);
  assert.equal(synth.code, 0, synth.stderr);
  const [header, ...lines] = readFileSync(generated, 'utf8').trim().split('\n');
  const rows = lines.map((line) => line.split(',').map(Number));
  const moved = rows.map(([x1, x2, x3, y]) => [x1 * 50 + 70, x2 * 0.02 - 3, x3 * 5 + 1000, y]);
  const csv = path.join(dir, 'scaled.csv');
  writeFileSync(csv, [header, ...moved.map((row) => row.join(','))].join('\n') + '\n');

  const fit = (extra: string[]) => {
    const run = cli(['fit', csv, '--target', 'y', '--init', 'kmeans', '--solvers', 'em', '--seed', '3', '--max-iter', '2000', '--tol', '1e-12', '--json', ...extra]);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout).results[0];
  };
  const standardized = fit([]);
  const raw = fit(['--no-standardize']);
  const close = (a: number, b: number, relative: number, what: string) =>
    assert.ok(Math.abs(a - b) <= relative * Math.max(1, Math.abs(a)), `${what}: ${a} (standardized) against ${b} (raw)`);
  close(standardized.trace[0].logLik, raw.trace[0].logLik, 1e-9, 'ℓ after the k-means start and its M-step');
  close(standardized.logLik, raw.logLik, 1e-9, 'final ℓ');
  assert.equal(standardized.stopReason, 'converged');
  assert.equal(raw.stopReason, 'converged');
  const ySpread = Math.sqrt(moved.reduce((sum, row) => sum + row[3] ** 2, 0) / moved.length);
  for (const row of moved) {
    const x = row.slice(0, 3);
    close(predictMean(standardized.paramsRaw, x) / ySpread, predictMean(raw.paramsRaw, x) / ySpread, 1e-7, `prediction at x = ${x}`);
  }
  for (let k = 0; k < 2; k++) close(standardized.paramsRaw.sigma[k], raw.paramsRaw.sigma[k], 1e-7, `σ_${k + 1}`);
});

/** A user mistake: exit code 2 and one line on stderr, without a stack trace. */
function userError(args: string[]): string {
  const result = cli(args);
  assert.equal(result.code, 2, `exit code for ${args.join(' ')}: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  return lines[0];
}

test('a negative number after a numeric flag is checked as its value, not refused as "ambiguous"', () => {
  const fit = ['fit', 'examples/data/iris.csv', '--target', 'species'];
  assert.equal(userError([...fit, '--tol', '-1']), 'moe-lab: --tol must be a number ≥ 0 (got "-1")');
  assert.equal(userError([...fit, '--max-iter', '-3']), 'moe-lab: --max-iter must be an integer ≥ 1 (got "-3")');
  assert.equal(userError([...fit, '--lr-adam', '-.01']), 'moe-lab: --lr-adam must be a positive number (got "-.01")');
  assert.equal(userError(['synth', '--kind', 'linear', '--snr', '-2', '--out', path.join(tempDir(), 'x.csv')]), 'moe-lab: --snr must be a positive number (got "-2")');
  // A flag followed by another flag, or by nothing, lacks its value: say so in the flag's name.
  assert.equal(userError([...fit, '--tol', '--json']), 'moe-lab: --tol needs a value (it is followed by --json)');
  assert.equal(userError([...fit, '--tol']), 'moe-lab: --tol needs a value');
  assert.match(userError([...fit, '--tol', '-x']), /^moe-lab: --tol needs a value .*--tol=-x/);
});

/** A CSV whose 7th data row has an empty feature cell. */
function csvWithAnEmptyCell(dir: string): string {
  const file = path.join(dir, 'gaps.csv');
  const rows = Array.from({ length: 12 }, (_, i) => (i === 6 ? `,${i % 3}` : `${i * 0.5},${i % 3}`));
  writeFileSync(file, ['x,y', ...rows].join('\n') + '\n');
  return file;
}

test('fit names its flags and the path as typed; run SPEC keeps the spec\'s words', () => {
  const dir = tempDir();
  csvWithAnEmptyCell(dir);
  // The data file as the user typed it (relative to the working folder), never as a JSON pointer.
  const missing = cli(['fit', 'no-such.csv', '--target', 'y'], dir);
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trim(), 'moe-lab: data file not found: no-such.csv');
  // The hint names the flag that drops the rows, and the file as typed.
  const gaps = cli(['fit', 'gaps.csv', '--target', 'y'], dir);
  assert.equal(gaps.code, 2);
  assert.match(gaps.stderr, /^moe-lab: gaps\.csv: row 7, column "x": .*pass --drop-invalid-rows/);
  assert.doesNotMatch(gaps.stderr, /dropInvalidRows|\/data\//);
  // A spec check that fails is put on the flag it came from.
  const experts = cli(['fit', 'gaps.csv', '--target', 'y', '--experts', '200'], dir);
  assert.equal(experts.code, 2);
  assert.match(experts.stderr, /^moe-lab: --experts: must be <= 50 \(got 200\)$/m);
  const split = cli(['fit', 'gaps.csv', '--target', 'y', '--drop-invalid-rows', '--test-fraction', '0.01', '--max-iter', '2', '--solvers', 'em'], dir);
  assert.equal(split.code, 0, split.stderr);
  assert.match(split.stderr, /--test-fraction 0\.01 of 11 rows rounds to 0 rows/);
  assert.doesNotMatch(split.stderr, /testFraction/);

  // run SPEC: the user wrote the spec, so the messages speak of its fields.
  const spec = path.join(dir, 'gaps.moe.json');
  writeFileSync(spec, JSON.stringify({ data: { csv: 'gaps.csv', target: 'y' }, stopping: { maxIterations: 2 } }));
  const run = cli(['run', spec]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /data\.dropInvalidRows/);
  writeFileSync(spec, JSON.stringify({ data: { csv: 'nowhere.csv', target: 'y' } }));
  assert.match(cli(['run', spec]).stderr, /^moe-lab: \/data\/csv: data file not found: .*nowhere\.csv/);
});

test('dropped rows are reported once', () => {
  const dir = tempDir();
  const csv = csvWithAnEmptyCell(dir);
  for (const json of [false, true]) {
    const fit = cli(['fit', csv, '--target', 'y', '--drop-invalid-rows', '--max-iter', '2', '--solvers', 'em', ...(json ? ['--json'] : [])]);
    assert.equal(fit.code, 0, fit.stderr);
    const warnings: string[] = json ? JSON.parse(fit.stdout).warnings : fit.stderr.trim().split('\n');
    const aboutDropping = warnings.filter((line) => /dropped/i.test(line));
    assert.equal(aboutDropping.length, 1, `one warning about the dropped row${json ? ' (--json)' : ''}: ${warnings.join(' | ')}`);
    assert.match(aboutDropping[0], /row 7/);
  }
});

test('a warning repeated at every iteration is said once per solver and restart, with its count', () => {
  // Eight gaussian experts for Iris' sepal length on raw features: EM empties experts, whose variance collapses
  // and whose least-squares system turns singular, at nearly every iteration after the first few.
  const args = ['fit', 'examples/data/iris.csv', '--target', 'sepal_length', '--experts', '8', '--no-standardize', '--max-iter', '200', '--restarts', '2'];
  const traced = cli([...args, '--json']);
  assert.equal(traced.code, 0, traced.stderr);
  const results: Array<{ solver: string; restart: number; trace: Array<{ iteration: number; notes?: string[] }> }> = JSON.parse(traced.stdout).results;
  // What the solvers noted, per solver, restart and note (the figures in a note vary from iteration to iteration).
  const figure = /[-+]?\d+(\.\d+(e[-+]?\d+)?|e[-+]?\d+)/gi;
  const noted = new Map<string, number>();
  for (const result of results) {
    for (const report of result.trace) {
      for (const note of report.notes ?? []) {
        const key = `${result.solver}, restart ${result.restart + 1}: ${note.replace(figure, '#')}`;
        noted.set(key, (noted.get(key) ?? 0) + 1);
      }
    }
  }
  const total = [...noted.values()].reduce((a, b) => a + b, 0);
  assert.ok([...noted.values()].some((count) => count > 10), `precondition: some note repeats over many iterations (${total} notes)`);

  const printed = cli(args);
  assert.equal(printed.code, 0, printed.stderr);
  // Run-level warnings (not an iteration's note, e.g. "every em restart ended in a degenerate fit") are apart.
  const lines = printed.stderr.trim().split('\n').filter((line) => /^warning: \w+, restart \d+, iterations? /.test(line));
  assert.equal(lines.length, noted.size, `one line per distinct warning, got:\n${printed.stderr}`);
  const said = new Map<string, number>();
  for (const line of lines) {
    const match = /^warning: (\w+, restart \d+), iterations? (\d+)(?:–(\d+))?: (.*?)(?: \(×(\d+)(?:; figures from iteration \d+)?\))?$/.exec(line);
    assert.ok(match, `the form of ${line}`);
    const [, scope, , , note, count] = match;
    said.set(`${scope}: ${note.replace(figure, '#')}`, Number(count ?? 1));
  }
  assert.deepEqual(said, noted, 'each warning with the number of iterations that noted it');
  // --json carries the same lines (every note stays in the trace).
  const iterationWarnings = (JSON.parse(traced.stdout).warnings as string[]).filter((w) => /^\w+, restart \d+, iterations? /.test(w));
  assert.deepEqual(iterationWarnings, lines.map((line) => line.slice('warning: '.length)));
});

test('restart numbers: JSON restart r is the table\'s restart r + 1, and the start from seed S + r', () => {
  const dir = tempDir();
  const csv = path.join(dir, 'mixture.csv');
  assert.equal(cli(['synth', '--kind', 'linear', '--experts', '2', '--dim', '2', '--samples', '300', '--snr', '3', '--seed', '4', '--out', csv]).code, 0);
  const fit = (extra: string[]) => ['fit', csv, '--target', 'y', '--solvers', 'em', '--max-iter', '30', ...extra];
  const json = cli([...fit(['--seed', '10', '--restarts', '3']), '--json']);
  assert.equal(json.code, 0, json.stderr);
  const results: Array<{ restart: number; logLik: number }> = JSON.parse(json.stdout).results;
  assert.deepEqual(results.map((r) => r.restart), [0, 1, 2]);

  const table = cli(fit(['--seed', '10', '--restarts', '3']));
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.split('\n').filter((line) => /^em\*?\s/.test(line)).map((line) => line.trim().split(/\s+/));
  const header = table.stdout.split('\n').find((line) => line.startsWith('solver'))!.trim().split(/\s+/);
  const restartColumn = header.indexOf('restart');
  const logLikColumn = header.indexOf('logLik');
  for (const result of results) {
    const row = rows.find((cells) => Number(cells[restartColumn]) === result.restart + 1);
    assert.ok(row, `a table row for JSON restart ${result.restart}, numbered ${result.restart + 1}`);
    assert.equal(row[logLikColumn], result.logLik.toFixed(4));
    // Restart r of seed 10 is the single restart of seed 10 + r.
    const alone = JSON.parse(cli([...fit(['--seed', String(10 + result.restart), '--restarts', '1']), '--json']).stdout).results[0];
    assert.equal(alone.logLik, result.logLik);
  }
});
