#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (128×128, the size and format the Marketplace takes for `icon`) with
// Debian's Chromium through playwright-core. Run it after editing the SVG and commit both files:
//   node scripts/makeIcon.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 128;
const svg = fs.readFileSync(path.join(ROOT, 'media', 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.MOE_LAB_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block}</style>${svg}`);
  const out = path.join(ROOT, 'media', 'icon.png');
  await page.screenshot({ path: out, omitBackground: true, clip: { x: 0, y: 0, width: SIZE, height: SIZE } });
  console.log(`${path.relative(ROOT, out)}: ${fs.statSync(out).size} bytes`);
} finally {
  await browser.close();
}
