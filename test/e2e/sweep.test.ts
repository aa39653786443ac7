// End-to-end, as a person would: right-click a spec with a 3 × 2 sweep in the explorer → *Run Experiment* → the six
// combinations run one after the other (the convergence panel follows each) → the Sweep panel shows the summary
// chart (final ℓ against model.experts, a line per solver per Adam learning rate), the held-out chart and the table
// of the six runs; after a window reload the Sweep panel is back, read again from its folder. Screenshots in
// test-artifacts/e2e/sweep-*.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { clickMenuItem, isWebviewContent, reloadWindow, rightClickExplorerItem, screenshot, webviewFrame, workbenchForFile } from './workbench';

const SPEC = {
  name: 'tune',
  data: { synthetic: { kind: 'linear', experts: 2, dim: 2, samples: 400, snr: 4, seed: 7, symmetric: false }, testFraction: 0.25 },
  solvers: { gd: { enabled: false } },
  stopping: { maxIterations: 150 },
  init: { restarts: 2 },
  sweep: { 'model.experts': [1, 2, 3], 'solvers.adam.learningRate': [0.01, 0.05] },
};

const workbench = workbenchForFile({ name: 'sweep', files: { 'tune.moe.json': JSON.stringify(SPEC, null, 2) } });

test('Run Experiment on a 3 × 2 sweep: six runs, then the Sweep panel charts the final ℓ against K, a line per solver and learning rate', { timeout: 5 * 60_000 }, async () => {
  const { page: p, workspace } = workbench();
  await rightClickExplorerItem(p, 'tune.moe.json');
  await clickMenuItem(p, 'Run Experiment');
  const frame = await webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('body[data-status="finished"] table#combinations').count()) > 0, 240_000).catch(async (error: unknown) => {
    await screenshot(p, 'sweep-no-panel');
    throw error;
  });
  assert.equal(await frame.locator('table#combinations tbody tr[data-status="finished"]').count(), 6);
  assert.equal(await frame.locator('[data-chart="final-loglik"] path.series').count(), 4, 'EM and Adam × two learning rates');
  assert.equal(await frame.locator('[data-chart="final-loglik"] circle.series').count(), 12);
  assert.equal(await frame.locator('[data-chart="held-out"] circle.series').count(), 12);
  await p.waitForTimeout(500);
  await screenshot(p, 'sweep-1-panel');

  const runs = path.join(workspace, '.moe-lab', 'runs');
  const sweepDir = fs.readdirSync(runs).find((name) => name.endsWith('-tune-sweep'));
  assert.ok(sweepDir, `a sweep folder in ${fs.readdirSync(runs).join(', ')}`);
  assert.equal(fs.readdirSync(path.join(runs, sweepDir)).filter((name) => name !== 'sweep.json').length, 6);

  // Open on a row shows that run in the convergence panel.
  await frame.locator('button[data-action="openRun"][data-index="3"]').click();
  await webviewFrame(p, async (f) => isWebviewContent(f) && /experts = 2, adam\.learningRate = 0\.05/.test(await f.locator('body').innerText({ timeout: 1_000 })), 30_000);
  await p.waitForTimeout(800);
  await screenshot(p, 'sweep-2-run');
});

test('after a window reload the Sweep panel is back with its charts and table (read again from the sweep folder)', { timeout: 3 * 60_000 }, async () => {
  const { page: p } = workbench();
  await reloadWindow(p);
  const frame = await webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('body[data-status="finished"] table#combinations').count()) > 0, 90_000).catch(async (error: unknown) => {
    await screenshot(p, 'sweep-not-restored');
    throw error;
  });
  assert.equal(await frame.locator('table#combinations tbody tr[data-status="finished"]').count(), 6);
  assert.equal(await frame.locator('[data-chart="final-loglik"] circle.series').count(), 12);
  // Its buttons work after the reload: Open shows a run in the convergence panel.
  await frame.locator('button[data-action="openRun"][data-index="0"]').click();
  await webviewFrame(p, async (f) => isWebviewContent(f) && /experts = 1, adam\.learningRate = 0\.01/.test(await f.locator('body').innerText({ timeout: 1_000 })), 30_000);
  await p.waitForTimeout(500);
  await screenshot(p, 'sweep-3-restored');
});
