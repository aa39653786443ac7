#!/usr/bin/env node
// Webview tier for the spec editor's form: the built page (dist/webview/specEditor.js, its CSS and the toolkit),
// served with the same HTML and Content Security Policy the extension serves (specEditorHtml), in headless
// Chromium, with a stub `acquireVsCodeApi` that records what the form posts. The test plays the host: it posts
// the field model (from schema.json), a document, CSV files and a preview, then drives the form as a person would
// and checks the messages the form sends back.
//
//   node test/webview/specEditor.test.mjs        (builds dist/ first; prints "N passed, N failed")
//
// The checks wait for states (the document version the form shows, an element shown or hidden, a message posted),
// never for a stretch of wall-clock time, so that a loaded machine makes them slower, not wrong. To check that,
// MOE_LAB_WEBVIEW_MESSAGE_DELAY_MS=200 delivers every host message to the page that much later.
//
// Screenshots go to test-artifacts/webview/.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'webview');
const ORIGIN = 'https://spec-editor.test';
const CHROMIUM = process.env.MOE_LAB_CHROMIUM ?? '/usr/bin/chromium';
const MESSAGE_DELAY_MS = Number(process.env.MOE_LAB_WEBVIEW_MESSAGE_DELAY_MS ?? 0);
/** The form's pause after typing before a text field sends (INPUT_DELAY_MS in webview/specEditor/fields.ts). */
const INPUT_DELAY_MS = 400;
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

// A dark theme's variables, as VS Code sets them on a webview's <html>, so that screenshots look like the real thing.
const THEME = `
html { --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-foreground: #cccccc;
  --vscode-editor-background: #1e1e1e; --vscode-descriptionForeground: #9d9d9d; --vscode-errorForeground: #f48771;
  --vscode-inputValidation-errorBorder: #be1100; --vscode-inputValidation-errorBackground: #5a1d1d;
  --vscode-inputValidation-warningBorder: #b89500; --vscode-inputValidation-warningBackground: #352a05;
  --vscode-panel-border: #444; --vscode-editor-font-family: monospace; --vscode-testing-iconPassed: #73c991; }
body { background: #1e1e1e; }`;

const SPEC = {
  name: 'iris',
  'x-notes': 'unknown fields are the host’s business',
  data: { csv: 'iris.csv', target: 'species', testFraction: 0.3 },
  model: { experts: 3, gate: 'softmax' },
  solvers: { em: { enabled: true }, adam: { enabled: true, learningRate: 0.05 } },
  stopping: { maxIterations: 300 },
  init: { strategy: 'random', seed: 0, restarts: 3 },
};

const PREVIEW = {
  type: 'csvPreview',
  path: 'iris.csv',
  header: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'],
  kinds: ['numeric', 'numeric', 'numeric', 'numeric', 'text'],
  rows: [
    ['5.1', '3.5', '1.4', '0.2', 'setosa'],
    ['4.9', '3', '1.4', '0.2', 'setosa'],
    ['7', '3.2', '4.7', '1.4', 'versicolor'],
    ['6.3', '3.3', '6', '2.5', 'virginica'],
  ],
  rowCount: 150,
};

let passed = 0;
let failed = 0;
const failures = [];

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`  ✔ ${name}`);
  } catch (error) {
    failed++;
    failures.push(name);
    console.log(`  ✖ ${name}\n      ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n      ')}`);
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function sameJson(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function main() {
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('node esbuild.mjs failed');
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const { specFieldModel } = await tsImport('../../src/extension/specEditor/specFields.ts', import.meta.url);
  const { specEditorHtml, makeNonce } = await tsImport('../../src/extension/specEditor/specEditorHtml.ts', import.meta.url);
  const fields = specFieldModel().fields;

  const html = specEditorHtml({
    cspSource: ORIGIN,
    nonce: makeNonce(),
    scriptUri: `${ORIGIN}/dist/webview/specEditor.js`,
    styleUri: `${ORIGIN}/dist/webview/specEditor.css`,
    toolkitUri: `${ORIGIN}/dist/webview/toolkit.min.js`,
    title: 'iris.moe.json',
  });

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const consoleLines = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1500 } });
    page.on('console', (message) => consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`[pageerror] ${error?.stack ?? error}`));
    await page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
      const file = path.join(ROOT, decodeURIComponent(url.pathname));
      if (!file.startsWith(path.join(ROOT, 'dist')) || !fs.existsSync(file)) return route.fulfill({ status: 404, body: '' });
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
      return route.fulfill({ contentType: type, body: fs.readFileSync(file) });
    });
    await page.addInitScript((delayMs) => {
      if (delayMs > 0) {
        // A slow page: every host message reaches the page's listeners `delayMs` late (in order).
        const add = window.addEventListener.bind(window);
        window.addEventListener = (type, listener, options) =>
          add(type, type === 'message' ? (event) => setTimeout(() => listener(event), delayMs) : listener, options);
      }
      window.__posted = [];
      let state;
      window.acquireVsCodeApi = () => ({
        postMessage: (message) => window.__posted.push(JSON.parse(JSON.stringify(message))),
        getState: () => state,
        setState: (next) => {
          state = next;
        },
      });
    }, MESSAGE_DELAY_MS);

    const received = [];
    const drain = async () => received.push(...(await page.evaluate(() => window.__posted.splice(0))));
    /** Waits for a posted message matching `predicate` (messages seen before are searched too, then consumed). */
    const waitPosted = async (predicate, what, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await drain();
        const index = received.findIndex(predicate);
        if (index >= 0) return received.splice(index, 1)[0];
        if (Date.now() > deadline) throw new Error(`no ${what} posted within ${timeoutMs} ms; got ${JSON.stringify(received).slice(0, 600)}`);
        await page.waitForTimeout(50);
      }
    };
    const post = (message) => page.evaluate((m) => window.postMessage(m, '*'), message);
    const editOf = (pointer) => (m) => m.type === 'edit' && m.ops.some((op) => op.pointer === pointer);
    let version = 1;
    /** Posts a document message and waits until the form shows it (the form sets data-version when it has). */
    const showDocument = async (message) => {
      const shown = version++;
      await post({ type: 'document', version: shown, ...message });
      await page
        .waitForFunction((v) => document.getElementById('app')?.dataset.version === String(v), shown, { timeout: 10_000 })
        .catch(() => {
          throw new Error(`the form did not show document version ${shown} within 10 s`);
        });
    };
    const postDocument = (value, extra = {}) => showDocument({ value, valid: true, problems: [], dirty: false, ...extra });
    /**
     * Waits on the page's own clock until a value typed before now would have been sent: the page runs its timers
     * in the order they fall due, so the form's input-delay timer has fired when this one does.
     */
    const pastInputDelay = () => page.evaluate((ms) => new Promise((resolve) => setTimeout(resolve, ms)), INPUT_DELAY_MS + 100);
    const field = (pointer) => page.locator(`[data-pointer="${pointer}"]`);

    await page.goto(`${ORIGIN}/index.html`);
    await page.addStyleTag({ content: THEME });

    await check('the page loads under its CSP and says ready', async () => {
      await waitPosted((m) => m.type === 'ready', 'ready message');
      const defined = await page.evaluate(() => Boolean(customElements.get('vscode-text-field') && customElements.get('vscode-data-grid')));
      assert(defined, 'the toolkit elements are not defined (toolkit.min.js blocked or missing?)');
    });

    await post({ type: 'init', fields, fileName: 'iris.moe.json', local: true });
    await post({ type: 'csvFiles', files: [{ path: 'iris.csv', label: 'iris.csv' }, { path: 'data/wine.csv', label: 'data/wine.csv' }] });
    await postDocument(SPEC);

    await check('labels, help and defaults come from the schema', async () => {
      await field('/model/experts').waitFor();
      const label = await field('/model/experts').locator('.field-label').textContent();
      assert(label === fields.find((f) => f.pointer === '/model/experts').title, `label ${label}`);
      const help = await field('/stopping/tolerance').locator('.field-help').textContent();
      assert(help.includes('Relative change of the log-likelihood'), `help ${help}`);
      const placeholder = await field('/stopping/tolerance').locator('vscode-text-field').getAttribute('placeholder');
      assert(placeholder === '1e-8 (default)', `placeholder ${placeholder}`);
      const options = await field('/init/strategy').locator('vscode-option').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('value')));
      assert(sameJson(options, ['mixed', 'shortEm', 'subsetRegression', 'randomPartition', 'kmeans', 'random', 'nearTruth']), `strategy options ${options}`);
    });

    await check('the components keep the classes the form styles them by', async () => {
      const classes = await page.evaluate(() =>
        ['vscode-dropdown', 'vscode-text-field', 'vscode-radio-group', 'vscode-data-grid'].map((tag) => document.querySelector(tag)?.className ?? `no ${tag}`),
      );
      assert(classes[0].includes('input-control') && classes[1].includes('input-control'), classes.join(' | '));
      assert(classes[2].includes('choice-group') && classes[3].includes('data-grid'), classes.join(' | '));
    });

    await check('the document is shown in the form', async () => {
      const experts = await field('/model/experts').locator('vscode-text-field').evaluate((el) => el.value);
      assert(experts === '3', `experts shows ${experts}`);
      const restarts = await field('/init/restarts').locator('vscode-text-field').evaluate((el) => el.value);
      assert(restarts === '3', `restarts shows ${restarts}`);
      const gd = await field('/solvers/gd/enabled').locator('vscode-checkbox').evaluate((el) => el.checked);
      assert(gd === true, 'gd enabled by default (schema default true)');
      const source = await page.locator('vscode-radio-group').evaluate((el) => el.value);
      assert(source === 'csv', `data source ${source}`);
    });

    await check('the CSV preview is requested and shown in a data grid; the target picker lists the header', async () => {
      const request = await waitPosted((m) => m.type === 'requestCsvPreview', 'requestCsvPreview');
      assert(request.path === 'iris.csv', `preview of ${request.path}`);
      await post(PREVIEW);
      await page.locator('vscode-data-grid vscode-data-grid-row').nth(2).waitFor();
      const cells = await page.locator('vscode-data-grid vscode-data-grid-cell').allTextContents();
      assert(cells.includes('versicolor') && cells.includes('sepal_length'), `grid cells ${cells.slice(0, 12)}`);
      const caption = await page.locator('.preview .caption').textContent();
      assert(caption.includes('of 150 rows'), caption);
      const targets = await field('/data/target').locator('vscode-option').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('value')));
      assert(sameJson(targets, PREVIEW.header), `targets ${targets}`);
      const features = await field('/data/features').locator('vscode-checkbox[data-column]').evaluateAll((nodes) => nodes.map((n) => n.dataset.column));
      assert(sameJson(features, PREVIEW.header.slice(0, 4)), `feature boxes ${features} (the target is not offered)`);
    });

    await check('typing a number posts one edit at its pointer', async () => {
      await drain();
      received.length = 0;
      await field('/model/experts').locator('input').fill('5');
      const message = await waitPosted(editOf('/model/experts'), 'edit of /model/experts');
      assert(sameJson(message.ops, [{ op: 'set', pointer: '/model/experts', value: 5 }]), JSON.stringify(message.ops));
      assert(Number.isInteger(message.requestId), 'requestId');
      // The host applies it and posts the document back: the field keeps what the user typed.
      await postDocument({ ...SPEC, model: { ...SPEC.model, experts: 5 } });
      const shown = await field('/model/experts').locator('vscode-text-field').evaluate((el) => el.value);
      assert(shown === '5', `after the echo the field shows ${shown}`);
      await pastInputDelay();
      await drain();
      assert(!received.some(editOf('/model/experts')), 'no second edit for the same value');
    });

    await check('text that is not a number is not sent; clearing a field removes the key (the default applies)', async () => {
      const input = field('/stopping/maxIterations').locator('input');
      await input.fill('12x');
      await pastInputDelay();
      await drain();
      assert(!received.some(editOf('/stopping/maxIterations')), 'an edit was sent for "12x"');
      const local = await field('/stopping/maxIterations').locator('.field-error.local').textContent();
      assert(/number/.test(local), `local error ${local}`);
      await input.fill('');
      await input.press('Enter');
      const message = await waitPosted(editOf('/stopping/maxIterations'), 'edit of /stopping/maxIterations');
      assert(sameJson(message.ops, [{ op: 'remove', pointer: '/stopping/maxIterations' }]), JSON.stringify(message.ops));
    });

    await check('a checkbox and a dropdown post their edits', async () => {
      await field('/solvers/adam/enabled').locator('vscode-checkbox').click();
      const toggle = await waitPosted(editOf('/solvers/adam/enabled'), 'edit of /solvers/adam/enabled');
      assert(sameJson(toggle.ops, [{ op: 'set', pointer: '/solvers/adam/enabled', value: false }]), JSON.stringify(toggle.ops));
      await field('/model/gate').locator('vscode-dropdown').click();
      await field('/model/gate').locator('vscode-option[value="constant"]').click();
      const gate = await waitPosted(editOf('/model/gate'), 'edit of /model/gate');
      assert(sameJson(gate.ops, [{ op: 'set', pointer: '/model/gate', value: 'constant' }]), JSON.stringify(gate.ops));
    });

    await check('picking features posts the list in header order; the target picker posts the target', async () => {
      await field('/data/features').locator('vscode-checkbox').first().click(); // "All numeric columns" off
      const all = await waitPosted(editOf('/data/features'), 'edit of /data/features');
      assert(sameJson(all.ops[0].value, PREVIEW.header.slice(0, 4)), JSON.stringify(all.ops));
      await postDocument({ ...SPEC, data: { ...SPEC.data, features: PREVIEW.header.slice(0, 4) } });
      await field('/data/features').locator('vscode-checkbox[data-column="sepal_width"]').click();
      const one = await waitPosted(editOf('/data/features'), 'edit of /data/features');
      assert(sameJson(one.ops[0].value, ['sepal_length', 'petal_length', 'petal_width']), JSON.stringify(one.ops));
      await field('/data/target').locator('vscode-dropdown').click();
      await field('/data/target').locator('vscode-option[value="petal_width"]').click();
      const target = await waitPosted(editOf('/data/target'), 'edit of /data/target');
      assert(target.ops[0].value === 'petal_width', JSON.stringify(target.ops));
      // The new target was a feature: the same edit takes it out of the features.
      assert(sameJson(target.ops[1], { op: 'set', pointer: '/data/features', value: ['sepal_length', 'sepal_width', 'petal_length'] }), JSON.stringify(target.ops));
    });

    await postDocument(SPEC);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'specEditor-form.png'), fullPage: true });

    await check('in the two-column form (a narrow editor) the CSV preview keeps every header and cell on one line', async () => {
      await page.setViewportSize({ width: 560, height: 1500 });
      await page.waitForFunction(() => getComputedStyle(document.querySelector('.grid')).gridTemplateColumns.split(' ').length === 2);
      const cells = await page.evaluate(() =>
        [...document.querySelectorAll('.preview vscode-data-grid-cell')].map((cell) => {
          const range = document.createRange();
          range.selectNodeContents(cell);
          return { text: cell.textContent.trim(), lines: range.getClientRects().length, overflow: cell.scrollWidth - cell.clientWidth };
        }),
      );
      assert(cells.length >= 5 * 5, `${cells.length} cells`);
      for (const cell of cells) assert(cell.lines <= 1 && cell.overflow <= 1, `"${cell.text}" breaks (${cell.lines} lines, ${cell.overflow}px cut)`);
      await page.locator('.preview').screenshot({ path: path.join(ARTIFACTS, 'specEditor-preview-narrow.png') });
      await page.setViewportSize({ width: 1100, height: 1500 });
    });

    await check('switching to the synthetic generator asks the host, then shows the generator fields', async () => {
      await page.locator('vscode-radio[value="synthetic"]').click();
      const message = await waitPosted((m) => m.type === 'switchSource', 'switchSource');
      assert(message.to === 'synthetic', JSON.stringify(message));
      await postDocument({ ...SPEC, data: { synthetic: { kind: 'linear', experts: 2, dim: 5 }, testFraction: 0.3 } });
      await field('/data/synthetic/dim').waitFor({ state: 'visible' });
      const dim = await field('/data/synthetic/dim').locator('vscode-text-field').evaluate((el) => el.value);
      assert(dim === '5', `dim ${dim}`);
      assert(!(await field('/data/csv').isVisible()), 'the CSV picker is hidden in synthetic mode');
    });

    await check('Run posts run; a result link posts openRun', async () => {
      await post({ type: 'runs', folder: '.moe-lab/runs', runs: [{ id: '2026-11-27T10-00-00-iris', label: '2026-11-27T10-00-00-iris', complete: true, cancelled: false, startedAt: '2026-11-27T10:00:00Z' }] });
      await page.locator('header vscode-button').first().click();
      await waitPosted((m) => m.type === 'run', 'run');
      await page.locator('.run-list vscode-link').first().click();
      const open = await waitPosted((m) => m.type === 'openRun', 'openRun');
      assert(open.id === '2026-11-27T10-00-00-iris', JSON.stringify(open));
    });

    await check('invalid JSON: banner with the problem, the last state kept, everything read-only, no edits sent', async () => {
      await postDocument(SPEC);
      await showDocument({
        valid: false,
        dirty: true,
        problems: [{ pointer: '', message: 'iris.moe.json is not valid JSON: expected "," or "}" after the property value, found "\\"model\\"" (line 5, column 3)', line: 5, column: 3 }],
      });
      await page.locator('.banner.error').waitFor({ state: 'visible' });
      const banner = await page.locator('.banner').textContent();
      assert(banner.includes('not valid JSON') && banner.includes('line 5, column 3'), banner);
      const experts = await field('/model/experts').locator('vscode-text-field').evaluate((el) => ({ value: el.value, readOnly: el.hasAttribute('readonly') }));
      assert(experts.value === '3' && experts.readOnly, `experts ${JSON.stringify(experts)}`);
      const gateDisabled = await field('/model/gate').locator('vscode-dropdown').evaluate((el) => el.hasAttribute('disabled'));
      assert(gateDisabled, 'the gate dropdown is disabled');
      await field('/model/experts').locator('input').fill('9', { force: true }).catch(() => {});
      await pastInputDelay();
      await drain();
      assert(!received.some((m) => m.type === 'edit'), `an edit was sent while the text is not JSON: ${JSON.stringify(received.filter((m) => m.type === 'edit'))}`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(ARTIFACTS, 'specEditor-invalid-json.png') });
      await page.locator('.banner vscode-link').first().click();
      const show = await waitPosted((m) => m.type === 'showText', 'showText');
      assert(show.pointer === '', JSON.stringify(show));
    });

    await check('schema problems: the field is marked; a value of the wrong type shows the last valid one, read-only', async () => {
      await postDocument(SPEC); // valid again: the banner goes away
      assert(await page.locator('.banner').isHidden(), 'the banner is hidden once the form shows a valid document');
      await postDocument(
        { ...SPEC, model: { experts: 'three', gate: 'softmax' }, stopping: { maxIterations: 0 } },
        {
          valid: false,
          problems: [
            { pointer: '/model/experts', message: '/model/experts: must be an integer (got "three")', line: 7, column: 16 },
            { pointer: '/stopping/maxIterations', message: '/stopping/maxIterations: must be ≥ 1 (got 0)', line: 12, column: 22 },
          ],
        },
      );
      await page.locator('.banner.warning').waitFor({ state: 'visible' });
      const experts = await field('/model/experts').locator('vscode-text-field').evaluate((el) => ({ value: el.value, readOnly: el.hasAttribute('readonly') }));
      assert(experts.value === '3' && experts.readOnly, `experts ${JSON.stringify(experts)}`);
      const max = await field('/stopping/maxIterations').locator('vscode-text-field').evaluate((el) => ({ value: el.value, readOnly: el.hasAttribute('readonly'), invalid: el.classList.contains('invalid') }));
      assert(max.value === '0' && !max.readOnly && max.invalid, `maxIterations ${JSON.stringify(max)}`);
      const error = await field('/stopping/maxIterations').locator('.field-error:not(.local)').textContent();
      assert(error.includes('must be ≥ 1'), error);
      const runDisabled = await page.locator('header vscode-button').first().evaluate((el) => el.hasAttribute('disabled'));
      assert(runDisabled, 'Run is disabled while the spec has problems');
      // The out-of-range field can still be fixed from the form.
      await field('/stopping/maxIterations').locator('input').fill('200');
      await field('/stopping/maxIterations').locator('input').press('Enter');
      const fix = await waitPosted(editOf('/stopping/maxIterations'), 'edit of /stopping/maxIterations');
      assert(fix.ops[0].value === 200, JSON.stringify(fix.ops));
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: path.join(ARTIFACTS, 'specEditor-schema-problems.png') });
    });

    await check('showing documents, files and previews never posts an edit by itself', async () => {
      await pastInputDelay();
      await drain();
      received.length = 0;
      const synthetic = { ...SPEC, data: { synthetic: { kind: 'logistic', experts: 3 } } };
      const wine = { ...SPEC, data: { csv: 'data/wine.csv', target: 'quality', features: ['alcohol'] }, model: { experts: 4, gate: 'constant', expert: 'categorical' } };
      for (const value of [SPEC, synthetic, wine, SPEC, wine, synthetic, SPEC]) {
        await postDocument(value);
        await post({ type: 'csvFiles', files: [{ path: 'data/wine.csv', label: 'data/wine.csv' }, { path: 'iris.csv', label: 'iris.csv' }] });
        await post(PREVIEW);
      }
      await postDocument(SPEC); // shown after the files and preview posted before it
      await pastInputDelay();
      await drain();
      const spontaneous = received.filter((m) => m.type === 'edit' || m.type === 'switchSource');
      assert(spontaneous.length === 0, JSON.stringify(spontaneous));
      const gate = await field('/model/gate').locator('vscode-dropdown').evaluate((el) => el.value);
      assert(gate === 'softmax', `gate shows ${gate}`);
    });

    await check('"Add sweep" under a field starts a sweep of its value; the Sweep section edits, counts and removes it', async () => {
      await postDocument(SPEC);
      await drain();
      received.length = 0;
      assert((await field('/name').locator('.sweep-control').count()) === 0, 'the name cannot be swept');
      assert((await field('/solvers/gd/enabled').locator('.sweep-control').count()) === 0, 'a switch cannot be swept');
      await field('/model/experts').locator('.sweep-control vscode-link').click();
      const added = await waitPosted(editOf('/sweep/model.experts'), 'edit of /sweep/model.experts');
      assert(sameJson(added.ops, [{ op: 'set', pointer: '/sweep/model.experts', value: [3] }]), JSON.stringify(added.ops));
      await postDocument({ ...SPEC, sweep: { 'model.experts': [3] } });
      const row = page.locator('[data-sweep="model.experts"]');
      await row.waitFor();
      assert(await field('/model/experts').locator('.sweep-control vscode-link').isHidden(), 'the link is hidden once swept');
      const note = await field('/model/experts').locator('.sweep-control .caption').textContent();
      assert(/^Swept over 3/.test(note), note);
      await row.locator('input').fill('1, 2, x');
      await row.locator('input').press('Enter');
      const local = await row.locator('.field-error.local').textContent();
      assert(/"x" is not a number/.test(local), local);
      await row.locator('input').fill('1, 2, 3, 4');
      await row.locator('input').press('Enter');
      const values = await waitPosted((m) => editOf('/sweep/model.experts')(m) && sameJson(m.ops[0].value, [1, 2, 3, 4]), 'edit with the typed values');
      assert(values.ops.length === 1 && values.ops[0].op === 'set', JSON.stringify(values.ops));
      await postDocument({ ...SPEC, sweep: { 'model.experts': [1, 2, 3, 4], 'solvers.adam.learningRate': [0.001, 0.003, 0.01] } });
      const summary = await page.locator('#section-sweep > p.caption').last().textContent();
      assert(summary.startsWith('4 × 3 = 12 runs'), summary);
      const lr = await page.locator('[data-sweep="solvers.adam.learningRate"] vscode-text-field').evaluate((el) => el.value);
      assert(lr === '0.001, 0.003, 0.01', `learning rates shown as ${lr}`);
      await page.locator('#section-sweep').screenshot({ path: path.join(ARTIFACTS, 'specEditor-sweep.png') });
      await row.locator('vscode-button').click();
      const removed = await waitPosted((m) => m.type === 'edit' && m.ops.some((op) => op.op === 'remove' && op.pointer === '/sweep/model.experts'), 'remove of the sweep');
      assert(removed.ops.length === 1, JSON.stringify(removed.ops));
      await postDocument(SPEC);
    });

    await check('a failed edit is reported in the form', async () => {
      await post({ type: 'notice', requestId: 99, ok: false, message: 'The edit could not be applied.' });
      await page.locator('.notice').waitFor({ state: 'visible' });
      const text = await page.locator('.notice').textContent();
      assert(text === 'The edit could not be applied.', text);
    });

    await check('no page errors and no CSP violations', async () => {
      const bad = consoleLines.filter((line) => /pageerror|Content Security Policy|Refused to/i.test(line));
      assert(bad.length === 0, bad.join('\n'));
    });
  } finally {
    fs.writeFileSync(path.join(ARTIFACTS, 'specEditor-console.log'), consoleLines.join('\n'));
    await browser.close();
  }
}

main()
  .catch((error) => {
    failed++;
    console.log(`  ✖ (harness) ${error?.stack ?? error}`);
  })
  .finally(() => {
    console.log(`\nspec editor webview: ${passed} passed, ${failed} failed${failures.length ? ` (${failures.join('; ')})` : ''}`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
