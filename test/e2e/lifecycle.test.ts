// End-to-end lifecycle of a run, as a person would meet it (issue 7, item 4): start an experiment from the palette;
// ask for another run while it is active and answer the real question ("Cancel": the active run goes on); then
// reload the window mid-run. The worker dies with the extension host, the results folder stays a clearly marked
// `<runId>.partial/` with what was written (every JSON file in it parses), the restored panel shows the run as
// interrupted instead of "running" forever, and Open Run Results lists it as interrupted and shows its finished
// solvers. Screenshots in test-artifacts/e2e/lifecycle-*.png; figures in test-artifacts/e2e/lifecycle.json.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { E2E_ARTIFACTS, reloadWindow, runCommand, screenshot, until, webviewFrame, workbenchForFile } from './workbench';

const figures: Record<string, unknown> = {};

const workbench = workbenchForFile({ name: 'lifecycle' }, () => {
  fs.mkdirSync(E2E_ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(E2E_ARTIFACTS, 'lifecycle.json'), JSON.stringify(figures, null, 2));
});

function page(): Page {
  return workbench().page;
}

const SPEC_NAME = 'reload during a run';
/**
 * Many short restarts (a time budget per solver, no tolerance): each restart's traces are written as it ends. On a
 * 20 000-row CSV, so that iterations come at a pace a person's run would have (iris streams thousands a second,
 * which on a loaded two-core machine keeps the browser busy drawing rather than testing).
 */
const SPEC = {
  name: SPEC_NAME,
  data: { csv: 'rows.csv', target: 'label' },
  model: { experts: 2, expert: 'categorical' },
  solvers: { em: { enabled: false }, gd: { enabled: true, learningRate: 0.05 }, adam: { enabled: true, learningRate: 0.01 } },
  stopping: { maxIterations: 1_000_000, tolerance: 0, timeBudgetSeconds: 1 },
  init: { restarts: 100, seed: 5 },
};

/** A deterministic three-class CSV: four features, the label from a noisy linear rule. */
function rowsCsv(rows: number): string {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['x1,x2,x3,x4,label'];
  for (let i = 0; i < rows; i++) {
    const x = [random(), random(), random(), random()].map((v) => 4 * v - 2);
    const score = x[0] - 0.5 * x[1] + 0.3 * x[2] + 0.5 * (random() - 0.5);
    lines.push(`${x.map((v) => v.toFixed(4)).join(',')},${score < -0.5 ? 'a' : score < 0.5 ? 'b' : 'c'}`);
  }
  return lines.join('\n') + '\n';
}

function runsRoot(): string {
  return path.join(workbench().workspace, '.moe-lab', 'runs');
}

function runFolders(): string[] {
  return fs.existsSync(runsRoot()) ? fs.readdirSync(runsRoot()).sort() : [];
}

function tracesIn(dir: string): string[] {
  const traces = path.join(dir, 'traces');
  return fs.existsSync(traces) ? fs.readdirSync(traces).filter((f) => f.endsWith('.json')).sort() : [];
}

async function panelFrame(p: Page, timeoutMs = 60_000): Promise<Frame> {
  return webviewFrame(p, async (f) => (await f.locator('[data-chart-id="logLik"]').count()) > 0, timeoutMs);
}

async function panelStatus(frame: Frame): Promise<string | undefined> {
  return frame.evaluate(() => document.body.dataset.status);
}

let partialDir = '';

test('a run started from the palette writes a .partial folder as it goes; asking for a second run and answering Cancel leaves it running', { timeout: 5 * 60_000 }, async () => {
  const p = page();
  fs.writeFileSync(path.join(workbench().workspace, 'rows.csv'), rowsCsv(20_000));
  fs.writeFileSync(path.join(workbench().workspace, 'reload.moe.json'), JSON.stringify(SPEC, null, 2));
  assert.ok(await runCommand(p, 'MoE Lab: Run Experiment'), 'no "MoE Lab: Run Experiment" in the palette');
  // Wait until a restart has finished: its traces are on disk while the run goes on.
  const name = await until('a .partial folder with traces', () => runFolders().find((n) => n.endsWith('.partial') && tracesIn(path.join(runsRoot(), n)).length >= 2), 120_000);
  partialDir = path.join(runsRoot(), name);
  const frame = await panelFrame(p);
  await frame.waitForFunction(() => document.body.dataset.status === 'running', undefined, { timeout: 30_000 });

  // A second run while this one is active: the question is modal; Cancel keeps the active run.
  assert.ok(await runCommand(p, 'MoE Lab: Run Experiment'));
  const dialog = p.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 60_000 });
  const message = (await dialog.innerText()).replace(/\s+/g, ' ');
  assert.match(message, /MoE Lab is already running reload\.moe\.json\. Stop it \(its results so far are kept\) and run it again from the start\?/);
  assert.ok(await dialog.locator('.monaco-button', { hasText: 'Stop It and Run' }).isVisible(), 'no "Stop It and Run" button');
  await screenshot(p, 'lifecycle-1-second-run-question');
  await dialog.locator('.monaco-button', { hasText: /^\s*Cancel\s*$/ }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
  const tracesAfterCancel = tracesIn(partialDir).length;
  await until('the run to go on after Cancel', () => tracesIn(partialDir).length > tracesAfterCancel, 60_000);
  assert.deepEqual(runFolders(), [name], 'a second run folder appeared');
  assert.equal(await panelStatus(frame), 'running');
  await screenshot(p, 'lifecycle-2-running');
});

test('a window reload mid-run: the worker dies with the extension host; the folder stays .partial, every JSON in it parses; the restored panel says interrupted', { timeout: 5 * 60_000 }, async () => {
  const p = page();
  assert.ok(partialDir, 'the previous test did not start the run');
  const server = workbench().server;
  const linesBefore = server.lines.length;
  const tracesAtReload = tracesIn(partialDir).length;
  const reloadedAt = Date.now();
  await reloadWindow(p);
  await server.waitForLine(/Launched Extension Host Process/, 120_000, { since: linesBefore });
  const exited = await server.waitForLine(/Extension Host Process exited with code: (-?\d+)/, 60_000, { since: linesBefore }).catch(() => undefined);
  figures.reload = { tracesAtReload, oldExtensionHostExit: exited?.[0] ?? 'not reported', secondsToNewHost: (Date.now() - reloadedAt) / 1000 };

  // The worker died with the old extension host: no trace is added any more, and the folder is never published.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const settled = tracesIn(partialDir).length;
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal(tracesIn(partialDir).length, settled, 'traces are still being written after the reload: the worker survived');
  assert.ok(fs.existsSync(partialDir), 'the .partial folder is gone');
  assert.ok(!fs.existsSync(partialDir.replace(/\.partial$/, '')), 'the run was published as complete');
  const files = fs.readdirSync(partialDir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(partialDir, f)).isFile());
  const json = files.filter((f) => f.endsWith('.json'));
  for (const f of json) assert.doesNotThrow(() => JSON.parse(fs.readFileSync(path.join(partialDir, f), 'utf8')), `${f} is not valid JSON`);
  assert.ok(json.includes('spec.json'), 'spec.json missing');
  assert.ok(!files.includes('summary.json'), 'an interrupted run has no summary');
  figures.partialFolder = { files: files.length, json: json.length, traces: settled, leftoverTemporaryFiles: files.filter((f) => f.endsWith('.tmp')) };

  // The panel is restored from its own state; the new host tells it how the run really ended.
  const frame = await panelFrame(p, 120_000);
  await frame.waitForFunction(() => document.body.dataset.status === 'interrupted', undefined, { timeout: 60_000 });
  const text = await frame.locator('body').innerText();
  assert.match(text, /interrupted/);
  assert.match(text, /[1-9]\d* training rows/, 'the interrupted run is described by the data it read (spec.json keeps it)');
  assert.match(text, /interrupted (after ≥ \d+\.\d\d s \(the solvers it completed\)|before a solver finished)/, 'the duration it knows, not "0.00 s"');
  assert.doesNotMatch(text, /· 0\.00 s/);
  assert.equal(await frame.locator('button', { hasText: /^\s*Stop\s*$/ }).isVisible().catch(() => false), false, 'a Stop button for a dead run');
  await p.waitForTimeout(500);
  await screenshot(p, 'lifecycle-3-restored-interrupted');
});

test('after the reload, Open Run Results lists the run as interrupted and shows the solvers it completed', { timeout: 3 * 60_000 }, async () => {
  const p = page();
  const runId = path.basename(partialDir).replace(/\.partial$/, '');
  assert.ok(await runCommand(p, 'MoE Lab: Open Run Results…'), 'no "MoE Lab: Open Run Results…" in the palette');
  const row = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: runId }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  const rowText = (await row.innerText()).replace(/\s+/g, ' ');
  assert.match(rowText, new RegExp(`${SPEC_NAME}.*${runId} · interrupted`));
  await screenshot(p, 'lifecycle-4-open-results');
  await row.click();
  const frame = await panelFrame(p);
  await frame.waitForFunction(() => document.body.dataset.status === 'interrupted', undefined, { timeout: 30_000 });
  const sets: { label: string; points: number }[] = JSON.parse((await frame.locator('[data-chart-id="logLik"]').getAttribute('data-datasets')) ?? '[]');
  const completed = tracesIn(partialDir).length;
  assert.equal(sets.length, completed, `curves: ${sets.map((s) => s.label).join(', ')}`);
  assert.ok(sets.every((s) => s.points > 2), `curves: ${JSON.stringify(sets)}`);
  figures.openResults = { curves: sets.length, points: sets.map((s) => s.points) };
  await p.waitForTimeout(500);
  await screenshot(p, 'lifecycle-5-interrupted-run');
});
