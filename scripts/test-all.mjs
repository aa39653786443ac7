#!/usr/bin/env node
// `npm test`: every tier, in order, each one's outcome, the skipped tests with their reasons, then one closing line
// "N passed, N failed, N skipped" (totals over all tiers) and a non-zero exit when anything failed.
//
//   typecheck    tsc -p . --noEmit                                   (counts 1 failed when it fails, nothing when it passes)
//   unit         node --import tsx --test test/unit/**/*.test.ts      (node's test runner: its TAP report, "# pass N",
//                                                                     "# fail N", skips as "ok N - title # SKIP reason")
//   webview      node test/webview/{run,*.test}.mjs                  (each one's last "N passed, N failed" line; these
//                                                                     scripts never skip: no Chromium is a failure)
//   integration  node test/harness/runServer.mjs [--untrusted]       (mocha inside a real VS Code; its results.json,
//                                                                     pending tests with their skipReason; a second
//                                                                     pass in an untrusted workspace)
//   e2e          node --import tsx --test test/e2e/**/*.test.ts       (Playwright on the real workbench)
//   installed    node --import tsx --test test/installed/**/*.test.ts (as a user installs it: `npm run package`, the
//                                                                     .vsix through the server's --install-extension,
//                                                                     a window with no extensionDevelopmentPath; and
//                                                                     `npm pack` + `npm install -g` of the CLI)
//
// With CI=true (CI installs every capability a test can skip for: Chromium, the Fashion-MNIST package, …), any skip
// other than the "Untrusted workspace" tests the trusted integration pass leaves to the untrusted pass fails the run,
// and the closing line says so.
//
// MOE_LAB_TIERS=unit,integration runs only the named tiers. A tier whose runner dies without reporting counts as
// one failure. Each tier has a time bound (MOE_LAB_TIER_TIMEOUT seconds, default 1200); past it the tier's process
// group gets SIGTERM (the harness then ends its server and browser), then SIGKILL.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ALL_TIERS = ['typecheck', 'unit', 'webview', 'integration', 'e2e', 'installed'];
const selected = (process.env.MOE_LAB_TIERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
for (const t of selected) {
  if (!ALL_TIERS.includes(t)) {
    console.error(`MOE_LAB_TIERS: unknown tier "${t}" (tiers: ${ALL_TIERS.join(', ')})`);
    process.exit(2);
  }
}
const tiers = selected.length ? ALL_TIERS.filter((t) => selected.includes(t)) : ALL_TIERS;
const tierTimeoutMs = Number(process.env.MOE_LAB_TIER_TIMEOUT ?? 1200) * 1000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-lab-test-all-'));

let current = null; // the running tier's child, for signal forwarding

function stopGroup(child, graceMs = 20_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, graceMs).unref();
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    console.log(`\n${signal}: stopping the running tier`);
    stopGroup(current, 15_000);
    if (current) current.once('close', () => process.exit(code));
    else process.exit(code);
    setTimeout(() => process.exit(code), 20_000).unref();
  });
}

/**
 * Runs a command in its own process group (so a timeout can end all of it), output passed through; with
 * `capture` the output is also returned.
 */
function run(cmd, args, { env, capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', detached: true, env: { ...process.env, ...env } });
    current = child;
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => {
        output += d;
        process.stdout.write(d);
      });
      child.stderr.on('data', (d) => {
        output += d;
        process.stderr.write(d);
      });
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`\n[test-all] tier exceeded ${tierTimeoutMs / 1000} s: stopping it`);
      stopGroup(child);
    }, tierTimeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      current = null;
      console.log(`[test-all] could not start ${cmd}: ${e.message}`);
      resolve({ code: 127, timedOut, output });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = null;
      resolve({ code: code ?? (signal ? 128 : 1), timedOut, output });
    });
  });
}

function listTests(dir, suffix = '.test.ts') {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(suffix) && !f.split(path.sep).includes('node_modules'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** TAP escapes "\\" and "#" in titles and reasons with a backslash. */
function tapUnescape(text) {
  return text.replace(/\\n/g, ' ').replace(/\\([\\#])/g, '$1');
}

/**
 * Counts from a TAP report of node's test runner ("# pass N", "# fail N", "# cancelled N", "# skipped N", "# todo N")
 * and each skipped or todo test, titled with its parents ("# Subtest:" lines, nested by 4 spaces), with its reason.
 */
function tapReport(file) {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const num = (name) => {
    const all = [...text.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : null;
  };
  const pass = num('pass');
  const fail = num('fail');
  if (pass === null || fail === null) return null;
  const skips = [];
  const titles = [];
  for (const line of text.split('\n')) {
    const subtest = /^( *)# Subtest: (.*)$/.exec(line);
    if (subtest) {
      const level = subtest[1].length / 4;
      titles.length = level;
      titles[level] = tapUnescape(subtest[2]);
      continue;
    }
    // An unescaped " # " ends the title: the directive follows.
    const skipped = /^( *)(?:not )?ok \d+ - (.*?) # (SKIP|TODO)\b ?(.*)$/.exec(line);
    if (!skipped) continue;
    const level = skipped[1].length / 4;
    const title = [...titles.slice(0, level), tapUnescape(skipped[2])].join(' › ');
    const reason = tapUnescape(skipped[4]).trim() || 'no reason given';
    skips.push({ title, reason: skipped[3] === 'TODO' ? `todo: ${reason}` : reason });
  }
  return { passed: pass, failed: fail + (num('cancelled') ?? 0), skipped: (num('skipped') ?? 0) + (num('todo') ?? 0), skips };
}

async function nodeTestTier(name, dir, extraArgs = []) {
  const files = listTests(dir);
  if (files.length === 0) return { passed: 0, failed: 0, skipped: 0, skips: [], note: `no ${dir}/**/*.test.ts files` };
  const tap = path.join(tmp, `${name}.tap`);
  const { code, timedOut } = await run(process.execPath, [
    '--import', 'tsx',
    '--test',
    ...extraArgs,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const counts = tapReport(tap);
  if (!counts) return { passed: 0, failed: 1, skipped: 0, skips: [], note: `runner exited ${code} without a summary${timedOut ? ' (timed out)' : ''}` };
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // e.g. a file that failed to load outside any test
  return { ...counts, note: timedOut ? 'timed out' : undefined };
}

const tierRunners = {
  async typecheck() {
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const { code } = await run(process.execPath, [tsc, '-p', '.', '--noEmit']);
    return code === 0 ? { passed: 0, failed: 0, skipped: 0, skips: [], note: 'no type errors' } : { passed: 0, failed: 1, skipped: 0, skips: [], note: 'type errors' };
  },
  unit: () => nodeTestTier('unit', 'test/unit'),
  async webview() {
    // Each webview test script (run.mjs, *.test.mjs) opens its own Chromium and ends with "N passed, N failed".
    const dir = path.join(ROOT, 'test', 'webview');
    const scripts = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name === 'run.mjs' || name.endsWith('.test.mjs')).sort() : [];
    if (scripts.length === 0) return { passed: 0, failed: 0, note: 'no webview test scripts' };
    const total = { passed: 0, failed: 0, skipped: 0, skips: [] };
    for (const name of scripts) {
      const { code, output } = await run(process.execPath, [path.join(dir, name)], { capture: true });
      const all = [...output.matchAll(/^\s*(?:[\w -]+:\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/gm)];
      if (all.length === 0) {
        total.failed += 1;
        continue;
      }
      const last = all[all.length - 1];
      total.passed += Number(last[1]);
      total.failed += Number(last[2]) || (code !== 0 ? 1 : 0);
      const skipped = Number(last[3] ?? 0);
      total.skipped += skipped;
      if (skipped > 0) total.skips.push({ title: name, reason: `${skipped} check(s) skipped (see its output above)` });
    }
    return total;
  },
  async integration() {
    // Two passes: the suite in a trusted workspace, then its "Untrusted workspace" tests in Restricted Mode.
    const total = { passed: 0, failed: 0, skipped: 0, skips: [] };
    const notes = [];
    for (const pass of ['trusted', 'untrusted']) {
      const summary = path.join(tmp, `integration-${pass}-results.json`);
      const args = [path.join('test', 'harness', 'runServer.mjs'), ...(pass === 'untrusted' ? ['--untrusted'] : [])];
      const { code, timedOut } = await run(process.execPath, args, { env: { MOE_LAB_RESULTS_OUT: summary } });
      let r = null;
      try {
        r = JSON.parse(fs.readFileSync(summary, 'utf8'));
      } catch {
        /* none */
      }
      if (!r) {
        total.failed += 1;
        notes.push(`${pass}: runServer exited ${code} without results${timedOut ? ' (timed out)' : ''}`);
        continue;
      }
      total.passed += r.passed ?? 0;
      total.failed += (r.failed ?? 0) || (code !== 0 ? 1 : 0);
      total.skipped += r.pending ?? 0;
      for (const t of (r.tests ?? []).filter((x) => x.state === 'pending')) {
        // The trusted pass leaves the "Untrusted workspace" suites to the untrusted pass, which runs them.
        const untrustedOnly = pass === 'trusted' && /^Untrusted workspace\b/.test(t.fullTitle);
        total.skips.push({ title: `${pass} pass: ${t.fullTitle}`, reason: t.skipReason ?? 'no reason given', expected: untrustedOnly });
      }
    }
    return notes.length ? { ...total, note: notes.join('; ') } : total;
  },
  // One file at a time: each opens its own VS Code server and browser.
  e2e: () => nodeTestTier('e2e', 'test/e2e', ['--test-concurrency=1']),
  // Last: `npm run package` leaves dist/ as the production build (the next development build restores the maps).
  installed: () => nodeTestTier('installed', 'test/installed', ['--test-concurrency=1']),
};

// The VS Code server install (first use: several minutes, mostly download and native builds) runs in the background
// while the first tiers run; the integration, e2e and installed tiers wait for it (its lock) before starting a server.
let installer = null;
if (tiers.includes('integration') || tiers.includes('e2e') || tiers.includes('installed')) {
  const { serverInstalled } = await import('../test/harness/vscodeServer.mjs');
  if (!serverInstalled()) {
    const logFile = path.join(ROOT, 'test-artifacts', 'server-install.log');
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'w');
    const child = spawn(process.execPath, [path.join(ROOT, 'test', 'harness', 'installServer.mjs')], { cwd: ROOT, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    console.log(`[test-all] installing the VS Code server in the background (log: ${path.relative(ROOT, logFile)})`);
    installer = { child, logFile, started: Date.now(), done: new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1))) };
    process.on('exit', () => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* finished */
      }
    });
  }
}

async function awaitInstaller() {
  if (!installer) return;
  const code = await installer.done;
  const text = fs.existsSync(installer.logFile) ? fs.readFileSync(installer.logFile, 'utf8') : '';
  console.log(`[test-all] background server install ${code === 0 ? 'finished' : `FAILED (exit ${code}); the tier retries it`} after ${((Date.now() - installer.started) / 1000).toFixed(0)} s`);
  if (code !== 0) console.log(text.split('\n').slice(-30).join('\n'));
  installer = null;
}

const outcomes = [];
const startedAll = Date.now();
for (const tier of tiers) {
  console.log(`\n=== ${tier} ===`);
  const started = Date.now();
  let outcome;
  try {
    if (tier === 'integration' || tier === 'e2e' || tier === 'installed') await awaitInstaller();
    outcome = await tierRunners[tier]();
  } catch (e) {
    outcome = { passed: 0, failed: 1, skipped: 0, skips: [], note: `error: ${e?.message ?? e}` };
  }
  outcome.seconds = (Date.now() - started) / 1000;
  outcomes.push({ tier, ...outcome });
  console.log(`=== ${tier}: ${outcome.failed > 0 ? 'FAILED' : 'ok'} — ${outcome.passed} passed, ${outcome.failed} failed, ${outcome.skipped ?? 0} skipped${outcome.note ? ` (${outcome.note})` : ''}, ${outcome.seconds.toFixed(1)} s`);
}
fs.rmSync(tmp, { recursive: true, force: true });

const passed = outcomes.reduce((n, o) => n + o.passed, 0);
const failed = outcomes.reduce((n, o) => n + o.failed, 0);
const skipped = outcomes.reduce((n, o) => n + (o.skipped ?? 0), 0);
console.log('\nTiers:');
for (const o of outcomes) {
  console.log(`  ${o.failed > 0 ? '✗' : '✓'} ${o.tier.padEnd(12)} ${String(o.passed).padStart(4)} passed ${String(o.failed).padStart(3)} failed ${String(o.skipped ?? 0).padStart(3)} skipped  ${o.seconds.toFixed(1).padStart(6)} s${o.note ? `  ${o.note}` : ''}`);
}
console.log(`  total time ${((Date.now() - startedAll) / 1000).toFixed(1)} s`);

// In CI every capability a test skips for is installed, so a skip there hides a test that should have run.
const inCi = /^(1|true)$/i.test(process.env.CI ?? '');
const skips = outcomes.flatMap((o) => (o.skips ?? []).map((s) => ({ ...s, tier: o.tier })));
const unexpected = inCi ? skips.filter((s) => !s.expected) : [];
if (skips.length > 0) {
  console.log(`\nSkipped (${skips.length}):`);
  for (const s of skips) console.log(`  ${unexpected.includes(s) ? '✗' : '-'} ${s.tier}: ${s.title} — ${s.reason}`);
}
const ciNote = unexpected.length > 0 ? ` — FAILED: CI=true and ${unexpected.length} skipped other than the untrusted-workspace ones (marked ✗ above)` : '';
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped${ciNote}`);
process.exit(failed > 0 || unexpected.length > 0 ? 1 : 0);
