// A spec opened in the extension cannot write outside the workspace without the user's consent (issue 15, item 3).
// Called with `outsideWorkspace: 'refuse'` (what a caller that cannot answer a modal passes), Run Experiment refuses a
// `resultsDir` that is absolute, climbs out with `..`, or goes through a link that leads out, and creates nothing
// there; a results folder inside (even one named `..runs`) runs as before. Fit (moeLab.fitCsv, the explorer's fit after
// its quick picks) with a moeLab.resultsFolder setting that leads outside, Generate Synthetic Dataset and Reproduce
// Paper Experiments hold to the same rule. The question itself (the modal) is shown by test/e2e/outsideWorkspace.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/commands';
import type { RunOutcome } from '../../src/extension/run/runManager';
import type { SynthResult } from '../../src/extension/synth/synthCommand';
import { workspaceRoot } from './helpers';

suite('Writing outside the workspace', () => {
  let outside: string;
  const created: string[] = [];

  suiteSetup(() => {
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-outside-'));
  });

  suiteTeardown(() => {
    for (const file of created) fs.rmSync(file, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  function writeSpec(name: string, resultsDir: string): vscode.Uri {
    const file = path.join(workspaceRoot(), `${name}.moe.json`);
    created.push(file);
    fs.writeFileSync(
      file,
      JSON.stringify({
        name,
        data: { csv: 'iris.csv', target: 'species' },
        model: { experts: 2, expert: 'categorical' },
        solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false } },
        stopping: { maxIterations: 5 },
        init: { restarts: 1 },
        resultsDir,
      }),
    );
    return vscode.Uri.file(file);
  }

  function run(spec: vscode.Uri): Thenable<RunOutcome> {
    return vscode.commands.executeCommand<RunOutcome>(COMMANDS.runExperiment, spec, { whenBusy: 'stop', outsideWorkspace: 'refuse' });
  }

  async function assertRefused(spec: vscode.Uri, target: string): Promise<void> {
    const outcome = await run(spec);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.userError, true);
    assert.equal(outcome.pointer, '/resultsDir');
    assert.match(outcome.error ?? '', /\/resultsDir .* is outside the workspace folder/);
    assert.ok(outcome.error?.includes(path.basename(target)), `the message names the folder: ${outcome.error}`);
    assert.equal(outcome.resultsDir, undefined);
    assert.equal(fs.existsSync(target), false, `${target} was created`);
  }

  test('an absolute resultsDir outside the workspace is refused and nothing is written there', async () => {
    const target = path.join(outside, 'absolute-runs');
    await assertRefused(writeSpec('outside-absolute', target), target);
    assert.deepEqual(fs.readdirSync(outside), [], 'the outside folder is still empty');
  });

  test('a resultsDir that climbs out with ".." is refused', async () => {
    const target = path.join(outside, 'climbed-runs');
    const relative = path.relative(workspaceRoot(), target).split(path.sep).join('/');
    assert.ok(relative.startsWith('../'), relative);
    await assertRefused(writeSpec('outside-relative', relative), target);
  });

  test('a resultsDir through a link in the workspace that leads outside is refused', async () => {
    const link = path.join(workspaceRoot(), 'escape-link');
    fs.symlinkSync(outside, link, 'dir');
    created.push(link);
    await assertRefused(writeSpec('outside-link', 'escape-link/runs'), path.join(outside, 'runs'));
  });

  test('a resultsDir inside the workspace (named "..runs") runs as before', async () => {
    const outcome = await run(writeSpec('inside-dots', '..runs'));
    created.push(path.join(workspaceRoot(), '..runs'));
    assert.equal(outcome.status, 'finished', outcome.error);
    assert.equal(path.dirname(outcome.resultsDir!), path.join(workspaceRoot(), '..runs'));
    assert.ok(fs.existsSync(path.join(outcome.resultsDir!, 'summary.json')));
  });

  test('Fit refuses a moeLab.resultsFolder setting outside the workspace, naming the setting, and writes nothing', async () => {
    const target = path.join(outside, 'fit-runs');
    const settings = vscode.workspace.getConfiguration('moeLab', vscode.Uri.file(workspaceRoot()));
    await settings.update('resultsFolder', target, vscode.ConfigurationTarget.Workspace);
    try {
      const csv = vscode.Uri.file(path.join(workspaceRoot(), 'iris.csv'));
      const options = { target: 'species', experts: 2, solvers: ['em'], maxIterations: 5, restarts: 1, whenBusy: 'stop', outsideWorkspace: 'refuse' };
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand(COMMANDS.fitCsv, csv, options)),
        (error: Error) => {
          assert.match(error.message, /the moeLab\.resultsFolder setting .* is outside the workspace folder/);
          assert.ok(error.message.includes(target), `the message names the folder: ${error.message}`);
          return true;
        },
      );
      assert.equal(fs.existsSync(target), false, `${target} was created`);
    } finally {
      await settings.update('resultsFolder', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('Generate Synthetic Dataset refuses a file outside the workspace and writes nothing', async () => {
    const csv = path.join(outside, 'synthetic', 'data.csv');
    const result = await vscode.commands.executeCommand<SynthResult | undefined>(COMMANDS.generateSyntheticDataset, {
      samples: 50,
      dim: 2,
      file: csv,
      outsideWorkspace: 'refuse',
    });
    assert.equal(result, undefined);
    assert.equal(fs.existsSync(path.join(outside, 'synthetic')), false);
  });

  test('Reproduce Paper Experiments refuses an outDir through a link that leads outside', async () => {
    const link = path.join(workspaceRoot(), 'escape-report');
    fs.symlinkSync(outside, link, 'dir');
    created.push(link);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand(COMMANDS.reproducePaper, { only: ['snr-sweep'], outDir: 'escape-report/r1', whenBusy: 'stop' })),
      /"outDir" must be a folder inside the workspace/,
    );
    assert.equal(fs.existsSync(path.join(outside, 'r1')), false);
  });
});
