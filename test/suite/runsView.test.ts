// The MoE Lab view and Compare Runs (issue 17.1, 17.2) inside a real VS Code: runs written by the `moe-lab` CLI (a
// separate process, as a user runs it in the terminal) appear in the view through its file-system watchers, grouped
// by spec, with status, best ℓ, test metric and K; Compare Runs on two of them overlays both runs' curves in the
// panel and lists exactly the spec fields that differ; runs on different data hide ℓ totals and say why; deleting
// a run (confirmed) removes its folder and its row.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/commands';
import type { RunOutcome } from '../../src/extension/run/runManager';
import { lateness, moeLab, waitFor, workspaceRoot } from './helpers';
import { skipBecause } from './skip';

function spec(name: string, experts: number, adamRate: number, csv = 'iris.csv', target = 'species', maxIterations = 25) {
  return {
    name,
    data: { csv, target, testFraction: 0.3, splitSeed: 0 },
    model: { experts },
    solvers: { em: { enabled: true }, adam: { enabled: true, learningRate: adamRate } },
    stopping: { maxIterations, tolerance: 0 },
    init: { seed: 1, restarts: 1 },
    resultsDir: 'cli-runs',
  };
}

/** `moe-lab run FILE --json` in the workspace; resolves to the run folder it wrote. */
function cliRun(extensionPath: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(extensionPath, 'bin', 'moe-lab.js'), 'run', file, '--json'], { cwd: workspaceRoot(), timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`moe-lab run ${file} failed: ${stderr || error.message}`));
      const dir = (JSON.parse(stdout) as { resultsDir?: string }).resultsDir;
      return dir ? resolve(dir) : reject(new Error(`moe-lab run ${file} named no results folder: ${stdout.slice(0, 300)}`));
    });
  });
}

suite('MoE Lab view and Compare Runs', function () {
  this.timeout(180_000);
  const created: string[] = [];
  let extensionPath = '';

  suiteSetup(async function () {
    if (!vscode.workspace.isTrusted) skipBecause(this, 'runs need a trusted workspace');
    const { extension } = await moeLab();
    extensionPath = extension.extensionPath;
    const root = workspaceRoot();
    fs.writeFileSync(path.join(root, 'iris-runs-a.moe.json'), JSON.stringify(spec('iris-compare', 2, 0.01)));
    fs.writeFileSync(path.join(root, 'iris-runs-b.moe.json'), JSON.stringify(spec('iris-compare', 3, 0.03)));
    // Other data: the same rows without the last 30 (a different data file, so ℓ totals are not comparable).
    const lines = fs.readFileSync(path.join(root, 'iris.csv'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(root, 'iris-short.csv'), lines.slice(0, lines.length - 30).join('\n') + '\n');
    fs.writeFileSync(path.join(root, 'iris-runs-c.moe.json'), JSON.stringify(spec('iris-short', 2, 0.01, 'iris-short.csv')));
    fs.writeFileSync(path.join(root, 'iris-runs-long.moe.json'), JSON.stringify(spec('iris-long', 2, 0.01, 'iris.csv', 'species', 100_000)));
    created.push(...['iris-runs-a.moe.json', 'iris-runs-b.moe.json', 'iris-runs-c.moe.json', 'iris-runs-long.moe.json', 'iris-short.csv', 'cli-runs'].map((f) => path.join(root, f)));
  });

  suiteTeardown(() => {
    for (const target of created) fs.rmSync(target, { recursive: true, force: true });
  });

  test('the view lists runs the CLI wrote, grouped by spec with status, best ℓ, test metric and K; specs are listed too', async () => {
    const { api } = await moeLab();
    const first = await cliRun(extensionPath, 'iris-runs-a.moe.json');
    const second = await cliRun(extensionPath, 'iris-runs-b.moe.json');
    const group = await waitFor(
      'the view to list both CLI runs as finished',
      () => {
        // While the CLI writes, a run is a `.partial` folder (listed as interrupted); its rename publishes it.
        const found = api.runsView().groups.find((g) => g.name === 'iris-compare');
        return found && found.runs.length === 2 && found.runs.every((r) => r.status === 'finished') ? found : undefined;
      },
      30_000,
    );
    assert.deepEqual(group.runs.map((r) => r.dir), [second, first], 'newest first');
    for (const run of group.runs) {
      assert.equal(run.status, 'finished');
      assert.match(run.description, /^finished · [\d.]+ s · ℓ -?[\d.]+ · test acc [\d.]+% · K=[23]$/);
    }
    assert.match(group.runs[0].description, /K=3$/);
    const specs = api.runsView().specs.map((f) => path.basename(f));
    assert.ok(specs.includes('iris-runs-a.moe.json') && specs.includes('iris-runs-c.moe.json'), specs.join(', '));
  });

  test('Compare Runs overlays two runs and lists the spec fields that differ', async () => {
    const { api } = await moeLab();
    const group = api.runsView().groups.find((g) => g.name === 'iris-compare');
    const dirs = group?.runs.map((r) => r.dir!) ?? [];
    assert.equal(dirs.length, 2);
    const id = await vscode.commands.executeCommand<string | undefined>(COMMANDS.compareRuns, dirs);
    assert.ok(id, 'the command returns the comparison id');
    const status = await waitFor('the panel to draw the comparison', () => {
      const s = api.panelStatus();
      return s.view === 'compare' && s.comparison?.id === id && s.comparison.drawn ? s : undefined;
    });
    assert.deepEqual(status.comparison!.differences, ['model.experts', 'solvers.adam.learningRate']);
    const drawn = status.comparison!.drawn!;
    // Same data: ℓ, ℓ* − ℓ, accuracy, gradient norm, rate, KL step; every chart has a line per solver and run (2 × 2).
    assert.deepEqual(drawn.hidden, []);
    assert.equal(drawn.charts, 6);
    assert.ok(drawn.datasets >= 4 * 5, `lines drawn: ${drawn.datasets}`);
  });

  test('runs on different data are compared per row, and the panel says which chart is hidden and why', async () => {
    const { api } = await moeLab();
    const other = await cliRun(extensionPath, 'iris-runs-c.moe.json');
    const first = (await waitFor('both iris-compare runs', () => api.runsView().groups.find((g) => g.name === 'iris-compare' && g.runs.length >= 2))).runs[1].dir!;
    const id = await vscode.commands.executeCommand<string | undefined>(COMMANDS.compareRuns, [first, other]);
    const status = await waitFor('the panel to draw the comparison', () => {
      const s = api.panelStatus();
      return s.comparison?.id === id && s.comparison?.drawn ? s : undefined;
    });
    assert.equal(status.comparison!.drawn!.hidden.length, 1);
    assert.match(status.comparison!.drawn!.hidden[0], /^Log-likelihood ℓ: ℓ is a total over each run's training rows, and these runs use different data/);
    assert.ok(status.comparison!.differences.includes('data.source.csv'));
    assert.ok(status.comparison!.differences.includes('name'));
  });

  test('deleting a run (confirmed) removes its folder and its row', async () => {
    const { api } = await moeLab();
    const group = await waitFor('the short-data run to be listed', () => api.runsView().groups.find((g) => g.name === 'iris-short' && g.runs[0]?.status === 'finished'));
    const dir = group.runs[0].dir!;
    const deleted = await vscode.commands.executeCommand<boolean>(COMMANDS.deleteRun, vscode.Uri.file(dir), { confirmed: true });
    assert.equal(deleted, true);
    assert.equal(fs.existsSync(dir), false);
    await waitFor('the row to go', () => !api.runsView().groups.some((g) => g.runs.some((r) => r.dir === dir)));
  });

  test('a live run shows as running and then as it ended; Run Again repeats a stored run into the same folder', async () => {
    const { api } = await moeLab();
    const long = vscode.Uri.file(path.join(workspaceRoot(), 'iris-runs-long.moe.json'));
    const outcome = Promise.resolve(vscode.commands.executeCommand<RunOutcome | undefined>(COMMANDS.runExperiment, long, { whenBusy: 'stop' }));
    const live = await waitFor('the live run in the view', () => api.runsView().groups.find((g) => g.name === 'iris-long')?.runs.find((r) => r.status === 'running'));
    assert.match(live.description, /^running · [\d.]+ s/);
    await vscode.commands.executeCommand(COMMANDS.stopRun);
    const ended = await outcome;
    assert.equal(ended?.status, 'cancelled');
    await waitFor('the stopped run to show as cancelled', () => api.runsView().groups.find((g) => g.name === 'iris-long')?.runs.find((r) => r.status === 'cancelled' && r.dir === ended?.resultsDir));

    const group = api.runsView().groups.find((g) => g.name === 'iris-compare')!;
    const before = group.runs.length;
    const again = await vscode.commands.executeCommand<RunOutcome | undefined>(COMMANDS.rerun, vscode.Uri.file(group.runs[0].dir!));
    assert.equal(again?.status, 'finished');
    assert.equal(path.dirname(again!.resultsDir!), path.dirname(group.runs[0].dir!), 'into the same results folder');
    const rerunSpec = JSON.parse(fs.readFileSync(path.join(again!.resultsDir!, 'spec.json'), 'utf8')) as { resolved: { model: unknown; solvers: unknown } };
    const firstSpec = JSON.parse(fs.readFileSync(path.join(group.runs[0].dir!, 'spec.json'), 'utf8')) as { resolved: { model: unknown; solvers: unknown } };
    assert.deepEqual([rerunSpec.resolved.model, rerunSpec.resolved.solvers], [firstSpec.resolved.model, firstSpec.resolved.solvers]);
    await waitFor('the new run in its group', () => (api.runsView().groups.find((g) => g.name === 'iris-compare')?.runs.length ?? 0) === before + 1);
  });

  test('six runs compared: the extension host stays responsive (figure printed, not asserted)', async () => {
    const { api } = await moeLab();
    await cliRun(extensionPath, 'iris-runs-a.moe.json');
    await cliRun(extensionPath, 'iris-runs-b.moe.json');
    const dirs = await waitFor('six finished runs', () => {
      const all = api.runsView().groups.flatMap((g) => g.runs).filter((r) => r.dir && (r.status === 'finished' || r.status === 'cancelled'));
      return all.length >= 6 ? all.slice(0, 6).map((r) => r.dir!) : undefined;
    });
    const { value: status, maxLateMs } = await lateness(async () => {
      const id = await vscode.commands.executeCommand<string | undefined>(COMMANDS.compareRuns, dirs);
      return waitFor('the six-run comparison to be drawn', () => {
        const s = api.panelStatus();
        return s.comparison?.id === id && s.comparison?.drawn ? s : undefined;
      });
    });
    assert.equal(status.comparison!.runs.length, 6);
    console.log(`      six-run comparison: ${status.comparison!.drawn!.charts} charts, ${status.comparison!.drawn!.datasets} lines; extension host event loop at most ${maxLateMs.toFixed(0)} ms late`);
  });
});
