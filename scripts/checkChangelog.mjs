#!/usr/bin/env node
// The `version` hook of `npm version X` (run after package.json has the new version, before npm's commit and tag):
// the CHANGELOG.md that ships in the package must have a section for X.
//
// - "## X — unreleased" (or "## X"): dated "## X — YYYY-MM-DD";
// - else "## Unreleased": becomes "## X — YYYY-MM-DD";
// - else refuses, in one line, and `npm version` stops.
// The changed CHANGELOG.md is staged (`git add`) so that it joins npm's version commit. npm rewrites package.json
// in its own layout (every one-line entry of `contributes` spread over several lines): the committed text with only
// its "version" changed is written back instead, when that is the same JSON.
//
//   node scripts/checkChangelog.mjs [--root DIR] [--date YYYY-MM-DD]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { root: { type: 'string' }, date: { type: 'string' } } });
const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const date = values.date ?? new Date().toISOString().slice(0, 10);
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const file = path.join(root, 'CHANGELOG.md');
const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';

const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const versionHeading = new RegExp(`^## \\[?v?${escaped}\\]?(?=\\s|$)(.*)$`, 'm');
const unreleasedHeading = /^## \[?unreleased\]?\s*$/im;

let updated;
const section = versionHeading.exec(text);
if (section) {
  updated = /unreleased/i.test(section[1]) ? text.replace(versionHeading, `## ${version} — ${date}`) : text;
} else if (unreleasedHeading.test(text)) {
  updated = text.replace(unreleasedHeading, `## ${version} — ${date}`);
} else {
  console.error(`version: CHANGELOG.md has no section for ${version}: add "## ${version}" or "## Unreleased" with its changes and commit it, undo npm's bump (git checkout package.json package-lock.json), then run npm version again`);
  process.exit(1);
}

if (updated !== text) {
  fs.writeFileSync(file, updated);
  const add = spawnSync('git', ['add', 'CHANGELOG.md'], { cwd: root, encoding: 'utf8' });
  console.log(`version: CHANGELOG.md section "## ${version} — ${date}"${add.status === 0 ? ' (staged for the version commit)' : ''}`);
} else {
  console.log(`version: CHANGELOG.md has a section for ${version}`);
}

/** package.json as committed, with only its version changed, if npm's rewrite holds the same data; else as npm wrote it. */
function keepManifestLayout() {
  const committed = spawnSync('git', ['show', 'HEAD:package.json'], { cwd: root, encoding: 'utf8' });
  if (committed.status !== 0) return;
  const current = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  const relaid = committed.stdout.replace(/^(\s*"version"\s*:\s*)"[^"]*"/m, `$1${JSON.stringify(version)}`);
  let same = false;
  try {
    same = JSON.stringify(JSON.parse(relaid)) === JSON.stringify(JSON.parse(current));
  } catch {
    /* not JSON: leave npm's file */
  }
  if (!same || relaid === current) return;
  fs.writeFileSync(path.join(root, 'package.json'), relaid);
  spawnSync('git', ['add', 'package.json'], { cwd: root });
}
keepManifestLayout();
