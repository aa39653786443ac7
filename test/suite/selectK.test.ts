// MoE Lab: Choose Number of Experts… inside a real VS Code, driven through the command's argument object (the e2e
// tier answers its quick picks): on a synthetic CSV with two experts and a clear signal, each K runs in the worker,
// BIC chooses K = 2, the "Number of Experts" panel shows the chart and table with K = 2 marked and the reason, and
// the spec saved for the chosen K validates and names the CSV relative to itself. Bad arguments are refused.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { validateSpecObject } from '../../src/core/spec/validate';
import { generateSynthetic, syntheticCsv } from '../../src/core/synth/generate';
import { COMMANDS } from '../../src/extension/commands';
import type { ChooseExpertsOutcome } from '../../src/extension/selectK/selectKCommand';
import { artifactsDir, moeLab, readJson, waitFor, workspaceRoot } from './helpers';
import { skipBecause } from './skip';

function chooseExperts(csv: string, options: Record<string, unknown>): Promise<ChooseExpertsOutcome | undefined> {
  return Promise.resolve(vscode.commands.executeCommand<ChooseExpertsOutcome | undefined>(COMMANDS.chooseExperts, csv, options));
}

suite('Choose Number of Experts', function () {
  this.timeout(180_000);

  suiteSetup(function () {
    if (!vscode.workspace.isTrusted) skipBecause(this, 'needs a trusted workspace; the untrusted pass runs only "Untrusted workspace"');
  });

  test('BIC chooses the true K = 2; the panel shows AIC, BIC and held-out ℓ against K with K = 2 marked; the saved spec validates', async () => {
    const { api, extension } = await moeLab();
    const dir = path.join(workspaceRoot(), 'select-k');
    fs.mkdirSync(dir, { recursive: true });
    const csv = path.join(dir, 'two-experts.csv');
    fs.writeFileSync(csv, syntheticCsv(generateSynthetic({ kind: 'linear', experts: 2, dim: 2, samples: 400, snr: 6, seed: 2, symmetric: false })));

    const outcome = await chooseExperts(csv, { target: 'y', ks: '1..3', restarts: 4, saveSpec: true, whenBusy: 'stop' });
    assert.ok(outcome, 'the command returned nothing');
    assert.equal(outcome.status, 'finished', outcome.error);
    assert.equal(outcome.chosen, 2, outcome.reason);
    assert.match(outcome.reason ?? '', /^BIC is lowest at K = 2/);
    assert.deepEqual(outcome.result?.candidates.map((c) => [c.K, c.status, c.restarts]), [[1, 'ok', 4], [2, 'ok', 4], [3, 'ok', 4]]);
    assert.deepEqual(outcome.result?.solvers, ['em'], 'EM only by default');

    const status = api.selectK();
    assert.equal(status.running, false);
    const html = status.panelHtml ?? '';
    assert.match(html, /<body data-chosen="2" data-candidates="3">/);
    assert.equal((html.match(/<tr data-k="\d+"/g) ?? []).length, 3, 'one table row per K');
    assert.match(html, /<tr data-k="2" data-status="ok" class="chosen"><td>2 ★<\/td>/);
    assert.match(html, /data-chart="criteria"[\s\S]*class="chosen-line" data-chosen="2"/, 'the AIC/BIC chart marks K = 2');
    assert.match(html, /data-chart="held-out"[\s\S]*class="chosen-line" data-chosen="2"/, 'the held-out chart marks K = 2');
    assert.equal((html.match(/data-series="BIC"/g) ?? []).length, 3, 'a BIC point per K');
    assert.match(html, /Save Spec for K = 2…/);
    fs.writeFileSync(path.join(artifactsDir(extension.extensionPath), 'select-k-panel.html'), html);
    const tab = await waitFor('the Number of Experts panel', () =>
      vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((t) => t.label === 'MoE Lab: Number of Experts'),
    );
    assert.ok(tab);

    assert.ok(outcome.specFile && fs.existsSync(outcome.specFile), `spec written: ${outcome.specFile}`);
    assert.equal(path.dirname(outcome.specFile), dir, 'beside the CSV');
    const saved = readJson<{ data: { csv: string } }>(outcome.specFile);
    const validated = validateSpecObject(saved);
    assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.errors));
    assert.equal(validated.spec.model.experts, 2);
    assert.equal(path.resolve(dir, saved.data.csv), csv);
  });

  test('Stop Run stops the comparison in the worker: the Ks fitted so far are compared and the outcome says cancelled', async () => {
    const { api } = await moeLab();
    const dir = path.join(workspaceRoot(), 'select-k');
    fs.mkdirSync(dir, { recursive: true });
    const csv = path.join(dir, 'larger.csv');
    fs.writeFileSync(csv, syntheticCsv(generateSynthetic({ kind: 'linear', experts: 3, dim: 4, samples: 4000, snr: 4, seed: 5, symmetric: false })));
    const pending = chooseExperts(csv, { target: 'y', ks: '1..8', restarts: 20, whenBusy: 'stop' });
    const progress = await waitFor('the comparison to pass K = 1', () => {
      const status = api.selectK();
      return status.running && status.progress && status.progress.K >= 2 ? status.progress : undefined;
    }, 60_000, 20);
    assert.equal(progress.total, 8 * 20);
    await vscode.commands.executeCommand(COMMANDS.stopRun);
    const outcome = await pending;
    assert.ok(outcome);
    assert.equal(outcome.status, 'cancelled', outcome.error);
    const candidates = outcome.result?.candidates ?? [];
    assert.ok(candidates.length >= 2 && candidates.length < 8, `fitted ${candidates.map((c) => c.K).join(', ')}`);
    assert.equal(candidates[0].status, 'ok');
    assert.match(outcome.reason ?? '', /cancelled/);
    assert.equal(api.selectK().running, false);
  });

  test('bad arguments are refused with a message naming them', async () => {
    const csv = path.join(workspaceRoot(), 'iris.csv');
    await assert.rejects(chooseExperts(csv, { target: 'species', ks: '3..1' }), /"ks" must be a range like 1\.\.6/);
    await assert.rejects(chooseExperts(csv, { target: 'species', experts: 3 }), /give the numbers of experts to compare as "ks"/);
    await assert.rejects(chooseExperts(csv, { ks: '1..2' }), /need "target"/);
  });
});

suite('Untrusted workspace: Choose Number of Experts', function () {
  this.timeout(60_000);

  suiteSetup(function () {
    if (process.env.MOE_LAB_EXPECT_UNTRUSTED !== '1' && vscode.workspace.isTrusted) skipBecause(this, 'runs in the untrusted-workspace pass (runServer.mjs --untrusted)');
  });

  test('is refused at once, with options or without; nothing runs', async () => {
    const { api } = await moeLab();
    assert.equal(vscode.workspace.isTrusted, false);
    const csv = path.join(workspaceRoot(), 'iris.csv');
    await assert.rejects(chooseExperts(csv, { target: 'petal_length', ks: '1..2' }), /disabled in an untrusted workspace/);
    const interactive = await Promise.resolve(vscode.commands.executeCommand(COMMANDS.chooseExperts, vscode.Uri.file(csv)));
    assert.equal(interactive, undefined);
    assert.equal(api.selectK().running, false);
    assert.equal(api.selectK().last, undefined, 'nothing was compared');
  });
});
