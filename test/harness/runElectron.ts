// Integration tier through @vscode/test-electron: downloads a desktop VS Code (cached under .vscode-test/) and runs
// the same mocha suite (out/test/suite/index.js) in its extension host. For machines that can reach VS Code's
// download servers; on machines that cannot (such as this project's CI), use test/harness/runServer.mjs.
//
//   node --import tsx test/harness/runElectron.ts [--grep PATTERN]
//   env: VSCODE_TEST_VERSION (default "stable"); on a Linux box without a display run it under `xvfb-run -a`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { ARTIFACTS_DIR, CACHE_DIR, REPO_ROOT, SUITE_INDEX, buildAll, cleanupAll, createRun, log } from './vscodeServer.mjs';

interface Results {
  done: boolean;
  passed: number;
  failed: number;
  pending: number;
  output: string;
  vscodeVersion?: string;
  tests: { fullTitle: string; state: string; error?: { message: string; stack?: string } }[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { grep: { type: 'string' } } });
  const artifacts = path.join(ARTIFACTS_DIR, 'integration-electron');
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  await buildAll();
  const run = createRun('integration-electron');
  const resultsFile = path.join(run.dir, 'results.json');
  let exitCode: number;
  try {
    exitCode = await runTests({
      version: process.env.VSCODE_TEST_VERSION ?? 'stable',
      cachePath: CACHE_DIR,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: SUITE_INDEX,
      extensionTestsEnv: { MOE_LAB_TEST_RESULTS: resultsFile, ...(values.grep ? { MOE_LAB_TEST_GREP: values.grep } : {}) },
      launchArgs: [
        run.workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${path.join(run.dir, 'user-data')}`,
      ],
    });
  } catch (e) {
    // runTests rejects when VS Code exits non-zero (a failing test) or cannot be downloaded/started.
    log(`VS Code run failed: ${(e as Error)?.message ?? e}`);
    exitCode = 1;
  }
  let results: Results | null = null;
  try {
    results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Results;
  } catch {
    /* no results: VS Code did not start or the suite did not load */
  }
  await cleanupAll();
  if (!results?.done) {
    results = {
      done: false,
      passed: results?.passed ?? 0,
      failed: (results?.failed ?? 0) + 1,
      pending: results?.pending ?? 0,
      output: results?.output ?? '',
      tests: [...(results?.tests ?? []), { fullTitle: '(harness) suite did not finish', state: 'failed', error: { message: `exit code ${exitCode}` } }],
    };
  }
  fs.writeFileSync(path.join(artifacts, 'results.json'), JSON.stringify(results, null, 2));
  if (results.output) console.log(`\n${results.output}\n`);
  console.log(`integration (electron): ${results.passed} passed, ${results.failed} failed, ${results.pending} pending (VS Code ${results.vscodeVersion ?? '?'})`);
  return results.failed > 0 || exitCode !== 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (e) => {
    console.error('[harness] error:', e);
    await cleanupAll();
    process.exit(1);
  },
);
