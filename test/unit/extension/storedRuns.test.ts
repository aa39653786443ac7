/**
 * Results folders read back for Open Run Results: an interrupted run says the duration it knows (the compute time of
 * the solvers it completed), not "0.00 s"; reproduction folders are listed beside the runs and read back for the
 * panel's reproduction view.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runReproduction } from '../../../src/core/reproduce';
import { writeReproduction } from '../../../src/core/reproduce/write';
import { PARTIAL_SUFFIX } from '../../../src/core/runner/results';
import { runExperiment } from '../../../src/core/runner/runExperiment';
import { runSweep, sweepRunFolders } from '../../../src/core/runner/sweep';
import type { SolverResult } from '../../../src/core/runner/types';
import { validateSpecObject } from '../../../src/core/spec/validate';
import { readPanelReproduction, reproductionFolderName } from '../../../src/extension/reproduce/reproduceOptions';
import { listStoredReproductions } from '../../../src/extension/results/storedReproductions';
import { listStoredRuns, loadStoredRun } from '../../../src/extension/results/storedRuns';
import { listRuns } from '../../../src/extension/specEditor/specRuns';
import { parseWebviewMessage } from '../../../src/protocol/specEditorMessages';
import { durationText } from '../../../webview/panel/headerText';

const PUBLIC = path.resolve(__dirname, '../../fixtures/public');
const EXAMPLES = path.resolve(__dirname, '../../../examples/data');

async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'moe-stored-'));
  try {
    await body(root);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

test('an interrupted run reads back with the duration it knows: the compute time of the solvers it completed', async () => {
  await withRoot(async (root) => {
    const validated = validateSpecObject({
      name: 'faithful interrupted',
      data: { csv: 'faithful.csv', target: 'waiting', features: ['eruptions'] },
      model: { experts: 2, expert: 'gaussian' },
      solvers: { em: { enabled: true }, gd: { enabled: true }, adam: { enabled: false }, gem: { enabled: false } },
      stopping: { maxIterations: 40 },
      init: { strategy: 'kmeans', seed: 2, restarts: 1 },
    });
    if (!validated.ok) throw new Error(validated.errors[0].message);
    let finished: { dir: string; results: readonly SolverResult[] } | undefined;
    for await (const event of runExperiment(validated.spec, { baseDir: PUBLIC, resultsRoot: root, rawSpec: validated.raw })) {
      if (event.type === 'runFinished') finished = { dir: event.resultsDir!, results: event.results };
    }
    assert.ok(finished);
    // What a killed worker leaves: the `.partial` folder with spec.json and the finished solvers' traces, no summary.
    const partial = finished.dir + PARTIAL_SUFFIX;
    await fs.rename(finished.dir, partial);
    await fs.rm(path.join(partial, 'summary.json'));
    await fs.rm(path.join(partial, 'traces.csv'));

    const record = await loadStoredRun(partial);
    assert.equal(record.end.status, 'interrupted');
    const computed = finished.results.reduce((sum, result) => sum + result.seconds, 0);
    assert.ok(computed > 0);
    assert.ok(Math.abs(record.end.seconds! - computed) < 1e-9, `${record.end.seconds} s, the solvers took ${computed} s`);
    assert.match(durationText(record.end), /^interrupted after ≥ \d+\.\d\d s \(the solvers it completed\)$/);
    assert.doesNotMatch(durationText(record.end), /^0\.00 s/);
    assert.equal(durationText({ status: 'interrupted' }), 'interrupted before a solver finished');
    assert.equal(durationText({ status: 'finished', seconds: 1.5 }), '1.50 s');
    const [listed] = await listStoredRuns([root]);
    assert.equal(listed.status, 'interrupted');
  });
});

test('reproduction folders are listed beside the run folders and read back for the reproduction view', async () => {
  await withRoot(async (root) => {
    // A real (cancelled at once, so quick) reproduction, written as the command writes it.
    const controller = new AbortController();
    const results = await runReproduction({ quick: true, only: ['symmoline'], examplesDir: EXAMPLES, signal: controller.signal, onProgress: () => controller.abort() });
    const dir = path.join(root, reproductionFolderName(new Date(results.startedAt)));
    await writeReproduction(dir, results, { command: 'test', renderedCharts: new Set(), chartNote: 'not rendered in this test' });
    await fs.mkdir(path.join(root, 'reproduction-notes')); // a folder named alike, without results.json: not listed

    const listed = await listStoredReproductions([root, root]);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].dir, dir);
    assert.equal(listed[0].quick, true);
    assert.equal(listed[0].status, 'cancelled');
    assert.deepEqual(listed[0].experiments, ['symmoline']);
    assert.deepEqual(await listStoredRuns([root]), [], 'a reproduction is not a run folder');
    const shown = await readPanelReproduction(dir);
    assert.equal(shown?.id, path.basename(dir));
    assert.equal(shown?.status, 'cancelled');
  });
});

test('a sweep\'s runs are found in its results folder: by Open Run Results (listStoredRuns) and by its spec form\'s Results list', async () => {
  await withRoot(async (root) => {
    const specFile = path.join(root, 'tune.moe.json');
    const otherFile = path.join(root, 'other.moe.json');
    const raw = {
      name: 'tune',
      data: { synthetic: { kind: 'linear', experts: 2, dim: 1, samples: 200, snr: 4, seed: 1, symmetric: false } },
      model: { experts: 2 },
      solvers: { gd: { enabled: false }, adam: { enabled: false }, gem: { enabled: false } },
      stopping: { maxIterations: 5 },
      init: { seed: 1, restarts: 1 },
      sweep: { 'model.experts': [1, 2] },
    };
    const results = path.join(root, 'results');
    const run = async (file: string, value: unknown): Promise<string[]> => {
      const validated = validateSpecObject(value);
      if (!validated.ok) throw new Error(validated.errors[0].message);
      const folders: string[] = [];
      if (validated.spec.sweep) {
        for await (const event of runSweep(validated.spec, { baseDir: root, resultsRoot: results, rawSpec: validated.raw, specFile: file })) {
          if (event.type === 'sweepFinished') folders.push(...(await sweepRunFolders(event.dir!)));
        }
      } else {
        for await (const event of runExperiment(validated.spec, { baseDir: root, resultsRoot: results, rawSpec: validated.raw, specFile: file })) {
          if (event.type === 'runFinished') folders.push(event.resultsDir!);
        }
      }
      return folders;
    };
    const swept = await run(specFile, raw);
    const { sweep: _sweep, ...single } = raw;
    const alone = await run(specFile, single);
    // Another spec with the same name, swept into the same results folder: not this spec's runs.
    const other = await run(otherFile, raw);
    assert.equal(swept.length, 2);
    assert.equal(other.length, 2);

    // Open Run Results reads the configured results folder: the sweep folders' runs are listed with the others.
    const stored = await listStoredRuns([results]);
    assert.deepEqual(stored.map((s) => s.dir).sort(), [...swept, ...alone, ...other].sort());
    assert.equal(stored.filter((s) => s.dir === swept[0]).length, 1, 'a run listed once even when its sweep folder is a root too');
    assert.equal((await listStoredRuns([results, path.dirname(swept[0])])).length, 5);

    // The spec form: this spec's three runs (one alone, two swept), each openable by its id under the results folder.
    const entries = await listRuns(results, { file: specFile, name: 'tune' });
    assert.deepEqual(entries.map((e) => path.join(results, ...e.id.split('/'))).sort(), [...swept, ...alone].sort());
    for (const entry of entries.filter((e) => e.id.includes('/'))) {
      assert.match(entry.label, /\(sweep \d{8}-\d{6}-tune-sweep\)$/);
      assert.ok(parseWebviewMessage({ type: 'openRun', id: entry.id }, new Map()).ok, `${entry.id} passes the message check`);
    }
    assert.deepEqual((await listRuns(results, { file: otherFile, name: 'tune' })).map((e) => path.join(results, ...e.id.split('/'))).sort(), [...other].sort());
  });
});
