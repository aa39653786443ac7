// End-to-end: the MoE Lab view in the activity bar lists runs that the `moe-lab` CLI wrote into the open workspace
// (a separate process, as a user runs it in the terminal), grouped by spec, each with its status, best ℓ, test
// accuracy and K; the Experiments view lists the specs. Selecting two runs and choosing Compare Runs… from the
// view's title bar shows both runs' curves overlaid in the panel under the table of their spec differences.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { hoverUntilShown, isWebviewContent, screenshot, until, waitVisible, webviewFrame, workbenchForFile } from './workbench';

const ROOT = path.resolve(__dirname, '../..');
const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spec(experts: number, adamRate: number) {
  return {
    name: 'iris-compare',
    data: { csv: 'iris.csv', target: 'species', testFraction: 0.3, splitSeed: 0 },
    model: { experts },
    solvers: { em: { enabled: true }, gd: { enabled: true, learningRate: 0.2 }, adam: { enabled: true, learningRate: adamRate } },
    stopping: { maxIterations: 120 },
    init: { seed: 1, restarts: 1 },
  };
}

const workbench = workbenchForFile({
  name: 'runs-view',
  files: { 'iris-k2.moe.json': JSON.stringify(spec(2, 0.01), null, 2), 'iris-k3.moe.json': JSON.stringify(spec(3, 0.05), null, 2) },
});

function page(): Page {
  return workbench().page;
}

/** Drags the side bar's edge (a vertical sash between `from` and `to` px) to `x`. */
async function dragSideBarEdge(p: Page, from: number, to: number, x: number): Promise<void> {
  const boxes = await Promise.all((await p.locator('.monaco-sash.vertical').all()).map((sash) => sash.boundingBox()));
  const box = boxes.find((b) => b && b.height > 400 && b.x > from && b.x < to);
  if (!box) return;
  await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await p.mouse.down();
  await p.mouse.move(x, box.y + box.height / 2, { steps: 5 });
  await p.mouse.up();
}

/** The MoE Lab view's rows whose text matches. */
function runsRow(p: Page, text: RegExp | string) {
  return p.locator('.pane-body .monaco-list-row', { hasText: text });
}

test('the MoE Lab view lists runs the CLI wrote, with status, best ℓ, test accuracy and K', { timeout: 240_000 }, async () => {
  const p = page();
  await p.locator('.activitybar .action-item a[aria-label^="MoE Lab"], .activitybar .action-item[aria-label^="MoE Lab"]').first().click({ timeout: 30_000 });
  for (const file of ['iris-k2.moe.json', 'iris-k3.moe.json']) {
    execFileSync(process.execPath, [path.join(ROOT, 'bin', 'moe-lab.js'), 'run', file], { cwd: workbench().workspace, timeout: 120_000 });
  }
  await waitVisible(p, runsRow(p, 'iris-compare').first(), 'runs-view-group', 30_000);
  const runRows = runsRow(p, /finished · [\d.]+ s · ℓ -?[\d.]+ · test acc [\d.]+% · K=\d/);
  await until('two finished runs in the view', async () => (await runRows.count()) === 2, 30_000).catch(async (error: Error) => {
    throw new Error(`${error.message}; rows: ${(await p.locator('.pane-body .monaco-list-row').allInnerTexts()).join(' | ')}; screenshot ${await screenshot(p, 'runs-view-failed')}`);
  });
  const texts = await runRows.allInnerTexts();
  assert.ok(texts.some((t) => /K=2/.test(t)) && texts.some((t) => /K=3/.test(t)), texts.join(' | '));
  await waitVisible(p, runsRow(p, 'iris-k2.moe.json').first(), 'runs-view-specs', 10_000);
  // Wider side bar, so that the rows' descriptions show whole; hovering a run shows its inline actions and tooltip.
  await dragSideBarEdge(p, 250, 450, 760);
  const hover = p.locator('.monaco-hover, .workbench-hover', { hasText: 'solvers:' }).first();
  const tooltip = await hoverUntilShown(p, runRows.first(), hover, 'runs-view-hover');
  assert.match(tooltip, /model:\sK\s=\s\d,\scategorical\sexperts,\ssoftmax\sgate/);
  await screenshot(p, 'runs-view');
  await p.mouse.move(900, 800);
});

test('Compare Runs on two selected runs overlays their curves under the spec differences', { timeout: 120_000 }, async () => {
  const p = page();
  const runRows = runsRow(p, /finished · .* · K=\d/);
  await runRows.nth(0).click();
  await runRows.nth(1).click({ modifiers: ['Control'] });
  await p.locator('.pane-header .actions .action-label[aria-label^="Compare Runs"]').first().click({ timeout: 10_000 });
  const frame = await webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('table.spec-diff').count()) > 0, 60_000);
  const fields = await frame.locator('table.spec-diff td.field').allInnerTexts();
  assert.deepEqual(fields, ['model.experts', 'solvers.adam.learningRate']);
  const cards = frame.locator('.compare .chart-card');
  await until('the comparison charts', async () => (await cards.count()) >= 5, 20_000);
  const logLik = JSON.parse((await frame.locator('.compare .chart-card[data-chart-id="logLik"]').getAttribute('data-datasets')) ?? '[]') as { label: string; points: number }[];
  assert.deepEqual(
    logLik.map((d) => d.label).sort(),
    ['run 1 · Adam', 'run 1 · EM', 'run 1 · GD', 'run 2 · Adam', 'run 2 · EM', 'run 2 · GD'],
  );
  assert.ok(logLik.every((d) => d.points > 1), JSON.stringify(logLik));
  await dragSideBarEdge(p, 600, 900, 330);
  await p.mouse.move(1000, 20);
  await sleepMs(500);
  await screenshot(p, 'compare-runs');
});

test('runs on different data: the panel hides the ℓ totals, says why, and plots ℓ per row', { timeout: 180_000 }, async () => {
  const p = page();
  const workspace = workbench().workspace;
  const lines = fs.readFileSync(path.join(workspace, 'iris.csv'), 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(workspace, 'iris-short.csv'), lines.slice(0, lines.length - 30).join('\n') + '\n');
  fs.writeFileSync(path.join(workspace, 'iris-short.moe.json'), JSON.stringify({ ...spec(2, 0.01), name: 'iris-short', data: { ...spec(2, 0.01).data, csv: 'iris-short.csv' } }));
  execFileSync(process.execPath, [path.join(ROOT, 'bin', 'moe-lab.js'), 'run', 'iris-short.moe.json'], { cwd: workspace, timeout: 120_000 });
  await waitVisible(p, runsRow(p, 'iris-short').first(), 'runs-view-short', 30_000);
  const shortRun = runsRow(p, /finished · .* · K=2/).first();
  await until('the short-data run', async () => (await runsRow(p, /finished · .* · K=\d/).count()) === 3, 30_000);
  await shortRun.click();
  await runsRow(p, /finished · .* · K=3/).first().click({ modifiers: ['Control'] });
  await p.locator('.pane-header .actions .action-label[aria-label^="Compare Runs"]').first().click({ timeout: 10_000 });
  const frame = await webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('.hidden-charts li').count()) > 0, 60_000);
  const hidden = await frame.locator('.hidden-charts li').allInnerTexts();
  assert.equal(hidden.length, 1, hidden.join(' | '));
  assert.match(hidden[0], /^Log-likelihood ℓ is hidden: ℓ is a total over each run's training rows, and these runs use different data/);
  await frame.locator('.compare .chart-card[data-chart-id="logLikPerRow"]').waitFor({ state: 'visible', timeout: 10_000 });
  const fields = await frame.locator('table.spec-diff td.field').allInnerTexts();
  assert.ok(fields.includes('data.source.csv') && fields.includes('model.experts'), fields.join(', '));
  await p.mouse.move(1000, 20);
  await sleepMs(500);
  await screenshot(p, 'compare-different-data');
});
