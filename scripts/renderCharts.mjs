#!/usr/bin/env node
// Renders the reproduction's charts to PNG: chart.js (node_modules/chart.js/dist/chart.umd.js) drawn in headless
// Chromium driven by playwright-core, one canvas per chart, saved from canvas.toDataURL().
//
//   node scripts/renderCharts.mjs RESULTS.json OUT_DIR [--chromium PATH]
//
// Prints one JSON line: {"rendered": ["id", …], "note": "…"}. Never fails the reproduction: when playwright-core or
// Chromium is missing, nothing is rendered and the note says why (the report then says so too).
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));

export const DEFAULT_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const COLORS = { em: '#1f63b4', gem: '#e8790e', gd: '#2b9b2b', adam: '#c62828', baseline: '#555555' };
const WIDTH = 960;
const HEIGHT = 540;

/** Renders `charts` (ChartSpec[]) into `outDir/<id>.png`; returns the ids written and, when some are not, why. */
export async function renderCharts(charts, outDir, { chromium } = {}) {
  if (charts.length === 0) return { rendered: [] };
  let playwright;
  try {
    playwright = require('playwright-core');
  } catch {
    return { rendered: [], note: 'PNG charts skipped: playwright-core is not installed (it is a development dependency)' };
  }
  const executablePath = chromium ?? process.env.MOE_LAB_CHROMIUM ?? DEFAULT_CHROMIUM.find((file) => existsSync(file));
  if (!executablePath || !existsSync(executablePath)) {
    return { rendered: [], note: `PNG charts skipped: no Chromium found (looked for ${DEFAULT_CHROMIUM.join(', ')}; set MOE_LAB_CHROMIUM)` };
  }
  let chartJs;
  try {
    // chart.js's "exports" hide dist/chart.umd.js from require.resolve; it sits beside the CommonJS entry.
    chartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
  } catch {
    chartJs = undefined;
  }
  if (!chartJs || !existsSync(chartJs)) return { rendered: [], note: 'PNG charts skipped: chart.js (dist/chart.umd.js) is not installed' };
  await fs.mkdir(outDir, { recursive: true });
  const browser = await playwright.chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  const rendered = [];
  try {
    const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1.5 });
    await page.setContent('<!doctype html><html><body style="margin:0;background:#fff"></body></html>');
    await page.addScriptTag({ path: chartJs });
    for (const chart of charts) {
      const dataUrl = await page.evaluate(drawChart, { chart, colors: COLORS, width: WIDTH, height: HEIGHT });
      const png = Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
      const file = path.join(outDir, `${chart.id}.png`);
      const temporary = `${file}.${process.pid}.tmp`;
      await fs.writeFile(temporary, png);
      await fs.rename(temporary, file);
      rendered.push(chart.id);
    }
  } finally {
    await browser.close();
  }
  return { rendered };
}

/** Runs in the page: one chart.js line chart with bands, returned as a PNG data URL. */
function drawChart({ chart, colors, width, height }) {
  document.body.innerHTML = '';
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  document.body.appendChild(canvas);
  const alpha = (hex, a) => {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  };
  const points = (xs, ys) => xs.map((x, i) => ({ x, y: ys[i] ?? null }));
  // Each series' dash comes with the chart (src/core/reproduce/chartStyle.ts, the panel's too). Results written
  // before it get one plain dash for every dashed series.
  const datasets = [];
  for (const series of chart.series) {
    const color = colors[series.solver] ?? colors.baseline;
    const dash = Array.isArray(series.dash) ? series.dash : series.dashed || series.solver === 'baseline' ? [6, 4] : [];
    if (series.lower && series.upper) {
      datasets.push({ label: `__band_lower ${series.label}`, data: points(series.x, series.lower), borderWidth: 0, pointRadius: 0, fill: false, spanGaps: false });
      datasets.push({
        label: `__band_upper ${series.label}`,
        data: points(series.x, series.upper),
        borderWidth: 0,
        pointRadius: 0,
        backgroundColor: alpha(color, 0.15),
        fill: '-1',
        spanGaps: false,
      });
    }
    datasets.push({
      label: series.label,
      data: points(series.x, series.y),
      borderColor: color,
      backgroundColor: color,
      borderWidth: series.pointsOnly ? 0 : 2,
      borderDash: dash,
      showLine: !series.pointsOnly,
      pointRadius: series.pointsOnly ? 7 : series.x.length <= 12 ? 3 : 0,
      pointStyle: series.pointsOnly ? 'rectRot' : 'circle',
      fill: false,
      spanGaps: false,
    });
  }
  // On a log axis, label the powers of ten only (1e-5; 0.01 … 1000 written out).
  const powerOfTen = (value) => {
    const power = Math.log10(value);
    if (Math.abs(power - Math.round(power)) > 1e-9) return '';
    const p = Math.round(power);
    return p >= -2 && p <= 3 ? String(10 ** p >= 1 ? 10 ** p : Number((10 ** p).toFixed(-p))) : `1e${p}`;
  };
  const instance = new Chart(canvas.getContext('2d'), {
    type: 'line',
    data: { datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: window.devicePixelRatio,
      parsing: true,
      plugins: {
        title: { display: true, text: chart.title, font: { size: 16 } },
        // Legend keys drawn as short lines in their dataset's dash (chart.js gives a line key the point's style, so
        // the dash is put back), so that EM's continued runs stay apart in the legend too.
        legend: {
          labels: {
            filter: (item) => !item.text.startsWith('__band'),
            usePointStyle: true,
            pointStyle: 'line',
            pointStyleWidth: 40,
            generateLabels: (chart) =>
              Chart.defaults.plugins.legend.labels.generateLabels(chart).map((item) => {
                const dataset = chart.data.datasets[item.datasetIndex];
                // The paper's markers (points only) keep their marker as their key.
                if (dataset.showLine === false) return { ...item, pointStyle: dataset.pointStyle, lineWidth: 1 };
                return { ...item, lineDash: dataset.borderDash ?? [] };
              }),
          },
        },
      },
      scales: {
        x: {
          type: chart.xLog ? 'logarithmic' : 'linear',
          title: { display: true, text: chart.xLabel },
          ticks: chart.xLog ? { callback: (value) => powerOfTen(Number(value)) } : {},
        },
        y: {
          type: chart.yLog ? 'logarithmic' : 'linear',
          title: { display: true, text: chart.yLabel },
          // On a log axis, label the powers of ten only, as 1e-5.
          ticks: chart.yLog ? { callback: (value) => powerOfTen(Number(value)) } : {},
        },
      },
    },
  });
  const url = canvas.toDataURL('image/png');
  instance.destroy();
  return url;
}

async function main(argv) {
  const [resultsFile, outDir, ...rest] = argv;
  if (!resultsFile || !outDir) {
    process.stderr.write('usage: node scripts/renderCharts.mjs RESULTS.json OUT_DIR [--chromium PATH]\n');
    return 2;
  }
  const flag = rest.indexOf('--chromium');
  const chromium = flag >= 0 ? rest[flag + 1] : undefined;
  const results = JSON.parse(await fs.readFile(resultsFile, 'utf8'));
  let outcome;
  try {
    outcome = await renderCharts(results.charts ?? [], outDir, { chromium });
  } catch (error) {
    outcome = { rendered: [], note: `PNG charts skipped: the browser failed (${String(error?.message ?? error).split('\n')[0]})` };
  }
  process.stdout.write(JSON.stringify(outcome) + '\n');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
