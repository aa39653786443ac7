/**
 * The MoE Lab view's pure parts (issue 17.1 and 17.2) on real run folders written by the `moe-lab` CLI (built by
 * `npm run build`): spec differences from the stored spec.json files, the run overview (status, best ℓ, test
 * metric, K), and the grouping by spec and data file, newest first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { flattenLeaves, specDifferences } from '../../../src/core/spec/specDiff';
import { groupRuns, listRunOverviews, readRunOverview, runDescription } from '../../../src/extension/runsView/runOverview';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');

function spec(name: string, experts: number, adamRate: number, data = 'iris.csv', target = 'species') {
  return {
    name,
    data: { csv: data, target, testFraction: 0.3, splitSeed: 0 },
    model: { experts },
    solvers: { em: { enabled: true }, adam: { enabled: true, learningRate: adamRate } },
    stopping: { maxIterations: 15 },
    init: { seed: 1, restarts: 1 },
  };
}

/** Runs a spec with the CLI; returns the run folder it wrote. */
function runCli(dir: string, file: string, value: unknown): string {
  writeFileSync(path.join(dir, file), JSON.stringify(value));
  const result = spawnSync(process.execPath, [BIN, 'run', file, '--json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  const folder = (JSON.parse(result.stdout) as { resultsDir?: string }).resultsDir;
  assert.ok(folder, `the CLI names its results folder: ${result.stdout.slice(0, 300)}`);
  return folder;
}

const workspace = mkdtempSync(path.join(tmpdir(), 'moe-runs-view-'));
cpSync(path.join(ROOT, 'examples', 'data', 'iris.csv'), path.join(workspace, 'iris.csv'));
cpSync(path.join(ROOT, 'examples', 'data', 'wine.csv'), path.join(workspace, 'wine.csv'));
const first = runCli(workspace, 'a.moe.json', spec('iris-k', 2, 0.01));
const second = runCli(workspace, 'b.moe.json', spec('iris-k', 3, 0.03));
runCli(workspace, 'wine.moe.json', spec('wine-k', 2, 0.01, 'wine.csv', readFileSync(path.join(workspace, 'wine.csv'), 'utf8').split('\n')[0].split(',')[0]));

test('spec differences between two CLI runs name exactly the fields that were changed', () => {
  const resolved = [first, second].map((dir) => JSON.parse(readFileSync(path.join(dir, 'spec.json'), 'utf8')).resolved);
  const differences = specDifferences(resolved);
  assert.deepEqual(
    differences.map((d) => d.path),
    ['model.experts', 'solvers.adam.learningRate'],
  );
  assert.deepEqual(differences[0].values, ['2', '3']);
  assert.deepEqual(differences[1].values, ['0.01', '0.03']);
  assert.deepEqual(specDifferences([resolved[0], resolved[0]]), [], 'a spec does not differ from itself');
});

test('spec differences: a field missing in one run, lists compared whole, arrays of objects by index', () => {
  const differences = specDifferences([
    { a: { b: 1 }, features: ['x', 'y'], list: [{ k: 1 }, { k: 2 }] },
    { a: {}, features: ['x', 'y'], list: [{ k: 1 }, { k: 3 }] },
    { a: { b: 1 }, features: ['y', 'x'], list: [{ k: 1 }, { k: 2 }] },
  ]);
  assert.deepEqual(differences, [
    { path: 'a.b', values: ['1', null, '1'] },
    { path: 'features', values: ['["x","y"]', '["x","y"]', '["y","x"]'] },
    { path: 'list[1].k', values: ['2', '3', '2'] },
  ]);
  assert.equal(flattenLeaves({ s: 'text' }).get('s'), 'text', 'strings are shown without quotes');
});

test('a run overview reports status, duration, the best ℓ over the results, the test metric of that run, and K', async () => {
  const overview = await readRunOverview(second);
  assert.ok(overview);
  const summary = JSON.parse(readFileSync(path.join(second, 'summary.json'), 'utf8')) as { seconds: number; results: { solver: string; logLik: number; testAccuracy: number }[] };
  assert.equal(overview.status, 'finished');
  assert.equal(overview.experts, 3);
  assert.equal(overview.seconds, summary.seconds);
  const best = summary.results.reduce((a, b) => (b.logLik > a.logLik ? b : a));
  assert.equal(overview.bestLogLik, best.logLik);
  assert.equal(overview.bestSolver, best.solver);
  assert.deepEqual(overview.testMetric, { kind: 'accuracy', value: best.testAccuracy });
  assert.deepEqual(overview.solvers, ['em', 'gd', 'adam'], 'GD is on by default');
  assert.match(runDescription(overview), /^finished · [\d.]+ s · ℓ -?[\d.]+ · test acc [\d.]+% · K=3$/);
  assert.ok(overview.settings.some(([label, value]) => label === 'solvers' && /^EM, GD \(η [\d.]+\), Adam \(η 0\.03\)$/.test(value)), JSON.stringify(overview.settings));
});

test('runs are grouped by spec and data file, groups and runs newest first; an interrupted folder says so', async () => {
  // A run killed before its summary leaves `<runId>.partial/` with spec.json and the traces that had ended.
  const partial = `${first}-copy.partial`;
  cpSync(first, partial, { recursive: true });
  rmSync(path.join(partial, 'summary.json'));
  try {
    const runs = await listRunOverviews([path.dirname(first)]);
    assert.equal(runs.length, 4);
    const groups = groupRuns(runs);
    assert.deepEqual(groups.map((g) => g.name), ['wine-k', 'iris-k'], 'the group with the newest run first');
    assert.equal(groups[0].data, path.join(workspace, 'wine.csv'));
    const iris = groups[1].runs;
    assert.equal(iris.length, 3);
    for (let i = 1; i < iris.length; i++) assert.ok((iris[i - 1].startedAt ?? '') >= (iris[i].startedAt ?? ''), 'newest first');
    const interrupted = iris.find((r) => r.dir === partial);
    assert.equal(interrupted?.status, 'interrupted');
    assert.equal(interrupted?.experts, 2);
    assert.ok(interrupted?.bestLogLik !== undefined, 'an interrupted run still shows the best ℓ of the solvers it finished');
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
});
