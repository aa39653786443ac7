#!/usr/bin/env node
// Thin launcher for the `moe-lab` CLI. The bundle is built by `npm install` (the `prepare` script);
// if it is missing (for example after `git clean`), build it once before running.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  require('node:child_process').execFileSync(process.execPath, [path.join(__dirname, '..', 'esbuild.mjs')], { stdio: 'inherit' });
}
require(bundle);
