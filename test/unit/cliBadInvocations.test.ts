/**
 * Bad invocations of the `moe-lab` CLI found by issue 15 (item 2), each as a user meets it: the built CLI
 * (`node bin/moe-lab.js …`, built by `npm run build`) in a child process. Each must end at once with exit code 2
 * and one line naming the flag, field or folder; none may hang or crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateSpecObject } from '../../src/core/spec/validate';
import { MAX_SYNTHETIC_VALUES } from '../../src/core/synth/generate';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');

function cli(args: string[], cwd = ROOT) {
  // A hang (the bug) is cut at 30 s and shows as a null status.
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'moe-cli-bad-'));
}

function smallCsv(dir: string): string {
  const csv = path.join(dir, 'data.csv');
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 11},${(i % 5) - 2 + 0.1 * (i % 3)}`);
  writeFileSync(csv, ['a,b,y', ...rows].join('\n') + '\n');
  return csv;
}

/** Exit 2, one line on stderr, no stack trace, every `parts` in it. */
function assertUserError(result: ReturnType<typeof cli>, ...parts: string[]): void {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
  assert.doesNotMatch(lines[0], /internal error|    at /);
  for (const part of parts) assert.ok(lines[0].includes(part), `"${part}" in: ${lines[0]}`);
}

test('a results folder that cannot be created under /proc is refused at once (recursive mkdir loops there)', (t) => {
  if (!existsSync('/proc/self')) return t.skip('needs /proc');
  const dir = tempDir();
  const out = '/proc/moe-lab-no-such-folder/results';
  const result = cli(['fit', smallCsv(dir), '--target', 'y', '--solvers', 'em', '--max-iter', '5', '--out', out], dir);
  assertUserError(result, '--out', out);
});

test('a spec whose resultsDir lies under a file names /resultsDir and the folder', () => {
  const dir = tempDir();
  smallCsv(dir);
  writeFileSync(path.join(dir, 'blocker'), 'a file, not a folder\n');
  const spec = { name: 'blocked', data: { csv: 'data.csv', target: 'y' }, resultsDir: 'blocker/results', stopping: { maxIterations: 5 } };
  writeFileSync(path.join(dir, 'blocked.moe.json'), JSON.stringify(spec));
  const result = cli(['run', path.join(dir, 'blocked.moe.json')], dir);
  assertUserError(result, '/resultsDir', path.join(dir, 'blocker', 'results'), 'is a file');
});

test('synth: dim × samples beyond what can be generated is a user error naming both, not a crash', () => {
  const dir = tempDir();
  const result = cli(['synth', '--kind', 'linear', '--dim', '10000', '--samples', '1000000', '--out', path.join(dir, 'huge.csv')], dir);
  assertUserError(result, 'dim 10000', 'samples 1000000');
});

test('a spec with synthetic sizes whose product is too large fails validation at /data/synthetic/samples', () => {
  const samples = 1_000_000;
  const dim = Math.floor(MAX_SYNTHETIC_VALUES / samples) + 1;
  const checked = validateSpecObject({ name: 'huge', data: { synthetic: { kind: 'linear', experts: 2, dim, samples, snr: 4, seed: 1 } } });
  assert.equal(checked.ok, false);
  if (checked.ok) return;
  assert.ok(checked.errors.some((e) => e.pointer === '/data/synthetic/samples' && e.message.includes(`dim ${dim}`)), JSON.stringify(checked.errors));
  // One fewer dimension fits.
  const fits = validateSpecObject({ name: 'large', data: { synthetic: { kind: 'linear', experts: 2, dim: dim - 1, samples, snr: 4, seed: 1 } } });
  assert.equal(fits.ok, true, JSON.stringify(fits.ok ? [] : fits.errors));
});

test('numeric flags take decimal numbers only: --lr-gd 0x10 is refused, not read as 16', () => {
  const dir = tempDir();
  const csv = smallCsv(dir);
  for (const [flag, value] of [['--lr-gd', '0x10'], ['--tol', '0b1'], ['--experts', '0o3'], ['--seed', '0x1F']]) {
    const result = cli(['fit', csv, '--target', 'y', '--solvers', 'gd', '--max-iter', '5', flag, value], dir);
    assertUserError(result, flag, 'decimal', value);
  }
  // Decimal forms people write are still accepted.
  const accepted = cli(['fit', csv, '--target', 'y', '--solvers', 'gd', '--max-iter', '5', '--lr-gd', '1.5e-2', '--tol', '.5', '--json'], dir);
  assert.equal(accepted.code, 0, accepted.stderr);
});

test('synth --out under a file, naming a folder, or under /proc: exit 2 naming --out, no temporary file left', () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'blocker'), 'a file, not a folder\n');
  const small = ['synth', '--kind', 'linear', '--samples', '10', '--out'];
  assertUserError(cli([...small, path.join(dir, 'blocker', 'data.csv')], dir), '--out', path.join(dir, 'blocker'));
  assertUserError(cli([...small, dir], dir), '--out', dir, 'is a folder');
  assert.deepEqual(readdirSync(path.dirname(dir)).filter((name) => name.startsWith(`${path.basename(dir)}.`)), [], 'no temporary file beside the folder');
  if (existsSync('/proc/self')) assertUserError(cli([...small, '/proc/moe-lab-no-such-folder/data.csv'], dir), '--out', '/proc/moe-lab-no-such-folder');
});

test('finite but huge values (about 1e300) are a user error naming the row and column and suggesting a scale', () => {
  const dir = tempDir();
  const rows = Array.from({ length: 40 }, (_, i) => `${(i % 7) * 1e300},${(i * 3) % 11},${(i % 5) - 2 + 0.1 * (i % 3)}`);
  writeFileSync(path.join(dir, 'huge.csv'), ['a,b,y', ...rows].join('\n') + '\n');
  assertUserError(cli(['fit', 'huge.csv', '--target', 'y', '--solvers', 'em', '--max-iter', '5'], dir), 'huge.csv', 'row 2', 'column "a"', 'divide it by 1e300');
  // In the target as well (gaussian experts square the residuals).
  const target = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 11},${((i % 5) - 2) * 1e250}`);
  writeFileSync(path.join(dir, 'hugeY.csv'), ['a,b,y', ...target].join('\n') + '\n');
  assertUserError(cli(['fit', 'hugeY.csv', '--target', 'y', '--solvers', 'em', '--max-iter', '5'], dir), 'hugeY.csv', 'column "y"', 'scale the column');
});

test('a spec with invalid UTF-8 is refused naming the file, line and byte offset, not read with U+FFFD', () => {
  const dir = tempDir();
  smallCsv(dir);
  const text = Buffer.concat([
    Buffer.from('{\n  "name": "caf'),
    Buffer.from([0xe9]), // Latin-1 é: not UTF-8
    Buffer.from('",\n  "data": { "csv": "data.csv", "target": "y" }, "stopping": { "maxIterations": 5 }\n}\n'),
  ]);
  writeFileSync(path.join(dir, 'latin1.moe.json'), text);
  assertUserError(cli(['run', 'latin1.moe.json'], dir), 'latin1.moe.json', 'line 2', 'invalid UTF-8', `byte ${text.indexOf(0xe9)}`);
  assert.deepEqual(readdirSync(dir).filter((name) => name === 'results'), [], 'no results folder');
});

test('negative values for numeric flags say what is wrong, not "argument is ambiguous"', () => {
  const dir = tempDir();
  const csv = smallCsv(dir);
  for (const [flag, wrong] of [['--lr-gd', 'positive'], ['--tol', '≥ 0'], ['--seed', '≥ 0'], ['--ridge', '≥ 0']]) {
    assertUserError(cli(['fit', csv, '--target', 'y', '--solvers', 'gd', '--max-iter', '5', flag, '-1'], dir), flag, wrong, '"-1"');
  }
  assertUserError(cli(['synth', '--kind', 'linear', '--samples', '10', '--snr', '-1', '--out', path.join(dir, 's.csv')], dir), '--snr', 'positive', '"-1"');
});
