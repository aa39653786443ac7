// End-to-end (issue 15, item 3): a spec whose `resultsDir` names a folder outside the workspace does not write there
// on its own. Run Experiment, from the explorer menu of that spec, asks in a modal naming the folder ("Write results
// to …, outside the workspace?"); Cancel runs nothing and writes nothing (no folder outside, no run folder in the
// workspace); Write There runs and writes there, the user having agreed. Screenshots in
// test-artifacts/e2e/outside-workspace-*.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { clickMenuItem, rightClickExplorerItem, screenshot, until, waitVisible, workbenchForFile } from './workbench';

/** A folder beside nothing of the workspace; the spec's results would go to a subfolder not yet created. */
const OUTSIDE = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-e2e-outside-'));
const TARGET = path.join(OUTSIDE, 'results');

const SPEC = {
  name: 'outside results',
  data: { csv: 'iris.csv', target: 'species' },
  model: { experts: 2, expert: 'categorical' },
  solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false } },
  stopping: { maxIterations: 5 },
  init: { restarts: 1 },
  resultsDir: TARGET,
};

const workbench = workbenchForFile({ name: 'outside-workspace', files: { 'outside.moe.json': JSON.stringify(SPEC, null, 2) } });
after(() => fs.rmSync(OUTSIDE, { recursive: true, force: true }));

function page(): Page {
  return workbench().page;
}

/** Everything under the workspace copy except what the fixture and the test put there. */
function workspaceEntries(): string[] {
  return fs.readdirSync(workbench().workspace, { recursive: true }).map(String).sort();
}

async function askToRun(p: Page, name: string): Promise<Locator> {
  await rightClickExplorerItem(p, 'outside.moe.json');
  await clickMenuItem(p, 'Run Experiment');
  const dialog = p.locator('.monaco-dialog-box');
  await waitVisible(p, dialog, name, 60_000);
  return dialog;
}

test('Run Experiment on a spec with resultsDir outside the workspace asks first, naming the folder; Cancel writes nothing', { timeout: 4 * 60_000 }, async () => {
  const p = page();
  const before = workspaceEntries();
  const dialog = await askToRun(p, 'outside-workspace-no-question');
  const message = (await dialog.innerText()).replace(/\s+/g, ' ');
  assert.ok(message.includes(`Write results to ${TARGET}, outside the workspace?`), `the question: ${message}`);
  assert.ok(message.includes(workbench().workspace), `the question names the workspace folder: ${message}`);
  assert.ok(await dialog.locator('.monaco-button', { hasText: /^\s*Write There\s*$/ }).isVisible(), 'no "Write There" button');
  await screenshot(p, 'outside-workspace-1-question');
  await dialog.locator('.monaco-button', { hasText: /^\s*Cancel\s*$/ }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  // A run on iris writes its folder within a second or two; give it far longer to show that none comes.
  await p.waitForTimeout(5_000);
  assert.equal(fs.existsSync(TARGET), false, `${TARGET} was created after Cancel`);
  assert.deepEqual(fs.readdirSync(OUTSIDE), [], 'something was written outside after Cancel');
  assert.deepEqual(workspaceEntries(), before, 'something was written in the workspace after Cancel');
  await screenshot(p, 'outside-workspace-2-cancelled');
});

test('answering Write There runs the experiment and writes its results in that folder', { timeout: 4 * 60_000 }, async () => {
  const p = page();
  const dialog = await askToRun(p, 'outside-workspace-no-second-question');
  await dialog.locator('.monaco-button', { hasText: /^\s*Write There\s*$/ }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  const run = await until('a finished run folder outside', () => (fs.existsSync(TARGET) ? fs.readdirSync(TARGET).find((n) => !n.endsWith('.partial') && fs.existsSync(path.join(TARGET, n, 'summary.json'))) : undefined), 120_000);
  const summary = JSON.parse(fs.readFileSync(path.join(TARGET, run, 'summary.json'), 'utf8')) as { complete?: boolean };
  assert.equal(summary.complete, true);
  await screenshot(p, 'outside-workspace-3-written-there');
});
