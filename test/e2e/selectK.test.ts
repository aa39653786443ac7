// End-to-end, as a person would: right-click iris.csv in the explorer → *Choose Number of Experts…* → target
// "petal_length" → Ks "1..4" → each K runs in the worker → the Number of Experts panel shows AIC / BIC and the
// held-out log-likelihood against K, the table with the K that BIC chose marked, and the reason (on Iris BIC and
// the held-out log-likelihood disagree, and the reason says so); a notification offers the spec for the chosen K,
// and the panel's "Save Spec for K = …" writes iris-k<K>.moe.json beside the CSV and opens it. Screenshots in test-artifacts/e2e/select-k-*.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { answerQuickInput, clickMenuItem, editorTab, isWebviewContent, rightClickExplorerItem, runCommand, screenshot, waitVisible, webviewFrame, workbenchForFile } from './workbench';

const workbench = workbenchForFile({ name: 'select-k' });

function page(): Page {
  return workbench().page;
}

test('Choose Number of Experts on iris.csv: the panel charts AIC, BIC and held-out ℓ against K, marks the chosen K, and saves its spec', { timeout: 5 * 60_000 }, async () => {
  const p = page();
  await rightClickExplorerItem(p, 'iris.csv');
  await clickMenuItem(p, 'Choose Number of Experts…');
  await answerQuickInput(p, { choice: 'petal_length' });
  await answerQuickInput(p, { text: '1..4', expected: /Numbers of experts to compare/ });

  const frame = await webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('table#candidates').count()) > 0, 180_000).catch(async (error: unknown) => {
    await screenshot(p, 'select-k-no-panel');
    throw error;
  });
  const chosen = Number(await frame.locator('body').getAttribute('data-chosen'));
  assert.ok(chosen >= 1 && chosen <= 4, `a K is chosen (${chosen})`);
  const rows = await frame.locator('table#candidates tbody tr').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.k));
  assert.deepEqual(rows, ['1', '2', '3', '4']);
  assert.equal(await frame.locator('table#candidates tr.chosen').getAttribute('data-k'), String(chosen));
  const reason = await frame.locator('#reason').innerText();
  assert.match(reason, new RegExp(`BIC is lowest at K = ${chosen}`));
  assert.equal(await frame.locator('[data-chart="criteria"] .chosen-line').getAttribute('data-chosen'), String(chosen));
  assert.equal(await frame.locator('[data-chart="criteria"] circle[data-series="BIC"]').count(), 4 - (await frame.locator('table#candidates tbody tr:not([data-status="ok"])').count()));
  await p.waitForTimeout(500);
  await screenshot(p, 'select-k-1-panel');

  // The notification offers the spec too (it may have gone to the notification center by now).
  const offer = `Save Spec for K = ${chosen}`;
  if (!(await p.locator('.notifications-toasts .monaco-button', { hasText: offer }).first().isVisible())) {
    assert.ok(await runCommand(p, 'Notifications: Show Notifications'), 'no "Notifications: Show Notifications" command');
  }
  const notification = p.locator('.notifications-toasts .monaco-button, .notifications-center .monaco-button', { hasText: offer }).first();
  await waitVisible(p, notification, 'select-k-no-notification', 30_000);
  await screenshot(p, 'select-k-2-offer');
  // The panel's own button saves the same spec.
  await frame.locator('button[data-action="save-spec"]').click();
  const specName = `iris-k${chosen}.moe.json`;
  await waitVisible(p, editorTab(p, specName), 'select-k-no-spec-tab', 30_000);
  const spec = JSON.parse(fs.readFileSync(path.join(workbench().workspace, specName), 'utf8'));
  assert.equal(spec.model.experts, chosen);
  assert.equal(spec.data.target, 'petal_length');
  // The spec editor shows the saved spec (its webview draws the fields once it has read the file).
  await webviewFrame(p, async (f) => isWebviewContent(f) && /petal_length/.test(await f.locator('body').innerText({ timeout: 1_000 })), 30_000);
  await p.waitForTimeout(500);
  await screenshot(p, 'select-k-3-spec');
});
