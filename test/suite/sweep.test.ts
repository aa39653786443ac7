// Sweeps inside a real VS Code: Run Experiment on a spec with a 3 × 2 sweep runs the six combinations in the run
// worker, one after the other, into one sweep folder (six complete run folders and sweep.json), and the "Sweep"
// panel shows the summary chart (one line per solver per value of the second field, a point per finished run) and
// the table. The extension host's event-loop delay is measured while the sweep streams into the convergence panel.
// Stop Run during the second combination stops the sweep: the first run finished, the second cancelled and kept,
// the rest never started.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { SweepFile } from '../../src/core/runner/sweep';
import { COMMANDS } from '../../src/extension/commands';
import type { SweepOutcome } from '../../src/extension/sweep/sweepCommand';
import { artifactsDir, moeLab, readJson, waitFor, workspaceRoot } from './helpers';
import { skipBecause } from './skip';

function writeSpec(name: string, spec: Record<string, unknown>): string {
  const dir = path.join(workspaceRoot(), 'sweeps');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.moe.json`);
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

function runSpec(file: string): Promise<SweepOutcome | undefined> {
  return Promise.resolve(vscode.commands.executeCommand<SweepOutcome | undefined>(COMMANDS.runExperiment, vscode.Uri.file(file), { whenBusy: 'stop' }));
}

const DATA = { synthetic: { kind: 'linear', experts: 2, dim: 2, samples: 400, snr: 4, seed: 7, symmetric: false }, testFraction: 0.25 };

suite('Sweeps', function () {
  this.timeout(240_000);

  suiteSetup(function () {
    if (!vscode.workspace.isTrusted) skipBecause(this, 'needs a trusted workspace; the untrusted pass runs only "Untrusted workspace"');
  });

  test('a 3 × 2 sweep writes 6 complete runs and sweep.json, and the Sweep panel shows its summary chart', async () => {
    const { api, extension } = await moeLab();
    const file = writeSpec('tune', {
      name: 'tune',
      data: DATA,
      solvers: { gd: { enabled: false } },
      stopping: { maxIterations: 150 },
      init: { restarts: 2 },
      resultsDir: 'runs',
      sweep: { 'model.experts': [1, 2, 3], 'solvers.adam.learningRate': [0.01, 0.05] },
    });
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const outcome = await runSpec(file);
    lag.disable();
    assert.ok(outcome?.kind === 'sweep', `a sweep outcome: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.status, 'finished', outcome.error);
    const dir = outcome.sweepDir!;
    assert.equal(path.dirname(dir), path.join(path.dirname(file), 'runs'));
    assert.ok(!fs.existsSync(dir + '.partial'));

    const sweep = readJson<SweepFile>(path.join(dir, 'sweep.json'));
    assert.equal(sweep.status, 'finished');
    assert.deepEqual(sweep.combinations.map((c) => [c.values, c.status]), [
      [[1, 0.01], 'finished'], [[1, 0.05], 'finished'], [[2, 0.01], 'finished'],
      [[2, 0.05], 'finished'], [[3, 0.01], 'finished'], [[3, 0.05], 'finished'],
    ]);
    const runFolders = fs.readdirSync(dir).filter((name) => name !== 'sweep.json');
    assert.equal(runFolders.length, 6);
    for (const combination of sweep.combinations) {
      const summary = readJson<{ complete: boolean; results: { solver: string; logLik: number; best: boolean }[] }>(path.join(dir, combination.runId, 'summary.json'));
      assert.equal(summary.complete, true);
      assert.equal(summary.results.length, 2 * 2, 'EM and Adam, 2 restarts each');
      const spec = readJson<{ resolved: { model: { experts: number }; solvers: { adam: { learningRate: number } } } }>(path.join(dir, combination.runId, 'spec.json'));
      assert.deepEqual([spec.resolved.model.experts, spec.resolved.solvers.adam.learningRate], combination.values);
      for (const solver of ['em', 'adam'] as const) {
        assert.equal(combination.solvers?.[solver]?.logLik, summary.results.find((r) => r.solver === solver && r.best)?.logLik);
      }
    }

    const status = api.sweep();
    assert.equal(status.running, false);
    const html = status.panelHtml ?? '';
    assert.match(html, /<body data-status="finished" data-combinations="6">/);
    assert.match(html, /data-chart="final-loglik"/);
    assert.match(html, /data-chart="held-out"/, 'rows were held out, so the held-out chart is drawn');
    const finalChart = html.slice(html.indexOf('data-chart="final-loglik"'), html.indexOf('data-chart="held-out"'));
    // One line per solver per Adam learning rate, a point per solver and combination.
    assert.deepEqual((finalChart.match(/<path d="[^"]+" class="series solver-(\w+)" data-series="([^"]+)"/g) ?? []).length, 4);
    assert.match(finalChart, /data-series="EM, adam\.learningRate = 0\.01"/);
    assert.match(finalChart, /data-series="Adam, adam\.learningRate = 0\.05"/);
    assert.equal((finalChart.match(/<circle class="series solver-/g) ?? []).length, 12);
    assert.equal((html.match(/<tr data-index="\d+" data-status="finished">/g) ?? []).length, 6, 'one table row per combination');
    assert.match(finalChart, />model\.experts<\/text>/, 'the x axis is the first swept field');
    const tab = await waitFor('the Sweep panel', () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((t) => t.label === 'MoE Lab: Sweep'));
    assert.ok(tab);
    // The convergence panel shows the sweep as a comparison of its six runs, the swept fields in its differences.
    const compared = await waitFor('the sweep\'s comparison in the convergence panel', () => {
      const s = api.panelStatus();
      return s.view === 'compare' && s.comparison?.drawn && s.comparison.runs.length === 6 ? s.comparison : undefined;
    });
    assert.ok(compared.differences.includes('model.experts') && compared.differences.includes('solvers.adam.learningRate'), compared.differences.join(', '));
    // ℓ (same data) has a line per run and solver: 6 × EM and Adam, at the least.
    assert.ok(compared.drawn!.charts >= 4 && compared.drawn!.datasets >= 6 * 2, JSON.stringify(compared.drawn));

    const artifacts = artifactsDir(extension.extensionPath);
    fs.writeFileSync(path.join(artifacts, 'sweep-panel.html'), html);
    const figure = {
      what: 'extension-host event-loop delay during a live 3 × 2 sweep (6 runs streamed to the convergence panel)',
      meanMs: lag.mean / 1e6,
      p99Ms: lag.percentile(99) / 1e6,
      maxMs: lag.max / 1e6,
      sweepSeconds: sweep.seconds,
    };
    fs.writeFileSync(path.join(artifacts, 'sweep-event-loop.json'), JSON.stringify(figure, null, 2));
    console.log(`    event-loop delay during the sweep: mean ${figure.meanMs.toFixed(1)} ms, p99 ${figure.p99Ms.toFixed(1)} ms, max ${figure.maxMs.toFixed(1)} ms over ${sweep.seconds?.toFixed(1)} s`);

    // moeLab.showSweep reopens a sweep folder (here the one just written).
    const shown = await vscode.commands.executeCommand<SweepFile | undefined>(COMMANDS.showSweep, vscode.Uri.file(dir));
    assert.equal(shown?.sweepId, sweep.sweepId);
  });

  test('Stop Run during the second combination stops the sweep and keeps what ran', async () => {
    const { api } = await moeLab();
    const file = writeSpec('long', {
      name: 'long',
      data: { ...DATA, synthetic: { ...DATA.synthetic, samples: 3000 } },
      // Tolerance 0 and a 1 s budget per solver: each combination runs about 3 s and ends on its own.
      stopping: { maxIterations: 100000, tolerance: 0, timeBudgetSeconds: 1 },
      resultsDir: 'runs',
      sweep: { 'model.experts': [2, 3, 4] },
    });
    const pending = runSpec(file);
    await waitFor('the second combination to run', () => {
      const progress = api.sweep().progress;
      return progress && progress.combination === 2 && api.activeRun()?.iterations ? progress : undefined;
    }, 60_000, 20);
    await vscode.commands.executeCommand(COMMANDS.stopRun);
    const outcome = await pending;
    assert.ok(outcome?.kind === 'sweep');
    assert.equal(outcome.status, 'cancelled');
    const sweep = readJson<SweepFile>(path.join(outcome.sweepDir!, 'sweep.json'));
    assert.equal(sweep.status, 'cancelled');
    assert.deepEqual(sweep.combinations.map((c) => c.status), ['finished', 'cancelled', 'pending']);
    const second = readJson<{ cancelled: boolean }>(path.join(outcome.sweepDir!, sweep.combinations[1].runId, 'summary.json'));
    assert.equal(second.cancelled, true, 'the stopped run is a complete folder marked cancelled');
    assert.equal(api.sweep().running, false);
    assert.match(api.sweep().panelHtml ?? '', /<body data-status="cancelled" data-combinations="3">/);
  });

  test('completion knows the sweep: its fields as keys, and a choice field\'s values inside its list', async () => {
    const file = writeSpec('complete', {});
    fs.writeFileSync(file, '{\n  "data": { "synthetic": {} },\n  "sweep": {\n    \n    "init.strategy": []\n  }\n}\n');
    const uri = vscode.Uri.file(file);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const labelsAt = async (what: string, position: vscode.Position, expected: string) =>
      waitFor(what, async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
        const names = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label).replace(/"/g, ''));
        return names.includes(expected) ? names : undefined;
      }, 45_000);
    const keys = await labelsAt('sweepable fields as keys of "sweep"', new vscode.Position(3, 4), 'model.experts');
    for (const key of ['solvers.adam.learningRate', 'init.seed', 'data.synthetic.snr']) assert.ok(keys.includes(key), `${key} in ${keys.join(', ')}`);
    assert.ok(!keys.includes('solvers.gd.enabled'), 'a switch is not offered');
    assert.ok(!keys.includes('init.strategy'), 'a field already swept is not offered again');
    const values = await labelsAt('the strategies inside the list', new vscode.Position(4, 22), 'kmeans');
    assert.ok(values.includes('shortEm'), values.join(', '));
  });
});
