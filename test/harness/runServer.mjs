#!/usr/bin/env node
// Integration tier, default launcher on these machines: runs the mocha suite (test/suite) inside the extension host
// of a real VS Code (1.139 server from the code-server npm package, on Node 24), its workbench opened in headless
// Chromium with the extension under development and the tests module passed through the `payload` URL parameter.
//
//   node test/harness/runServer.mjs [--grep PATTERN] [--timeout SECONDS] [--untrusted]
//
// --untrusted: the server runs with workspace trust on and the folder left untrusted (Restricted Mode), the suite is
// told so (env MOE_LAB_EXPECT_UNTRUSTED=1) and runs only the tests titled "Untrusted workspace" (unless --grep
// says otherwise); artifacts go to test-artifacts/integration-untrusted/.
//
// Builds dist/ (node esbuild.mjs) and the suite, installs the server into .vscode-test/server/ on first use,
// prints mocha's results, writes test-artifacts/integration/results.json (or $MOE_LAB_RESULTS_OUT; also on harness
// failure) with server log, browser console and (on failure) a screenshot beside it, and exits
// non-zero when a test fails, the extension host exits non-zero, or it does not finish within the bound.
// Every process it starts (server session, extension hosts, watchers, browser) is ended before it exits.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ARTIFACTS_DIR,
  SUITE_INDEX,
  REPO_ROOT,
  buildAll,
  cleanupAll,
  createRun,
  ensureServerInstalled,
  launchBrowser,
  log,
  newPage,
  sleep,
  startServer,
  workbenchUrl,
} from './vscodeServer.mjs';

const { values: opts } = parseArgs({
  options: {
    grep: { type: 'string' },
    timeout: { type: 'string', default: process.env.MOE_LAB_INTEGRATION_TIMEOUT ?? '600' },
    untrusted: { type: 'boolean', default: false },
  },
});
const timeoutMs = Number(opts.timeout) * 1000;
const artifacts = path.join(ARTIFACTS_DIR, opts.untrusted ? 'integration-untrusted' : 'integration');
// Where the run's summary goes (test-all passes its own path so concurrent runs cannot clobber it).
const summaryFile = path.resolve(process.env.MOE_LAB_RESULTS_OUT ?? path.join(artifacts, 'results.json'));

function readResults(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function printResults(results) {
  if (results.output) console.log(`\n${results.output}\n`);
  const failed = results.tests.filter((t) => t.state === 'failed');
  if (failed.length > 0 && !results.output) {
    for (const t of failed) console.log(`  FAILED ${t.fullTitle}\n    ${t.error?.stack ?? t.error?.message ?? ''}`);
  }
  console.log(`integration${opts.untrusted ? ' (untrusted workspace)' : ''}: ${results.passed} passed, ${results.failed} failed, ${results.pending} pending (VS Code ${results.vscodeVersion ?? '?'})`);
}

async function main() {
  const started = Date.now();
  fs.mkdirSync(artifacts, { recursive: true });
  for (const f of ['workbench.png', 'server.log', 'browser-console.log']) fs.rmSync(path.join(artifacts, f), { force: true });
  fs.rmSync(summaryFile, { force: true });
  await buildAll();
  await ensureServerInstalled();

  const run = createRun(opts.untrusted ? 'integration-untrusted' : 'integration');
  const resultsFile = path.join(run.dir, 'results.json');
  const env = { MOE_LAB_TEST_RESULTS: resultsFile };
  if (opts.grep) env.MOE_LAB_TEST_GREP = opts.grep;
  if (opts.untrusted) {
    env.MOE_LAB_EXPECT_UNTRUSTED = '1';
    env.MOE_LAB_TEST_GREP ??= 'Untrusted workspace';
  }
  const server = await startServer({
    runDir: run.dir,
    env,
    logFile: path.join(artifacts, 'server.log'),
    workspaceTrust: opts.untrusted ? 'untrusted' : 'disabled',
  });
  const { browser } = await launchBrowser();
  const { page, consoleLines } = await newPage(browser);
  const url = workbenchUrl({ port: server.port, folder: run.workspace, extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: SUITE_INDEX });
  log(`opening ${url}`);
  let exitCode = null;
  let results = null;
  let problem = null;
  try {
    // The bound runs from opening the workbench (build, install and server start are not counted).
    const deadline = Date.now() + timeoutMs;
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const hostExit = server.waitForLine(/Extension Host Process exited with code: (-?\d+)/, Math.max(1000, deadline - Date.now()));
    hostExit.catch(() => {});
    // Wait until the extension host exits, or the suite's result file says it is done (then give the host a moment).
    for (;;) {
      const state = await Promise.race([hostExit.then((m) => ({ exit: Number(m[1]) }), (e) => ({ error: e })), sleep(500).then(() => null)]);
      if (state?.exit !== undefined) {
        exitCode = state.exit;
        break;
      }
      if (state?.error) {
        problem = state.error.message;
        break;
      }
      const r = readResults(resultsFile);
      if (r?.done) {
        const m = await Promise.race([hostExit, sleep(15_000).then(() => null)]).catch(() => null);
        exitCode = m ? Number(m[1]) : null;
        break;
      }
      if (Date.now() > deadline) {
        problem = `the extension host did not finish within ${timeoutMs / 1000} s`;
        break;
      }
    }
    results = readResults(resultsFile);
    if (!results || !results.done || problem || exitCode !== 0) {
      await page.screenshot({ path: path.join(artifacts, 'workbench.png') }).catch(() => {});
    }
  } finally {
    fs.writeFileSync(path.join(artifacts, 'browser-console.log'), consoleLines.join('\n'));
    await cleanupAll();
  }

  if (!results) {
    results = { done: false, passed: 0, failed: 0, pending: 0, tests: [], output: '' };
  }
  if (!results.done) {
    results.failed += 1;
    results.tests.push({ fullTitle: '(harness) suite did not finish', state: 'failed', error: { message: problem ?? 'no result file' } });
  } else if (exitCode !== 0 && results.failed === 0) {
    results.failed += 1;
    results.tests.push({ fullTitle: '(harness) extension host exit code', state: 'failed', error: { message: `extension host exited with ${exitCode}` } });
  }
  results.extensionHostExitCode = exitCode;
  results.harnessProblem = problem;
  fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
  fs.writeFileSync(summaryFile, JSON.stringify(results, null, 2));
  printResults(results);
  if (problem) console.log(`integration: ${problem} (server log, browser console and screenshot in ${path.relative(process.cwd(), artifacts)}/)`);
  log(`integration tier finished in ${((Date.now() - started) / 1000).toFixed(1)} s, extension host exit code ${exitCode}`);
  return results.failed > 0 || !results.done || exitCode !== 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (e) => {
    console.error('[harness] error:', e?.stack ?? e);
    await cleanupAll();
    const results = { done: false, passed: 0, failed: 1, pending: 0, tests: [{ fullTitle: '(harness) error', state: 'failed', error: { message: String(e?.message ?? e), stack: e?.stack } }], output: '' };
    fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
    fs.writeFileSync(summaryFile, JSON.stringify(results, null, 2));
    console.log('integration: 0 passed, 1 failed (harness error)');
    process.exit(1);
  },
);
