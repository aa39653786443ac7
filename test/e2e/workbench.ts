// Helpers for the end-to-end tier: drive VS Code's web workbench as a person would (explorer, context menus,
// command palette, webviews), on the same VS Code server + Chromium lifecycle as the integration tier
// (test/harness/vscodeServer.mjs). The workbench opens as an Extension Development Host with this repository's
// extension loaded (only extensionDevelopmentPath in the payload, no tests module).
//
//   const wb = await openWorkbench({ name: 'fit' });
//   await rightClickExplorerItem(wb.page, 'iris.csv');
//   await clickMenuItem(wb.page, 'Fit Mixture of Experts…');
//   const panel = await webviewFrame(wb.page, async (f) => (await f.locator('canvas').count()) > 0);
//   await screenshot(wb.page, 'fit-panel');
//   await wb.close();
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import {
  ARTIFACTS_DIR,
  FIXTURE_WORKSPACE,
  REPO_ROOT,
  buildAll,
  createRun,
  launchBrowser,
  log,
  newPage,
  sleep,
  startServer,
  workbenchUrl,
  type VscodeServer,
} from '../harness/vscodeServer.mjs';

export const E2E_ARTIFACTS = path.join(ARTIFACTS_DIR, 'e2e');

export interface Workbench {
  page: Page;
  browser: Browser;
  server: VscodeServer;
  /** Absolute path of the temporary copy of the workspace that is open. */
  workspace: string;
  /** Browser console lines so far. */
  consoleLines: string[];
  /** Ends browser and server (all their processes) and removes the temporary copy. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenWorkbenchOptions {
  /** Folder to copy and open (default: test/fixtures/workspace). */
  workspace?: string;
  /**
   * Files to add to the copy before the workbench opens (relative path → text). The explorer then lists them from
   * its first read of the folder instead of depending on the file watcher noticing a file written later.
   */
  files?: Record<string, string>;
  /** Names the artifacts (server log, browser console) of this workbench. */
  name?: string;
  extensionDevelopmentPath?: string;
  /** Bound for the workbench and explorer to appear (the server install on first use is not counted). */
  timeoutMs?: number;
  /** Extra machine settings (merged over the harness defaults). */
  settings?: Record<string, unknown>;
  /** Wait until the extension's contributions (menus, commands) are registered in the UI (default true). */
  waitForExtension?: boolean;
}

/** Builds, starts a server and a browser, opens a copy of the workspace, and waits for the explorer. */
export async function openWorkbench(options: OpenWorkbenchOptions = {}): Promise<Workbench> {
  const name = options.name ?? 'workbench';
  await buildAll();
  const run = createRun('e2e', { workspace: options.workspace ?? FIXTURE_WORKSPACE });
  for (const [relative, text] of Object.entries(options.files ?? {})) {
    const file = path.join(run.workspace, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  let closed = false;
  let server: VscodeServer | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  let consoleLines: string[] = [];
  const close = async () => {
    if (closed) return;
    closed = true;
    fs.mkdirSync(E2E_ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(E2E_ARTIFACTS, `${name}-browser-console.log`), consoleLines.join('\n'));
    await closeBrowser?.();
    await server?.stop();
    await run.remove();
  };
  try {
    server = await startServer({ runDir: run.dir, settings: options.settings, logFile: path.join(E2E_ARTIFACTS, `${name}-server.log`) });
    const launched = await launchBrowser();
    closeBrowser = launched.close;
    const opened = await newPage(launched.browser);
    consoleLines = opened.consoleLines;
    const url = workbenchUrl({ port: server.port, folder: run.workspace, extensionDevelopmentPath: options.extensionDevelopmentPath ?? REPO_ROOT });
    log(`e2e ${name}: opening ${url}`);
    await opened.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const timeoutMs = options.timeoutMs ?? 120_000;
    await waitForWorkbench(opened.page, timeoutMs);
    // The extension host (with the extension under development) is up once the window says so.
    await server.waitForLine(/Launched Extension Host Process/, timeoutMs);
    await opened.page.waitForFunction(() => document.title.includes('Extension Development Host'), undefined, { timeout: timeoutMs });
    if (options.waitForExtension !== false) await waitForExtensionContributions(opened.page, timeoutMs);
    return { page: opened.page, browser: launched.browser, server, workspace: run.workspace, consoleLines, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * One workbench for a test file: opened before its tests (the first one may install the server: 15 min allowed),
 * closed after them. Returns the accessor the tests use, which fails clearly when the workbench did not open.
 *
 *   const workbench = workbenchForFile({ name: 'fit' });
 *   test('…', async () => { const { page } = workbench(); … });
 */
export function workbenchForFile(options: OpenWorkbenchOptions, onClose?: () => void): () => Workbench {
  let wb: Workbench | undefined;
  before(async () => {
    wb = await openWorkbench(options);
  }, { timeout: 15 * 60_000 });
  after(async () => {
    onClose?.();
    await wb?.close();
  });
  return () => {
    assert.ok(wb, 'the workbench did not open');
    return wb;
  };
}

/**
 * The workbench shows the extension's contributions (explorer menu entries, palette commands) only some seconds
 * after the window opens, once the remote extension host has reported its extensions. Polls the palette for a
 * command the manifest always shows there (none: returns at once).
 */
export async function waitForExtensionContributions(page: Page, timeoutMs = 60_000): Promise<void> {
  const manifest = extensionManifest();
  const hidden = new Set((manifest.contributes?.menus?.commandPalette ?? []).filter((m) => m.when).map((m) => m.command));
  const probe = manifest.contributes?.commands?.find((c) => !hidden.has(c.command) && !c.enablement);
  if (!probe) return;
  const title = paletteTitle(probe.command)!;
  const deadline = Date.now() + timeoutMs;
  while (!(await commandExists(page, title, 2_000))) {
    if (Date.now() > deadline) throw new Error(`the extension's command "${title}" did not appear in the palette within ${timeoutMs} ms`);
    await sleep(1_000);
  }
}

/** Waits for the workbench and a populated explorer. */
export async function waitForWorkbench(page: Page, timeoutMs = 120_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`);
}

/** The explorer row whose file or folder name is exactly `name`. */
export function explorerItem(page: Page, name: string): Locator {
  return page
    .locator('.explorer-folders-view .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactly(name) }) })
    .first();
}

/** Right-clicks the explorer row `name` and waits for the context menu. */
export async function rightClickExplorerItem(page: Page, name: string, timeoutMs = 30_000): Promise<void> {
  const row = explorerItem(page, name);
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click({ button: 'right' });
  await page.locator('.monaco-menu .action-item').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Titles of the entries of the open context menu (separators excluded). */
export async function menuItems(page: Page): Promise<string[]> {
  const labels = await page.locator('.monaco-menu .action-item .action-label').allTextContents();
  return labels.map((l) => l.trim()).filter((l) => l.length > 0);
}

/** Clicks the entry `title` of the open context menu. */
export async function clickMenuItem(page: Page, title: string, timeoutMs = 10_000): Promise<void> {
  const item = page.locator('.monaco-menu .action-item .action-label', { hasText: exactly(title) }).first();
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  await item.click();
  // A click that lands while the menu is still settling only highlights the item (seen on a loaded machine, the
  // last item of a long menu): the menu stays open. Then do what a person does, press Enter on it.
  const menu = page.locator('.monaco-menu').first();
  const closed = await menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false);
  if (!closed) {
    await item.hover();
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: timeoutMs });
  }
}

/** Closes whatever menu, palette or quick pick is open. */
export async function dismiss(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await sleep(200);
}

const PALETTE_INPUT = '.quick-input-widget .quick-input-box input';
const QUICK_ROW = '.quick-input-widget .quick-input-list .monaco-list-row';

async function openPalette(page: Page, text: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator(PALETTE_INPUT);
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${text}`);
}

function paletteRow(page: Page, title: string): Locator {
  return page.locator(QUICK_ROW).filter({ has: page.locator('.label-name', { hasText: exactly(title) }) }).first();
}

/** Whether the command palette lists a command titled exactly `title` (e.g. "MoE Lab: Show Convergence Panel"). */
export async function commandExists(page: Page, title: string, timeoutMs = 5_000): Promise<boolean> {
  await openPalette(page, title);
  try {
    await paletteRow(page, title).waitFor({ state: 'visible', timeout: timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    await dismiss(page);
  }
}

/**
 * Runs the palette command titled exactly `title`; returns false (palette closed) if the palette has none within
 * `timeoutMs`. The palette is opened again every few seconds: in CI a first opening has listed nothing for 30 s
 * while the next one, a moment later, listed the command at once.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await openPalette(page, title);
    const row = paletteRow(page, title);
    const listed = await row
      .waitFor({ state: 'visible', timeout: Math.max(1_000, Math.min(5_000, deadline - Date.now())) })
      .then(() => true, () => false);
    if (listed) {
      await row.click();
      return true;
    }
    await dismiss(page);
    if (Date.now() >= deadline) return false;
  }
}

/** Answers an open quick pick / input box: types `text` (if given) and picks the row `choice` or presses Enter. */
export async function answerQuickInput(page: Page, options: { text?: string; choice?: string; expected?: RegExp; timeoutMs?: number }): Promise<void> {
  const timeout = options.timeoutMs ?? 15_000;
  const input = page.locator(PALETTE_INPUT);
  await input.waitFor({ state: 'visible', timeout });
  // The widget is reused from step to step: wait until it shows this step (its placeholder, label or message),
  // or the answer lands in the step that is closing.
  if (options.expected) {
    await page.waitForFunction(
      ({ selector, source }) => {
        const box = document.querySelector(selector) as HTMLInputElement | null;
        const message = document.querySelector('.quick-input-widget .quick-input-message')?.textContent ?? '';
        return new RegExp(source).test(`${box?.getAttribute('placeholder') ?? ''} ${box?.getAttribute('aria-label') ?? ''} ${message}`);
      },
      { selector: PALETTE_INPUT, source: options.expected.source },
      { timeout },
    );
  }
  if (options.text !== undefined) await input.fill(options.text);
  if (options.choice !== undefined) {
    const row = page.locator(QUICK_ROW).filter({ has: page.locator('.label-name', { hasText: exactly(options.choice) }) }).first();
    await row.waitFor({ state: 'visible', timeout });
    await row.click();
  } else {
    await input.press('Enter');
  }
}

/**
 * The first frame (webview documents live in nested iframes) for which `predicate` holds, polling until
 * `timeoutMs`. Example: `webviewFrame(page, async (f) => (await f.locator('canvas').count()) > 0)`.
 */
export async function webviewFrame(page: Page, predicate: (frame: Frame) => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame() || frame.isDetached()) continue;
      try {
        if (await predicate(frame)) return frame;
      } catch {
        /* frame navigating or detached: try again */
      }
    }
    if (Date.now() > deadline) throw new Error(`no frame matched within ${timeoutMs} ms (frames: ${page.frames().map((f) => f.url()).join(', ')})`);
    await sleep(250);
  }
}

/** Whether `frame` is a webview's own document (the inner iframe VS Code loads the extension's HTML into). */
export function isWebviewContent(frame: Frame): boolean {
  return /\/webview\/browser\/pre\/fake\.html/.test(frame.url());
}

/** The first webview document whose visible text matches `text` (any non-empty text by default). */
export function webviewWithText(page: Page, text: RegExp = /\S/, timeoutMs = 30_000): Promise<Frame> {
  return webviewFrame(page, async (f) => isWebviewContent(f) && text.test(await f.locator('body').innerText({ timeout: 1_000 })), timeoutMs);
}

/**
 * Reloads the window as a person would, with *Developer: Reload Window*. Unlike a browser reload, the workbench
 * then writes its state (open editors, webview state) to storage and waits for that before it reloads; a browser
 * reload starts the same write without waiting, so on a loaded machine the restored window can come back without
 * the editors opened in the last minute. Resolves when the new workbench is visible.
 */
export async function reloadWindow(page: Page, timeoutMs = 120_000): Promise<void> {
  const reloaded = page.waitForEvent('load', { timeout: timeoutMs });
  if (!(await runCommand(page, 'Developer: Reload Window'))) throw new Error('the palette has no "Developer: Reload Window"');
  await reloaded;
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
}

/** What the window shows, in one line per part, for a failure message: editor tabs, explorer rows, notifications. */
export async function describeWorkbench(page: Page): Promise<string> {
  const texts = async (selector: string) =>
    (await page.locator(selector).allInnerTexts().catch(() => [] as string[])).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
  return [
    `tabs: ${(await texts('.tabs-container .tab .label-name')).join(' | ') || '(none)'}`,
    `explorer: ${(await texts('.explorer-folders-view .monaco-list-row .label-name')).join(' | ') || '(none)'}`,
    `notifications: ${(await texts('.notifications-toasts .notification-list-item-message')).join(' | ') || '(none)'}`,
    `dialog: ${(await texts('.monaco-dialog-box')).join(' | ') || '(none)'}`,
  ].join('\n');
}

/** Waits for `locator`; on timeout, saves a screenshot `name` and fails with what the window shows. */
export async function waitVisible(page: Page, locator: Locator, name: string, timeoutMs: number): Promise<void> {
  try {
    await locator.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    const file = await screenshot(page, name).catch(() => '(no screenshot)');
    throw new Error(`${(error as Error).message.split('\n')[0]}\nThe window showed:\n${await describeWorkbench(page)}\nScreenshot: ${file}`);
  }
}

/**
 * Hovers `target` until the hover matching `hover` shows, and returns its text. A hover that never comes is retried
 * from outside the target: under load the workbench can miss the first mouse-enter (the list re-renders as the side
 * bar is resized), and only a fresh enter asks for the tooltip again.
 */
export async function hoverUntilShown(page: Page, target: Locator, hover: Locator, name: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await target.hover();
    if (await hover.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false)) return hover.innerText();
    if (Date.now() > deadline) {
      const file = await screenshot(page, name).catch(() => '(no screenshot)');
      throw new Error(`timed out after ${timeoutMs} ms waiting for the hover of ${target}\nThe window showed:\n${await describeWorkbench(page)}\nScreenshot: ${file}`);
    }
    const box = await target.boundingBox();
    await page.mouse.move(box ? box.x + box.width + 40 : 5, box ? box.y + box.height * 4 : 5);
    await sleep(300);
  }
}

/** The editor tab whose label is `label` (e.g. "MoE Lab: iris"). */
export function editorTab(page: Page, label: string): Locator {
  return page.locator('.tabs-container .tab', { hasText: exactly(label) }).first();
}

/** Polls `probe` every 200 ms until it gives a truthy value, and returns it; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** Saves a PNG of the page to test-artifacts/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(E2E_ARTIFACTS, { recursive: true });
  const file = path.join(E2E_ARTIFACTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The extension's manifest, to derive what the UI should show from what it contributes. */
export function extensionManifest(): {
  contributes?: {
    commands?: { command: string; title: string; category?: string; enablement?: string }[];
    menus?: Record<string, { command: string; when?: string; group?: string }[]>;
  };
} {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
}

/** The title a command shows in the palette ("Category: Title"), or undefined if the manifest does not contribute it. */
export function paletteTitle(command: string): string | undefined {
  const c = extensionManifest().contributes?.commands?.find((x) => x.command === command);
  if (!c) return undefined;
  return c.category ? `${c.category}: ${c.title}` : c.title;
}
