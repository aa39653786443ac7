/**
 * Input for the charts' webview checks (charts.test.mjs), from real code (run with `node --import tsx`): the core
 * runner fits synthetic data with one feature (gaussian experts, softmax gate, K = 3) and with two features
 * (bernoulli experts, K = 2), and the host's RunRecord + PanelFeed turn the events into the snapshot and the
 * batched updates the extension would post. Also the panel's HTML as the host builds it (CSP with nonce).
 *
 *   node --import tsx test/webview/chartFixtures.ts OUT.json CSP_SOURCE
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runExperiment } from '../../src/core/runner/runExperiment';
import type { RunEvent } from '../../src/core/runner/types';
import { validateSpecObject } from '../../src/core/spec/validate';
import { loadComparison } from '../../src/extension/panel/comparison';
import { panelHtml } from '../../src/extension/panel/html';
import { PanelFeed } from '../../src/extension/panel/panelFeed';
import { RunRecord } from '../../src/extension/run/runRecord';
import type { ToWebviewMessage } from '../../src/protocol/panelMessages';

const [out, cspSource] = process.argv.slice(2);
if (!out || !cspSource) throw new Error('usage: chartFixtures.ts OUT.json CSP_SOURCE');
const repo = path.resolve(__dirname, '..', '..');
/** Iteration events between two updates (the host flushes on a timer; a count keeps the test deterministic). */
const EVENTS_PER_UPDATE = 25;

interface Fixture {
  readonly messages: ToWebviewMessage[];
  /** Index of the first message after which every solver has reported at least 20 iterations. */
  readonly midRunIndex: number;
  /** Per solver and restart: the final trace length and its last report's mixing weights. */
  readonly results: { solver: string; restart: number; reports: number; gateWeights: number[]; mixingWeights: number[]; best: boolean; logLik: number }[];
}

async function fixture(spec: unknown): Promise<Fixture> {
  const validated = validateSpecObject(spec);
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  const messages: ToWebviewMessage[] = [];
  let record: RunRecord | undefined;
  let feed: PanelFeed | undefined;
  let since = 0;
  let midRunIndex = -1;
  let finished: Extract<RunEvent, { type: 'runFinished' }> | undefined;
  for await (const event of runExperiment(validated.spec, { baseDir: repo, resultsRoot: false })) {
    if (event.type === 'runStarted') {
      record = RunRecord.fromStart(event, new Date('2026-01-01T00:00:00Z'));
      feed = new PanelFeed(record);
      messages.push(feed.snapshot());
      continue;
    }
    record!.apply(event);
    if (event.type === 'runFinished') finished = event;
    if (++since >= EVENTS_PER_UPDATE || event.type === 'runFinished') {
      const update = feed!.update();
      if (update) messages.push(update);
      since = 0;
      if (midRunIndex < 0 && [...record!.series.values()].every((s) => s.reports.length > 20)) midRunIndex = messages.length;
    }
  }
  const results = finished!.results.map((r) => ({
    solver: r.solver,
    restart: r.restart,
    reports: r.trace.length,
    gateWeights: r.trace.at(-1)!.gateWeights!,
    mixingWeights: r.trace.at(-1)!.mixingWeights,
    best: r.best,
    logLik: r.logLik,
  }));
  return { messages, midRunIndex, results };
}

/** Runs a spec to the end, writing its run folder under `root` (as the CLI and the extension do); returns the folder. */
async function runToFolder(spec: unknown, root: string): Promise<string> {
  const validated = validateSpecObject(spec);
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  let folder: string | undefined;
  for await (const event of runExperiment(validated.spec, { baseDir: repo, resultsRoot: root })) if (event.type === 'runFinished') folder = event.resultsDir;
  if (!folder) throw new Error('the run wrote no folder');
  return folder;
}

/**
 * Comparisons as Compare Runs builds them from run folders (loadComparison): two runs on the same synthetic data
 * (K = 2 and K = 3, two restarts each, so only the best restart is shown), and two runs on different data.
 */
async function comparisons(): Promise<{ same: unknown; mixed: unknown }> {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-compare-fixture-'));
  try {
    const spec = (experts: number, samples: number, adamRate: number) => ({
      name: `compare-${experts}-${samples}`,
      data: { synthetic: { kind: 'linear', experts: 2, dim: 1, samples, snr: 5, seed: 7, symmetric: false } },
      model: { experts, expert: 'gaussian', gate: 'softmax' },
      solvers: { em: { enabled: true }, gem: { enabled: false }, gd: { enabled: false }, adam: { enabled: true, learningRate: adamRate } },
      stopping: { maxIterations: 60, tolerance: 1e-10 },
      init: { strategy: 'random', seed: 5, restarts: 2 },
    });
    const a = await runToFolder(spec(2, 600, 0.02), root);
    const b = await runToFolder(spec(3, 600, 0.05), root);
    const c = await runToFolder(spec(2, 300, 0.02), root);
    return { same: await loadComparison([a, b], 'K = 2 vs K = 3'), mixed: await loadComparison([a, c]) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const oneFeature = await fixture({
    name: 'three lines',
    data: { synthetic: { kind: 'linear', experts: 3, dim: 1, samples: 2600, snr: 6, seed: 3, symmetric: false } },
    model: { experts: 3, expert: 'gaussian', gate: 'softmax' },
    solvers: { em: { enabled: true }, gem: { enabled: false }, gd: { enabled: true, learningRate: 0.2 }, adam: { enabled: true, learningRate: 0.02 } },
    stopping: { maxIterations: 120, tolerance: 1e-10 },
    init: { strategy: 'kmeans', seed: 1, restarts: 1 },
  });
  const twoFeatures = await fixture({
    name: 'two gates',
    data: { synthetic: { kind: 'logistic', experts: 2, dim: 2, samples: 800, snr: 5, seed: 4, symmetric: false } },
    model: { experts: 2, expert: 'bernoulli', gate: 'softmax' },
    solvers: { em: { enabled: true }, gem: { enabled: false }, gd: { enabled: false }, adam: { enabled: true, learningRate: 0.05 } },
    stopping: { maxIterations: 60, tolerance: 1e-10 },
    init: { strategy: 'random', seed: 2, restarts: 1 },
  });
  const html = panelHtml({ cspSource, scriptUri: `${cspSource}/dist/webview/panel.js`, styleUri: `${cspSource}/media/panel.css` });
  // VS Code posts webview messages as JSON: NaN and ±Infinity become null. JSON.stringify does the same.
  const compared = await comparisons();
  writeFileSync(out, JSON.stringify({ html, oneFeature, twoFeatures, comparison: compared.same, mixedComparison: compared.mixed }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
