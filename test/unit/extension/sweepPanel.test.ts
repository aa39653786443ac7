/**
 * The Sweep panel's page (src/extension/sweep/sweepHtml.ts) and its messages: the summary chart has one line per
 * solver per value of the other swept fields and a point per finished combination (none for cancelled or failed
 * ones), a higher ℓ is drawn higher, the table stars each solver's best combination, and the page's messages are
 * checked before the host acts on them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SolverFinal, SweepCombination, SweepFile } from '../../../src/core/runner/sweep';
import { parseSweepPanelState, sweepHtml, summarySeries } from '../../../src/extension/sweep/sweepHtml';
import { parseSweepPanelMessage } from '../../../src/protocol/sweepMessages';

function final(logLik: number, extra: Partial<SolverFinal> = {}): SolverFinal {
  return { restart: 0, iterations: 10, stopReason: 'converged', logLik, objective: logLik, ...extra };
}

/** K ∈ {1, 2, 3} × lr ∈ {0.01, 0.1}; EM's ℓ grows with K, Adam's also with lr; combination 5 was cancelled. */
function sweepFile(): SweepFile {
  const combinations: SweepCombination[] = [];
  let index = 0;
  for (const K of [1, 2, 3]) {
    for (const lr of [0.01, 0.1]) {
      const cancelled = index === 5;
      combinations.push({
        index,
        values: [K, lr],
        label: `model.experts = ${K}, solvers.adam.learningRate = ${lr}`,
        runId: `0${index + 1}`,
        status: cancelled ? 'cancelled' : 'finished',
        solvers: { em: final(-100 + 10 * K, { testLogLik: -30 + K }), adam: final(-105 + 10 * K + 100 * lr, { degenerate: K === 1 && lr === 0.01 }) },
      });
      index++;
    }
  }
  return {
    version: 1, sweepId: 's', name: 'tune', startedAt: '2026-12-06T07:00:00.000Z', status: 'cancelled', seconds: 3,
    fields: [{ field: 'model.experts', values: [1, 2, 3] }, { field: 'solvers.adam.learningRate', values: [0.01, 0.1] }],
    solvers: ['em', 'adam'], combinations,
  };
}

test('the summary chart: a line per solver per value of the second field, a point per finished combination', () => {
  const series = summarySeries(sweepFile(), 'logLik');
  assert.deepEqual(series.map((s) => [s.solver, s.group, s.groupIndex]), [
    ['em', 'adam.learningRate = 0.01', 0], ['em', 'adam.learningRate = 0.1', 1],
    ['adam', 'adam.learningRate = 0.01', 0], ['adam', 'adam.learningRate = 0.1', 1],
  ]);
  // x is the index of the first field's value; the cancelled combination (K = 3, lr = 0.1) has no final metric.
  assert.deepEqual(series[0].points.map((p) => [p.x, p.value, p.combination]), [[0, -90, 0], [1, -80, 2], [2, -70, 4]]);
  assert.deepEqual(series[1].points.map((p) => p.x), [0, 1]);
  assert.deepEqual(series[2].points.map((p) => p.degenerate), [true, false, false]);
  // The held-out chart only has the solvers that have a held-out ℓ.
  assert.deepEqual(summarySeries(sweepFile(), 'testLogLik').map((s) => s.solver), ['em', 'em']);
});

test('the page: a higher ℓ is drawn higher, the best combination per solver is starred, cancelled runs can be opened', () => {
  const html = sweepHtml({ title: 'Sweep: tune', sweep: sweepFile(), nonce: 'abc', cspSource: 'vscode-resource:', canCompare: false });
  assert.match(html, /script-src 'nonce-abc'/);
  assert.doesNotMatch(html, /data-action="compare"/, 'no Compare button without the compare view');
  const chart = html.slice(html.indexOf('data-chart="final-loglik"'), html.indexOf('data-chart="held-out"'));
  const cy = (solver: string, combination: number) => Number(new RegExp(`data-solver="${solver}" data-combination="${combination}" cx="[\\d.]+" cy="([\\d.]+)"`).exec(chart)?.[1]);
  assert.ok(cy('em', 4) < cy('em', 2) && cy('em', 2) < cy('em', 0), 'SVG y grows downwards: higher ℓ, smaller cy');
  assert.match(chart, /class="series solver-adam degenerate" data-solver="adam" data-combination="0"/);
  assert.match(html, /<td data-solver="em" class="best">-70\.00 ★<\/td>/);
  // Adam's best finished combination is K = 3, lr = 0.01 (the cancelled K = 3, lr = 0.1 does not count).
  assert.match(html, /<tr data-index="4" data-status="finished">.*<td data-solver="adam" class="best">-74\.00 ★/);
  assert.match(html, /<tr data-index="5" data-status="cancelled">.*data-action="openRun" data-index="5"/);
  assert.match(sweepHtml({ title: 't', sweep: sweepFile(), nonce: 'n', cspSource: 'c', canCompare: true }), /data-action="compare"/);
});

test('messages from the page are checked', () => {
  assert.deepEqual(parseSweepPanelMessage({ type: 'openRun', index: 2 }, 6), { type: 'openRun', index: 2 });
  assert.equal(parseSweepPanelMessage({ type: 'openRun', index: 6 }, 6), undefined);
  assert.equal(parseSweepPanelMessage({ type: 'openRun', index: -1 }, 6), undefined);
  assert.equal(parseSweepPanelMessage({ type: 'openRun', index: '1' }, 6), undefined);
  assert.deepEqual(parseSweepPanelMessage({ type: 'compare', extra: 1 }, 6), { type: 'compare' });
  assert.equal(parseSweepPanelMessage({ type: 'delete' }, 6), undefined);
  assert.equal(parseSweepPanelMessage('compare', 6), undefined);
});

test('values equal to the last bits (EM and Adam at the same optimum) draw a flat chart with a few grid lines', { timeout: 5_000 }, () => {
  const sweep = sweepFile();
  const same = -354.92747502664656;
  const combinations = sweep.combinations.map((c) => ({ ...c, status: 'finished' as const, solvers: { em: final(same), adam: final(same + 5.7e-14 * (c.index % 2)) } }));
  const html = sweepHtml({ title: 't', sweep: { ...sweep, combinations }, nonce: 'n', cspSource: 'c', canCompare: false });
  const chart = html.slice(html.indexOf('data-chart="final-loglik"'));
  const grid = (chart.match(/<line class="grid"/g) ?? []).length;
  assert.ok(grid >= 2 && grid <= 13, `${grid} grid lines`);
  assert.doesNotMatch(chart, /NaN/);
});

test('the page keeps its sweep folder in the webview state (for the panel serializer), escaped inside the script', () => {
  const dir = '/work/space/.moe-lab/runs/20260101-000000-tune-sweep</script><script>alert(1)</script>';
  const html = sweepHtml({ title: 't', sweep: sweepFile(), nonce: 'n', cspSource: 'c', canCompare: true, dir });
  const script = html.slice(html.lastIndexOf('<script nonce="n">'), html.lastIndexOf('</script>'));
  assert.equal(html.match(/<\/script>/g)?.length, 1, 'the folder name cannot close the script');
  const saved = /vscode\.setState\((.*)\);/.exec(script)?.[1];
  assert.ok(saved, 'the page saves its state');
  assert.deepEqual(parseSweepPanelState(JSON.parse(saved)), { version: 1, dir }, 'what the page saves is what the serializer reads back');
  assert.doesNotMatch(sweepHtml({ title: 't', sweep: sweepFile(), nonce: 'n', cspSource: 'c', canCompare: true }), /setState/);
  for (const bad of [undefined, null, 'dir', { version: 2, dir: '/x' }, { version: 1 }, { version: 1, dir: '' }, { version: 1, dir: 42 }]) {
    assert.equal(parseSweepPanelState(bad), undefined, JSON.stringify(bad));
  }
});
