#!/usr/bin/env node
// Thin launcher for the `moe-lab` CLI. The bundle is built by `npm install` (the `prepare` script);
// if it is missing (for example after `git clean`), build it once before running.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  // esbuild.mjs resolves its inputs against the working directory: build from the package root.
  const root = path.join(__dirname, '..');
  require('node:child_process').execFileSync(process.execPath, [path.join(root, 'esbuild.mjs')], { stdio: 'inherit', cwd: root });
}
require(bundle);
