// What the manifest promises, checked against the running extension: every contributed command is registered once
// it is active; every menu entry names one of them; each explorer and editor menu entry shows on the files its
// command acts on (its `when` clause evaluated for real files, with the context keys VS Code and MoE Lab set), and
// the command, given that file as the menu gives it, does its work; the palette hides only what needs arguments.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, RUNNING_CONTEXT_KEY } from '../../src/extension/commands';
import type { FitOutcome } from '../../src/extension/fit/fitCommands';
import type { RunOutcome } from '../../src/extension/run/runManager';
import { moeLab, workspaceRoot } from './helpers';
import { evaluateWhen, type WhenContext } from './whenClause';

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    menus: Record<string, MenuEntry[]>;
  };
}

/** Menus whose entries act on a file: VS Code passes the file's Uri as the command's first argument. */
const RESOURCE_MENUS = ['explorer/context', 'editor/title', 'editor/context'];

/** The context keys VS Code sets for a file in a one-folder workspace (the ones MoE Lab's `when` clauses use). */
function fileContext(uri: vscode.Uri, running: boolean): WhenContext {
  const name = path.basename(uri.fsPath);
  return {
    resourceFilename: name,
    resourceExtname: path.extname(name),
    workspaceFolderCount: vscode.workspace.workspaceFolders?.length ?? 0,
    [RUNNING_CONTEXT_KEY]: running,
  };
}

suite('MoE Lab commands and menus', function () {
  this.timeout(120_000);
  let manifest: Manifest;
  const created: string[] = [];
  const file = (relative: string) => vscode.Uri.file(path.join(workspaceRoot(), relative));

  suiteSetup(async () => {
    const { extension } = await moeLab();
    manifest = extension.packageJSON as Manifest;
  });

  suiteTeardown(() => {
    for (const target of created) fs.rmSync(target, { recursive: true, force: true });
  });

  /** The commands each resource menu shows for `uri`, by menu. */
  function shownFor(uri: vscode.Uri, running = false): Record<string, string[]> {
    const context = fileContext(uri, running);
    return Object.fromEntries(
      RESOURCE_MENUS.map((menu) => [menu, (manifest.contributes.menus[menu] ?? []).filter((m) => evaluateWhen(m.when, context)).map((m) => m.command)]),
    );
  }

  test('every contributed command is registered by the active extension, and every command the code names is contributed', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = new Map(manifest.contributes.commands.map((c) => [c.command, c]));
    const unregistered = [...contributed.keys()].filter((id) => !registered.has(id));
    assert.deepEqual(unregistered, [], `contributed but not registered: ${unregistered.join(', ')}`);
    for (const id of Object.values(COMMANDS)) {
      // The palette lists them together as "MoE Lab: …".
      assert.equal(contributed.get(id)?.category, 'MoE Lab', `${id} is not contributed in the MoE Lab category`);
    }
  });

  test('every menu entry names a contributed, registered command; title-bar buttons have icons', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = new Map(manifest.contributes.commands.map((c) => [c.command, c]));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        assert.ok(contributed.has(entry.command), `${menu}: ${entry.command} is not a contributed command`);
        assert.ok(registered.has(entry.command), `${menu}: ${entry.command} is not registered`);
        // VS Code draws an editor title bar's navigation entries as icon buttons; without an icon it shows the title.
        if (menu === 'editor/title' && entry.group?.startsWith('navigation')) {
          assert.match(contributed.get(entry.command)?.icon ?? '', /^\$\([a-z0-9-]+\)$/, `${entry.command} is a title-bar button without a codicon`);
        }
      }
    }
  });

  test('every when clause reads only context keys that are set (VS Code resource keys, moeLab.running)', () => {
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        // evaluateWhen throws on a key the context does not define, as a typo'd key would never be set.
        // Menus of the MoE Lab view also read the view's id and the item's context value, which VS Code sets there.
        const view: WhenContext = menu.startsWith('view/') ? { view: 'moeLab.runs', viewItem: 'moeLab.run' } : {};
        for (const running of [false, true]) assert.doesNotThrow(() => evaluateWhen(entry.when, { ...fileContext(file('iris.csv'), running), ...view }), `${menu}: ${entry.when}`);
      }
    }
  });

  test('the palette hides exactly the commands that cannot start without arguments', async () => {
    const hidden = manifest.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command);
    // The MoE Lab view's run actions act on the run they are shown on (the view passes it); the palette hides them.
    assert.deepEqual(hidden, [COMMANDS.fitCsv, COMMANDS.openRun, COMMANDS.revealRun, COMMANDS.rerun, COMMANDS.deleteRun]);
    // The palette would call it with no arguments: it refuses, naming what it needs.
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand(COMMANDS.fitCsv)), /first argument must be the CSV file/);
    // Stop Run is listed only while a run is active.
    const stop = manifest.contributes.menus.commandPalette.find((m) => m.command === COMMANDS.stopRun);
    assert.equal(evaluateWhen(stop?.when, fileContext(file('iris.csv'), false)), false);
    assert.equal(evaluateWhen(stop?.when, fileContext(file('iris.csv'), true)), true);
  });

  test('a CSV file offers Fit, and the fit accepts the file as the menu passes it', async () => {
    const csv = file('iris.csv');
    const shown = shownFor(csv);
    // The explorer also offers Choose Number of Experts… (its e2e test right-clicks it); the editor menus only Fit.
    for (const menu of RESOURCE_MENUS) assert.deepEqual(shown[menu], menu === 'explorer/context' ? [COMMANDS.fit, COMMANDS.chooseExperts] : [COMMANDS.fit], `${menu} on iris.csv`);
    // moeLab.fit asks its questions in quick picks (driven in the e2e tier); its programmatic twin takes the same Uri.
    const outcome = await vscode.commands.executeCommand<FitOutcome>(COMMANDS.fitCsv, csv, { target: 'species', solvers: ['em'], experts: 2, maxIterations: 5, restarts: 1 });
    assert.equal(outcome.status, 'finished', outcome.error);
    created.push(outcome.resultsDir!);
  });

  test('an experiment file offers Run Experiment and the panel, Stop Run instead while a run is active; each acts on that file', async () => {
    const spec = file('menus.moe.json');
    created.push(spec.fsPath, path.join(workspaceRoot(), 'runs-menus'));
    fs.writeFileSync(
      spec.fsPath,
      JSON.stringify({
        name: 'menus',
        data: { csv: 'iris.csv', target: 'species' },
        model: { experts: 2, expert: 'categorical' },
        solvers: { em: { enabled: true }, gd: { enabled: false }, adam: { enabled: false } },
        stopping: { maxIterations: 5 },
        init: { restarts: 1 },
        resultsDir: 'runs-menus',
      }),
    );
    const idle = shownFor(spec);
    assert.deepEqual(idle['explorer/context'], [COMMANDS.runExperiment]);
    assert.deepEqual(idle['editor/title'], [COMMANDS.runExperiment, COMMANDS.showConvergencePanel]);
    assert.deepEqual(idle['editor/context'], [COMMANDS.runExperiment]);
    assert.deepEqual(shownFor(spec, true)['editor/title'], [COMMANDS.stopRun, COMMANDS.showConvergencePanel]);

    const outcome = await vscode.commands.executeCommand<RunOutcome>(COMMANDS.runExperiment, spec);
    assert.equal(outcome.status, 'finished', outcome.error);
    assert.equal(path.dirname(outcome.resultsDir!), path.join(workspaceRoot(), 'runs-menus'), 'the run used this spec');
    await vscode.commands.executeCommand(COMMANDS.showConvergencePanel, spec);
    const { api } = await moeLab();
    assert.equal(api.panelStatus().open, true, 'the panel is open');
    assert.equal(api.panelStatus().runId, outcome.runId, 'the panel shows the run of this spec');
  });

  test("a run's summary.json offers Open Run Results, which shows that run; other files offer nothing", async () => {
    const csv = file('iris.csv');
    const fit = await vscode.commands.executeCommand<FitOutcome>(COMMANDS.fitCsv, csv, { target: 'species', solvers: ['gd'], experts: 2, maxIterations: 5, restarts: 1 });
    assert.equal(fit.status, 'finished', fit.error);
    created.push(fit.resultsDir!);
    const summary = vscode.Uri.file(path.join(fit.resultsDir!, 'summary.json'));
    assert.deepEqual(shownFor(summary)['explorer/context'], [COMMANDS.openRunResults]);
    // Show another run first, so that the panel's change comes from this command.
    await vscode.commands.executeCommand(COMMANDS.fitCsv, csv, { target: 'species', solvers: ['em'], experts: 2, maxIterations: 3, restarts: 1 }).then((o) => {
      created.push((o as FitOutcome).resultsDir!);
    });
    const runId = await vscode.commands.executeCommand<string>(COMMANDS.openRunResults, summary);
    assert.equal(runId, fit.runId);
    const { api } = await moeLab();
    assert.equal(api.panelStatus().runId, fit.runId, 'the panel shows the run of this summary.json');
    for (const other of [file('README.md'), file('data.json')]) {
      for (const menu of RESOURCE_MENUS) assert.deepEqual(shownFor(other)[menu], [], `${menu} on ${path.basename(other.fsPath)}`);
    }
  });
});
