/**
 * Release hygiene (issue 16): `npm run package` refuses a dirty tree in one line; the `version` hook refuses a
 * CHANGELOG without a section for the new version in one line, and dates the section it finds; the package check
 * names source maps, run results, missing run-time files and README images, and an over-budget size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkPackageContents, readmeImages, requiredFiles } from '../../scripts/vsixContents.mjs';

const ROOT = path.resolve(__dirname, '../..');

function run(cwd: string, command: string, args: string[]) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function versionHook(changelog: string | undefined, version = '0.2.0') {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-version-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'moe-lab', version }));
  if (changelog !== undefined) writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog);
  const result = run(dir, process.execPath, [path.join(ROOT, 'scripts', 'checkChangelog.mjs'), '--root', dir, '--date', '2026-12-06']);
  const after = changelog === undefined ? undefined : readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8');
  return { ...result, after };
}

test('version hook: no section for the new version → refused in one line, CHANGELOG untouched', () => {
  const before = '# Changelog\n\n## 0.1.0 — 2026-11-01\n- first\n';
  const r = versionHook(before);
  assert.equal(r.code, 1);
  assert.deepEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /CHANGELOG\.md has no section for 0\.2\.0/);
  assert.equal(r.after, before);
  assert.equal(versionHook(undefined).code, 1, 'no CHANGELOG at all is refused too');
  assert.equal(versionHook('## 0.2.01\n- not this one\n').code, 1, '0.2.01 is not 0.2.0');
});

test('version hook: "## Unreleased" and "## 0.2.0 — unreleased" are dated; a dated section is kept', () => {
  const unreleased = versionHook('# Changelog\n\n## Unreleased\n- new\n\n## 0.1.0 — 2026-11-01\n');
  assert.equal(unreleased.code, 0, unreleased.stderr);
  assert.equal(unreleased.after, '# Changelog\n\n## 0.2.0 — 2026-12-06\n- new\n\n## 0.1.0 — 2026-11-01\n');
  const named = versionHook('# Changelog\n\n## 0.2.0 — unreleased\n- new\n');
  assert.equal(named.code, 0, named.stderr);
  assert.equal(named.after, '# Changelog\n\n## 0.2.0 — 2026-12-06\n- new\n');
  const dated = '# Changelog\n\n## 0.2.0 — 2026-12-01\n- new\n';
  const kept = versionHook(dated);
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal(kept.after, dated);
});

test('npm run package refuses a working tree with uncommitted changes in one line, unless --allow-dirty', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-package-'));
  mkdirSync(path.join(dir, 'scripts'));
  for (const name of ['package.mjs', 'vsixContents.mjs']) copyFileSync(path.join(ROOT, 'scripts', name), path.join(dir, 'scripts', name));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'moe-lab', version: '0.2.0' }));
  const git = (...args: string[]) => assert.equal(run(dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]).code, 0, `git ${args.join(' ')}`);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'clean');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'moe-lab', version: '0.2.1' }));
  const dirty = run(dir, process.execPath, [path.join(dir, 'scripts', 'package.mjs')]);
  assert.equal(dirty.code, 1);
  assert.equal(dirty.stderr.trim().split('\n').length, 1, dirty.stderr);
  assert.match(dirty.stderr, /^package: the working tree has uncommitted changes \(1 file, e\.g\. package\.json\); commit them, or pass --allow-dirty$/m);
  assert.equal(dirty.stdout, '', 'nothing was packaged');
  // With --allow-dirty it goes on to vsce, which is not in this bare folder: it fails later, for that reason.
  const allowed = run(dir, process.execPath, [path.join(dir, 'scripts', 'package.mjs'), '--allow-dirty']);
  assert.doesNotMatch(allowed.stderr, /uncommitted changes/);
});

const MANIFEST = { main: './dist/extension.js', icon: 'media/icon.png', contributes: { jsonValidation: [{ fileMatch: ['*.moe.json'], url: './dist/schema/moe.schema.json' }] } };
const README = 'Intro\n\n![The panel](media/screenshots/panel.png)\n<img src="./media/other.png" alt="x">\n![remote](https://example.org/a.png)\n';

function completePackage(): { name: string; size: number }[] {
  return requiredFiles(MANIFEST, README).map((name) => ({ name, size: 10 }));
}

test('package check: README images are the relative ones; a complete package passes', () => {
  assert.deepEqual(readmeImages(README), ['media/screenshots/panel.png', 'media/other.png']);
  assert.deepEqual(checkPackageContents({ entries: completePackage(), size: 600_000, readme: README, manifest: MANIFEST }), []);
});

test('package check: names source maps, run results, a missing worker or README image, and an oversize package', () => {
  const withJunk = [...completePackage(), { name: 'extension/dist/extension.js.map', size: 1 }, { name: 'extension/examples/.moe-lab/runs/r1/summary.json', size: 1 }];
  const problems = checkPackageContents({ entries: withJunk, size: 1_200_000, readme: README, manifest: MANIFEST }).join('; ');
  assert.match(problems, /over the budget/);
  assert.match(problems, /source maps \(extension\/dist\/extension\.js\.map\)/);
  assert.match(problems, /run results \(extension\/examples\/\.moe-lab\/runs\/r1\/summary\.json\)/);
  const missing = completePackage().filter((e) => !['extension/dist/runWorker.js', 'extension/media/screenshots/panel.png'].includes(e.name));
  assert.deepEqual(checkPackageContents({ entries: missing, size: 600_000, readme: README, manifest: MANIFEST }), ['lacks extension/dist/runWorker.js, extension/media/screenshots/panel.png']);
});

test('version hook: package.json keeps its committed layout, with only the version changed (npm spreads it out)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-version-layout-'));
  const committed = '{\n  "name": "moe-lab",\n  "version": "0.1.0",\n  "contributes": { "commands": [{ "command": "a", "title": "A" }] }\n}\n';
  writeFileSync(path.join(dir, 'package.json'), committed);
  writeFileSync(path.join(dir, 'CHANGELOG.md'), '## Unreleased\n- x\n');
  const git = (...args: string[]) => assert.equal(run(dir, 'git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args]).code, 0, `git ${args.join(' ')}`);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'base');
  // What `npm version 0.2.0` leaves before its hook runs: the same data, re-serialized.
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ ...JSON.parse(committed), version: '0.2.0' }, null, 2)}\n`);
  const r = run(dir, process.execPath, [path.join(ROOT, 'scripts', 'checkChangelog.mjs'), '--root', dir, '--date', '2026-12-06']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(path.join(dir, 'package.json'), 'utf8'), committed.replace('"version": "0.1.0"', '"version": "0.2.0"'));
  assert.match(run(dir, 'git', ['diff', '--cached', '--name-only']).stdout, /CHANGELOG\.md\npackage\.json/, 'both staged for the version commit');
});
