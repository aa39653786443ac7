// End-to-end, as a new user would: *MoE Lab: New Experiment* offers the workspace's data (not MoE Lab's own
// output, such as a run's traces.csv), shallow paths first; picking data/iris.csv offers its class column as the
// target; the spec written beside an existing iris.moe.json is iris-2.moe.json, named "iris-2". The quick-pick
// rows fit their width (a truncated row opens a hover tooltip over the list). Screenshots in test-artifacts/e2e/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { runCommand, screenshot, until, workbenchForFile } from './workbench';

const IRIS = fs.readFileSync(path.resolve(__dirname, '../fixtures/workspace/iris.csv'), 'utf8');
const OLD_SPEC = JSON.stringify({ name: 'iris', data: { csv: 'iris.csv', target: 'species' } }, null, 2);

const workbench = workbenchForFile({
  name: 'newExperiment',
  files: {
    'data/iris.csv': IRIS,
    'data/iris.moe.json': OLD_SPEC,
    // What a run leaves: MoE Lab's output, not data to fit.
    '.moe-lab/runs/20260101-120000-iris/traces.csv': 'solver,restart,iteration\nem,0,0\n',
  },
});

const ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

/** The open quick pick's rows: label, description, whether it is the active row, and whether its text is cut. */
async function rows(page: Page): Promise<{ label: string; description: string; active: boolean; truncated: boolean }[]> {
  await page.locator(ROWS).first().waitFor({ state: 'visible', timeout: 20_000 });
  return page.locator(ROWS).evaluateAll((nodes) =>
    nodes.map((row) => {
      const cut = Array.from(row.querySelectorAll('.label-name, .label-description, .quick-input-list-label-meta')).some((el) => el.scrollWidth > el.clientWidth + 1);
      const container = row.querySelector('.monaco-icon-label-container') as HTMLElement | null;
      return {
        label: (row.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
        active: row.classList.contains('focused'),
        truncated: cut || (container !== null && container.scrollWidth > container.clientWidth + 1),
      };
    }),
  );
}

test('New Experiment: data first (no run output), the class column as target, and a spec named after its file', { timeout: 240_000 }, async () => {
  const { page, workspace } = workbench();
  assert.ok(await runCommand(page, 'MoE Lab: New Experiment', 30_000));
  const sources = await until('the data rows', async () => {
    const found = await rows(page);
    return found.length >= 3 ? found : undefined;
  });
  await screenshot(page, 'new-experiment-1-data');
  assert.deepEqual(
    sources.map((r) => `${r.label}|${r.description}`),
    ['Synthetic data|a known mixture (the paper\'s setting)', 'iris.csv|', 'iris.csv|data'],
    'the synthetic source, then the CSVs shallow first; no traces.csv from the results folder',
  );
  for (const row of sources) assert.equal(row.truncated, false, `"${row.label}" is cut (a hover would cover the list)`);
  await page.locator(ROWS).filter({ has: page.locator('.label-description', { hasText: /^data$/ }) }).first().click();

  const columns = await until('the target rows', async () => {
    const found = await rows(page);
    return found.some((r) => r.label === 'species') ? found : undefined;
  });
  await screenshot(page, 'new-experiment-2-target');
  assert.equal(columns.find((r) => r.active)?.label, 'species', 'the class column is offered first');
  for (const row of columns) assert.equal(row.truncated, false, `"${row.label}" is cut`);
  await page.locator('.quick-input-widget .quick-input-box input').press('Enter');

  const written = path.join(workspace, 'data', 'iris-2.moe.json');
  await until('data/iris-2.moe.json', () => fs.existsSync(written), 30_000);
  const spec = JSON.parse(fs.readFileSync(written, 'utf8'));
  assert.equal(spec.name, 'iris-2', 'the name follows the file, so the two specs\' results can be told apart');
  assert.equal(spec.data.target, 'species');
  assert.equal(spec.data.csv, 'iris.csv');
  await page.waitForTimeout(1_000);
  await screenshot(page, 'new-experiment-3-spec');
});
