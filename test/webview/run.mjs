#!/usr/bin/env node
// Webview tier: the convergence panel's real bundle (dist/webview/panel.js) in headless Chromium, fed the messages
// the extension host would post for a real run (the core runner fits examples/data/iris.csv with EM, GD and Adam;
// the host's RunRecord + PanelFeed batch its events — see fixtureMessages.ts). `acquireVsCodeApi` is a stub that
// records what the webview posts (the real browser boundary). The page is served over HTTP with the host's own
// HTML, so the Content-Security-Policy and its nonce apply.
//
//   node test/webview/run.mjs            prints one line per check and "N passed, N failed"; exit 1 on failure
//
// Then a paper reproduction (a quick `runReproduction`, as the host posts it): its charts with bands, log axes and
// dashed baselines, grouped by experiment; switching between it and the run view; restoring it after a reload.
//
// Screenshots: test-artifacts/webview/panel.png (finished run), panel-midrun.png, panel-light.png,
// panel-optimum.png (a NOdata run with several optima, one picked), panel-reproduction.png.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS, build, checker, CHROMIUM, CHROMIUM_ARGS, DARK, fixture, LIGHT, serve, STUB, styleOf } from './harness.mjs';

const { check, results } = checker();

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  build();
  let html = '';
  const server = await serve((theme) => html.replace('<html lang="en">', `<html lang="en" style='${styleOf(theme === 'light' ? LIGHT : DARK)}'>`).replace('<body>', `<body class="vscode-${theme}">`));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const data = fixture('fixtureMessages.ts', origin);
  html = data.html;
  const messages = data.messages;
  const expected = data.results; // per solver and restart: stopReason, stopMessage, best, reports (trace length)
  console.log(`webview tier: ${messages.length} host messages for ${expected.length} solver runs (${expected.map((r) => `${r.solver} r${r.restart + 1}: ${r.reports}`).join(', ')})`);

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1700 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const consoleLines = [];
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.stack ?? e}`));
    await page.addInitScript(STUB);
    await page.goto(`${origin}/`);

    const posted = () => page.evaluate(() => window.__posted);
    const send = (message) => page.evaluate((m) => window.postMessage(m, '*'), JSON.parse(JSON.stringify(message)));
    const datasets = (id) => page.evaluate((chartId) => JSON.parse(document.querySelector(`[data-chart-id="${chartId}"]`)?.dataset.datasets ?? 'null'), id);
    const chartIds = () => page.evaluate(() => [...document.querySelectorAll('[data-chart-id]')].map((e) => e.dataset.chartId));
    const settle = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 30))));

    await check('the webview says ready (and nothing else) before any data', async () => {
      await page.waitForFunction(() => window.__posted.length > 0);
      assert.deepEqual(await posted(), [{ type: 'ready' }]);
      assert.equal(await page.locator('.empty').isVisible(), true, 'the empty state is shown');
    });

    await check('the page runs under the CSP without violations (script by nonce, no inline handlers)', async () => {
      const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]').content);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9]+'/);
      assert.match(csp, new RegExp(`img-src ${origin} data:`));
      assert.deepEqual(await page.evaluate(() => window.__errors), []);
    });

    // Stream the first part of the run, as the host does while it is running.
    for (const message of messages.slice(0, data.midRunIndex)) await send(message);
    await settle();
    await page.screenshot({ path: path.join(ARTIFACTS, 'panel-midrun.png'), fullPage: true });

    await check('mid-run: status is running, a Stop button posts stopRun with the run id', async () => {
      assert.equal(await page.evaluate(() => document.body.dataset.status), 'running');
      const stop = page.locator('button.danger', { hasText: 'Stop' });
      assert.equal(await stop.isVisible(), true);
      await stop.click();
      const last = (await posted()).at(-1);
      assert.deepEqual(last, { type: 'stopRun', runId: messages[0].snapshot.header.runId });
    });

    await check('mid-run: no gap chart (ℓ* − ℓ) before ℓ* is known', async () => {
      assert.ok(!(await chartIds()).includes('gap'), `charts: ${await chartIds()}`);
    });

    for (const message of messages.slice(data.midRunIndex)) await send(message);
    await settle();

    const runId = messages[0].snapshot.header.runId;
    const label = { em: 'EM', gd: 'GD', adam: 'Adam' };
    await check('log-likelihood chart: one dataset per solver and restart, with every iteration', async () => {
      const sets = await datasets('logLik');
      assert.ok(sets, 'no logLik chart');
      for (const r of expected) {
        const name = `${label[r.solver]} r${r.restart + 1}`;
        const set = sets.find((d) => d.label === name);
        assert.ok(set, `no dataset "${name}" in ${JSON.stringify(sets.map((d) => d.label))}`);
        assert.equal(set.points, r.reports, `${name}: points`);
      }
      assert.equal(sets.length, expected.length);
    });

    await check('accuracy chart: train and test lines per solver and restart, every iteration', async () => {
      const sets = await datasets('accuracy');
      for (const r of expected) {
        const name = `${label[r.solver]} r${r.restart + 1}`;
        assert.equal(sets.find((d) => d.label === name)?.points, r.reports, `${name} train`);
        assert.equal(sets.find((d) => d.label === `${name} test`)?.points, r.reports, `${name} test`);
      }
    });

    await check('ℓ* − ℓ chart appears once the run is over, on a log axis, without the non-positive points', async () => {
      assert.ok((await chartIds()).includes('gap'));
      const sets = await datasets('gap');
      const total = sets.reduce((sum, d) => sum + d.points, 0);
      const all = expected.reduce((sum, r) => sum + r.reports, 0);
      assert.ok(total > 0.9 * all && total < all, `gap points ${total} of ${all}`);
      const scale = await page.evaluate(() => document.querySelector('[data-chart-id="gap"] .note').textContent);
      assert.match(scale, /ℓ\* = -?\d/);
    });

    await check('no parameter-error chart without ground truth; RMSE chart absent for a classifier', async () => {
      const ids = await chartIds();
      assert.ok(!ids.includes('paramError'));
      assert.ok(!ids.includes('rmse'));
      for (const id of ['logLik', 'accuracy', 'snr', 'rate', 'klStep', 'gradNorm']) assert.ok(ids.includes(id), `missing chart ${id}`);
    });

    await check('one colour per solver from the theme, the same in every chart', async () => {
      const colours = {};
      for (const id of await chartIds()) {
        for (const d of await datasets(id)) {
          const solver = d.label.split(' ')[0];
          const rgb = String(d.color).replace(/,\s*[\d.]+\)$/, ')').replace('rgba', 'rgb');
          (colours[solver] ??= new Set()).add(rgb);
        }
      }
      for (const [solver, set] of Object.entries(colours)) assert.equal(set.size, 1, `${solver}: ${[...set]}`);
      assert.equal([...colours.EM][0], 'rgb(89, 164, 249)', 'EM uses --vscode-charts-blue');
      assert.equal([...colours.GD][0], 'rgb(234, 92, 0)', 'GD uses --vscode-charts-orange, made opaque');
      assert.equal([...colours.Adam][0], 'rgb(137, 209, 133)', 'Adam uses --vscode-charts-green');
    });

    await check('the charts are drawn (non-background pixels on the canvas)', async () => {
      const painted = await page.evaluate(() => {
        const canvas = document.querySelector('[data-chart-id="logLik"] canvas');
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count++;
        return count;
      });
      assert.ok(painted > 2000, `only ${painted} painted pixels`);
    });

    await check('summary table: a row per solver and restart with its stop reason, message, best restart and degeneracy badges', async () => {
      const rows = await page.evaluate(() =>
        [...document.querySelectorAll('table.summary tbody tr')].map((tr) => ({
          solver: tr.dataset.solver,
          restart: Number(tr.dataset.restart),
          stop: tr.querySelector('td.stop').firstChild.textContent,
          badges: [...tr.querySelectorAll('td.stop .badge.degenerate')].map((badge) => ({ text: badge.textContent, title: badge.title })),
          message: tr.querySelector('td.message').title,
          shown: tr.querySelector('td.message').textContent,
          best: tr.classList.contains('best'),
          restartCell: tr.cells[1].textContent,
        })),
      );
      assert.equal(rows.length, expected.length);
      for (const r of expected) {
        const row = rows.find((x) => x.solver === r.solver && x.restart === r.restart);
        assert.ok(row, `no row for ${r.solver} r${r.restart}`);
        assert.equal(row.stop, r.stopReason);
        assert.equal(row.message, r.stopMessage, 'the whole sentence is the tooltip');
        assert.ok(row.shown.length <= r.stopMessage.length, 'shared clauses are notes, not repeated in the row');
        assert.equal(row.best, r.best, `${r.solver} r${r.restart} best`);
        assert.equal(row.restartCell.includes('★'), r.best);
        const found = r.degeneracies ?? [];
        assert.equal(row.badges.length, found.length, `${r.solver} r${r.restart}: one badge per degenerate situation`);
        found.forEach((d, i) => assert.ok(row.badges[i].title.endsWith(d.message) && row.badges[i].title.startsWith(`iteration ${d.iteration}`)));
      }
      // A clause that several rows share is written once, under the table (issue 17: one sentence 12 times).
      const notes = await page.evaluate(() => [...document.querySelectorAll('ol.stop-notes li')].map((li) => li.textContent));
      const table = rows.map((row) => row.shown).join('\n') + '\n' + notes.join('\n');
      for (const note of notes) assert.equal(table.split(note).length - 1, 1, `"${note}" appears once`);
      for (const row of rows) for (const n of row.shown.match(/\[(\d+)\]/g) ?? []) assert.ok(Number(n.slice(1, -1)) <= notes.length, `${n} points to a note`);
      assert.equal(await page.evaluate(() => document.body.dataset.status), 'finished');
      assert.equal(await page.locator('button.danger', { hasText: 'Stop' }).isVisible(), false, 'no Stop button after the end');
    });

    await page.screenshot({ path: path.join(ARTIFACTS, 'panel.png'), fullPage: true });

    await check('distinct optima: none when no run converged (Iris: separable classes), and every run listed as no optimum', async () => {
      assert.equal(data.optima.length, 0, 'precondition: no Iris run converged');
      assert.equal(await page.locator('table.optima').count(), 0);
      const box = await page.evaluate(() => document.querySelector('.optima-box')?.textContent ?? '');
      assert.match(box, /No run converged, so no optimum was reached\./);
      assert.match(box, /Not an optimum \(did not converge\): EM 1-2; GD 1-2; Adam 1-2\./);
    });

    await check('invalid messages are ignored and counted; the charts do not change', async () => {
      const before = await datasets('logLik');
      const bad = [
        null,
        'hello',
        42,
        { type: 'nope' },
        { type: 'update', runId: runId, series: 'x', results: [], warnings: [], end: { status: 'running' } },
        { type: 'update', runId: runId, series: [{ solver: 'sgd', restart: 0, from: 0, reports: [] }], results: [], warnings: [], end: { status: 'running' } },
        { type: 'update', runId: runId, series: [{ solver: 'em', restart: 0, from: 999, reports: [{ iteration: 'x' }] }], results: [], warnings: [], end: { status: 'running' } },
        { type: 'snapshot', snapshot: { header: { runId: '../../etc' } } },
        { type: 'exported', kind: 'exe' },
        { type: 'update', runId: '<script>', series: [], results: [], warnings: [], end: { status: 'finished' } },
      ];
      for (const message of bad) await page.evaluate((m) => window.postMessage(m, '*'), message);
      await settle();
      assert.equal(await page.evaluate(() => document.body.dataset.ignoredMessages), String(bad.length));
      assert.deepEqual(await datasets('logLik'), before);
      assert.deepEqual(await page.evaluate(() => window.__errors), []);
    });

    await check('a repeated update adds nothing; an update with a gap asks the host to resync', async () => {
      const before = await datasets('logLik');
      const lastUpdate = messages.filter((m) => m.type === 'update').at(-1);
      await send(lastUpdate);
      await settle();
      assert.deepEqual(await datasets('logLik'), before);
      const countBefore = (await posted()).length;
      await send({ type: 'update', runId, series: [{ solver: 'em', restart: 0, from: 5000, reports: [] }], results: [], warnings: [], end: { status: 'finished' } });
      await settle();
      const after = await posted();
      assert.equal(after.length, countBefore + 1);
      assert.deepEqual(after.at(-1), { type: 'resync', runId });
    });

    await check('PNG export posts a real PNG of the chart to the host', async () => {
      await page.locator('[data-chart-id="logLik"] button[data-action="export-png"]').click();
      const message = (await posted()).at(-1);
      assert.equal(message.type, 'exportPng');
      assert.equal(message.chart, 'logLik');
      assert.equal(message.suggestedName, `${runId}-logLik.png`);
      const bytes = Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64');
      assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      assert.ok(bytes.length > 5000, `${bytes.length} bytes`);
      fs.writeFileSync(path.join(ARTIFACTS, 'exported-logLik.png'), bytes);
    });

    await check('CSV export posts every trace row (same columns as the results folder traces.csv)', async () => {
      await page.locator('button[data-action="export-csv"]').click();
      const message = (await posted()).at(-1);
      assert.equal(message.type, 'exportCsv');
      const lines = message.csv.trim().split('\n');
      assert.equal(lines[0].split(',').slice(0, 4).join(','), 'solver,restart,iteration,seconds');
      assert.equal(lines.length - 1, expected.reduce((sum, r) => sum + r.reports, 0));
    });

    await check('x axis switches to seconds with the same points', async () => {
      const before = await datasets('logLik');
      await page.locator('button[data-axis="seconds"]').click();
      await settle();
      assert.deepEqual((await datasets('logLik')).map((d) => d.points), before.map((d) => d.points));
      assert.equal(await page.locator('button[data-axis="seconds"]').getAttribute('aria-pressed'), 'true');
      await page.locator('button[data-axis="iteration"]').click();
    });

    await check('after a reload the panel restores the run from its state and says ready with its run id', async () => {
      const before = await datasets('logLik');
      await page.reload();
      await page.waitForFunction(() => window.__posted.length > 0);
      assert.deepEqual(await posted(), [{ type: 'ready', runId }]);
      await settle();
      assert.deepEqual(await datasets('logLik'), before);
      assert.equal(await page.locator('table.summary tbody tr').count(), expected.length);
    });

    await check('light theme: colours follow the theme variables', async () => {
      await page.goto(`${origin}/?theme=light`);
      await page.waitForFunction(() => document.querySelector('[data-chart-id="logLik"]'));
      await settle();
      const sets = await datasets('logLik');
      assert.ok(sets.find((d) => d.label === 'EM r1').color.startsWith('rgba(26, 133, 255'), JSON.stringify(sets[0]));
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-light.png'), fullPage: true });
    });

    // A run with several optima (NOdata): the runner's own optima (runFinished) against what the panel groups from
    // the results it was sent.
    const optimaRun = data.optimaRun;
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.querySelector('[data-chart-id="logLik"]'));
    for (const message of optimaRun.messages) await send(message);
    await settle();
    const optimaRows = () =>
      page.evaluate(() => [...document.querySelectorAll('table.optima tbody tr')].map((tr) => [...tr.cells].slice(0, 6).map((td) => td.textContent)));
    await check('distinct optima: one row per optimum the runner found, with ℓ, AIC, BIC and the runs that reached it', async () => {
      assert.ok(optimaRun.optima.length > 1, 'precondition: the NOdata run has several optima');
      const rows = await optimaRows();
      assert.equal(rows.length, optimaRun.optima.length, JSON.stringify(rows));
      optimaRun.optima.forEach((optimum, index) => {
        const [rank, logLik, aic, bic, runs, reachedBy] = rows[index];
        assert.equal(rank, String(index + 1));
        assert.equal(logLik, optimum.logLik.toFixed(4));
        assert.equal(aic, optimum.aic.toFixed(2));
        assert.equal(bic, optimum.bic.toFixed(2));
        assert.equal(runs, `${optimum.starts} of ${optimaRun.results.length}`);
        assert.equal(reachedBy, runList(optimum.reachedBy));
      });
      const converged = optimaRun.results.filter((r) => r.stopReason === 'converged').length;
      assert.equal(optimaRun.optima.reduce((sum, o) => sum + o.starts, 0), converged, 'every converged run in one optimum');
      const others = optimaRun.results.filter((r) => r.stopReason !== 'converged');
      const note = await page.evaluate(() => document.querySelector('.optima-box .not-converged')?.textContent ?? '');
      assert.equal(note === '', others.length === 0, `the runs that did not converge are listed apart: "${note}"`);
    });

    await check('picking an optimum shows only its runs in the charts; "Show all" brings the others back', async () => {
      const members = new Set(optimaRun.optima[0].reachedBy.map((run) => `${label[run.solver]} r${run.restart + 1}`));
      await page.locator('table.optima tbody tr[data-optimum="1"] button[data-action="pick-optimum"]').click();
      await settle();
      assert.equal(await page.evaluate(() => document.body.dataset.pickedOptimum), '1');
      for (const id of ['logLik', 'gradNorm']) {
        for (const set of await datasets(id)) {
          const run = set.label.split(' ').slice(0, 2).join(' ');
          assert.equal(set.hidden, !members.has(run), `${id}: ${set.label} hidden`);
        }
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-optimum.png'), fullPage: true });
      await page.locator('table.optima tbody tr[data-optimum="1"] button[data-action="pick-optimum"]', { hasText: 'Show all' }).click();
      await settle();
      assert.ok((await datasets('logLik')).every((set) => !set.hidden), 'every run shown again');
    });

    // Back to the Iris run for the checks that follow.
    for (const message of messages) await send(message);
    await settle();

    await reproductionChecks(page, origin, data, { posted, send, settle, datasets });

    fs.writeFileSync(path.join(ARTIFACTS, 'console.log'), consoleLines.join('\n'));
  } finally {
    await browser.close();
    server.close();
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

/** "EM 1-3, 5; Adam 2" from 0-based {solver, restart} (the panel's wording, written out here independently). */
function runList(runs) {
  const order = ['em', 'gem', 'gd', 'adam'];
  const names = { em: 'EM', gem: 'Gradient EM', gd: 'GD', adam: 'Adam' };
  return order
    .filter((solver) => runs.some((run) => run.solver === solver))
    .map((solver) => {
      const restarts = runs.filter((run) => run.solver === solver).map((run) => run.restart + 1).sort((a, b) => a - b);
      const ranges = [];
      for (const r of restarts) {
        const last = ranges.at(-1);
        if (last && r === last[1] + 1) last[1] = r;
        else ranges.push([r, r]);
      }
      return `${names[solver]} ${ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ')}`;
    })
    .join('; ');
}

/** A value a chart can place (the validators let null stand for a missing or non-finite number). */
const isValue = (v) => typeof v === 'number' && Number.isFinite(v);

async function reproductionChecks(page, origin, data, { posted, send, settle, datasets }) {
  const message = data.reproduction;
  const reproduction = message.reproduction;
  const charts = reproduction.charts;
  const cards = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.reproduction [data-chart-id]')].map((card) => ({
        id: card.dataset.chartId,
        experiment: card.dataset.experiment,
        section: card.closest('[data-experiment]')?.dataset.experiment,
        scales: card.dataset.scales,
        bands: Number(card.dataset.bands),
        series: JSON.parse(card.dataset.datasets),
        canvases: card.querySelectorAll('canvas').length,
      })),
    );
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.querySelector('[data-chart-id="logLik"]'));
  await settle();
  const runLogLik = await datasets('logLik');

  await check('a reproduction message switches to the reproduction view: one drawn canvas per chart, grouped by experiment', async () => {
    assert.ok(charts.length >= 6, `the fixture has ${charts.length} charts`);
    await send(message);
    await settle();
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'reproduction');
    assert.equal(await page.locator('.run').isVisible(), false, 'the run view is hidden');
    assert.equal(await page.locator('.reproduction canvas').count(), charts.length);
    const drawn = await cards();
    assert.deepEqual(drawn.map((c) => c.id), charts.map((c) => c.id), 'one card per chart, in the experiments’ order');
    for (const card of drawn) {
      assert.equal(card.section, card.experiment, `${card.id} sits in its experiment's section`);
      assert.equal(card.canvases, 1);
    }
    assert.deepEqual((await posted()).at(-1), { type: 'reproductionShown', reproductionId: reproduction.id, charts: charts.length });
  });

  await check('each chart draws every series: the mean line, its band as a filled area, log axes where asked, dashed baselines', async () => {
    const drawn = await cards();
    for (const spec of charts) {
      const card = drawn.find((c) => c.id === spec.id);
      assert.equal(card.scales, `${spec.xLog ? 'logarithmic' : 'linear'},${spec.yLog ? 'logarithmic' : 'linear'}`, `${spec.id} axes`);
      const withBand = spec.series.filter((s) => s.lower && s.upper && s.lower.some(isValue));
      assert.equal(card.bands, withBand.length, `${spec.id} bands`);
      assert.deepEqual(card.series.map((s) => s.label), spec.series.map((s) => s.label), `${spec.id} series`);
      spec.series.forEach((series, i) => {
        const shown = card.series[i];
        assert.equal(shown.points, series.y.filter((y, j) => isValue(y) && isValue(series.x[j])).length, `${spec.id} ${series.label} points`);
        assert.equal(shown.band, withBand.includes(series), `${spec.id} ${series.label} band`);
        assert.equal(shown.dashed, series.solver === 'baseline' || series.dashed === true, `${spec.id} ${series.label} dashed`);
      });
    }
    assert.ok(charts.some((c) => c.yLog), 'the fixture has a log y axis');
    const em = drawn.flatMap((c) => c.series).filter((s) => s.label === 'EM');
    assert.ok(em.length > 0 && em.every((s) => s.color === em[0].color), 'EM has one colour in every chart');
    assert.ok(em[0].color.startsWith('rgba(89, 164, 249'), `EM uses --vscode-charts-blue (${em[0].color})`);
  });

  await check('the reproduction charts are painted, bands included', async () => {
    const painted = await page.evaluate(() =>
      [...document.querySelectorAll('.reproduction canvas')].map((canvas) => {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0 && data[i] < 255) count++; // translucent: the bands (and anti-aliasing)
        return count;
      }),
    );
    charts.forEach((spec, i) => {
      const bands = spec.series.some((s) => s.lower && s.lower.some(isValue));
      if (bands) assert.ok(painted[i] > 2000, `${spec.id}: only ${painted[i]} translucent pixels`);
    });
  });

  await page.screenshot({ path: path.join(ARTIFACTS, 'panel-reproduction.png'), fullPage: true });

  await check('Open report.md asks the host to open the report; PNG posts the chart as a PNG', async () => {
    await page.locator('button[data-action="open-report"]').click();
    assert.deepEqual((await posted()).at(-1), { type: 'openReport', reportPath: reproduction.reportPath });
    await page.locator(`[data-chart-id="${charts[0].id}"] button[data-action="export-png"]`).click();
    const png = (await posted()).at(-1);
    assert.equal(png.type, 'exportPng');
    assert.equal(png.suggestedName, `${reproduction.id}-${charts[0].id}.png`);
    assert.ok(png.dataUrl.startsWith('data:image/png;base64,iVBORw0KGgo'));
  });

  await check('malformed reproduction messages are ignored and the view stays as it was', async () => {
    const before = Number(await page.evaluate(() => document.body.dataset.ignoredMessages ?? 0));
    const chart = charts[0];
    const bad = [
      { type: 'reproduction' },
      { type: 'reproduction', reproduction: { ...reproduction, id: '../../etc' } },
      { type: 'reproduction', reproduction: { ...reproduction, charts: [{ ...chart, experiment: 'nope' }] } },
      { type: 'reproduction', reproduction: { ...reproduction, charts: [{ ...chart, series: [{ ...chart.series[0], y: chart.series[0].y.slice(1) }] }] } },
      { type: 'reproduction', reproduction: { ...reproduction, charts: [{ ...chart, series: [{ ...chart.series[0], solver: 'sgd' }] }] } },
      { type: 'reproduction', reproduction: { ...reproduction, status: 'running' } },
    ];
    for (const m of bad) await page.evaluate((x) => window.postMessage(x, '*'), m);
    await settle();
    assert.equal(Number(await page.evaluate(() => document.body.dataset.ignoredMessages)), before + bad.length);
    assert.equal(await page.locator('.reproduction canvas').count(), charts.length);
  });

  await check('after a reload the reproduction comes back from the webview state; ready names it', async () => {
    const before = await cards();
    await page.reload();
    await page.waitForFunction(() => window.__posted.length >= 2);
    assert.deepEqual(await posted(), [
      { type: 'ready', reproductionId: reproduction.id },
      { type: 'reproductionShown', reproductionId: reproduction.id, charts: charts.length },
    ]);
    await settle();
    assert.deepEqual(await cards(), before);
  });

  await check('a run snapshot switches back to the run view with its charts; a reproduction switches again', async () => {
    for (const m of data.messages) await send(m);
    await settle();
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'run');
    assert.equal(await page.locator('.reproduction').isVisible(), false);
    assert.deepEqual(await datasets('logLik'), runLogLik);
    await send(message);
    await settle();
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'reproduction');
    assert.equal(await page.locator('.reproduction canvas').count(), charts.length);
    assert.deepEqual(await page.evaluate(() => window.__errors), []);
  });
}

main().catch((error) => {
  console.error(error?.stack ?? error);
  console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exitCode = 1;
});
