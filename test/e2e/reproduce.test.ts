// End-to-end, as a person would: *MoE Lab: Reproduce Paper Experiments* from the palette → "Quick" → untick every
// experiment but SymMoLinE → the reproduction runs and the convergence panel shows its charts → "Open report.md"
// opens the report in an editor. Then "Full" stops at its confirmation: Cancel runs nothing. Screenshots in
// test-artifacts/e2e/reproduce-*.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { answerQuickInput, editorTab, runCommand, screenshot, waitVisible, webviewFrame, workbenchForFile } from './workbench';

const COMMAND = 'MoE Lab: Reproduce Paper Experiments';

const workbench = workbenchForFile({ name: 'reproduce' });

function page(): Page {
  return workbench().page;
}

/** Reproduction folders written so far under the default results folder. */
function reproductionFolders(): string[] {
  const root = path.join(workbench().workspace, '.moe-lab', 'runs');
  return fs.existsSync(root) ? fs.readdirSync(root).filter((name) => name.startsWith('reproduction-')) : [];
}

/** In the open multi-select quick pick: untick everything with the header's box, then tick the row `label`. */
async function tickOnly(p: Page, label: string): Promise<void> {
  const all = p.locator('.quick-input-widget .monaco-checkbox[aria-label="Toggle all checkboxes"]');
  await all.waitFor({ state: 'visible', timeout: 15_000 });
  if ((await all.getAttribute('aria-checked')) === 'true') await all.click();
  await p.locator(`.quick-input-widget .quick-input-list .monaco-checkbox[aria-label="${label}"]`).click();
  const ticked = await p.locator('.quick-input-widget .quick-input-list .monaco-checkbox[aria-checked="true"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label')));
  assert.deepEqual(ticked, [label]);
}

/** The open quick input's title with its step counter ("Reproduce Paper Experiments (2/3)"). */
async function quickTitle(p: Page): Promise<string> {
  const title = p.locator('.quick-input-widget .quick-input-title');
  await title.waitFor({ state: 'visible', timeout: 15_000 });
  await p.waitForTimeout(300); // the widget is reused from step to step: let this step's title land
  return (await title.innerText()).trim();
}

async function reproductionFrame(p: Page, timeoutMs: number): Promise<Frame> {
  return webviewFrame(p, async (f) => (await f.locator('.reproduction section.experiment[data-experiment="symmoline"] canvas').count()) > 0, timeoutMs);
}

test('Quick with SymMoLinE only: the reproduction runs, its charts are in the panel, and Open report.md opens the report', { timeout: 5 * 60_000 }, async () => {
  const p = page();
  assert.ok(await runCommand(p, COMMAND, 30_000), `no "${COMMAND}" in the palette`);
  assert.match(await quickTitle(p), /\(1\/2\)$/, 'Quick (the active choice) has two steps');
  await answerQuickInput(p, { choice: 'Quick' });
  await tickOnly(p, 'symmoline');
  assert.match(await quickTitle(p), /\(2\/2\)$/, 'and this is the last one');
  await screenshot(p, 'reproduce-1-experiments');
  await p.locator('.quick-input-widget .quick-input-box input').press('Enter');

  const frame = await reproductionFrame(p, 180_000).catch(async (error: unknown) => {
    await screenshot(p, 'reproduce-2-no-charts');
    throw error;
  });
  await frame.waitForFunction(() => document.querySelector('.reproduction .run-header .badge')?.textContent === 'finished', undefined, { timeout: 120_000 });
  const experiments = await frame.locator('.reproduction section.experiment').evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.experiment));
  assert.deepEqual(experiments, ['symmoline'], 'only the ticked experiment ran');
  assert.ok((await frame.locator('.reproduction section.chart-card canvas').count()) >= 2, 'the SymMoLinE charts are drawn');
  const folders = reproductionFolders();
  assert.equal(folders.length, 1, `reproduction folders: ${folders.join(', ')}`);
  const report = path.join(workbench().workspace, '.moe-lab', 'runs', folders[0], 'report.md');
  assert.match(fs.readFileSync(report, 'utf8'), /SymMoLinE/);
  await p.waitForTimeout(500);
  await screenshot(p, 'reproduce-2-panel');

  await frame.locator('.reproduction button[data-action="open-report"]').click();
  await waitVisible(p, editorTab(p, 'report.md'), 'reproduce-3-no-report-tab', 30_000);
  await p.locator('.editor-group-container .monaco-editor .view-lines', { hasText: 'SymMoLinE' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await screenshot(p, 'reproduce-3-report');
});

test('Open Run Results… lists the reproduction and opens it in the reproduction view', { timeout: 2 * 60_000 }, async () => {
  const p = page();
  const [folder] = reproductionFolders();
  assert.ok(folder, 'the quick reproduction above wrote its folder');
  await p.keyboard.press('Escape');
  assert.ok(await runCommand(p, 'MoE Lab: Open Run Results…', 30_000));
  const row = p.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: p.locator('.label-description', { hasText: folder }) }).first();
  await waitVisible(p, row, 'reproduce-5-not-listed', 20_000);
  assert.match(await row.innerText(), /Paper reproduction \(quick\)/);
  await screenshot(p, 'reproduce-5-open-results');
  await row.click();
  const frame = await reproductionFrame(p, 60_000);
  assert.equal(await frame.evaluate(() => document.querySelectorAll('.reproduction section.experiment').length), 1);
});

test('Full stops at its confirmation (it takes hours); Cancel there runs nothing', { timeout: 2 * 60_000 }, async () => {
  const p = page();
  const before = reproductionFolders();
  assert.ok(await runCommand(p, COMMAND, 30_000));
  await answerQuickInput(p, { choice: 'Full' });
  assert.match(await quickTitle(p), /\(2\/3\)$/, 'a full run with every experiment ticked asks for the Fashion-MNIST instances too');
  await tickOnly(p, 'symmoline'); // no Fashion-MNIST experiment: no question about its instances
  assert.match(await quickTitle(p), /\(2\/2\)$/, 'without Fashion-MNIST there is no third step');
  await p.locator('.quick-input-widget .quick-input-box input').press('Enter');
  const dialog = p.locator('.monaco-dialog-box');
  await waitVisible(p, dialog, 'reproduce-4-no-confirmation', 30_000);
  assert.match((await dialog.innerText()).replace(/\s+/g, ' '), /The full reproduction takes hours/);
  await screenshot(p, 'reproduce-4-full-confirmation');
  await dialog.locator('.monaco-button', { hasText: /^\s*Cancel\s*$/ }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  await p.waitForTimeout(2_000);
  assert.deepEqual(reproductionFolders(), before, 'a reproduction folder appeared after Cancel');
});
