// Bundles the three runtimes: the CLI and the extension host (Node), the run worker (Node, worker_threads),
// and the webviews (browser). `--watch` rebuilds on change, `--production` minifies.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { assistSchema } from './scripts/assistSchema.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode'],
  logLevel: 'warning',
};
const browser = { bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning' };

const entries = [
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/extension/runWorker.ts'], outfile: 'dist/runWorker.js' },
  { ...node, entryPoints: ['src/core/kernels/threads/helper.ts'], outfile: 'dist/kernelHelper.js' },
  { ...browser, entryPoints: ['webview/panel/main.ts'], outfile: 'dist/webview/panel.js' },
  { ...browser, entryPoints: ['webview/specEditor/main.ts'], outfile: 'dist/webview/specEditor.js' },
].filter((options) => existsSync(options.entryPoints[0]));

// Files shipped as they are: the webview toolkit (loaded by the spec editor's page as a module), so that the package
// needs nothing from node_modules at run time.
const copies = [['node_modules/@vscode/webview-ui-toolkit/dist/toolkit.min.js', 'dist/webview/toolkit.min.js']];
for (const [from, to] of copies) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
// The spec schema for `contributes.jsonValidation`: completion and hover only (scripts/assistSchema.mjs says why).
mkdirSync('dist/schema', { recursive: true });
writeFileSync('dist/schema/moe.schema.json', JSON.stringify(assistSchema(JSON.parse(readFileSync('src/core/spec/schema.json', 'utf8'))), null, 2) + '\n');

if (watch) {
  for (const options of entries) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(entries.map((options) => esbuild.build(options)));
}
