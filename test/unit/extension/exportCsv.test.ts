/**
 * The panel's Export CSV and the results folder's traces.csv are the same table for the same run: a real run
 * streamed as the worker streams it (each event cloned, as across the worker boundary; each panel message through
 * JSON and the webview's validator, as VS Code delivers it), with the feed flushing while solvers still iterate —
 * so most reports reach the panel before their solver's retrospective rate exists.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExperiment } from '../../../src/core/runner/runExperiment';
import { validateSpecObject } from '../../../src/core/spec/validate';
import { PanelFeed } from '../../../src/extension/panel/panelFeed';
import { RunRecord } from '../../../src/extension/run/runRecord';
import { parseToWebview, type UpdateMessage } from '../../../src/protocol/panelMessages';
import { PanelStore } from '../../../webview/panel/store';
import { tracesCsv } from '../../../webview/panel/tracesCsv';

const PUBLIC = path.resolve(__dirname, '../../fixtures/public');

test("Export CSV equals the run folder's traces.csv, rateFromObjective included", async () => {
  const validated = validateSpecObject({
    name: 'faithful export',
    data: { csv: 'faithful.csv', target: 'waiting', features: ['eruptions'] },
    model: { experts: 2, expert: 'gaussian', gate: 'softmax' },
    solvers: { em: { enabled: true }, gd: { enabled: true }, adam: { enabled: true }, gem: { enabled: false } },
    stopping: { maxIterations: 60 },
    init: { strategy: 'kmeans', seed: 3, restarts: 2 },
  });
  if (!validated.ok) throw new Error(validated.errors[0].message);
  const resultsRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'moe-export-'));
  try {
    let record: RunRecord | undefined;
    let feed: PanelFeed | undefined;
    const store = new PanelStore();
    const deliver = (message: unknown) => {
      const parsed = parseToWebview(JSON.parse(JSON.stringify(message)));
      assert.ok(parsed, 'the webview accepts the message');
      if (parsed.type === 'snapshot') store.load(parsed.snapshot);
      else assert.equal(store.apply(parsed as UpdateMessage).kind, 'applied');
    };
    let resultsDir: string | undefined;
    for await (const original of runExperiment(validated.spec, { baseDir: PUBLIC, resultsRoot })) {
      const event = structuredClone(original);
      if (event.type === 'runStarted') {
        record = RunRecord.fromStart(event);
        feed = new PanelFeed(record);
        deliver(feed.snapshot());
        continue;
      }
      record!.apply(event);
      if (event.type === 'runFinished') resultsDir = event.resultsDir;
      const update = feed!.update();
      if (update) deliver(update);
    }
    assert.ok(resultsDir, 'the run wrote a results folder');
    const written = await fs.readFile(path.join(resultsDir, 'traces.csv'), 'utf8');
    const exported = tracesCsv(store);
    const filled = (csv: string) => {
      const [header, ...rows] = csv.trim().split('\n');
      const column = header.split(',').indexOf('rateFromObjective');
      return rows.filter((row) => row.split(',')[column] !== '').length;
    };
    assert.ok(filled(written) > 100, `traces.csv has the retrospective rate in most rows (${filled(written)})`);
    assert.equal(filled(exported), filled(written));
    assert.equal(exported, written);
  } finally {
    await fs.rm(resultsRoot, { recursive: true, force: true });
  }
});
