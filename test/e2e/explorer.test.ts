// End-to-end: the workbench opens the fixture workspace with the extension loaded; the explorer shows iris.csv and
// its context menu opens; the convergence panel command runs from the palette once the manifest contributes it.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dismiss,
  explorerItem,
  extensionManifest,
  menuItems,
  paletteTitle,
  rightClickExplorerItem,
  runCommand,
  screenshot,
  webviewWithText,
  workbenchForFile,
} from './workbench';

const workbench = workbenchForFile({ name: 'explorer' });

function page() {
  return workbench().page;
}

test('the explorer shows iris.csv from the opened workspace', { timeout: 60_000 }, async () => {
  await explorerItem(page(), 'iris.csv').waitFor({ state: 'visible', timeout: 30_000 });
  await screenshot(page(), 'explorer');
});

test('right-clicking iris.csv opens its context menu', { timeout: 60_000 }, async () => {
  await rightClickExplorerItem(page(), 'iris.csv');
  const items = await menuItems(page());
  await screenshot(page(), 'explorer-context-menu');
  await dismiss(page());
  assert.ok(items.length > 0, 'context menu is empty');
  assert.ok(
    items.some((i) => /^Open to the Side$|^Copy Path$|^Rename/.test(i)),
    `expected the workbench's file entries in the menu, got: ${items.join(' | ')}`,
  );
  // Every explorer/context entry the manifest contributes for CSV files must be shown.
  const manifest = extensionManifest();
  const csvEntries = (manifest.contributes?.menus?.['explorer/context'] ?? []).filter((m) => !m.when || /csv/i.test(m.when));
  for (const entry of csvEntries) {
    const title = manifest.contributes?.commands?.find((c) => c.command === entry.command)?.title;
    if (title) assert.ok(items.includes(title), `context menu lacks "${title}" (${entry.command}); got: ${items.join(' | ')}`);
  }
});

test('MoE Lab: Show Convergence Panel opens a webview (once the manifest contributes it)', { timeout: 90_000 }, async (t) => {
  const title = paletteTitle('moeLab.showConvergencePanel');
  if (!title) {
    t.skip('package.json does not contribute moeLab.showConvergencePanel to the palette yet');
    return;
  }
  assert.ok(await runCommand(page(), title), `the command palette has no "${title}"`);
  await webviewWithText(page(), /\S/, 60_000);
  await screenshot(page(), 'convergence-panel');
});
