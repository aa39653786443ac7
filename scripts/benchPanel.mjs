#!/usr/bin/env node
// The panel's cost per live update (part of `npm run bench`; never asserted by tests): the real panel bundle in
// headless Chromium, fed a long run the way the host streams it — 4 solvers × 3 restarts, one update every 40
// iterations per series — and timed per update message (the webview's whole synchronous handling: store, charts,
// table, expert charts). Rows: smoothing off / on (EMA 0.9), and with the log-likelihood chart zoomed. The cost
// should follow the points an update brings and the redraw of what is on screen (chart.update('none')), not grow
// with the work of re-adding every point: compare the first and the last tenth of the updates.
// Then the attach after a long, fast run (Iris with GD and Adam reports ~3 000 iterations a second): the panel holds
// 2 × 40 000 reports, streamed in updates of 700 and of 10 000 (what the host sends a slower panel: it waits for each
// update's acknowledgement), then the next run's snapshot and first update — the time from a run's start to its first
// iterations on screen, less the transport. The state saves are timed too (VS Code's setState serializes to JSON).
//
//   node scripts/benchPanel.mjs        (needs /usr/bin/chromium and a built dist/: node esbuild.mjs)
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.MOE_LAB_CHROMIUM ?? '/usr/bin/chromium';
const SOLVERS = ['em', 'gem', 'gd', 'adam'];
const RESTARTS = 3;
const ITERATIONS = Number(process.env.BENCH_PANEL_ITERATIONS ?? 2000);
const PER_UPDATE = 40;
const K = 3;

if (!fs.existsSync(CHROMIUM)) {
  console.log(`\nPanel update cost: skipped (no Chromium at ${CHROMIUM})`);
  process.exit(0);
}
spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
let html = '';
/** A plausible report (values shaped like a converging run; this measures drawing, not solving). */
function report(t, s, r) {
  const decay = Math.exp(-t / (80 + 40 * s + 10 * r));
  const w = Array.from({ length: K }, (_, k) => (1 + k + decay * Math.sin(t / 17 + k)) / (K * (K + 1) / 2 + 0 * k));
  const total = w.reduce((a, b) => a + b, 0);
  return {
    iteration: t,
    seconds: t * (0.002 + 0.001 * s),
    logLik: -1000 - 500 * decay - r,
    objective: -1000 - 500 * decay - r,
    trainRmse: 1 + decay,
    gradientNorm: 1e-1 * decay + 1e-9,
    klStep: 1e-2 * decay + 1e-12,
    rate: 0.9 + 0.05 * Math.sin(t / 50),
    snr: 2 + decay,
    mixingWeights: w.map((v) => v / total),
    gateWeights: w.map((v) => v / total),
    responsibilityEntropy: 0.3,
    aic: 2000,
    bic: 2100,
  };
}

function messages() {
  const header = {
    runId: 'bench-run',
    name: 'bench',
    origin: 'live',
    dataset: { source: 'bench.csv', rows: 10000, testRows: 0, features: ['x1'], target: 'y', family: 'gaussian', truthKnown: false, droppedRows: 0 },
    solvers: SOLVERS,
    restarts: RESTARTS,
    experts: K,
    parameterCount: 12,
    maxIterations: ITERATIONS,
    startedAt: '2026-01-01T00:00:00Z',
  };
  const out = [{ type: 'snapshot', snapshot: { header, series: [], results: [], warnings: [], end: { status: 'running' } } }];
  for (let from = 0; from <= ITERATIONS; from += PER_UPDATE) {
    const series = [];
    SOLVERS.forEach((solver, s) => {
      for (let r = 0; r < RESTARTS; r++) {
        const reports = [];
        for (let t = from; t < Math.min(from + PER_UPDATE, ITERATIONS + 1); t++) reports.push(report(t, s, r));
        series.push({ solver, restart: r, from, reports });
      }
    });
    out.push({ type: 'update', runId: 'bench-run', series, results: [], warnings: [], end: { status: 'running' } });
  }
  return out;
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
    return;
  }
  const file = path.join(REPO, path.normalize(url.pathname));
  if (!fs.existsSync(file)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;
html = spawnSync(
  process.execPath,
  ['--import', 'tsx', '-e', `const { panelHtml } = require('./src/extension/panel/html'); process.stdout.write(panelHtml({ cspSource: '${origin}', scriptUri: '${origin}/dist/webview/panel.js', styleUri: '${origin}/media/panel.css' }))`],
  { cwd: REPO, encoding: 'utf8' },
).stdout;
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'], headless: true });
const all = messages();
const points = (ITERATIONS + 1) * SOLVERS.length * RESTARTS;
console.log(`\nPanel update cost (Chromium, ${SOLVERS.length} solvers × ${RESTARTS} restarts × ${ITERATIONS} iterations = ${points} reports, ${all.length - 1} updates of ${PER_UPDATE} iterations per series)`);
console.log(['view', 'median ms', 'p95 ms', 'first 10 %', 'last 10 %'].map((h, i) => (i === 0 ? h.padEnd(26) : h.padStart(12))).join(''));
try {
  for (const [label, smoothing, zoom] of [
    ['smoothing off', 0, false],
    ['smoothing 0.9', 0.9, false],
    ['smoothing 0.9, zoomed', 0.9, true],
  ]) {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1600 } })).newPage();
    await page.addInitScript((state) => {
      window.acquireVsCodeApi = () => ({ postMessage() {}, getState: () => state, setState() {} });
    }, { version: 1, xAxis: 'iteration', smoothing });
    await page.goto(`${origin}/`);
    await page.evaluate((m) => window.postMessage(m, '*'), all[0]);
    await page.evaluate((m) => window.postMessage(m, '*'), all[1]);
    await page.waitForTimeout(50);
    if (zoom) {
      const box = await page.locator('[data-chart-id="logLik"] canvas').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.keyboard.down('Control');
      await page.mouse.wheel(0, -360);
      await page.keyboard.up('Control');
      await page.waitForTimeout(300);
    }
    // Each update is posted and handled synchronously in one task: time that task from inside the page.
    const times = await page.evaluate((updates) => {
      const out = [];
      for (const message of updates) {
        const event = new MessageEvent('message', { data: message });
        const start = performance.now();
        window.dispatchEvent(event);
        out.push(performance.now() - start);
      }
      return out;
    }, all.slice(2));
    const sorted = [...times].sort((a, b) => a - b);
    const tenth = Math.max(1, Math.floor(times.length / 10));
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const row = [label.padEnd(26), sorted[Math.floor(sorted.length / 2)], sorted[Math.floor(sorted.length * 0.95)], mean(times.slice(0, tenth)), mean(times.slice(-tenth))];
    console.log(row.map((v, i) => (i === 0 ? v : v.toFixed(1).padStart(12))).join(''));
    await page.close();
  }
  await attachAfterLongRun(browser);
} finally {
  await browser.close();
  server.close();
}

/** The long-run rows (see the file comment). */
async function attachAfterLongRun(browser) {
  const solvers = ['gd', 'adam'];
  const perSeries = Number(process.env.BENCH_PANEL_LONG ?? 40_000);
  const header = (runId) => ({
    runId,
    name: runId,
    origin: 'live',
    dataset: { source: 'iris.csv', rows: 105, testRows: 45, features: ['a', 'b', 'c', 'd'], target: 'species', family: 'categorical', classes: ['a', 'b', 'c'], truthKnown: false, droppedRows: 0 },
    solvers,
    restarts: 1,
    experts: 2,
    parameterCount: 30,
    maxIterations: 1_000_000,
    startedAt: '2026-01-01T00:00:00Z',
  });
  const iris = (t, s) => ({ ...report(t, s, 0), mixingWeights: [0.5, 0.5], gateWeights: [0.5, 0.5], trainAccuracy: 0.9, testAccuracy: 0.88 });
  const snapshot = (runId) => ({ type: 'snapshot', snapshot: { header: header(runId), series: [], results: [], warnings: [], end: { status: 'running' } } });
  const updates = (runId, size, count = perSeries) => {
    const out = [];
    solvers.forEach((solver, s) => {
      for (let from = 0; from < count; from += size) {
        const reports = [];
        for (let t = from; t < Math.min(count, from + size); t++) reports.push(iris(t, s));
        out.push({ type: 'update', runId, series: [{ solver, restart: 0, from, reports }], results: [], warnings: [], end: { status: 'running' } });
      }
    });
    return out;
  };
  console.log(`\nPanel after a long run (${solvers.length} × ${perSeries} reports, categorical, K = 2)`);
  console.log(['updates of', 'last 10 % ms', 'state save ms', 'next snapshot', 'next update'].map((h, i) => (i === 0 ? h.padEnd(26) : h.padStart(14))).join(''));
  for (const size of [700, 10_000]) {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 1600 } })).newPage();
    await page.addInitScript(() => {
      window.__saves = [];
      window.acquireVsCodeApi = () => ({ postMessage() {}, getState: () => undefined, setState: (state) => { const t = performance.now(); JSON.stringify(state); window.__saves.push(performance.now() - t); } });
    });
    await page.goto(`${origin}/`);
    const dispatch = (message) => page.evaluate((m) => { const t = performance.now(); window.dispatchEvent(new MessageEvent('message', { data: m })); return performance.now() - t; }, message);
    await dispatch(snapshot('long-run'));
    const times = [];
    // A pause between updates, as the host's rate leaves, so that the webview's state-save timer runs too.
    for (const message of updates('long-run', size)) {
      times.push(await dispatch(message));
      await page.waitForTimeout(20);
    }
    const tenth = Math.max(1, Math.floor(times.length / 10));
    const last = times.slice(-tenth).reduce((a, b) => a + b, 0) / tenth;
    const saves = await page.evaluate(() => window.__saves);
    const next = await dispatch(snapshot('next-run'));
    const first = await dispatch(updates('next-run', 700, 700)[0]);
    console.log([`${size}`.padEnd(26), last, Math.max(...saves), next, first].map((v, i) => (i === 0 ? v : v.toFixed(1).padStart(14))).join(''));
    await page.close();
  }
}
