// What a .vsix holds, and whether that is what MoE Lab must ship (used by scripts/package.mjs and the installed tier).
import { createRequire } from 'node:module';

/** The package budget: the whole .vsix (a zip), in bytes. */
export const MAX_VSIX_BYTES = 1_000_000;

/**
 * Files the installed extension loads at run time (paths inside the package, under `extension/`): the bundles
 * esbuild.mjs writes (the run worker and the kernel helper are started from files beside extension.js, the webviews
 * load theirs through asWebviewUri), the schema of `jsonValidation`, the panel's stylesheet and icons, and the data
 * of *Reproduce Paper Experiments*. The manifest's own entries (main, icon) are added by `requiredFiles`.
 */
const RUNTIME_FILES = [
  'dist/extension.js',
  'dist/runWorker.js',
  'dist/kernelHelper.js',
  'dist/schema/moe.schema.json',
  'dist/webview/panel.js',
  'dist/webview/specEditor.js',
  'dist/webview/specEditor.css',
  'dist/webview/toolkit.min.js',
  'media/panel.css',
  'media/moe-lab-light.svg',
  'media/moe-lab-dark.svg',
  'media/moe-lab-view.svg',
  'examples/data/iris.csv',
  'examples/data/wine.csv',
  'examples/data/README.md',
  'examples/iris.moe.json',
];

/** vsce stores these documents under its own names. */
const DOCUMENTS = ['readme.md', 'changelog.md', 'LICENSE.txt'];

/** Lists a .vsix's entries ({ name, size }) with yauzl, the zip reader @vscode/vsce itself uses. */
export async function listVsix(file) {
  const require = createRequire(createRequire(import.meta.url).resolve('@vscode/vsce/package.json'));
  const yauzl = require('yauzl');
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries = [];
      zip.on('entry', (entry) => {
        if (!entry.fileName.endsWith('/')) entries.push({ name: entry.fileName, size: entry.uncompressedSize });
        zip.readEntry();
      });
      zip.on('end', () => resolve(entries.sort((a, b) => a.name.localeCompare(b.name))));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Relative image paths of a Markdown text (`![alt](path)` and `<img src="path">`); web addresses are left out. */
export function readmeImages(markdown) {
  const found = [...markdown.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...markdown.matchAll(/<img\b[^>]*\bsrc=["']([^"']+)["']/gi)].map((m) => m[1]);
  return [...new Set(found.filter((p) => !/^[a-z][a-z0-9+.-]*:/i.test(p) && !p.startsWith('#')).map((p) => p.replace(/^\.\//, '').split('#')[0]))];
}

/** Every file the package must hold, as paths inside the .vsix. */
export function requiredFiles(manifest, readme) {
  const own = [manifest.main, manifest.icon].filter(Boolean).map((p) => p.replace(/^\.\//, ''));
  const schemas = (manifest.contributes?.jsonValidation ?? []).map((v) => v.url.replace(/^\.\//, ''));
  return [...new Set([...RUNTIME_FILES, ...own, ...schemas, ...readmeImages(readme), ...DOCUMENTS])].map((p) => `extension/${p}`);
}

/**
 * What is wrong with a package (an empty list when nothing is): over budget, a source map, a run result (anything
 * under a `.moe-lab` folder or a results `runs/` folder), or a required file missing. Each problem is a phrase that
 * follows "it …".
 */
export function checkPackageContents({ entries, size, readme, manifest }) {
  const names = new Set(entries.map((e) => e.name));
  const problems = [];
  if (size > MAX_VSIX_BYTES) problems.push(`is ${size} bytes, over the budget of ${MAX_VSIX_BYTES}`);
  const maps = entries.filter((e) => e.name.endsWith('.map')).map((e) => e.name);
  if (maps.length) problems.push(`holds source maps (${maps.join(', ')})`);
  const results = entries.filter((e) => /(^|\/)\.moe-lab\/|(^|\/)runs\//.test(e.name)).map((e) => e.name);
  if (results.length) problems.push(`holds run results (${results.slice(0, 3).join(', ')}${results.length > 3 ? `, … ${results.length} in all` : ''})`);
  const missing = requiredFiles(manifest, readme).filter((p) => !names.has(p));
  if (missing.length) problems.push(`lacks ${missing.join(', ')}`);
  return problems;
}
