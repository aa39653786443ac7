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
import { loadComparison } from '../../../src/extension/panel/comparison';
import { parseFromWebview, parseToWebview } from '../../../src/protocol/panelMessages';
import { planComparison } from '../../../webview/panel/comparePlan';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin', 'moe-lab.js');

function spec(name: string, experts: number, adamRate: number, data = 'iris.csv', target = 'species', restarts = 1) {
  return {
    name,
    data: { csv: data, target, testFraction: 0.3, splitSeed: 0 },
    model: { experts },
    solvers: { em: { enabled: true }, adam: { enabled: true, learningRate: adamRate } },
    stopping: { maxIterations: 15 },
    init: { seed: 1, restarts },
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
const wine = runCli(workspace, 'wine.moe.json', spec('wine-k', 2, 0.01, 'wine.csv', readFileSync(path.join(workspace, 'wine.csv'), 'utf8').split('\n')[0].split(',')[0]));

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

test('a comparison keeps the best restart of each solver and the spec differences, and survives the trip to the webview', async () => {
  const restarts = runCli(workspace, 'r.moe.json', spec('iris-k', 2, 0.01, 'iris.csv', 'species', 3));
  try {
    const comparison = await loadComparison([first, restarts]);
    assert.deepEqual(comparison.differences.map((d) => d.path), ['init.restarts']);
    const summary = JSON.parse(readFileSync(path.join(restarts, 'summary.json'), 'utf8')) as { results: { solver: string; restart: number; best: boolean; logLik: number }[] };
    const shown = comparison.runs[1].snapshot;
    for (const solver of ['em', 'gd', 'adam']) {
      const series = shown.series.filter((s) => s.solver === solver);
      assert.equal(series.length, 1, `one line for ${solver}`);
      const results = summary.results.filter((r) => r.solver === solver);
      const flagged = results.find((r) => r.best);
      // The flagged best restart, else (every restart degenerate: none flagged) the one with the highest final ℓ.
      const expected = flagged ?? results.reduce((a, b) => (b.logLik > a.logLik ? b : a));
      assert.equal(series[0].restart, expected.restart, solver);
    }
    // What the host posts is what the webview accepts (after JSON, as VS Code carries it); a damaged table is refused.
    const message = JSON.parse(JSON.stringify({ type: 'comparison', comparison }));
    assert.ok(parseToWebview(message));
    message.comparison.differences[0].values.pop();
    assert.equal(parseToWebview(message), undefined, 'a difference needs one value per run');
    assert.ok(parseFromWebview({ type: 'comparisonShown', comparisonId: comparison.id, charts: 6, datasets: 24, hidden: [] }));
    assert.equal(parseFromWebview({ type: 'comparisonShown', comparisonId: '../x', charts: 6, datasets: 24, hidden: [] }), undefined);
    assert.equal(parseFromWebview({ type: 'ready', comparisonId: 42 }), undefined);
  } finally {
    rmSync(restarts, { recursive: true, force: true });
  }
});

test('runs on the same data share every chart; on other data ℓ totals and mixed metrics are hidden, with reasons', async () => {
  const same = planComparison(await loadComparison([first, second]));
  assert.deepEqual(same.charts.map((c) => c.id), ['logLik', 'gap', 'accuracy', 'gradNorm', 'rate', 'klStep']);
  assert.deepEqual(same.hidden, []);
  const mixed = planComparison(await loadComparison([first, wine]));
  assert.deepEqual(mixed.charts.map((c) => c.id), ['logLikPerRow', 'gap', 'gradNorm', 'rate', 'klStep']);
  assert.deepEqual(mixed.hidden.map((h) => h.title), ['Log-likelihood ℓ', 'Accuracy and RMSE']);
  assert.match(mixed.hidden[0].reason, /different data \(iris\.csv \(105 rows\) vs wine\.csv \(\d+ rows\)\)/);
  assert.match(mixed.hidden[1].reason, /run 2: regression/);
  // ℓ per row is ℓ divided by that run's own training rows.
  const comparison = await loadComparison([first, wine]);
  const perRow = mixed.charts[0];
  const report = comparison.runs[1].snapshot.series[0].reports[3];
  assert.equal(perRow.value(report, { best: undefined, rows: comparison.runs[1].snapshot.header.dataset.rows }), report.logLik! / comparison.runs[1].snapshot.header.dataset.rows);
});
