// The "installed" tier: MoE Lab as a user installs it. `npm run package` writes the .vsix (or MOE_LAB_INSTALLED_VSIX
// names one to test), the VS Code server's own `--install-extension` puts it into an empty extensions folder, and the
// web workbench opens a workspace with no extensionDevelopmentPath: only the installed copy can answer. Then, as a
// person would: fit iris.csv from the explorer (charts in the panel), open a *.moe.json in the experiment form, and
// run *Reproduce Paper Experiments* (Quick, SymMoLinE). One server for the whole file. Screenshots in
// test-artifacts/e2e/installed-*.png.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { listVsix } from '../../scripts/vsixContents.mjs';
import {
  FIXTURE_WORKSPACE,
  REPO_ROOT,
  createRun,
  ensureServerInstalled,
  launchBrowser,
  log,
  newPage,
  startServer,
  type VscodeServer,
} from '../harness/vscodeServer.mjs';
import {
  E2E_ARTIFACTS,
  answerQuickInput,
  clickMenuItem,
  explorerItem,
  rightClickExplorerItem,
  runCommand,
  screenshot,
  waitForExtensionContributions,
  waitForWorkbench,
  waitVisible,
  webviewFrame,
  webviewWithText,
} from '../e2e/workbench';

const MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
const EXTENSION_ID = `${MANIFEST.publisher}.${MANIFEST.name}`;

const SPEC = `{
  "name": "installed",
  "data": { "csv": "iris.csv", "target": "species", "testFraction": 0.3 },
  "model": { "experts": 2, "expert": "categorical" },
  "solvers": { "em": { "enabled": true } },
  "stopping": { "maxIterations": 50 }
}
`;

/** The environment for a nested npm or vsce: without the npm_* variables an enclosing `npm test` exports. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

interface Installed {
  page: Page;
  server: VscodeServer;
  workspace: string;
  extensionsDir: string;
  vsix: string;
  close(): Promise<void>;
}

let installed: Installed | undefined;

function wb(): Installed {
  assert.ok(installed, 'the installed extension\'s workbench did not open');
  return installed;
}

/** `npm run package` into the run folder (the tree as it is: --allow-dirty), unless MOE_LAB_INSTALLED_VSIX names a package. */
function packageVsix(runDir: string): string {
  const given = process.env.MOE_LAB_INSTALLED_VSIX;
  if (given) {
    log(`installed: testing ${given} (MOE_LAB_INSTALLED_VSIX)`);
    return path.resolve(given);
  }
  const out = path.join(runDir, `${MANIFEST.name}-${MANIFEST.version}.vsix`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--allow-dirty', '--out', out], { cwd: REPO_ROOT, env: cleanEnv(), encoding: 'utf8' });
  fs.writeFileSync(path.join(E2E_ARTIFACTS, 'installed-package.log'), `${r.stdout}\n${r.stderr}`);
  assert.equal(r.status, 0, `npm run package failed:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  log(`installed: packaged ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

before(async () => {
  fs.mkdirSync(E2E_ARTIFACTS, { recursive: true });
  const run = createRun('installed', { workspace: FIXTURE_WORKSPACE });
  fs.writeFileSync(path.join(run.workspace, 'demo.moe.json'), SPEC);
  const vsix = packageVsix(run.dir);
  const { node, serverMain } = await ensureServerInstalled();
  // The folder the server reads its extensions from (the default under the --server-data-dir startServer gives it),
  // empty before the install: nothing but the .vsix can bring MoE Lab into this window.
  const serverData = path.join(run.dir, 'server-data');
  const extensionsDir = path.join(serverData, 'extensions');
  assert.ok(!fs.existsSync(extensionsDir) || fs.readdirSync(extensionsDir).length === 0, `${extensionsDir} is not empty`);
  const install = spawnSync(node, [serverMain, '--install-extension', vsix, '--extensions-dir', extensionsDir, '--server-data-dir', serverData, '--accept-server-license-terms'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(install.status, 0, `--install-extension failed:\n${install.stdout}\n${install.stderr}`);
  assert.match(install.stdout, /successfully installed/, install.stdout);

  let closeBrowser: (() => Promise<void>) | undefined;
  let server: VscodeServer | undefined;
  let consoleLines: string[] = [];
  const close = async () => {
    fs.writeFileSync(path.join(E2E_ARTIFACTS, 'installed-browser-console.log'), consoleLines.join('\n'));
    await closeBrowser?.();
    await server?.stop();
    await run.remove();
  };
  try {
    server = await startServer({ runDir: run.dir, logFile: path.join(E2E_ARTIFACTS, 'installed-server.log') });
    const launched = await launchBrowser();
    closeBrowser = launched.close;
    const opened = await newPage(launched.browser);
    consoleLines = opened.consoleLines;
    // The folder only: no payload, so no extensionDevelopmentPath and no tests module.
    const url = `http://127.0.0.1:${server.port}/?folder=${encodeURIComponent(run.workspace)}`;
    log(`installed: opening ${url}`);
    await opened.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await waitForWorkbench(opened.page, 120_000);
    await server.waitForLine(/Launched Extension Host Process/, 120_000);
    await waitForExtensionContributions(opened.page, 120_000);
    installed = { page: opened.page, server, workspace: run.workspace, extensionsDir, vsix, close };
  } catch (e) {
    await close();
    throw e;
  }
}, { timeout: 15 * 60_000 });

after(async () => {
  await installed?.close();
});

test('the .vsix installs into the empty extensions folder, and the window is a plain one (no development host)', async () => {
  const { page, extensionsDir, vsix } = wb();
  const folders = fs.readdirSync(extensionsDir).filter((name) => !name.startsWith('.') && name !== 'extensions.json');
  assert.deepEqual(folders, [`${EXTENSION_ID}-${MANIFEST.version}`]);
  const entries = (await listVsix(vsix)).map((e) => e.name);
  assert.ok(!entries.some((name) => name.endsWith('.map')), 'no source map in the package');
  assert.ok(!(await page.title()).includes('Extension Development Host'), `title: ${await page.title()}`);
  await screenshot(page, 'installed-1-window');
});

async function panelFrame(p: Page, timeoutMs = 60_000): Promise<Frame> {
  return webviewFrame(p, async (f) => (await f.locator('[data-chart-id="logLik"]').count()) > 0, timeoutMs);
}

test('right-click iris.csv → Fit Mixture of Experts… → the panel charts EM, GD and Adam', { timeout: 5 * 60_000 }, async () => {
  const { page } = wb();
  await rightClickExplorerItem(page, 'iris.csv');
  await clickMenuItem(page, 'Fit Mixture of Experts…');
  await answerQuickInput(page, { expected: /Target column/, text: 'species' });
  for (const step of [/Features/, /Expert family/, /Number of experts/, /Ridge penalty/, /Solvers to compare/, /Learning rate for GD/, /Learning rate for Adam/]) {
    await answerQuickInput(page, { expected: step, timeoutMs: 20_000 });
  }
  const frame = await panelFrame(page).catch(async (error: unknown) => {
    await screenshot(page, 'installed-2-no-panel');
    throw error;
  });
  await frame.waitForFunction(() => document.body.dataset.status === 'finished', undefined, { timeout: 120_000 });
  const sets = JSON.parse((await frame.locator('[data-chart-id="logLik"]').getAttribute('data-datasets')) ?? '[]') as { label: string; points: number }[];
  for (const label of ['EM r1', 'GD r1', 'Adam r1']) {
    const set = sets.find((d) => d.label === label);
    assert.ok(set, `no "${label}" curve; curves: ${sets.map((d) => d.label).join(', ')}`);
    assert.ok(set.points > 10, `${label} has ${set.points} points`);
  }
  assert.ok((await frame.locator('canvas').count()) >= 2, 'the charts are drawn');
  assert.equal(await frame.locator('table.summary tbody tr').count(), 3);
  await page.waitForTimeout(500);
  await screenshot(page, 'installed-2-panel');
});

test('demo.moe.json opens in the experiment form, with the CSV read by the host', { timeout: 3 * 60_000 }, async () => {
  const { page } = wb();
  const row = explorerItem(page, 'demo.moe.json');
  await waitVisible(page, row, 'installed-3-no-explorer-row', 60_000);
  await row.dblclick();
  const form = await webviewWithText(page, /Run experiment/, 60_000);
  await form.locator('vscode-data-grid vscode-data-grid-row').nth(2).waitFor({ timeout: 30_000 });
  const experts = await form.locator('[data-pointer="/model/experts"] vscode-text-field').evaluate((el) => (el as HTMLInputElement).value);
  assert.equal(experts, '2');
  await page.waitForTimeout(500);
  await screenshot(page, 'installed-3-spec-editor');
});

test('Reproduce Paper Experiments, Quick, SymMoLinE: it runs on the packaged data and the panel shows its charts', { timeout: 5 * 60_000 }, async () => {
  const { page, workspace } = wb();
  const command = 'MoE Lab: Reproduce Paper Experiments';
  assert.ok(await runCommand(page, command, 30_000), `no "${command}" in the palette`);
  // The wizard keeps its place when focus moves (a click on the status bar here; a webview that finishes loading).
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.part.statusbar').click({ position: { x: 5, y: 5 } });
  await page.waitForTimeout(300);
  assert.ok(await page.locator('.quick-input-widget').isVisible(), 'the wizard is still open after focus moved');
  await answerQuickInput(page, { choice: 'Quick' });
  const all = page.locator('.quick-input-widget .monaco-checkbox[aria-label="Toggle all checkboxes"]');
  await all.waitFor({ state: 'visible', timeout: 15_000 });
  if ((await all.getAttribute('aria-checked')) === 'true') await all.click();
  await page.locator('.quick-input-widget .quick-input-list .monaco-checkbox[aria-label="symmoline"]').click();
  await page.locator('.quick-input-widget .quick-input-box input').press('Enter');

  const frame = await webviewFrame(page, async (f) => (await f.locator('.reproduction section.experiment[data-experiment="symmoline"] canvas').count()) > 0, 180_000).catch(
    async (error: unknown) => {
      await screenshot(page, 'installed-4-no-charts');
      throw error;
    },
  );
  await frame.waitForFunction(() => document.querySelector('.reproduction .run-header .badge')?.textContent === 'finished', undefined, { timeout: 120_000 });
  assert.ok((await frame.locator('.reproduction section.chart-card canvas').count()) >= 2, 'the SymMoLinE charts are drawn');
  const root = path.join(workspace, '.moe-lab', 'runs');
  const folders = fs.readdirSync(root).filter((name) => name.startsWith('reproduction-'));
  assert.equal(folders.length, 1, `reproduction folders: ${folders.join(', ')}`);
  assert.match(fs.readFileSync(path.join(root, folders[0], 'report.md'), 'utf8'), /SymMoLinE/);
  await page.waitForTimeout(500);
  await screenshot(page, 'installed-4-reproduce');
});
