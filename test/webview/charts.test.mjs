#!/usr/bin/env node
// Webview tier, charts you can read closely (issue 17.4, 17.5, 17.6): the panel's real bundle in headless Chromium,
// fed the messages the host posts for real runs (chartFixtures.ts: the core runner on synthetic data with one
// feature — gaussian experts, K = 3 — and with two — bernoulli experts, K = 2 — through RunRecord + PanelFeed).
// Real input: the mouse wheel and drags go through chartjs-plugin-zoom and hammerjs as a user's would.
//
//   node test/webview/charts.test.mjs     one line per check, then "N passed, N failed"; exit 1 on failure
//
// Screenshots (look at them): test-artifacts/webview/charts-zoomed.png, charts-smoothed.png, charts-experts.png,
// charts-experts-2d.png, charts-logx.png, charts-compare-zoomed.png, charts-compare-legend.png, charts-compare-smoothed.png,
// charts-compare-mixed.png; exported PNGs: charts-export-logLik.png, charts-export-experts.png, charts-export-compare.png.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS, build, checker, CHROMIUM, CHROMIUM_ARGS, DARK, fixture, serve, STUB, styleOf } from './harness.mjs';

const { check, results } = checker();

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The debiased EMA of `values` with weight `alpha` (TensorBoard's smoothing), as the panel documents it. */
function ema(values, alpha) {
  let accumulator = 0;
  return values.map((v, t) => {
    accumulator = alpha * accumulator + (1 - alpha) * v;
    return accumulator / (1 - alpha ** (t + 1));
  });
}

/** The expert with the largest gate logit W_k·[x, 1] (softmax is monotone), computed here independently. */
function argmaxGate(W, x) {
  let best = 0;
  let bestLogit = -Infinity;
  W.forEach((row, k) => {
    const logit = row[row.length - 1] + x.reduce((sum, v, j) => sum + row[j] * v, 0);
    if (logit > bestLogit) {
      bestLogit = logit;
      best = k;
    }
  });
  return best;
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  build();
  let html = '';
  const server = await serve(() => html.replace('<html lang="en">', `<html lang="en" style='${styleOf(DARK)}'>`).replace('<body>', '<body class="vscode-dark">'));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const data = fixture('chartFixtures.ts', origin);
  html = data.html;
  const one = data.oneFeature;
  const two = data.twoFeatures;
  console.log(`charts webview checks: 1 feature: ${one.messages.length} messages (${one.results.map((r) => `${r.solver}: ${r.reports}`).join(', ')}); 2 features: ${two.messages.length}`);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const consoleLines = [];
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.stack ?? e}`));
    await page.addInitScript(STUB);
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.__posted.length > 0);

    const posted = () => page.evaluate(() => window.__posted);
    const send = (message) => page.evaluate((m) => window.postMessage(m, '*'), message);
    const card = (id) => page.locator(`[data-chart-id="${id}"]`);
    const datasets = (id) => page.evaluate((chartId) => JSON.parse(document.querySelector(`[data-chart-id="${chartId}"]`)?.dataset.datasets ?? 'null'), id);
    const rawDatasets = (id) => page.evaluate((chartId) => JSON.parse(document.querySelector(`[data-chart-id="${chartId}"]`)?.dataset.rawDatasets ?? 'null'), id);
    const expert = (id) => page.evaluate((chartId) => JSON.parse(document.querySelector(`[data-expert-chart="${chartId}"]`)?.dataset.datasets ?? 'null'), id);
    const range = (id, axis) => page.evaluate(([chartId, a]) => JSON.parse(document.querySelector(`[data-chart-id="${chartId}"]`)?.dataset[`${a}Range`] || 'null'), [id, axis]);
    const settle = (ms = 30) => page.evaluate((wait) => new Promise((r) => requestAnimationFrame(() => setTimeout(r, wait))), ms);
    const canvasCentre = async (id) => {
      const box = await card(id).locator('canvas').boundingBox();
      return { x: box.x + box.width * 0.6, y: box.y + box.height * 0.5, box };
    };
    const runName = one.messages[0].snapshot.header.name;

    // The first part of the live run.
    for (const message of one.messages.slice(0, one.midRunIndex)) await send(message);
    await settle();

    await check('run charts have a y-axis title and a legend entry per solver', async () => {
      const titles = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-chart-id]')].map((c) => [c.dataset.chartId, c.dataset.yTitle])));
      for (const [id, title] of Object.entries(titles)) assert.ok(title && title.length > 1, `${id}: y title "${title}"`);
      assert.equal(titles.logLik, 'ℓ (nats, training rows)');
      const legend = await page.evaluate(() => [...document.querySelectorAll('.legend button.legend-item')].map((b) => b.textContent));
      assert.deepEqual(legend, ['EM', 'GD', 'Adam']);
    });

    let yBefore;
    await check('Ctrl + wheel zooms a chart (a plain wheel scrolls the page): its ranges shrink and a Reset button appears', async () => {
      yBefore = await range('logLik', 'y');
      const xBefore = await range('logLik', 'x');
      assert.equal(await card('logLik').locator('button[data-action="reset-zoom"]').isVisible(), false, 'no Reset before a zoom');
      const { x, y } = await canvasCentre('logLik');
      await page.mouse.move(x, y);
      // A plain wheel scrolls the page and leaves the chart alone (the note says how to zoom).
      await page.mouse.wheel(0, -120);
      await settle(350);
      assert.equal(await card('logLik').getAttribute('data-zoomed'), 'false');
      assert.match(await card('logLik').locator('.note').textContent(), /Ctrl \+ wheel zooms/);
      await page.keyboard.down('Control');
      for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -120);
      await page.keyboard.up('Control');
      await settle(350); // the plugin reports the end of a wheel zoom after 250 ms
      const xAfter = await range('logLik', 'x');
      const yAfter = await range('logLik', 'y');
      assert.equal(await card('logLik').getAttribute('data-zoomed'), 'true');
      assert.ok(xAfter[1] - xAfter[0] < 0.9 * (xBefore[1] - xBefore[0]), `x ${xBefore} → ${xAfter}`);
      assert.ok(yAfter[1] - yAfter[0] < 0.9 * (yBefore[1] - yBefore[0]), `y ${yBefore} → ${yAfter}`);
      assert.equal(await card('logLik').locator('button[data-action="reset-zoom"]').isVisible(), true);
    });

    await check('a zoomed y range survives live updates (streaming does not reset the zoom); new points still arrive', async () => {
      const zoomedY = await range('logLik', 'y');
      const zoomedX = await range('logLik', 'x');
      const pointsBefore = (await datasets('logLik')).map((d) => d.points);
      for (const message of one.messages.slice(one.midRunIndex, one.midRunIndex + 3)) await send(message);
      await settle();
      const pointsAfter = (await datasets('logLik')).map((d) => d.points);
      assert.ok(pointsAfter.some((n, i) => n > pointsBefore[i]), `points ${pointsBefore} → ${pointsAfter}`);
      assert.deepEqual(await range('logLik', 'y'), zoomedY);
      assert.deepEqual(await range('logLik', 'x'), zoomedX);
      assert.equal(await card('logLik').getAttribute('data-zoomed'), 'true');
      // An unzoomed chart goes on fitting its data.
      assert.equal(await card('gradNorm').getAttribute('data-zoomed'), 'false');
    });

    await check('drag pans a chart (hammerjs): its x range moves, its width stays', async () => {
      const { x, y } = await canvasCentre('snr');
      await page.mouse.move(x, y);
      await page.keyboard.down('Control');
      for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -120);
      await page.keyboard.up('Control');
      await settle(350);
      const before = await range('snr', 'x');
      await page.mouse.move(x, y);
      await page.mouse.down();
      for (let s = 1; s <= 10; s++) await page.mouse.move(x - 12 * s, y, { steps: 1 });
      await page.mouse.up();
      await settle(100);
      const after = await range('snr', 'x');
      assert.ok(after[0] > before[0] + 1e-9, `dragging left shows later iterations: ${before} → ${after}`);
      assert.ok(Math.abs(after[1] - after[0] - (before[1] - before[0])) < 1e-6 * (1 + before[1]), 'a pan keeps the width');
    });

    for (const message of one.messages.slice(one.midRunIndex + 3)) await send(message);
    await settle();
    await page.screenshot({ path: path.join(ARTIFACTS, 'charts-zoomed.png'), fullPage: true });

    await check('Reset zoom gives back the whole curve (and the button hides)', async () => {
      await card('logLik').locator('button[data-action="reset-zoom"]').click();
      await settle();
      assert.equal(await card('logLik').getAttribute('data-zoomed'), 'false');
      assert.equal(await card('logLik').locator('button[data-action="reset-zoom"]').isVisible(), false);
      const y = await range('logLik', 'y');
      const x = await range('logLik', 'x');
      const allLogLik = one.messages.flatMap((m) => (m.type === 'snapshot' ? m.snapshot.series : m.type === 'update' ? m.series : []).flatMap((s) => s.reports.map((r) => r.logLik)));
      assert.ok(y[0] <= Math.min(...allLogLik) && y[1] >= Math.max(...allLogLik), `y ${y} covers ℓ from ${Math.min(...allLogLik)} to ${Math.max(...allLogLik)}`);
      assert.ok(x[0] <= 0 && x[1] >= Math.max(...one.results.map((r) => r.reports - 1)), `x ${x}`);
    });

    await check('a legend entry hides its solver in every chart, and shows it again', async () => {
      await page.locator('.legend button.legend-item', { hasText: 'GD' }).click();
      await settle();
      for (const id of ['logLik', 'gradNorm', 'snr']) {
        const sets = await datasets(id);
        assert.ok(sets.filter((d) => d.label.startsWith('GD')).every((d) => d.hidden), `${id}: GD hidden`);
        assert.ok(sets.filter((d) => !d.label.startsWith('GD')).every((d) => !d.hidden), `${id}: others shown`);
      }
      assert.equal(await page.locator('.legend button.legend-item', { hasText: 'GD' }).getAttribute('aria-pressed'), 'false');
      await page.locator('.legend button.legend-item', { hasText: 'GD' }).click();
      await settle();
      assert.ok((await datasets('logLik')).every((d) => !d.hidden));
    });

    await check('the legend inside a chart toggles too (click on its entry on the canvas)', async () => {
      // chart.js draws the legend at the top left of the canvas: EM, GD, Adam from left to right.
      const box = await card('rate').locator('canvas').boundingBox();
      const before = await datasets('rate');
      // Find the Adam entry by scanning clicks along the legend row would be brittle: click the first entry (EM).
      await page.mouse.click(box.x + 30, box.y + 10);
      await settle();
      const after = await datasets('rate');
      assert.ok(after.filter((d) => d.label.startsWith('EM')).every((d) => d.hidden), JSON.stringify(after));
      assert.ok(before.every((d) => !d.hidden));
      assert.ok((await datasets('logLik')).filter((d) => d.label.startsWith('EM')).every((d) => d.hidden), 'hidden in the other charts too');
      await page.mouse.click(box.x + 30, box.y + 10);
      await settle();
      assert.ok((await datasets('rate')).every((d) => !d.hidden));
    });

    const emLogLik = one.messages
      .flatMap((m) => (m.type === 'snapshot' ? m.snapshot.series : m.type === 'update' ? m.series : []))
      .filter((s) => s.solver === 'em')
      .flatMap((s) => s.reports.map((r) => r.logLik));
    await check('smoothing (off by default): the EMA of every curve over its raw curve, which stays faintly behind', async () => {
      assert.deepEqual(await rawDatasets('logLik'), [], 'no raw twins while smoothing is off');
      await page.locator('input[data-action="smoothing"]').fill('0.9');
      await page.locator('input[data-action="smoothing"]').dispatchEvent('change');
      await settle();
      const main = await datasets('logLik');
      const raw = await rawDatasets('logLik');
      assert.deepEqual(raw.map((d) => d.label), main.map((d) => `${d.label} (raw)`));
      assert.deepEqual(raw.map((d) => d.points), main.map((d) => d.points), 'every raw point kept');
      for (const d of raw) assert.match(String(d.color), /, 0\.2\d+\)$/, `${d.label} is faint: ${d.color}`);
      const em = main.find((d) => d.label === 'EM r1');
      const expected = ema(emLogLik, 0.9).at(-1);
      assert.ok(Math.abs(em.last - expected) < 1e-9 * Math.abs(expected), `smoothed last ${em.last}, EMA ${expected}`);
      assert.equal(raw.find((d) => d.label === 'EM r1 (raw)').last, emLogLik.at(-1));
      assert.match(await card('logLik').locator('.note').textContent(), /smoothed: EMA 0\.90/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-smoothed.png'), fullPage: false });
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-toolbar.png'), clip: { x: 0, y: 0, width: 1400, height: 720 } });
    });

    await check('smoothing while streaming carries the EMA on: the same values as smoothing the whole trace', async () => {
      await page.reload();
      await page.waitForFunction(() => window.__posted.length > 0);
      // The state kept the smoothing; a new live run streams in pieces.
      for (const message of one.messages) await send(message);
      await settle();
      const em = (await datasets('logLik')).find((d) => d.label === 'EM r1');
      const expected = ema(emLogLik, 0.9).at(-1);
      assert.ok(Math.abs(em.last - expected) < 1e-9 * Math.abs(expected), `smoothed last ${em.last}, EMA ${expected}`);
      // A log chart smooths log y (a geometric EMA).
      const grad = one.messages
        .flatMap((m) => (m.type === 'snapshot' ? m.snapshot.series : m.type === 'update' ? m.series : []))
        .filter((s) => s.solver === 'em')
        .flatMap((s) => s.reports.map((r) => r.gradientNorm))
        .filter((v) => v > 0);
      const gradEm = (await datasets('gradNorm')).find((d) => d.label === 'EM r1');
      const geometric = Math.exp(ema(grad.map(Math.log), 0.9).at(-1));
      assert.ok(Math.abs(gradEm.last - geometric) < 1e-9 * geometric, `${gradEm.last} vs ${geometric}`);
      await page.locator('input[data-action="smoothing"]').fill('0');
      await page.locator('input[data-action="smoothing"]').dispatchEvent('change');
      await settle();
      assert.deepEqual(await rawDatasets('logLik'), []);
      assert.equal((await datasets('logLik')).find((d) => d.label === 'EM r1').last, emLogLik.at(-1));
    });

    await check('log x axis (Seconds): every point after the start is drawn, and the note says the start is not', async () => {
      await page.locator('button[data-axis="seconds"]').click();
      await page.locator('button[data-action="log-x"]').click();
      await settle();
      assert.equal(await page.locator('button[data-action="log-x"]').getAttribute('aria-pressed'), 'true');
      const sets = await datasets('logLik');
      const series = one.messages.flatMap((m) => (m.type === 'snapshot' ? m.snapshot.series : m.type === 'update' ? m.series : []));
      for (const r of one.results) {
        const set = sets.find((d) => d.label.startsWith({ em: 'EM', gd: 'GD', adam: 'Adam' }[r.solver]));
        const positive = series.filter((s) => s.solver === r.solver).flatMap((s) => s.reports).filter((report) => report.seconds > 0).length;
        assert.ok(positive >= r.reports - 1, 'precondition: only the start can be at 0 s');
        assert.equal(set.points, positive, `${r.solver}: every point at t > 0`);
      }
      const x = await range('logLik', 'x');
      assert.ok(x[0] > 0, `log axis starts above 0: ${x}`);
      assert.match(await card('logLik').locator('.note').textContent(), /log time axis/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-logx.png'), fullPage: false });
      await page.locator('button[data-action="log-x"]').click();
      await page.locator('button[data-axis="iteration"]').click();
      await settle();
    });

    const finalResults = one.messages.filter((m) => m.type === 'update').at(-1).results;
    const best = finalResults.reduce((a, b) => (b.logLik > a.logLik ? b : a));
    await check('mixing weights: per expert the mean gate probability (solid) and responsibility share (dashed), every iteration of the best run', async () => {
      const sets = await expert('mixing');
      assert.ok(sets, 'no mixing chart');
      const bestTrace = one.results.find((r) => r.solver === best.solver && r.restart === best.restart);
      assert.equal(sets.length, 2 * 3);
      for (let k = 0; k < 3; k++) {
        assert.equal(sets[2 * k].label, `expert ${k + 1}`);
        assert.equal(sets[2 * k].points, bestTrace.reports);
        assert.equal(sets[2 * k + 1].points, bestTrace.reports);
      }
      const picker = await page.locator('select[data-action="pick-expert-series"]').inputValue();
      assert.equal(picker, `${best.solver}:${best.restart}`);
    });

    await check('expert scatter (1 feature): rows coloured by the argmax of the final gate, one fitted line per expert, the gate boundaries', async () => {
      const sets = await expert('experts');
      const sample = one.messages[0].snapshot.header.sample;
      assert.equal(sample.y.length, 2000, 'the host sends at most 2 000 rows');
      const W = best.paramsRaw.W;
      const expected = [0, 0, 0];
      for (let i = 0; i < sample.y.length; i++) expected[argmaxGate(W, [sample.x[0][i]])]++;
      const scatter = sets.filter((d) => d.kind === 'scatter');
      assert.deepEqual(scatter.map((d) => d.points), expected, 'points per expert');
      assert.equal(sets.filter((d) => / fit$/.test(d.label)).length, 3);
      const boundaries = sets.filter((d) => d.label.startsWith('gate boundary'));
      assert.ok(boundaries.length >= 1 && boundaries.length <= 2, `${boundaries.length} gate boundaries for 3 experts on a line`);
      await page.locator('[data-expert-chart="experts"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-experts.png'), fullPage: true });
      await page.locator('.charts.experts').screenshot({ path: path.join(ARTIFACTS, 'charts-experts-section.png') });
    });

    await check('a live run relabelled to the best optimum (expertOrder): the mixing chart\'s expert k is the trace\'s expert expertOrder[k]', async () => {
      // The runner relabels a run's final parameters, not the iterations it already streamed: the panel maps them.
      const lastUpdate = structuredClone(one.messages.filter((m) => m.type === 'update').at(-1));
      const emResult = lastUpdate.results.find((r) => r.solver === 'em');
      emResult.expertOrder = [2, 0, 1];
      await send({ ...lastUpdate, series: [], warnings: [] });
      await settle();
      await page.locator('select[data-action="pick-expert-series"]').selectOption('em:0');
      await settle();
      const emTrace = one.results.find((r) => r.solver === 'em');
      const sets = await page.evaluate(() => JSON.parse(document.querySelector('[data-expert-chart="mixing"]').dataset.datasets));
      assert.equal(sets.length, 6);
      const described = await page.evaluate(() => JSON.parse(document.querySelector('[data-expert-chart="mixing"]').dataset.last));
      assert.deepEqual(described, [2, 0, 1].flatMap((own) => [emTrace.gateWeights[own], emTrace.mixingWeights[own]]));
      delete emResult.expertOrder;
      await send({ ...lastUpdate, series: [], warnings: [] });
      await settle();
    });

    await check('the expert picker redraws both expert charts for another solver', async () => {
      await page.locator('select[data-action="pick-expert-series"]').selectOption('adam:0');
      await settle();
      const adam = finalResults.find((r) => r.solver === 'adam');
      const sample = one.messages[0].snapshot.header.sample;
      const expected = [0, 0, 0];
      for (let i = 0; i < sample.y.length; i++) expected[argmaxGate(adam.paramsRaw.W, [sample.x[0][i]])]++;
      assert.deepEqual((await expert('experts')).filter((d) => d.kind === 'scatter').map((d) => d.points), expected);
      assert.match(await page.locator('[data-expert-chart="mixing"] .note').textContent(), /^Adam r1/);
    });

    await check('PNG export: 2× pixels, at least 1440 × 840, with the run name, chart title, legend and axis titles', async () => {
      await card('logLik').locator('button[data-action="export-png"]').click();
      const message = (await posted()).at(-1);
      assert.equal(message.type, 'exportPng');
      const bytes = Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64');
      const size = pngSize(bytes);
      const described = JSON.parse(await page.evaluate(() => document.body.dataset.lastExport));
      assert.deepEqual(size, { width: described.width, height: described.height });
      assert.ok(size.width >= 1440 && size.height >= 840, `${size.width} × ${size.height}`);
      assert.deepEqual(described.title, [runName, 'Log-likelihood ℓ']);
      assert.deepEqual(described.legend, ['EM', 'GD', 'Adam']);
      assert.equal(described.xTitle, 'iteration');
      assert.equal(described.yTitle, 'ℓ (nats, training rows)');
      fs.writeFileSync(path.join(ARTIFACTS, 'charts-export-logLik.png'), bytes);
    });

    await check('PNG export of the expert scatter: 2× pixels with its title', async () => {
      await page.locator('[data-expert-chart="experts"] button[data-action="export-png"]').click();
      const message = (await posted()).at(-1);
      assert.equal(message.chart, 'experts');
      const bytes = Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64');
      assert.deepEqual(pngSize(bytes), { width: 1440, height: 1040 });
      fs.writeFileSync(path.join(ARTIFACTS, 'charts-export-experts.png'), bytes);
    });

    await check('two features: the scatter is in feature space with gate boundaries and each expert\'s classifier boundary', async () => {
      for (const message of two.messages) await send(message);
      await settle();
      const sets = await expert('experts');
      const sample = two.messages[0].snapshot.header.sample;
      assert.equal(sample.x.length, 2);
      const last = two.messages.filter((m) => m.type === 'update').at(-1).results;
      const top = last.reduce((a, b) => (b.logLik > a.logLik ? b : a));
      const expected = [0, 0];
      for (let i = 0; i < sample.y.length; i++) expected[argmaxGate(top.paramsRaw.W, [sample.x[0][i], sample.x[1][i]])]++;
      assert.deepEqual(sets.filter((d) => d.kind === 'scatter').map((d) => d.points), expected);
      assert.equal(sets.filter((d) => d.label.startsWith('gate boundary')).length, 1);
      assert.ok(sets.filter((d) => d.label.endsWith('= ½')).length >= 1, 'classifier boundaries');
      assert.ok(sets.filter((d) => d.label.startsWith('gate boundary'))[0].points > 10, 'the boundary crosses the data');
      await page.locator('[data-expert-chart="experts"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-experts-2d.png'), fullPage: true });
    });

    await check('a message with a malformed data sample or parameters is ignored', async () => {
      const ignoredBefore = Number(await page.evaluate(() => document.body.dataset.ignoredMessages ?? 0));
      const snapshot = structuredClone(two.messages[0]);
      snapshot.snapshot.header.sample.x[0].pop();
      await send(snapshot);
      const update = structuredClone(two.messages.at(-1));
      update.results[0].paramsRaw.W[0] = ['a', 1, 2];
      await send(update);
      await settle();
      assert.equal(Number(await page.evaluate(() => document.body.dataset.ignoredMessages)), ignoredBefore + 2);
    });

    await check('the toolbar\'s Reset zoom undoes every chart\'s zoom', async () => {
      await send(one.messages[0]);
      for (const message of one.messages.slice(1)) await send(message);
      await settle();
      for (const id of ['logLik', 'gradNorm']) {
        const { x, y } = await canvasCentre(id);
        await page.mouse.move(x, y);
        await page.keyboard.down('Control');
        await page.mouse.wheel(0, -240);
        await page.keyboard.up('Control');
      }
      await settle(350);
      assert.equal(await card('logLik').getAttribute('data-zoomed'), 'true');
      assert.equal(await card('gradNorm').getAttribute('data-zoomed'), 'true');
      await page.locator('button[data-action="reset-zoom-all"]').click();
      await settle();
      assert.equal(await card('logLik').getAttribute('data-zoomed'), 'false');
      assert.equal(await card('gradNorm').getAttribute('data-zoomed'), 'false');
    });

    await check('reproduction charts: the paper\'s "at iteration 100" markers and the references do not stretch a 3-iteration run; K = 1 and the ceiling are level lines', async () => {
      // The series as src/core/reproduce/charts.ts builds them for a quick Fashion-MNIST run of 3 iterations.
      const x = [0, 1, 2, 3];
      const reproduction = {
        id: 'reproduction-20260101-000000',
        title: 'Paper reproduction (quick)',
        status: 'finished',
        reportPath: '/workspace/.moe-lab/runs/reproduction-20260101-000000/report.md',
        seconds: 12,
        checks: [],
        skipped: [],
        charts: [
          {
            id: 'fmnist-test-accuracy',
            experiment: 'fmnist',
            title: 'Random-Invert Fashion-MNIST: test accuracy (paper Fig. 3)',
            xLabel: 'iteration',
            yLabel: 'test accuracy (%)',
            yLog: false,
            series: [
              { label: 'EM', solver: 'em', x, y: [10, 52, 61, 66], lower: [10, 50, 59, 64], upper: [10, 54, 63, 68] },
              { label: 'GD', solver: 'gd', x, y: [10, 20, 27, 31] },
              { label: 'single expert (K = 1)', solver: 'baseline', x: [0, 3], y: [71.2, 71.2], dashed: true },
              { label: 'ceiling: K = 10 labels known', solver: 'baseline', x: [0, 3], y: [83.4, 83.4], dashed: true },
              { label: 'paper: EM at iteration 100', solver: 'em', x: [100], y: [79.4], pointsOnly: true },
            ],
          },
        ],
      };
      await send({ type: 'reproduction', reproduction });
      await settle();
      const chartCard = page.locator('.reproduction [data-chart-id="fmnist-test-accuracy"]');
      assert.deepEqual(JSON.parse(await chartCard.getAttribute('data-x-range')), [0, 3], 'x spans the curves: 0–3');
      const levels = JSON.parse(await chartCard.getAttribute('data-levels'));
      const byLabel = Object.fromEntries(levels.map((l) => [l.label, l.points]));
      assert.deepEqual(byLabel['single expert (K = 1)'], [{ x: 0, y: 71.2 }, { x: 3, y: 71.2 }]);
      assert.deepEqual(byLabel['ceiling: K = 10 labels known'], [{ x: 0, y: 83.4 }, { x: 3, y: 83.4 }]);
      assert.deepEqual(byLabel['paper: EM at iteration 100 (beyond this run: level)'], [{ x: 0, y: 79.4 }, { x: 3, y: 79.4 }]);
      await chartCard.screenshot({ path: path.join(ARTIFACTS, 'charts-reproduction-quick.png') });
      await chartCard.locator('button[data-action="export-png"]').click();
      const message = (await posted()).at(-1);
      const bytes = Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64');
      assert.deepEqual(pngSize(bytes), { width: 1600, height: 960 }, 'a reproduction chart exports at 2× too');
      fs.writeFileSync(path.join(ARTIFACTS, 'charts-export-reproduction.png'), bytes);
    });

    await check('reproduction charts: the equal-time race draws each continued run of one solver (EM, EM + SQUAREM, EM + DAAREM, budgeted EM) in its colour with a dash of its own', async () => {
      const seconds = [1, 10, 100];
      const continued = (label) => ({ label: `${label} (instance 1)`, solver: 'em', x: seconds, y: [60, 75, 80], dashed: true });
      const reproduction = {
        id: 'reproduction-20260101-000001',
        title: 'Paper reproduction (quick)',
        status: 'finished',
        reportPath: '/workspace/.moe-lab/runs/reproduction-20260101-000001/report.md',
        seconds: 12,
        checks: [],
        skipped: [],
        charts: [
          {
            id: 'equal-time-test-accuracy',
            experiment: 'equal-time',
            title: 'Equal time: test accuracy against seconds',
            xLabel: "seconds (solver's compute clock, log scale)",
            xLog: true,
            yLabel: 'test accuracy (%)',
            yLog: false,
            series: [
              { label: 'EM', solver: 'em', x: seconds, y: [55, 70, 79] },
              continued('EM, continued'),
              continued('EM + SQUAREM'),
              continued('EM + DAAREM'),
              continued('budgeted EM'),
              { label: 'Adam, continued (instance 1)', solver: 'adam', x: seconds, y: [50, 70, 80], dashed: true },
            ],
          },
        ],
      };
      await send({ type: 'reproduction', reproduction });
      await settle();
      const raceCard = page.locator('.reproduction [data-chart-id="equal-time-test-accuracy"]');
      await raceCard.screenshot({ path: path.join(ARTIFACTS, 'charts-reproduction-race.png') });
      const drawn = JSON.parse(await raceCard.getAttribute('data-datasets'));
      const em = drawn.filter((d) => d.color === drawn[0].color);
      assert.equal(em.length, 5, 'the five EM series share EM\'s colour');
      assert.deepEqual(em[0].dash, [], 'the mean EM curve is solid');
      const dashes = em.slice(1).map((d) => JSON.stringify(d.dash));
      assert.equal(new Set(dashes).size, 4, `each continued EM run has its own dash: ${dashes.join(' ')}`);
      assert.ok(em.slice(1).every((d) => d.dashed));
      const adam = drawn.find((d) => d.label.startsWith('Adam'));
      assert.notEqual(adam.color, drawn[0].color);
      assert.ok(adam.dashed);
      // The legend tells them apart too: every key a line in its own series' dash.
      const legend = JSON.parse(await raceCard.getAttribute('data-legend'));
      assert.deepEqual(legend.map((item) => item.text), drawn.map((d) => d.label), 'one key per series, no band');
      legend.forEach((item, i) => {
        assert.equal(item.pointStyle, 'line', `${item.text}: a line key`);
        assert.deepEqual(item.lineDash, drawn[i].dash, `${item.text}: the key's dash is its line's`);
      });
    });

    // Compare Runs (issue 17.2 with 17.4): the comparison's charts are the run view's deck, so they read as closely.
    const comparison = data.comparison;
    const compareCard = (id) => page.locator(`.compare [data-chart-id="${id}"]`);
    const compareSets = (id) => page.evaluate((chartId) => JSON.parse(document.querySelector(`.compare [data-chart-id="${chartId}"]`)?.dataset.datasets ?? 'null'), id);
    const compareRaw = (id) => page.evaluate((chartId) => JSON.parse(document.querySelector(`.compare [data-chart-id="${chartId}"]`)?.dataset.rawDatasets ?? 'null'), id);
    const compareRange = (id, axis) => page.evaluate(([chartId, a]) => JSON.parse(document.querySelector(`.compare [data-chart-id="${chartId}"]`)?.dataset[`${a}Range`] || 'null'), [id, axis]);
    /** A run's series of one solver, from the message (the best restart: the only one a comparison carries). */
    const comparedSeries = (c, run, solver) => c.runs[run].snapshot.series.find((s) => s.solver === solver);
    const label = { em: 'EM', adam: 'Adam' };

    await check('a comparison overlays one line per run and solver on every chart: colour by solver, dash by run, every point', async () => {
      await send({ type: 'comparison', comparison });
      await settle();
      assert.equal(await page.evaluate(() => document.body.dataset.view), 'compare');
      const shown = (await posted()).filter((m) => m.type === 'comparisonShown').at(-1);
      assert.equal(shown.comparisonId, comparison.id);
      assert.equal(shown.charts, await page.locator('.compare .chart-card').count());
      const logLik = await compareSets('logLik');
      assert.deepEqual(logLik.map((d) => d.label).sort(), ['run 1 · Adam', 'run 1 · EM', 'run 2 · Adam', 'run 2 · EM']);
      for (const d of logLik) {
        const run = Number(d.label.slice(4, 5)) - 1;
        const solver = d.label.endsWith('EM') ? 'em' : 'adam';
        const values = comparedSeries(comparison, run, solver).reports.map((r) => r.logLik).filter((v) => typeof v === 'number');
        assert.equal(d.points, values.length, d.label);
        assert.equal(d.last, values.at(-1), d.label);
        assert.equal(d.group, `run${run + 1}|${solver}`);
        assert.equal(d.hidden, false);
      }
      const of = (text) => logLik.find((d) => d.label === text);
      assert.deepEqual(of('run 1 · EM').dash, [], 'run 1: solid');
      assert.ok(of('run 2 · EM').dash.length > 0, 'run 2: dashed');
      assert.deepEqual(of('run 2 · EM').dash, of('run 2 · Adam').dash, 'one dash per run');
      assert.equal(of('run 1 · EM').color, of('run 2 · EM').color, 'one colour per solver');
      assert.notEqual(of('run 1 · EM').color, of('run 1 · Adam').color);
      const allSets = await page.evaluate(() => [...document.querySelectorAll('.compare .chart-card')].map((c) => JSON.parse(c.dataset.datasets).length));
      assert.equal(shown.datasets, allSets.reduce((a, b) => a + b, 0));
      const legend = await page.locator('.compare .legend button.legend-item').allInnerTexts();
      assert.deepEqual(legend.map((t) => t.trim()), ['run 1 · EM', 'run 1 · Adam', 'run 2 · EM', 'run 2 · Adam']);
      assert.deepEqual(await page.locator('.compare table.spec-diff td.field').allInnerTexts(), comparison.differences.map((d) => d.path));
    });

    await check('compare: Ctrl + wheel zooms a chart, Reset zoom gives back both runs\' whole curves', async () => {
      const before = await compareRange('logLik', 'y');
      const box = await compareCard('logLik').locator('canvas').boundingBox();
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
      await page.keyboard.down('Control');
      for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -120);
      await page.keyboard.up('Control');
      await settle(350);
      const zoomed = await compareRange('logLik', 'y');
      assert.equal(await compareCard('logLik').getAttribute('data-zoomed'), 'true');
      assert.ok(zoomed[1] - zoomed[0] < 0.9 * (before[1] - before[0]), `y ${before} → ${zoomed}`);
      assert.equal(await compareCard('logLik').locator('button[data-action="reset-zoom"]').isVisible(), true);
      assert.equal(await compareCard('gap').getAttribute('data-zoomed'), 'false', 'the other charts keep their range');
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-compare-zoomed.png'), fullPage: true });
      await compareCard('logLik').locator('button[data-action="reset-zoom"]').click();
      await settle();
      assert.equal(await compareCard('logLik').getAttribute('data-zoomed'), 'false');
      assert.equal(await compareCard('logLik').locator('button[data-action="reset-zoom"]').isVisible(), false);
      const all = comparison.runs.flatMap((r) => r.snapshot.series.flatMap((s) => s.reports.map((x) => x.logLik))).filter((v) => typeof v === 'number');
      const y = await compareRange('logLik', 'y');
      assert.ok(y[0] <= Math.min(...all) && y[1] >= Math.max(...all), `y ${y} covers ℓ of both runs`);
    });

    await check('compare: a legend entry hides one run\'s solver in every chart (the other run keeps it), and shows it again', async () => {
      const entry = page.locator('.compare .legend button.legend-item', { hasText: 'run 2 · Adam' });
      await entry.click();
      await settle();
      assert.equal(await entry.getAttribute('aria-pressed'), 'false');
      const ids = await page.evaluate(() => [...document.querySelectorAll('.compare .chart-card')].map((c) => c.dataset.chartId));
      for (const id of ids) {
        const sets = await compareSets(id);
        for (const d of sets) assert.equal(d.hidden, d.group === 'run2|adam', `${id}: ${d.label}`);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-compare-legend.png'), fullPage: true });
      await entry.click();
      await settle();
      assert.ok((await compareSets('logLik')).every((d) => !d.hidden));
    });

    await check('compare: smoothing draws each run\'s EMA over its faint raw curve; log x leaves out x = 0', async () => {
      await page.locator('.compare input[data-action="smoothing"]').fill('0.8');
      await page.locator('.compare input[data-action="smoothing"]').dispatchEvent('change');
      await settle();
      const main = await compareSets('logLik');
      const raw = await compareRaw('logLik');
      assert.equal(raw.length, main.length, 'a raw twin per line');
      for (const d of main) {
        const run = Number(d.label.slice(4, 5)) - 1;
        const solver = d.label.endsWith('EM') ? 'em' : 'adam';
        const values = comparedSeries(comparison, run, solver).reports.map((r) => r.logLik).filter((v) => typeof v === 'number');
        assert.ok(Math.abs(d.last - ema(values, 0.8).at(-1)) <= 1e-9 * Math.abs(values.at(-1)), `${d.label}: EMA`);
        assert.equal(raw.find((r) => r.label === `${d.label} (raw)`).last, values.at(-1), `${d.label}: raw curve`);
      }
      assert.match(await compareCard('logLik').locator('.note').textContent(), /smoothed: EMA 0\.80/);
      await page.locator('.compare button[data-action="log-x"]').click();
      await settle();
      assert.equal(await page.locator('.compare button[data-action="log-x"]').getAttribute('aria-pressed'), 'true');
      assert.ok((await compareRange('logLik', 'x'))[0] > 0, 'a log x axis starts after 0');
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-compare-smoothed.png'), fullPage: true });
      await page.locator('.compare button[data-action="log-x"]').click();
      await page.locator('.compare input[data-action="smoothing"]').fill('0');
      await page.locator('.compare input[data-action="smoothing"]').dispatchEvent('change');
      await settle();
      assert.deepEqual(await compareRaw('logLik'), []);
    });

    await check('compare PNG export: 2×, titled with the comparison and the chart, a legend naming runs and solvers', async () => {
      await compareCard('logLik').locator('button[data-action="export-png"]').click();
      const message = (await posted()).at(-1);
      assert.equal(message.type, 'exportPng');
      assert.equal(message.suggestedName, `${comparison.id}-logLik.png`);
      const described = JSON.parse(await page.evaluate(() => document.body.dataset.lastExport));
      assert.deepEqual(described.title, [comparison.title, 'Log-likelihood ℓ']);
      assert.deepEqual(described.legend, ['run 1 · EM', 'run 1 · Adam', 'run 2 · EM', 'run 2 · Adam']);
      const bytes = Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64');
      const size = pngSize(bytes);
      assert.ok(size.width >= 1440 && size.height >= 840, JSON.stringify(size));
      fs.writeFileSync(path.join(ARTIFACTS, 'charts-export-compare.png'), bytes);
    });

    await check('six runs compared: a legend button per run and solver above the charts; the charts keep their room (no legend inside)', async () => {
      // The two runs three times over (as six run folders would be): 6 runs × 2 solvers.
      const six = { ...comparison, id: `${comparison.id}-six`, runs: [0, 1, 2, 3, 4, 5].map((i) => ({ ...comparison.runs[i % 2], label: `${comparison.runs[i % 2].label} (copy ${i})` })), differences: [] };
      await send({ type: 'comparison', comparison: six });
      await settle();
      assert.equal(await page.locator('.compare .legend button.legend-item').count(), 12);
      assert.equal(await compareCard('logLik').getAttribute('data-canvas-legend'), 'false');
      const logLik = await compareSets('logLik');
      assert.equal(logLik.length, 12);
      assert.equal(new Set(logLik.map((d) => JSON.stringify(d.dash))).size, 6, 'six line styles');
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-compare-six.png'), fullPage: true });
      await send({ type: 'comparison', comparison });
      await settle();
      assert.equal(await compareCard('logLik').getAttribute('data-canvas-legend'), 'true', 'two runs: the legend inside each chart too');
    });

    await check('compare on different data: ℓ totals hidden with the reason, ℓ per row is each run\'s ℓ over its own rows', async () => {
      const mixed = data.mixedComparison;
      await send({ type: 'comparison', comparison: mixed });
      await settle();
      const hidden = await page.locator('.compare .hidden-charts li').allInnerTexts();
      assert.match(hidden[0], /^Log-likelihood ℓ is hidden: ℓ is a total over each run's training rows, and these runs use different data/);
      assert.ok(hidden.every((line) => / is hidden: .+\.$/.test(line)), hidden.join(' | '));
      assert.equal(await compareCard('logLik').count(), 0);
      const perRow = await compareSets('logLikPerRow');
      for (const d of perRow) {
        const run = Number(d.label.slice(4, 5)) - 1;
        const solver = d.label.endsWith('EM') ? 'em' : 'adam';
        const values = comparedSeries(mixed, run, solver).reports.map((r) => r.logLik).filter((v) => typeof v === 'number');
        assert.equal(d.last, values.at(-1) / mixed.runs[run].snapshot.header.dataset.rows, d.label);
      }
      assert.equal(await compareCard('logLikPerRow').getAttribute('data-zoomed'), 'false', 'a new comparison starts unzoomed');
      await page.screenshot({ path: path.join(ARTIFACTS, 'charts-compare-mixed.png'), fullPage: true });
    });

    await check('showing a run again takes the comparison\'s charts out of the page', async () => {
      await send(one.messages[0]);
      await settle();
      assert.equal(await page.evaluate(() => document.body.dataset.view), 'run');
      assert.equal(await page.locator('.compare .chart-card').count(), 0);
      assert.equal(await page.locator('.compare .legend button').count(), 0);
    });

    await check('no page errors, no CSP violations', async () => {
      assert.deepEqual(await page.evaluate(() => window.__errors), []);
      assert.deepEqual(consoleLines, []);
    });
  } finally {
    await browser.close();
    server.close();
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
