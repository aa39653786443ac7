/**
 * Produces the webview tier's input from real code (run with `node --import tsx`): the core runner fits
 * examples/data/iris.csv with EM, GD and Adam, and the host's own RunRecord + PanelFeed turn its events into the
 * snapshot and update messages the extension would post, batched as the host batches them. Also writes the
 * panel's HTML exactly as the host builds it (CSP with nonce). And a `reproduction` message as the host builds it
 * after a quick paper reproduction (SymMoLinE, the SNR sweep and — when Fashion-MNIST is installed — the Fashion-MNIST
 * and equal-time charts).
 *
 *   node --import tsx test/webview/fixtureMessages.ts OUT.json CSP_SOURCE
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runReproduction } from '../../src/core/reproduce';
import { runExperiment } from '../../src/core/runner/runExperiment';
import type { RunEvent } from '../../src/core/runner/types';
import { validateSpecObject } from '../../src/core/spec/validate';
import { panelHtml } from '../../src/extension/panel/html';
import { PanelFeed } from '../../src/extension/panel/panelFeed';
import { RunRecord } from '../../src/extension/run/runRecord';
import { fitSpecObject } from '../../src/extension/fit/fitSpec';
import { panelReproductionOf } from '../../src/extension/reproduce/reproduceOptions';
import type { ToWebviewMessage } from '../../src/protocol/panelMessages';

const [out, cspSource] = process.argv.slice(2);
if (!out || !cspSource) throw new Error('usage: fixtureMessages.ts OUT.json CSP_SOURCE');
const repo = path.resolve(__dirname, '..', '..');
/** Iteration events between two updates (the host flushes on a timer; a fixed count makes the test deterministic). */
const EVENTS_PER_UPDATE = 40;

async function main(): Promise<void> {
  const raw = fitSpecObject('iris.csv', { target: 'species', solvers: ['em', 'gd', 'adam'], restarts: 2, maxIterations: 150, tolerance: 1e-8, testFraction: 0.3 }, { maxIterations: 150, tolerance: 1e-8, restarts: 2, testFraction: 0.3 });
  const validated = validateSpecObject(raw);
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  const events: RunEvent[] = [];
  for await (const event of runExperiment(validated.spec, { baseDir: path.join(repo, 'examples', 'data'), resultsRoot: false })) events.push(event);

  const messages: ToWebviewMessage[] = [];
  let record: RunRecord | undefined;
  let feed: PanelFeed | undefined;
  let sinceUpdate = 0;
  let midRunIndex = -1;
  for (const event of events) {
    if (event.type === 'runStarted') {
      record = RunRecord.fromStart(event, new Date('2026-01-01T00:00:00Z'));
      feed = new PanelFeed(record);
      messages.push(feed.snapshot());
      continue;
    }
    record!.apply(event);
    if (++sinceUpdate >= EVENTS_PER_UPDATE || event.type === 'runFinished') {
      const update = feed!.update();
      if (update) messages.push(update);
      sinceUpdate = 0;
      if (midRunIndex < 0 && record!.iterationCount > 150) midRunIndex = messages.length;
    }
  }
  const finished = events.find((e): e is Extract<RunEvent, { type: 'runFinished' }> => e.type === 'runFinished')!;
  const html = panelHtml({ cspSource, scriptUri: `${cspSource}/dist/webview/panel.js`, styleUri: `${cspSource}/media/panel.css` });
  // VS Code posts webview messages as JSON: NaN and ±Infinity become null. Do the same.
  const reproduction = await reproductionMessage();
  const optima = finished.optima ?? [];
  const optimaRun = await optimaRunMessages();
  writeFileSync(
    out,
    JSON.stringify({ html, messages, midRunIndex, results: finished.results.map(({ trace, ...r }) => ({ ...r, reports: trace.length })), optima, optimaRun, reproduction }),
  );
}

/**
 * A run with several optima (NOdata, constant gate, K = 2, random starts: EM and Adam, 6 restarts), fed through the
 * same RunRecord + PanelFeed, for the optima section (the Iris run above has none: its classes are separable).
 */
async function optimaRunMessages(): Promise<{ messages: ToWebviewMessage[]; optima: unknown[]; results: unknown[] }> {
  const validated = validateSpecObject({
    name: 'NOdata optima',
    data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
    model: { experts: 2, expert: 'gaussian', gate: 'constant' },
    solvers: { em: { enabled: true }, gem: { enabled: false }, gd: { enabled: false }, adam: { enabled: true } },
    init: { strategy: 'random', seed: 1, restarts: 10 },
  });
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  const messages: ToWebviewMessage[] = [];
  let record: RunRecord | undefined;
  let feed: PanelFeed | undefined;
  let finished: Extract<RunEvent, { type: 'runFinished' }> | undefined;
  for await (const event of runExperiment(validated.spec, { baseDir: path.join(repo, 'test', 'fixtures', 'public'), resultsRoot: false })) {
    if (event.type === 'runStarted') {
      record = RunRecord.fromStart(event, new Date('2026-01-01T00:00:00Z'));
      feed = new PanelFeed(record);
      messages.push(feed.snapshot());
      continue;
    }
    record!.apply(event);
    if (event.type === 'runFinished') finished = event;
  }
  const update = feed!.update();
  if (update) messages.push(update);
  return { messages, optima: finished!.optima ?? [], results: finished!.results.map(({ trace, ...r }) => ({ ...r, reports: trace.length })) };
}

/** What the host posts after a quick reproduction (the worker's `reproduceWritten`, turned into the panel's view). */
async function reproductionMessage(): Promise<ToWebviewMessage> {
  const only = ['symmoline', 'snr-sweep', 'equal-time'] as const;
  const results = await runReproduction({ quick: true, only, examplesDir: path.join(repo, 'examples', 'data') });
  const dir = '/workspace/.moe-lab/runs/reproduction-20260101-000000';
  const written = {
    type: 'reproduceWritten' as const,
    dir,
    report: `${dir}/report.md`,
    results: `${dir}/results.json`,
    cancelled: results.cancelled,
    seconds: results.seconds,
    charts: results.charts,
    checks: results.checks.map(({ experiment, name, passed }) => ({ experiment, name, passed })),
    skipped: results.skipped.map(({ name, reason }) => ({ name, reason })),
  };
  return { type: 'reproduction', reproduction: panelReproductionOf(written, { quick: true, only }) };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
