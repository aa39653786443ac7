#!/usr/bin/env node
// `npm run package`: writes moe-lab-<version>.vsix with @vscode/vsce, then checks what is inside.
//
//   npm run package [-- --allow-dirty] [-- --out FILE]
//
// - Refuses a working tree with uncommitted changes (a package must hold committed code only) unless --allow-dirty.
// - vsce runs `vscode:prepublish` (node esbuild.mjs --production: dist/ emptied, minified, no source maps), and
//   takes the files .vscodeignore allows; --no-dependencies because every bundle is self-contained (nothing from
//   node_modules runs), --no-rewrite-relative-links so that the README's images resolve inside the package.
// - Then prints the package's size and file list and fails when it is over budget (1 MB), holds a source map or a
//   run result, lacks a file the extension loads at run time, or lacks an image the README shows.
//
// @vscode/vsce is pinned to 3.9.2: the 3.9 line is the last whose `engines` allow Node 20, this project's floor
// (vsce 4.x and, oddly, 3.8.x declare Node >= 22).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkPackageContents, listVsix } from './vsixContents.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function refuse(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

let args;
try {
  args = parseArgs({ options: { 'allow-dirty': { type: 'boolean', default: false }, out: { type: 'string' } } }).values;
} catch (e) {
  refuse(`${e.message} (options: --allow-dirty, --out FILE)`);
}

if (!args['allow-dirty']) {
  const status = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  if (status.status !== 0) refuse('cannot tell whether the working tree is clean (git status failed); pass --allow-dirty to package anyway');
  const changed = status.stdout.split('\n').filter(Boolean);
  if (changed.length > 0) {
    const first = changed[0].slice(3);
    refuse(`the working tree has uncommitted changes (${changed.length} file${changed.length === 1 ? '' : 's'}, e.g. ${first}); commit them, or pass --allow-dirty`);
  }
}

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const out = path.resolve(ROOT, args.out ?? `${manifest.name}-${manifest.version}.vsix`);
fs.rmSync(out, { force: true });
// vsce writes into an existing folder only.
fs.mkdirSync(path.dirname(out), { recursive: true });

const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
const started = Date.now();
const result = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', out], { cwd: ROOT, stdio: 'inherit' });
if (result.status !== 0) refuse(`vsce package failed (exit ${result.status ?? result.signal})`);

const entries = await listVsix(out);
const size = fs.statSync(out).size;
console.log(`\n${path.relative(process.cwd(), out) || out}: ${(size / 1e6).toFixed(3)} MB (${size} bytes), ${entries.length} files, packaged in ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const entry of entries) console.log(`  ${String(entry.size).padStart(9)}  ${entry.name}`);

const problems = checkPackageContents({ entries, size, readme: fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), manifest });
if (problems.length > 0) {
  fs.rmSync(out, { force: true });
  console.error(`\npackage: ${out} removed, it ${problems.join('; ')}`);
  process.exit(1);
}
console.log('package: ok (≤ 1 MB, no source maps, no run results, every run-time file and README image inside)');
