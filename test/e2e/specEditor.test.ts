// End-to-end: a *.moe.json opened from the explorer shows the experiment form (the spec editor) in the workbench;
// typing in the form changes the document (dirty, then saved to disk by File: Save), and a problem typed in the
// text shows in the form. Screenshots in test-artifacts/e2e/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import { explorerItem, runCommand, screenshot, until, waitVisible, webviewWithText, workbenchForFile } from './workbench';

const SPEC = `{
  "name": "e2e",
  "x-owner": "kept as is",
  "data": { "csv": "iris.csv", "target": "species", "testFraction": 0.3 },
  "model": { "experts": 2, "expert": "categorical" },
  "solvers": { "em": { "enabled": true }, "adam": { "enabled": true, "learningRate": 0.05 } },
  "stopping": { "maxIterations": 50 },
  "init": { "restarts": 2 }
}
`;

// The spec is in the folder before the window opens: the explorer lists it without waiting for a file watcher.
const workbench = workbenchForFile({ name: 'specEditor', files: { 'demo.moe.json': SPEC } });
const specPath = () => path.join(workbench().workspace, 'demo.moe.json');

async function form(): Promise<Frame> {
  return webviewWithText(workbench().page, /Run experiment/, 60_000);
}

test('opening demo.moe.json from the explorer shows the experiment form', { timeout: 240_000 }, async () => {
  const { page } = workbench();
  const row = explorerItem(page, 'demo.moe.json');
  await waitVisible(page, row, 'spec-editor-no-explorer-row', 60_000);
  await row.dblclick();
  const frame = await form();
  await frame.locator('vscode-data-grid vscode-data-grid-row').nth(2).waitFor({ timeout: 30_000 }); // CSV preview read by the host
  const experts = await frame.locator('[data-pointer="/model/experts"] vscode-text-field').evaluate((el) => (el as HTMLInputElement).value);
  assert.equal(experts, '2');
  const targets = await frame.locator('[data-pointer="/data/target"] vscode-option').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('value')));
  assert.deepEqual(targets, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
  await page.waitForTimeout(500);
  await screenshot(page, 'spec-editor');
});

test('typing in the form edits the document; File: Save writes it with only that value changed', { timeout: 120_000 }, async () => {
  const { page } = workbench();
  const frame = await form();
  await frame.locator('[data-pointer="/model/experts"] input').fill('3');
  await until('the tab to show unsaved changes', async () => (await page.locator('.tab.active.dirty').count()) > 0);
  await frame.locator('[data-pointer="/model/experts"] input').press('Tab');
  assert.ok(await runCommand(page, 'File: Save'), 'the palette has File: Save');
  await until('the file on disk to change', () => fs.readFileSync(specPath(), 'utf8') !== SPEC);
  assert.equal(fs.readFileSync(specPath(), 'utf8'), SPEC.replace('"experts": 2', '"experts": 3'));
});

test('Show text opens the JSON beside the form; a broken comma typed there shows in the form; undo fixes it', { timeout: 120_000 }, async () => {
  const { page } = workbench();
  const frame = await form();
  await frame.locator('header vscode-button', { hasText: 'Show text' }).click();
  const editor = page.locator('.editor-group-container').nth(1).locator('.monaco-editor').first();
  await editor.waitFor({ state: 'visible', timeout: 30_000 });
  await editor.locator('.view-lines').click();
  // Delete the comma at the end of line 2 ("name": "e2e",).
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  const banner = frame.locator('.banner.error');
  await banner.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await banner.innerText(), /not valid JSON.*line 3, column 3/s);
  const readOnly = await frame.locator('[data-pointer="/model/experts"] vscode-text-field').evaluate((el) => el.hasAttribute('readonly'));
  assert.equal(readOnly, true, 'the form is read-only while the text is not JSON');
  assert.equal(await frame.locator('[data-pointer="/model/experts"] vscode-text-field').evaluate((el) => (el as HTMLInputElement).value), '3', 'it keeps the last state');
  await until('the problem in the Problems count', async () => /1/.test(await page.locator('.statusbar-item[id*="problems"], #status\\.problems').first().innerText().catch(() => '')), 15_000).catch(() => {});
  await page.waitForTimeout(500);
  await screenshot(page, 'spec-editor-invalid-json');
  await page.keyboard.press('Control+z');
  await banner.waitFor({ state: 'hidden', timeout: 30_000 });
  assert.equal(await frame.locator('[data-pointer="/model/experts"] vscode-text-field').evaluate((el) => el.hasAttribute('readonly')), false);
});
