// The manifest and the registered commands agree; menus show MoE Lab actions where they make sense.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/commands';
import { moeLab } from './helpers';

interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string; icon?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, { default?: unknown }> };
  };
  extensionKind?: string[];
  capabilities?: { untrustedWorkspaces?: { supported: unknown } };
}

suite('MoE Lab commands and manifest', () => {
  let manifest: Manifest;
  suiteSetup(async () => {
    const { extension } = await moeLab();
    manifest = extension.packageJSON as Manifest;
  });

  test('every command id the code exports is contributed, in the "MoE Lab" category, and registered', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = new Map(manifest.contributes.commands.map((c) => [c.command, c]));
    for (const id of Object.values(COMMANDS)) {
      assert.ok(registered.has(id), `${id} is not registered`);
      assert.equal(contributed.get(id)?.category, 'MoE Lab', `${id} is not contributed in the MoE Lab category`);
    }
    for (const id of contributed.keys()) {
      if (id.startsWith('moeLab.') && id !== 'moeLab.specEditor') assert.ok(registered.has(id), `contributed ${id} is not registered`);
    }
  });

  test('the main actions have codicon icons', () => {
    const icon = (id: string) => manifest.contributes.commands.find((c) => c.command === id)?.icon;
    assert.equal(icon(COMMANDS.runExperiment), '$(play)');
    assert.equal(icon(COMMANDS.stopRun), '$(debug-stop)');
    assert.equal(icon(COMMANDS.showConvergencePanel), '$(graph)');
  });

  test('Fit Mixture of Experts… is on the explorer context menu of CSV files only; Run Experiment on *.moe.json', () => {
    const explorer = manifest.contributes.menus['explorer/context'];
    assert.equal(explorer.find((m) => m.command === COMMANDS.fit)?.when, 'resourceExtname == .csv');
    assert.match(explorer.find((m) => m.command === COMMANDS.runExperiment)?.when ?? '', /moe\\\.json/);
    const title = manifest.contributes.menus['editor/title'];
    assert.ok(title.some((m) => m.command === COMMANDS.runExperiment && /moe\\\.json/.test(m.when ?? '')));
    const palette = manifest.contributes.menus.commandPalette;
    assert.equal(palette.find((m) => m.command === COMMANDS.fitCsv)?.when, 'false', 'the programmatic fit is hidden from the palette');
    assert.equal(palette.find((m) => m.command === COMMANDS.stopRun)?.when, 'moeLab.running');
  });

  test('settings, workspace extension kind and limited untrusted-workspace support are declared', () => {
    const settings = manifest.contributes.configuration.properties;
    for (const key of ['moeLab.resultsFolder', 'moeLab.defaultMaxIterations', 'moeLab.defaultTolerance', 'moeLab.panelUpdatesPerSecond']) {
      assert.ok(key in settings, `${key} missing`);
      assert.deepEqual(vscode.workspace.getConfiguration().get(key), settings[key].default, `${key} default`);
    }
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
  });
});
