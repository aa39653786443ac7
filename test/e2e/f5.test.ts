// End-to-end: F5 as an extension author uses it. The repository itself is opened in the workbench (no extension
// loaded), and *Run Extension* from .vscode/launch.json is started: its pre-launch task "watch" (npm run watch, a
// background task whose problem matcher must see the build end) builds dist/, then an Extension Development Host
// window opens on examples/ with MoE Lab's commands in its palette. Screenshots in test-artifacts/e2e/f5-*.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT, createRun, launchBrowser, log, newPage, processesOf, startServer, type VscodeServer } from '../harness/vscodeServer.mjs';
import { E2E_ARTIFACTS, answerQuickInput, commandExists, explorerItem, runCommand, screenshot, waitForExtensionContributions, waitForWorkbench } from './workbench';

let page: Page | undefined;
let server: VscodeServer | undefined;
let closeBrowser: (() => Promise<void>) | undefined;
let removeRun: (() => Promise<void>) | undefined;

before(async () => {
  const run = createRun('f5');
  removeRun = run.remove;
  server = await startServer({ runDir: run.dir, logFile: path.join(E2E_ARTIFACTS, 'f5-server.log') });
  const launched = await launchBrowser();
  closeBrowser = launched.close;
  page = (await newPage(launched.browser)).page;
  const url = `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(REPO_ROOT)}`;
  log(`e2e f5: opening ${url}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await waitForWorkbench(page, 120_000);
}, { timeout: 15 * 60_000 });

after(async () => {
  await closeBrowser?.();
  await server?.stop();
  await removeRun?.();
});

test('Run Extension: the watch task builds, then an Extension Development Host opens on examples/ with MoE Lab loaded', { timeout: 5 * 60_000 }, async () => {
  const p = page!;
  assert.equal(await commandExists(p, 'MoE Lab: Reproduce Paper Experiments', 2_000), false, 'the window opened on the repository does not load MoE Lab itself');
  const devHost = p.context().waitForEvent('page', { timeout: 180_000 });
  assert.ok(await runCommand(p, 'Debug: Select and Start Debugging', 30_000), 'no "Debug: Select and Start Debugging"');
  await answerQuickInput(p, { choice: 'Run Extension' });
  const host = await devHost.catch(async (error: unknown) => {
    await screenshot(p, 'f5-no-dev-host');
    throw error;
  });
  await host.waitForFunction(() => document.title.includes('Extension Development Host'), undefined, { timeout: 120_000 });
  await waitForWorkbench(host, 120_000);
  await explorerItem(host, 'iris.moe.json').waitFor({ state: 'visible', timeout: 30_000 });
  await waitForExtensionContributions(host, 120_000);
  await screenshot(host, 'f5-dev-host');
  // The pre-launch task is running under the server: tasks.json's "watch" (npm run watch → esbuild.mjs --watch).
  const commands = processesOf(server!.pid).map((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      return '';
    }
  });
  assert.ok(commands.some((c) => /esbuild\.mjs --watch/.test(c)), `no esbuild watch among the server's processes:\n${commands.join('\n')}`);
  await screenshot(p, 'f5-main-window');
});
