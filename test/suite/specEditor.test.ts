// Integration tests of the experiment spec editor in the real VS Code (see test/suite/index.ts for how they run).
//
// The webview itself runs in the workbench's browser; the tests drive the form through the same code path its
// messages take (the test-only command `_moeLab.specEditor.testPostMessage` hands a message to the open editor's
// handler, exactly as `onDidReceiveMessage` does) and read what the host posted back to the webview
// (`_moeLab.specEditor.testLastPosted`).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseSpecText } from '../../src/core/spec/validate';
import type { DocumentMessage, RunsMessage } from '../../src/protocol/specEditorMessages';

const EXTENSION_ID = 'moe-lab.moe-lab';
const VIEW_TYPE = 'moeLab.specEditor';
const POST = '_moeLab.specEditor.testPostMessage';
const LAST = '_moeLab.specEditor.testLastPosted';

interface ActionResult {
  ok: boolean;
  message?: string;
}

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && (value as unknown) !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function writeSpec(name: string, text: string): vscode.Uri {
  const file = path.join(workspaceRoot(), name);
  fs.writeFileSync(file, text);
  return vscode.Uri.file(file);
}

function documentOf(uri: vscode.Uri): vscode.TextDocument {
  const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  assert.ok(document, `${uri.fsPath} is open`);
  return document;
}

/** Opens `uri` as a user would (its default editor) and waits until the form has loaded and said ready. */
async function openInForm(uri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('vscode.open', uri);
  await waitFor('the spec editor tab', () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputCustom && input.viewType === VIEW_TYPE && input.uri.toString() === uri.toString();
  });
  await waitFor('the form to load (init posted after its ready message)', () => vscode.commands.executeCommand(LAST, uri, 'init'), 45_000);
}

function post(uri: vscode.Uri, message: unknown): Thenable<ActionResult> {
  return vscode.commands.executeCommand<ActionResult>(POST, uri, message);
}

let requestId = 0;
function edit(uri: vscode.Uri, ...ops: unknown[]): Thenable<ActionResult> {
  return post(uri, { type: 'edit', requestId: ++requestId, ops });
}

/** Waits until the form has been sent a document message satisfying `predicate`. */
function formShows(uri: vscode.Uri, what: string, predicate: (message: DocumentMessage) => boolean): Promise<DocumentMessage> {
  return waitFor(`the form to show ${what}`, async () => {
    const message = await vscode.commands.executeCommand<DocumentMessage | undefined>(LAST, uri, 'document');
    return message && predicate(message) ? message : undefined;
  });
}

async function closeAll(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) if (document.isDirty && document.uri.scheme === 'file') await document.save();
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

const SPEC = `{
  "name": "it",
  "x-owner": { "team": "moe", "tags": ["a", "b"] },
  "data": { "csv": "iris.csv", "target": "species", "testFraction": 0.3 },
  "model": { "experts": 2, "expert": "categorical" },
  "solvers": { "em": { "enabled": true }, "gd": { "enabled": false }, "adam": { "enabled": false } },
  "stopping": { "maxIterations": 15 },
  "init": { "restarts": 1 },
  "resultsDir": "runs-it"
}
`;

suite('Spec editor', function () {
  this.timeout(120_000);

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  teardown(closeAll);

  test('a *.moe.json opens in the spec editor by default', async () => {
    const uri = writeSpec('open.moe.json', SPEC);
    await openInForm(uri);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom);
    assert.equal(tab.input.viewType, VIEW_TYPE);
    const shown = await formShows(uri, 'the file', (m) => m.value?.name === 'it');
    assert.equal(shown.valid, true, JSON.stringify(shown.problems));
  });

  test('a form edit round-trips to the document and back; unknown fields and layout are kept; undo restores', async () => {
    const uri = writeSpec('roundtrip.moe.json', SPEC);
    await openInForm(uri);
    const document = documentOf(uri);
    assert.equal(document.isDirty, false);

    const result = await edit(uri, { op: 'set', pointer: '/model/experts', value: 3 }, { op: 'set', pointer: '/model/gate', value: 'constant' });
    assert.deepEqual(result, { ok: true });
    assert.equal(document.getText(), SPEC.replace('"expert": "categorical" }', '"expert": "categorical", "gate": "constant" }').replace('"experts": 2', '"experts": 3'));
    assert.equal(document.isDirty, true, 'a form edit makes the document dirty');
    const back = await formShows(uri, 'the edited values', (m) => m.value?.model !== undefined && JSON.stringify(m.value.model).includes('"experts":3'));
    assert.deepEqual(back.value?.['x-owner'], { team: 'moe', tags: ['a', 'b'] });
    assert.equal(back.dirty, true);

    // Undo, with the spec editor active, as Ctrl+Z in it does.
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    await vscode.commands.executeCommand('undo');
    await waitFor('undo to restore the text', () => document.getText() === SPEC);
    await formShows(uri, 'the restored values', (m) => JSON.stringify(m.value?.model) === '{"experts":2,"expert":"categorical"}');
    assert.equal(document.isDirty, false, 'undoing the only edit makes the document clean again');
    await vscode.commands.executeCommand('redo');
    await waitFor('redo to apply the edit again', () => document.getText().includes('"experts": 3'));
  });

  test('a text edit (as from a side-by-side text editor or git) updates the form', async () => {
    const uri = writeSpec('textedit.moe.json', SPEC);
    await openInForm(uri);
    const document = documentOf(uri);
    const change = new vscode.WorkspaceEdit();
    const offset = document.getText().indexOf('"it"');
    change.replace(uri, new vscode.Range(document.positionAt(offset), document.positionAt(offset + 4)), '"renamed"');
    assert.ok(await vscode.workspace.applyEdit(change));
    await formShows(uri, 'the new name', (m) => m.value?.name === 'renamed');
    // And from a text editor beside the form.
    const editor = await vscode.window.showTextDocument(document, vscode.ViewColumn.Beside);
    const at = document.getText().indexOf('"maxIterations": 15') + '"maxIterations": '.length;
    await editor.edit((builder) => builder.replace(new vscode.Range(document.positionAt(at), document.positionAt(at + 2)), '40'));
    await formShows(uri, 'maxIterations 40', (m) => JSON.stringify(m.value?.stopping) === '{"maxIterations":40}');
  });

  test('invalid JSON is kept as typed, shown in the form, reported as a diagnostic, and never rewritten by the form', async () => {
    const uri = writeSpec('broken.moe.json', SPEC);
    await openInForm(uri);
    const document = documentOf(uri);
    // Delete the comma after the "data" line: line 4 (1-based) ends without it, line 5 is then unexpected.
    const comma = document.getText().indexOf('},\n  "model"') + 1;
    const change = new vscode.WorkspaceEdit();
    change.delete(uri, new vscode.Range(document.positionAt(comma), document.positionAt(comma + 1)));
    assert.ok(await vscode.workspace.applyEdit(change));
    const broken = document.getText();
    assert.ok(!broken.includes('},\n  "model"'));

    const shown = await formShows(uri, 'the syntax error', (m) => !m.valid && m.value === undefined);
    assert.equal(shown.problems.length, 1);
    assert.match(shown.problems[0].message, /not valid JSON/);
    assert.equal(shown.problems[0].line, 5);

    // Reported once: by MoE Lab, or by VS Code's JSON language service (source "json") when it has (specDiagnostics.ts).
    const diagnostics = await waitFor('a diagnostic', () => {
      const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'MoE Lab' || d.source === 'json');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diagnostics[0].range.start.line, 4, 'on line 5 (0-based 4), where "model" is unexpected');
    assert.equal(diagnostics[0].range.start.character, 2);

    const refused = await edit(uri, { op: 'set', pointer: '/model/experts', value: 4 });
    assert.equal(refused.ok, false);
    assert.match(refused.message ?? '', /not valid JSON/);
    assert.equal(document.getText(), broken, 'the text is exactly what the user typed');

    // Fixing the text brings the form back and clears the diagnostic.
    const fix = new vscode.WorkspaceEdit();
    fix.insert(uri, document.positionAt(comma), ',');
    assert.ok(await vscode.workspace.applyEdit(fix));
    await formShows(uri, 'the fixed spec', (m) => m.valid && m.value !== undefined);
    await waitFor('the diagnostic to clear', () => vscode.languages.getDiagnostics(uri).every((d) => d.source !== 'MoE Lab'));
  });

  test('schema problems are diagnostics at the offending value, and the form can fix them', async () => {
    const uri = writeSpec('schema.moe.json', SPEC.replace('"experts": 2', '"experts": 0'));
    await openInForm(uri);
    const document = documentOf(uri);
    const diagnostic = await waitFor('a diagnostic at /model/experts', () =>
      vscode.languages.getDiagnostics(uri).find((d) => d.source === 'MoE Lab' && d.code === '/model/experts'),
    );
    assert.equal(document.getText(diagnostic.range), '0');
    await formShows(uri, 'the problem', (m) => !m.valid && m.problems.some((p) => p.pointer === '/model/experts'));
    assert.deepEqual(await edit(uri, { op: 'set', pointer: '/model/experts', value: 2 }), { ok: true });
    await formShows(uri, 'a valid spec', (m) => m.valid);
    await waitFor('the diagnostic to clear', () => vscode.languages.getDiagnostics(uri).every((d) => d.source !== 'MoE Lab'));
  });

  test('messages that are not valid are refused and change nothing', async () => {
    const uri = writeSpec('hostile.moe.json', SPEC);
    await openInForm(uri);
    const document = documentOf(uri);
    const bad = [
      { type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/__proto__/polluted', value: true }] },
      { type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/model/experts', value: 'many' }] },
      { type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '', value: {} }] },
      { type: 'openRun', id: '../../etc' },
      { type: 'requestCsvPreview', path: 42 },
      'edit',
      null,
    ];
    for (const message of bad) {
      const result = await post(uri, message);
      assert.equal(result.ok, false, JSON.stringify(message));
    }
    assert.equal(document.getText(), SPEC);
    assert.equal(document.isDirty, false);
  });

  test('a spec written with the form validates and runs, and its run is listed', async () => {
    const uri = writeSpec('written.moe.json', '{}\n');
    await openInForm(uri);
    const document = documentOf(uri);
    // The form's source switch picks a workspace CSV and its class column as the target (as New Experiment does).
    assert.deepEqual(await post(uri, { type: 'switchSource', requestId: ++requestId, to: 'csv' }), { ok: true });
    const data = JSON.parse(document.getText()).data;
    assert.equal(data.csv, 'iris.csv');
    assert.equal(data.target, 'species');
    const preview = await waitFor('a CSV preview', async () => {
      await post(uri, { type: 'requestCsvPreview', path: 'iris.csv' });
      return vscode.commands.executeCommand<{ header: string[]; rows: string[][]; rowCount?: number } | undefined>(LAST, uri, 'csvPreview');
    });
    assert.deepEqual(preview.header, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species']);
    assert.equal(preview.rowCount, 150);
    assert.equal(preview.rows[0][4], 'setosa');

    const steps: unknown[][] = [
      [{ op: 'set', pointer: '/name', value: 'written-by-form' }],
      [{ op: 'set', pointer: '/data/testFraction', value: 0.25 }, { op: 'set', pointer: '/data/features', value: ['petal_length', 'petal_width'] }],
      [{ op: 'set', pointer: '/model/experts', value: 2 }, { op: 'set', pointer: '/model/expert', value: 'categorical' }],
      [{ op: 'set', pointer: '/solvers/em/enabled', value: true }, { op: 'set', pointer: '/solvers/gd/enabled', value: false }],
      [{ op: 'set', pointer: '/solvers/adam/enabled', value: true }, { op: 'set', pointer: '/solvers/adam/learningRate', value: 0.05 }],
      [{ op: 'set', pointer: '/stopping/maxIterations', value: 25 }, { op: 'set', pointer: '/init/restarts', value: 1 }],
      [{ op: 'set', pointer: '/resultsDir', value: 'runs-form' }],
    ];
    for (const ops of steps) assert.deepEqual(await edit(uri, ...ops), { ok: true }, JSON.stringify(ops));
    const text = document.getText();
    const parsed = parseSpecText(text, 'written.moe.json');
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.errors.map((e) => e.message).join('; '));
    assert.deepEqual(Object.keys(JSON.parse(text)), ['name', 'data', 'model', 'solvers', 'stopping', 'init', 'resultsDir'], 'keys in schema order');
    assert.ok(await document.save());

    const run = await post(uri, { type: 'run' });
    assert.deepEqual(run, { ok: true });
    const resultsRoot = path.join(workspaceRoot(), 'runs-form');
    const runDir = await waitFor('a finished run folder', () => {
      if (!fs.existsSync(resultsRoot)) return undefined;
      return fs.readdirSync(resultsRoot).find((name) => !name.endsWith('.partial') && fs.existsSync(path.join(resultsRoot, name, 'summary.json')));
    }, 60_000);
    const summary = JSON.parse(fs.readFileSync(path.join(resultsRoot, runDir, 'summary.json'), 'utf8'));
    assert.equal(summary.name, 'written-by-form');
    const runs = await waitFor('the run in the form', async () => {
      const message = await vscode.commands.executeCommand<RunsMessage | undefined>(LAST, uri, 'runs');
      return message && message.runs.some((r) => r.id === runDir) ? message : undefined;
    });
    assert.equal(runs.runs[0].id, runDir, 'the newest run first');
    assert.deepEqual(await post(uri, { type: 'openRun', id: runDir }), { ok: true });
  });

  test("the form's Results list shows this spec's runs only, not those of other specs sharing its results folder", async () => {
    const spec = (name: string) => SPEC.replace('"name": "it"', `"name": "${name}"`).replace('"runs-it"', '"runs-shared"');
    const mine = writeSpec('shared-a.moe.json', spec('twin'));
    const others = [writeSpec('shared-b.moe.json', spec('twin')), writeSpec('shared-c.moe.json', spec('other'))];
    const run = async (uri: vscode.Uri) => {
      const outcome = await vscode.commands.executeCommand<{ status: string; resultsDir?: string; error?: string }>('moeLab.runExperiment', uri, { whenBusy: 'stop' });
      assert.equal(outcome?.status, 'finished', outcome?.error);
      return path.basename(outcome!.resultsDir!);
    };
    const own = await run(mine);
    for (const uri of others) await run(uri); // the same results folder; one of them even has the same name
    assert.equal(fs.readdirSync(path.join(workspaceRoot(), 'runs-shared')).length, 3);
    await openInForm(mine);
    const runs = await waitFor('the runs of shared-a.moe.json', async () => {
      const message = await vscode.commands.executeCommand<RunsMessage | undefined>(LAST, mine, 'runs');
      return message && message.runs.length > 0 ? message : undefined;
    });
    assert.deepEqual(runs.runs.map((r) => r.id), [own]);
  });

  test('each spec problem is reported once in the Problems panel (the JSON language service does not repeat them)', async () => {
    const uri = writeSpec('once.moe.json', SPEC.replace('"experts": 2', '"experts": 0').replace('"maxIterations": 15', '"maxIterations": 15, "tolerance": -1'));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    // The JSON language service has the document and its schema once it completes from it.
    await waitFor('schema completions (the JSON language service is ready)', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(4, 3));
      return list.items.length > 0;
    }, 45_000);
    await waitFor('the two problems', () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'MoE Lab').length === 2);
    await sleep(2_000); // the language service validates on a short debounce after it opened the document
    const all = vscode.languages.getDiagnostics(uri);
    assert.deepEqual(
      all.map((d) => `${d.source}: ${d.range.start.line}: ${d.message}`).sort(),
      all.filter((d) => d.source === 'MoE Lab').map((d) => `${d.source}: ${d.range.start.line}: ${d.message}`).sort(),
      'only MoE Lab reports them',
    );
    assert.deepEqual(all.map((d) => d.code).sort(), ['/model/experts', '/stopping/tolerance']);

    // A syntax error: one diagnostic, whoever reports it.
    const comma = document.getText().indexOf('},\n  "model"') + 1;
    const change = new vscode.WorkspaceEdit();
    change.delete(uri, new vscode.Range(document.positionAt(comma), document.positionAt(comma + 1)));
    assert.ok(await vscode.workspace.applyEdit(change));
    await waitFor('the syntax error', () => vscode.languages.getDiagnostics(uri).some((d) => /not valid JSON|Expected/.test(d.message)));
    await sleep(2_000);
    const syntax = vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.equal(syntax.length, 1, syntax.map((d) => `${d.source}: ${d.range.start.line}:${d.range.start.character} ${d.message}`).join('; '));
  });

  test('the plain text editor gets completion and hover from the same schema (jsonValidation)', async () => {
    const uri = writeSpec('completion.moe.json', '{\n  "model": {\n    \n  },\n  "init": { "strategy": "random" }\n}\n');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'json');
    const labels = await waitFor('schema completions inside "model"', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(2, 4));
      const names = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      return names.some((name) => name.includes('experts')) ? names : undefined;
    }, 45_000);
    for (const key of ['experts', 'expert', 'gate', 'ridge']) assert.ok(labels.some((l) => l.replace(/"/g, '') === key), `completion ${key} in ${labels.join(', ')}`);
    const hover = await waitFor('a hover on "strategy"', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(4, 14));
      const text = hovers
        .flatMap((h) => h.contents)
        .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
        .join('\n');
      return text.includes('starting parameters') ? text : undefined;
    }, 30_000);
    assert.match(hover, /How to choose the starting parameters/);
  });
});
