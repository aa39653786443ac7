// The extension is installed and activates in the fixture workspace (its commands and menus: commands.test.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'moe-lab.moe-lab';

suite('Activation', () => {
  test('the extension is present', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found among ${vscode.extensions.all.length} extensions`);
  });

  test('the extension activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  test('a workspace folder with the fixture CSV is open', async () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'expected exactly one workspace folder');
    const found = await vscode.workspace.findFiles('iris.csv');
    assert.equal(found.length, 1, 'iris.csv not found in the workspace');
  });
});
