/**
 * The layers stay as DESIGN §5 draws them: `src/core` imports neither `vscode` nor extension or webview code
 * (it runs in the CLI, the extension host and worker threads), and no source file evaluates strings as code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(ts|mjs|js)$/.test(name) ? [file] : [];
  });
}

test('src/core imports no vscode, extension or webview module', () => {
  for (const file of sourceFiles(path.join(ROOT, 'src', 'core'))) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /from\s+['"]vscode['"]|require\(['"]vscode['"]\)/, `${file} imports vscode`);
    assert.doesNotMatch(text, /from\s+['"][./]*\/(extension|webview)\//, `${file} imports a UI layer`);
  }
});

test('no source file uses eval or new Function', () => {
  const roots = ['src', 'webview'].map((dir) => path.join(ROOT, dir)).filter((dir) => {
    try {
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  });
  for (const file of roots.flatMap(sourceFiles)) {
    const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    assert.doesNotMatch(code, /\beval\s*\(|new\s+Function\s*\(/, `${file} evaluates a string as code`);
  }
});
