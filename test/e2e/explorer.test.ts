// End-to-end: the workbench opens the fixture workspace with the extension loaded; the explorer shows iris.csv and
// its context menu opens with the manifest's entries; MoE Lab: Show Convergence Panel, run from the palette, opens
// the panel, which says there is no run yet; Run Experiment, from the explorer's menu of a *.moe.json, then draws
// that run's curves and summary rows in the same panel.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { COMMANDS } from '../../src/extension/commands';
import {
  clickMenuItem,
  dismiss,
  editorTab,
  explorerItem,
  extensionManifest,
  isWebviewContent,
  menuItems,
  paletteTitle,
  rightClickExplorerItem,
  runCommand,
  screenshot,
  until,
  waitVisible,
  webviewFrame,
  workbenchForFile,
} from './workbench';

/** Two solvers × two restarts on iris: four curves and four summary rows, a few seconds of work. */
const SPEC = {
  name: 'explorer run',
  data: { csv: 'iris.csv', target: 'species' },
  model: { experts: 2, expert: 'categorical' },
  solvers: { em: { enabled: true }, gd: { enabled: true, learningRate: 0.05 }, adam: { enabled: false } },
  stopping: { maxIterations: 40 },
  init: { restarts: 2, seed: 3 },
};

/** NOdata (test/fixtures/public): constant-gate K = 2 has two distinct optima that random starts reach. */
const NODATA_CSV = fs.readFileSync(path.resolve(__dirname, '../fixtures/public/NOdata.csv'), 'utf8');
const OPTIMA_SPEC = {
  name: 'nodata optima',
  data: { csv: 'NOdata.csv', target: 'NO', features: ['Equivalence'] },
  model: { experts: 2, expert: 'gaussian', gate: 'constant' },
  solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false } },
  init: { strategy: 'random', restarts: 10, seed: 1 },
};

const workbench = workbenchForFile({
  name: 'explorer',
  files: { 'explorer.moe.json': JSON.stringify(SPEC, null, 2), 'NOdata.csv': NODATA_CSV, 'optima.moe.json': JSON.stringify(OPTIMA_SPEC, null, 2) },
});

function page(): Page {
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
    assert.ok(title, `the explorer menu names ${entry.command}, which the manifest does not contribute`);
    assert.ok(items.includes(title), `context menu lacks "${title}" (${entry.command}); got: ${items.join(' | ')}`);
  }
});

/** The convergence panel's document, once its script has built the page (before that it says "Loading…"). */
function panelFrame(p: Page, timeoutMs = 60_000): Promise<Frame> {
  return webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('.empty h2, .run .run-name').count()) > 0, timeoutMs);
}

test('MoE Lab: Show Convergence Panel from the palette opens the panel, which says there is no run yet', { timeout: 120_000 }, async () => {
  const p = page();
  const title = paletteTitle(COMMANDS.showConvergencePanel);
  assert.ok(title, `package.json does not contribute ${COMMANDS.showConvergencePanel}`);
  assert.ok(await runCommand(p, title, 30_000), `the command palette has no "${title}"`);
  await waitVisible(p, editorTab(p, 'MoE Lab: Convergence'), 'explorer-no-panel-tab', 60_000);
  const frame = await panelFrame(p);
  await frame.locator('.empty h2', { hasText: 'No run to show yet' }).waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await frame.locator('.empty p').innerText(), /Fit Mixture of Experts…/, 'the empty panel says how to start a run');
  assert.equal(await frame.locator('.run').isVisible(), false, 'the run view shows without a run');
  await screenshot(p, 'convergence-panel-empty');
});

test('Run Experiment from the explorer menu of a *.moe.json draws its curves and summary rows in the panel', { timeout: 4 * 60_000 }, async () => {
  const p = page();
  await rightClickExplorerItem(p, 'explorer.moe.json');
  await clickMenuItem(p, 'Run Experiment');
  const frame = await webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('[data-chart-id="logLik"]').count()) > 0, 60_000).catch(async (error: unknown) => {
    await screenshot(p, 'explorer-run-no-charts');
    throw error;
  });
  await frame.waitForFunction(() => document.body.dataset.status === 'finished', undefined, { timeout: 120_000 });
  await waitVisible(p, editorTab(p, `MoE Lab: ${SPEC.name}`), 'explorer-run-no-panel-tab', 10_000);
  assert.equal(await frame.locator('.empty').isVisible(), false, 'the panel still says there is no run');
  await p.waitForTimeout(500);
  await screenshot(p, 'convergence-panel-run');

  // One summary row per solver and restart, each with as many ℓ points as its iterations (iteration 0 included).
  const rows = await frame.locator('table.summary tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const cells = Array.from((tr as HTMLTableRowElement).cells).map((td) => td.textContent?.trim() ?? '');
      return { solver: cells[0], restart: Number.parseInt(cells[1], 10), iterations: Number(cells[2]), stop: (tr.querySelector('td.stop')?.textContent ?? '').trim() };
    }),
  );
  const first = Math.min(...rows.map((r) => r.restart)); // restarts are numbered from 0 or 1
  assert.ok(first === 0 || first === 1, `restart numbers ${rows.map((r) => r.restart)}`);
  assert.deepEqual(rows.map((r) => `${r.solver} ${r.restart - first}`).sort(), ['EM 0', 'EM 1', 'GD 0', 'GD 1']);
  const curves: { label: string; points: number }[] = JSON.parse((await frame.locator('[data-chart-id="logLik"]').getAttribute('data-datasets')) ?? '[]');
  for (const row of rows) {
    assert.ok(row.iterations >= 1, `${row.solver} restart ${row.restart} made no iteration`);
    assert.ok(row.stop && row.stop !== '—' && row.stop !== 'running…', `${row.solver} restart ${row.restart} has no stop reason`);
    const curve = curves.find((c) => c.label === `${row.solver} r${row.restart}`);
    assert.ok(curve, `no ℓ curve for ${row.solver} restart ${row.restart}; curves: ${curves.map((c) => c.label).join(', ')}`);
    assert.equal(curve.points, row.iterations + 1, `${curve.label}: points against iterations`);
  }
  // The curves are drawn: the chart's canvas holds more than its background.
  const colours = await frame.locator('[data-chart-id="logLik"] canvas').evaluate((canvas) => {
    const c = canvas as HTMLCanvasElement;
    const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < pixels.length; i += 4 * 7) seen.add((pixels[i] << 24) | (pixels[i + 1] << 16) | (pixels[i + 2] << 8) | pixels[i + 3]);
    return seen.size;
  });
  assert.ok(colours > 4, `the ℓ chart's canvas has ${colours} colours: nothing drawn`);
});

test('a multi-start run shows its distinct optima; "Show curves" keeps only the runs of the picked optimum', { timeout: 4 * 60_000 }, async () => {
  const p = page();
  await rightClickExplorerItem(p, 'optima.moe.json');
  await clickMenuItem(p, 'Run Experiment');
  const frame = await webviewFrame(p, async (f) => isWebviewContent(f) && (await f.locator('.run-name', { hasText: OPTIMA_SPEC.name }).count()) > 0, 60_000);
  await frame.waitForFunction(() => document.body.dataset.status === 'finished', undefined, { timeout: 120_000 });
  const rows = frame.locator('table.optima tbody tr');
  await rows.first().waitFor({ state: 'visible', timeout: 10_000 });
  const optima = await rows.evaluateAll((trs) => trs.map((tr) => ({ logLik: Number((tr as HTMLTableRowElement).cells[1].textContent), runs: (tr as HTMLTableRowElement).cells[4].textContent ?? '' })));
  assert.ok(optima.length >= 2, `NOdata's two optima: ${JSON.stringify(optima)}`);
  assert.ok(optima[0].logLik > optima[1].logLik, 'best first');
  const reached = Number.parseInt(optima[0].runs, 10);
  await rows.first().locator('button', { hasText: 'Show curves' }).click();
  const shown = async () => JSON.parse((await frame.locator('[data-chart-id="logLik"]').getAttribute('data-datasets')) ?? '[]').filter((d: { hidden?: boolean }) => !d.hidden).length;
  await until(`the ℓ chart to show the ${reached} runs of optimum 1`, async () => (await shown()) === reached, 10_000);
  await screenshot(p, 'explorer-optimum-picked');
  await rows.first().locator('button', { hasText: 'Show all' }).click();
  await until('every run to be shown again', async () => (await shown()) === 10, 10_000);
});

