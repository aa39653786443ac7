// A fit on a workspace CSV through the command that takes arguments (the same path as the explorer's
// "Fit Mixture of Experts…" after its quick picks): the run happens in the worker, results land in the configured
// folder, the convergence panel opens and receives every iteration; the saved spec runs again; past results open.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/commands';
import type { FitOutcome } from '../../src/extension/fit/fitCommands';
import type { RunOutcome } from '../../src/extension/run/runManager';
import { moeLab, readJson, waitFor, workspaceRoot } from './helpers';

suite('Fit a CSV', function () {
  this.timeout(120_000);
  let outcome: FitOutcome;

  suiteSetup(async () => {
    await moeLab();
    const csv = vscode.Uri.file(path.join(workspaceRoot(), 'iris.csv'));
    outcome = await vscode.commands.executeCommand<FitOutcome>(COMMANDS.fitCsv, csv, {
      target: 'species',
      solvers: ['em', 'gd', 'adam'],
      experts: 2,
      maxIterations: 120,
      restarts: 2,
      saveSpec: true,
    });
  });

  test('the run finishes and writes a results folder under the configured folder', () => {
    assert.equal(outcome.status, 'finished', outcome.error);
    assert.ok(outcome.resultsDir, 'no results folder');
    const expectedRoot = path.join(workspaceRoot(), '.moe-lab', 'runs');
    assert.equal(path.dirname(outcome.resultsDir!), expectedRoot);
    for (const file of ['summary.json', 'spec.json', 'traces.csv']) assert.ok(fs.existsSync(path.join(outcome.resultsDir!, file)), `${file} missing`);
    for (const solver of ['em', 'gd', 'adam']) {
      for (const restart of [0, 1]) assert.ok(fs.existsSync(path.join(outcome.resultsDir!, 'traces', `${solver}-r${restart}.json`)), `${solver}-r${restart}.json missing`);
    }
    const summary = readJson<{ complete: boolean; cancelled: boolean; results: { solver: string; best: boolean }[] }>(path.join(outcome.resultsDir!, 'summary.json'));
    assert.equal(summary.complete, true);
    assert.equal(summary.cancelled, false);
    assert.equal(summary.results.length, 6);
    // One best restart per solver, chosen among the fits that are not degenerate (docs/degenerate-fits.md): none for
    // a solver whose every restart is (Iris' classes are separable, and no ridge was given here).
    for (const solver of ['em', 'gd', 'adam']) {
      const runs = outcome.results.filter((r) => r.solver === solver);
      const healthy = runs.filter((r) => !r.degeneracies?.length);
      const best = runs.filter((r) => r.best);
      assert.equal(best.length, healthy.length > 0 ? 1 : 0, `${solver}: one best restart among the non-degenerate ones`);
      if (best.length) assert.equal(best[0].objective, Math.max(...healthy.map((r) => r.objective)));
    }
  });

  test('the convergence panel opened, said ready and received every iteration', async () => {
    const { api } = await moeLab();
    const total = outcome.iterations + outcome.results.length; // iteration 0 of each solver and restart is reported too
    const status = await waitFor('the panel to receive the whole run', () => {
      const s = api.panelStatus();
      return s.open && s.ready && s.runId === outcome.runId && s.reportsPosted === total ? s : undefined;
    });
    assert.ok(status.snapshotsPosted >= 1);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('moeLab.convergencePanel'));
    assert.ok(tab, 'no convergence panel tab');
    assert.match(tab!.label, /iris/);
  });

  test('the choices were saved as iris.moe.json beside the data, and that spec runs', async () => {
    assert.equal(outcome.specFile, path.join(workspaceRoot(), 'iris.moe.json'));
    const spec = readJson<{ data: { csv: string; target: string }; resultsDir: string; solvers: Record<string, { enabled: boolean }> }>(outcome.specFile!);
    assert.equal(spec.data.csv, 'iris.csv');
    assert.equal(spec.data.target, 'species');
    assert.equal(spec.resultsDir, '.moe-lab/runs');
    assert.deepEqual(Object.entries(spec.solvers).filter(([, s]) => s.enabled).map(([name]) => name).sort(), ['adam', 'em', 'gd']);
    const rerun = await vscode.commands.executeCommand<RunOutcome>(COMMANDS.runExperiment, vscode.Uri.file(outcome.specFile!));
    assert.equal(rerun.status, 'finished', rerun.error);
    assert.notEqual(rerun.resultsDir, outcome.resultsDir);
    assert.equal(path.dirname(rerun.resultsDir!), path.dirname(outcome.resultsDir!));
  });

  test('Open Run Results shows a stored run in the panel', async () => {
    const { api } = await moeLab();
    const runId = await vscode.commands.executeCommand<string>(COMMANDS.openRunResults, vscode.Uri.file(outcome.resultsDir!));
    assert.equal(runId, outcome.runId);
    await waitFor('the panel to show the stored run', () => api.panelStatus().runId === outcome.runId && api.panelStatus().ready);
  });

  test('a spec with a mistake is reported, not run', async () => {
    const bad = path.join(workspaceRoot(), 'bad.moe.json');
    fs.writeFileSync(bad, JSON.stringify({ data: { csv: 'iris.csv', target: 'species' }, model: { experts: 0 } }));
    const result = await vscode.commands.executeCommand<RunOutcome>(COMMANDS.runExperiment, vscode.Uri.file(bad));
    assert.equal(result.status, 'failed');
    assert.equal(result.userError, true);
    assert.match(result.error ?? '', /\/model\/experts/);
  });

  test('a wrong column is a clear error from moeLab.fitCsv', async () => {
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand(COMMANDS.fitCsv, path.join(workspaceRoot(), 'iris.csv'), { target: 'speciez', maxIterations: 5 })),
      /speciez/,
    );
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand(COMMANDS.fitCsv, 'iris.csv', { target: 'species', bogus: 1 })), /unknown option "bogus"/);
  });

  test('New Experiment writes a spec from the template next to the CSV', async () => {
    const uri = await vscode.commands.executeCommand<vscode.Uri>(COMMANDS.newExperiment, { csv: path.join(workspaceRoot(), 'iris.csv'), target: 'species', open: false });
    assert.ok(uri);
    assert.equal(path.dirname(uri.fsPath), workspaceRoot());
    assert.match(path.basename(uri.fsPath), /^iris(-\d+)?\.moe\.json$/);
    const spec = readJson<{ name: string; data: { csv: string; target: string } }>(uri.fsPath);
    assert.equal(spec.name, path.basename(uri.fsPath, '.moe.json'), 'the name follows the file (iris-2.moe.json → "iris-2")');
    assert.equal(spec.data.csv, 'iris.csv');
    assert.equal(spec.data.target, 'species');
  });
});
