/**
 * A reproduction of hours must survive being stopped: every finished part is written to `<out>/checkpoint/` at once,
 * and `moe-lab reproduce --resume <out>` continues without redoing it. Checked on the real CLI: a run killed
 * (SIGKILL, no chance to clean up) after its first Fashion-MNIST instance, then resumed, gives the same results
 * as a run that was never interrupted. The Fashion-MNIST part needs Debian's dataset-fashion-mnist (CI installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CHECKPOINT_FOLDER, folderCheckpoint } from '../../src/core/reproduce/checkpoint';
import { FMNIST_DEFAULT_SOURCES } from '../../src/core/data/fmnist';
import { isUserInputError } from '../../src/core/errors';
import { duration } from '../../src/core/reproduce/report';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');
const installed = existsSync(path.join(FMNIST_DEFAULT_SOURCES[0], 'train-images-idx3-ubyte.gz'));
const needsPackage = installed ? false : `dataset-fashion-mnist is not installed in ${FMNIST_DEFAULT_SOURCES[0]}`;
const FLAGS = ['--quick', '--only', 'fmnist', '--fmnist-instances', '2', '--no-charts'];

function temporary(): string {
  return mkdtempSync(path.join(tmpdir(), 'moe-resume-'));
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'reproduce', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
}

/** What must not depend on whether the run was interrupted: every number but the clocks. */
function comparable(resultsFile: string) {
  const fmnist = JSON.parse(readFileSync(resultsFile, 'utf8')).fmnist;
  return {
    settings: fmnist.settings,
    solvers: fmnist.solvers.map((s: Record<string, unknown>) => ({ solver: s.solver, choice: s.choice, curves: s.curves, final: s.final, diverged: s.diverged, innerIterations: s.innerIterations })),
    baselines: fmnist.baselines.map((b: Record<string, unknown>) => ({ label: b.label, testAccuracy: b.testAccuracy, testCrossEntropy: b.testCrossEntropy, trainCrossEntropy: b.trainCrossEntropy })),
    emMonotone: fmnist.emMonotone,
    instances: fmnist.instanceSeconds.length,
  };
}

/** Starts the CLI and kills it with SIGKILL as soon as the first instance is in its checkpoint. */
async function killAfterFirstInstance(out: string): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'reproduce', ...FLAGS, '--out', out], { cwd: ROOT, stdio: 'ignore' });
  const first = path.join(out, CHECKPOINT_FOLDER, 'fmnist-instance-1.json');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let waited = 0; !existsSync(first); waited += 20) {
    if (child.exitCode !== null) assert.fail('the reproduction ended before its first instance was checkpointed');
    if (waited > 240_000) assert.fail('no checkpoint after 240 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await exited;
}

test('a reproduction killed after an instance and resumed gives the results of an uninterrupted run', { skip: needsPackage, timeout: 600_000 }, async () => {
  const whole = path.join(temporary(), 'whole');
  const uninterrupted = cli([...FLAGS, '--out', whole]);
  assert.equal(uninterrupted.status, 0, uninterrupted.stderr);
  assert.ok(!existsSync(path.join(whole, CHECKPOINT_FOLDER)), 'a finished reproduction keeps no checkpoint');

  const resumed = path.join(temporary(), 'resumed');
  await killAfterFirstInstance(resumed);
  assert.ok(!existsSync(path.join(resumed, 'results.json')), 'the killed run had not finished');
  const kept = readdirSync(path.join(resumed, CHECKPOINT_FOLDER)).filter((name) => name.endsWith('.json'));
  assert.ok(kept.includes('fmnist-instance-1.json') && kept.includes('invocation.json'), `checkpoint: ${kept.join(', ')}`);
  assert.ok(!kept.some((name) => name.endsWith('.tmp')), 'no half-written entry is published');

  // Starting afresh over it would mix two runs (or throw away finished work): refused, with the way out.
  const fresh = cli([...FLAGS, '--out', resumed]);
  assert.equal(fresh.status, 2, fresh.stderr);
  assert.match(fresh.stderr, /unfinished reproduction.*--resume/);
  // The options are the stored ones: a resumed run cannot change them.
  const changed = cli(['--resume', resumed, '--fmnist-instances', '5']);
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /--fmnist-instances cannot be changed/);

  const continued = cli(['--resume', resumed, '--json']);
  assert.equal(continued.status, 0, continued.stderr);
  const output = JSON.parse(continued.stdout.trim().split('\n').pop()!);
  assert.ok(output.restored.includes('fmnist-instance-1'), `restored: ${output.restored}`);
  assert.ok(!output.restored.includes('fmnist-instance-2'), 'the last instance had not finished before the kill');
  assert.deepEqual(comparable(path.join(resumed, 'results.json')), comparable(path.join(whole, 'results.json')));
  const report = readFileSync(path.join(resumed, 'report.md'), 'utf8');
  assert.match(report, /\*\*Resumed\*\*/);
  // The run's time is its instances' over both sittings, not only the last sitting's.
  const instanceSeconds: number[] = JSON.parse(readFileSync(path.join(resumed, 'results.json'), 'utf8')).fmnist.instanceSeconds;
  const total = duration(instanceSeconds.reduce((sum, s) => sum + s, 0));
  assert.ok(report.includes(`its 2 instance(s) took ${total} over all sittings, 1 of them read back from earlier ones`), report.slice(0, 2000));

  // A later checkout renders the same results again, saying so, with the same tables.
  const render = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'renderReport.ts'), resumed, '--command', 'moe-lab reproduce (test)', '--commit', 'abc1234'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(render.status, 0, render.stderr);
  const rendered = readFileSync(path.join(resumed, 'report.md'), 'utf8');
  assert.match(rendered, /rendered again from `results\.json` by the report code of commit [0-9a-f]{7}/);
  assert.match(rendered, /MoE Lab at commit abc1234/);
  const tables = (text: string) => text.split('\n').filter((line) => line.startsWith('|'));
  assert.deepEqual(tables(rendered), tables(report));
  assert.ok(!existsSync(path.join(resumed, CHECKPOINT_FOLDER)), 'the checkpoint goes once the reproduction finished');

  const again = cli(['--resume', resumed]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /no unfinished reproduction/);
});

test('a checkpoint entry keeps NaN and ±Infinity, and refuses other settings by name', async () => {
  const dir = temporary();
  const checkpoint = folderCheckpoint(dir);
  const value = { curve: [0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], label: 'NaN' };
  await checkpoint.save('part', { quick: true, rows: 200 }, value);
  const reader = folderCheckpoint(dir);
  assert.deepEqual(await reader.load('part', { quick: true, rows: 200 }), value);
  assert.deepEqual(reader.restored, ['part']);
  assert.equal(await reader.load('missing', { quick: true }), undefined);
  await assert.rejects(
    () => reader.load('part', { quick: true, rows: 60_000 }),
    (error: Error) => isUserInputError(error) && /rows = 200, but this run has 60000/.test(error.message),
  );
});
