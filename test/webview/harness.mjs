// What the webview tier's scripts share: where things are, Chromium's flags, VS Code's theme variables, a check
// runner that prints one line per check, the build, the fixture scripts, a server for the host's HTML and the
// bundles, and the stub of VS Code's webview API (it records what the page posts; state survives a reload).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(REPO, 'test-artifacts', 'webview');
export const CHROMIUM = process.env.MOE_LAB_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** VS Code's Dark Modern values (read from VS Code 1.139) of the variables the panel reads; VS Code sets them on <html style>. */
export const DARK = {
  '--vscode-font-family': 'system-ui, -apple-system, "Segoe UI", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-charts-foreground': '#cccccc',
  '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
  '--vscode-charts-blue': '#59a4f9',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-orange': 'rgba(234, 92, 0, 0.33)',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-badge-background': '#616161',
  '--vscode-badge-foreground': '#f8f8f8',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-focusBorder': '#0078d4',
};

/** Light Modern's values where they differ. */
export const LIGHT = {
  ...DARK,
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-editor-background': '#ffffff',
  '--vscode-charts-foreground': '#616161',
  '--vscode-charts-lines': 'rgba(97, 97, 97, 0.5)',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-purple': '#652d90',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#388a34',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-panel-border': '#e5e5e5',
};

export const styleOf = (vars) => Object.entries(vars).map(([k, v]) => `${k}: ${v}`).join('; ');

/** `check(name, fn)` runs one check and prints ✓ or ✗ with the first lines of the error; `results` keeps them. */
export function checker() {
  const results = [];
  async function check(name, fn) {
    try {
      await fn();
      results.push({ name, ok: true });
      console.log(`  ✓ ${name}`);
    } catch (error) {
      results.push({ name, ok: false, error });
      console.log(`  ✗ ${name}\n      ${String(error?.stack ?? error).split('\n').slice(0, 6).join('\n      ')}`);
    }
  }
  return { check, results };
}

export function build() {
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('node esbuild.mjs failed');
}

/** Runs a fixture script of this folder (`node --import tsx test/webview/<script> OUT CSP_SOURCE`) and returns its JSON. */
export function fixture(script, cspSource) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'moe-webview-')), 'fixture.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'test', 'webview', script), out, cspSource], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${script} failed`);
  const data = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return data;
}

/** Serves the page (`getHtml(theme)`, theme from `?theme=`, default dark) and files under dist/ and media/. */
export function serve(getHtml) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(getHtml(url.searchParams.get('theme') ?? 'dark'));
      return;
    }
    const file = path.join(REPO, path.normalize(url.pathname));
    const allowed = [path.join(REPO, 'dist') + path.sep, path.join(REPO, 'media') + path.sep].some((root) => file.startsWith(root));
    if (!allowed || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.svg') ? 'image/svg+xml' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The stub VS Code API, run in the page before its scripts: records posted messages; state in sessionStorage. */
export const STUB = () => {
  window.__posted = [];
  window.__errors = [];
  window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
  window.addEventListener('securitypolicyviolation', (e) => window.__errors.push(`CSP: ${e.violatedDirective} ${e.blockedURI}`));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (message) => window.__posted.push(JSON.parse(JSON.stringify(message))),
      getState: () => JSON.parse(sessionStorage.getItem('state') ?? 'null') ?? undefined,
      setState: (state) => sessionStorage.setItem('state', JSON.stringify(state)),
    };
  };
};
