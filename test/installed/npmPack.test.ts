// The CLI as a user installs it from a tarball: `npm pack` (which builds dist/ through `prepare`), then
// `npm install -g --prefix <empty folder> <tarball>` — no development dependency, no tsx, no source tree — and the
// installed `moe-lab` fits a CSV. Every bundle is self-contained, so the package declares no dependencies and the
// install needs no registry.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../harness/vscodeServer.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-lab-npm-pack-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs a command without the npm_* variables an enclosing `npm test` exports (npm reads them as its config). */
function sh(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE_PATH' && k !== 'NODE_OPTIONS'));
  const r = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

test('npm pack → npm install -g into an empty prefix → moe-lab fit runs on a CSV', { timeout: 5 * 60_000 }, () => {
  const packed = sh('npm', ['pack', '--json', '--pack-destination', tmp], REPO_ROOT);
  assert.equal(packed.code, 0, `npm pack failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; size: number; files: { path: string }[] }[];
  const files = info.files.map((f) => f.path);
  console.log(`# npm pack: ${info.filename}, ${info.size} bytes, ${files.length} files: ${files.join(', ')}`);
  assert.ok(files.includes('bin/moe-lab.js') && files.includes('dist/cli.js') && files.includes('dist/kernelHelper.js'), `the CLI, its bundle and its kernel helper are in the tarball: ${files.join(', ')}`);
  assert.ok(!files.some((f) => f.startsWith('dist/webview/') || f === 'dist/extension.js'), 'the extension ships in the .vsix, not here');
  assert.deepEqual(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/') || f.includes('.moe-lab/')), [], 'no maps, sources, tests or run results');

  const prefix = path.join(tmp, 'prefix');
  fs.mkdirSync(prefix);
  const installed = sh('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', path.join(tmp, info.filename)], tmp);
  assert.equal(installed.code, 0, `npm install -g failed:\n${installed.stderr}`);
  const packageDir = path.join(prefix, 'lib', 'node_modules', 'moe-lab');
  assert.ok(!fs.existsSync(path.join(packageDir, 'node_modules')), 'nothing was installed beside it (no dependencies)');

  const work = path.join(tmp, 'work');
  fs.mkdirSync(work);
  fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'data', 'iris.csv'), path.join(work, 'iris.csv'));
  const bin = path.join(prefix, 'bin', 'moe-lab');
  // PATH gets the prefix's bin first, as after a global install; the repository's node_modules is nowhere near.
  const fit = sh(bin, ['fit', 'iris.csv', '--target', 'species', '--ridge', '0.01', '--max-iter', '40', '--out', 'results', '--json'], work, {
    PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH ?? ''}`,
  });
  assert.equal(fit.code, 0, `moe-lab fit failed:\n${fit.stderr}`);
  const result = JSON.parse(fit.stdout) as { resultsDir: string; results: { solver: string; logLik: number }[] };
  assert.deepEqual([...new Set(result.results.map((r) => r.solver))].sort(), ['adam', 'em', 'gd'], 'the default solvers ran');
  assert.ok(result.results.every((r) => Number.isFinite(r.logLik)), 'every run has a finite log-likelihood');
  // The results folder was written by the installed copy, under the working directory.
  assert.equal(path.dirname(result.resultsDir), path.join(work, 'results'));
  assert.ok(fs.existsSync(path.join(result.resultsDir, 'summary.json')), 'summary.json written');
});
