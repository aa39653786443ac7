// Bundles the three runtimes: the CLI and the extension host (Node), the run worker (Node, worker_threads),
// and the webviews (browser).
//
//   node esbuild.mjs                 development build: readable bundles with source maps
//   node esbuild.mjs --watch         the same, rebuilt on change; prints "[watch] build started" / "[watch] build
//                                    finished" around each build and esbuild's errors as "✘ [ERROR] message" followed
//                                    by "    file:line:column:", the lines the problem matcher of .vscode/tasks.json reads
//   node esbuild.mjs --production    what ships (`vscode:prepublish`, run by `npm run package`): dist/ emptied first so
//                                    that no source map of an earlier development build is left, minified, no maps
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { assistSchema } from './scripts/assistSchema.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * Reports the builds to the watch task's problem matcher: one "started" line when the first of the bundles starts
 * rebuilding and one "finished" line when the last one is done (a change to a shared file rebuilds several), so
 * that the task's "building" state covers all of them; each error as two lines.
 */
let building = 0;
let errors = 0;
const watchReporter = {
  name: 'watch-reporter',
  setup(build) {
    build.onStart(() => {
      if (building++ === 0) {
        errors = 0;
        console.log('[watch] build started');
      }
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        // esbuild counts columns from 0, VS Code from 1.
        if (location) console.error(`    ${relative(process.cwd(), location.file)}:${location.line}:${location.column + 1}:`);
      }
      errors += result.errors.length;
      if (--building === 0) console.log(`[watch] build finished (${errors} error${errors === 1 ? '' : 's'})`);
    });
  },
};

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: watch ? 'silent' : 'warning', plugins: watch ? [watchReporter] : [] };
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs', external: ['vscode'] };
const browser = { ...common, platform: 'browser', target: 'es2022', format: 'iife' };

const entries = [
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js' },
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/extension/runWorker.ts'], outfile: 'dist/runWorker.js' },
  { ...node, entryPoints: ['src/cli/worker/runWorker.ts'], outfile: 'dist/cliRunWorker.js' },
  { ...node, entryPoints: ['src/core/kernels/threads/helper.ts'], outfile: 'dist/kernelHelper.js' },
  { ...browser, entryPoints: ['webview/panel/main.ts'], outfile: 'dist/webview/panel.js' },
  { ...browser, entryPoints: ['webview/specEditor/main.ts'], outfile: 'dist/webview/specEditor.js' },
].filter((options) => existsSync(options.entryPoints[0]));

if (production) rmSync('dist', { recursive: true, force: true });

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
