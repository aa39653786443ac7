// The integration suite's entry point: VS Code's extension host calls `run()` (as @vscode/test-electron and the
// VS Code server harness both arrange) and exits with 0 when it resolves, 1 when it rejects.
//
// It loads every compiled `*.test.js` beside it (built from test/suite/**/*.test.ts by test/harness), runs them
// with mocha's TDD interface (`suite`, `test`, `suiteSetup`...), prints mocha's spec report, and writes a JSON
// result file so a launcher can say which test failed even when it cannot see the extension host's output:
//   - path from env MOE_LAB_TEST_RESULTS, else <repo>/.vscode-test/results/integration.json.
// Env MOE_LAB_TEST_GREP filters tests by title (mocha --grep).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { SKIP_REASON } from './skip';

export interface TestRecord {
  fullTitle: string;
  file?: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
  /** A pending test: why (see `skipBecause` in helpers.ts). */
  skipReason?: string;
}

export interface SuiteResults {
  done: boolean;
  startedAt: string;
  finishedAt?: string;
  passed: number;
  failed: number;
  pending: number;
  tests: TestRecord[];
  /** mocha's spec reporter output, uncoloured. */
  output: string;
  vscodeVersion?: string;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function resultsPath(): string {
  return process.env.MOE_LAB_TEST_RESULTS || path.join(REPO_ROOT, '.vscode-test', 'results', 'integration.json');
}

function writeResults(file: string, results: SuiteResults): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
  fs.renameSync(tmp, file);
}

function errorOf(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message, stack: err.stack };
  return { message: String(err) };
}

/** The reason `skipBecause` recorded on the test or on a suite around it. */
function skipReasonOf(test: Mocha.Runnable): string {
  for (let node: Mocha.Runnable | Mocha.Suite | undefined = test; node; node = node.parent) {
    const reason = (node as unknown as Record<string, unknown>)[SKIP_REASON];
    if (typeof reason === 'string') return reason;
  }
  return 'no reason given (this.skip() without skipBecause)';
}

function loadMocha(): typeof import('mocha') {
  // mocha 12 is an ES module package; Node >= 20.19 / 22.12 (every VS Code extension host we target) can
  // require() it, which gives its namespace object.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('mocha');
  return (mod.Mocha ?? mod.default ?? mod) as typeof import('mocha');
}

export async function run(): Promise<void> {
  process.setSourceMapsEnabled?.(true); // stack traces point at the .ts sources (the bundles carry inline maps)
  const file = resultsPath();
  const results: SuiteResults = { done: false, startedAt: new Date().toISOString(), passed: 0, failed: 0, pending: 0, tests: [], output: '' };
  const output: string[] = [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    results.vscodeVersion = (require('vscode') as typeof import('vscode')).version;
  } catch {
    /* not in an extension host */
  }
  writeResults(file, results); // marks the run as started (done: false)

  const Mocha = loadMocha();
  const Base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const originalConsoleLog = Base.consoleLog;
  Base.consoleLog = (...args: unknown[]) => {
    output.push(format(...args));
    originalConsoleLog(...args);
  };

  try {
    const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
    if (process.env.MOE_LAB_TEST_GREP) mocha.grep(process.env.MOE_LAB_TEST_GREP);
    const testFiles = fs
      .readdirSync(__dirname, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.test.js'))
      .sort()
      .map((f) => path.join(__dirname, f));
    for (const f of testFiles) mocha.addFile(f);

    const failures = await new Promise<number>((resolve, reject) => {
      try {
        const runner = mocha.run((n) => resolve(n));
        const record = (t: Mocha.Runnable, state: TestRecord['state'], err?: unknown) => {
          results.tests.push({
            fullTitle: t.fullTitle(),
            file: t.file ? path.relative(__dirname, t.file) : undefined,
            state,
            durationMs: t.duration,
            error: err === undefined ? undefined : errorOf(err),
            skipReason: state === 'pending' ? skipReasonOf(t) : undefined,
          });
          results[state] += 1;
        };
        runner.on('pass', (t) => record(t, 'passed'));
        runner.on('fail', (t, err) => record(t, 'failed', err));
        runner.on('pending', (t) => record(t, 'pending'));
      } catch (e) {
        reject(e); // e.g. a test file that throws while loading
      }
    });
    if (testFiles.length === 0 || results.tests.length === 0) {
      results.failed += 1;
      results.tests.push({ fullTitle: '(suite) no tests found', state: 'failed', error: { message: `no *.test.js under ${__dirname}` } });
    }
    if (failures > 0 && results.failed === 0) results.failed = failures;
  } catch (e) {
    results.failed += 1;
    results.tests.push({ fullTitle: '(suite) failed to load or run', state: 'failed', error: errorOf(e) });
    output.push(`Suite error: ${errorOf(e).stack ?? errorOf(e).message}`);
  } finally {
    Base.consoleLog = originalConsoleLog;
  }

  results.done = true;
  results.finishedAt = new Date().toISOString();
  results.output = output.join('\n');
  writeResults(file, results);
  if (results.failed > 0) throw new Error(`${results.failed} test(s) failed`);
}
