/**
 * `moe-lab reproduce --quick`, run in-process, and what the mathematics guarantees on it:
 * - EM never decreases ℓ (every EM run of every experiment, up to round-off);
 * - EM needs no step size: with none it reaches the SymMoLinE optimum and the ablation's error threshold, and it
 *   never diverges, while GD's outcome depends on η;
 * - GD at a step far beyond 2/L diverges, and is reported as a divergence;
 * - Gradient EM with one inner step is GD: Fisher's identity makes ∇Q(θ|θᵗ) at θᵗ equal ∇ℓ(θᵗ), so the iterates agree
 *   bit for bit.
 * Also: the report labels every reference by its source, cancellation keeps what finished, the aggregation's
 * quantiles match their definition, and the chart renderer writes PNGs when Chromium is there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { reproduceCommand } from '../../src/cli/commands/reproduce';
import { band, quantile, timeCurve } from '../../src/core/reproduce/aggregate';
import { secondsToAccuracy } from '../../src/core/reproduce/fmnist';
import { PAPER_LABEL, SUMMARY_SECTION_LABEL, runReproduction, type ReproductionResults } from '../../src/core/reproduce';
import { SUMMARY_TABLE } from '../../src/core/reproduce/summaryTable';
import { writeReproduction } from '../../src/core/reproduce/write';
import { readPanelReproduction } from '../../src/extension/reproduce/reproduceOptions';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples', 'data');

let quick: Promise<ReproductionResults> | undefined;
function quickRun(): Promise<ReproductionResults> {
  quick ??= runReproduction({ quick: true, examplesDir: EXAMPLES });
  return quick;
}

test('the quick reproduction runs every experiment within a minute', { timeout: 120_000 }, async () => {
  const started = performance.now();
  const results = await quickRun();
  const seconds = (performance.now() - started) / 1000;
  assert.equal(results.cancelled, false);
  assert.ok(results.symmoline && results.snrSweep && results.summaryTable, 'the synthetic experiments ran');
  const fmnistMissing = results.skipped.find((s) => s.name === 'fmnist');
  if (fmnistMissing) assert.match(fmnistMissing.reason, /Fashion-MNIST not found/);
  else assert.ok(results.fmnist && results.equalTime, 'fmnist and equal-time ran');
  assert.ok(seconds < 60, `quick reproduction took ${seconds.toFixed(1)} s`);
  for (const check of results.checks) assert.ok(check.passed, `${check.name} (${check.experiment}): ${check.detail}`);
});

test('EM is monotone on every instance of every experiment', async () => {
  const results = await quickRun();
  const summaries = [results.symmoline?.emMonotone, results.snrSweep?.emMonotone, results.summaryTable?.emMonotone, results.fmnist?.emMonotone].filter((m) => m !== undefined);
  assert.ok(summaries.length >= 3);
  for (const m of summaries) {
    assert.ok(m.runs > 0);
    assert.equal(m.violations, 0, `largest relative decrease ${m.worstRelativeDrop}`);
    assert.ok(m.worstRelativeDrop <= 1e-9);
  }
  // The quick run checks as many EM runs as it says: 3 SymMoLinE instances, 1 per SNR, and the table's runs.
  assert.equal(results.symmoline!.emMonotone.runs, Number(results.symmoline!.settings.instances));
});

test('EM needs no step size: it reaches the optimum and the error threshold untuned, and never diverges', async () => {
  const results = await quickRun();
  const sym = results.symmoline!;
  const em = sym.solvers.find((s) => s.solver === 'em')!;
  assert.equal(em.choice.learningRate, undefined, 'EM has no learning rate');
  assert.equal(em.notReached, 0, 'every instance within 1e-5 per row of the optimum');
  assert.equal(em.diverged, 0);
  // GD needed its η tuned, and the grid shows how much the outcome depends on it.
  const gdTuning = sym.tuning.find((t) => t.solver === 'gd')!;
  assert.ok(gdTuning.grid.length >= 2 && new Set(gdTuning.grid.map((g) => g.score)).size > 1);
  const ablationEm = results.summaryTable!.ablation.find((row) => row.choice?.solver === 'em')!;
  assert.ok(ablationEm.iterations.every((t) => t !== null), 'EM reaches parameter error < 0.01');
  for (const row of results.summaryTable!.rows) assert.equal(row.diverged.em, 0, row.dataset);
  const check = results.checks.find((c) => c.name === 'EM needs no step size');
  assert.ok(check?.passed, check?.detail);
});

test('GD at too large a step diverges and is reported as divergence', async () => {
  const results = await quickRun();
  assert.equal(results.symmoline!.gdLargeStep.diverged, true, results.symmoline!.gdLargeStep.message);
  const tooLarge = results.summaryTable!.ablation.find((row) => /too large/.test(row.configuration))!;
  assert.equal(tooLarge.diverged, tooLarge.iterations.length);
  assert.match(tooLarge.outcome, /diverged/);
  assert.ok(tooLarge.iterations.every((t) => t === null));
});

test('Gradient EM with one step makes exactly the iterates of GD', async () => {
  const { gemOneStepEqualsGd } = (await quickRun()).symmoline!;
  assert.equal(gemOneStepEqualsGd.maxLogLikDifference, 0);
  assert.equal(gemOneStepEqualsGd.maxThetaDifference, 0);
  assert.equal(gemOneStepEqualsGd.identical, true);
});

test('the missing information predicts the observed EM rate in the SNR sweep', async () => {
  const { points } = (await quickRun()).snrSweep!;
  for (const point of points) {
    const observed = point.observedRate!.median;
    const predicted = point.predictedRate!.median;
    assert.ok(observed > 0 && observed < 1 && Math.abs(observed - predicted) < 0.05, `SNR ${point.snr}: ρ̂ ${observed}, predicted ${predicted}`);
  }
});

test('the report and results.json: every reference labelled by its source, settings and checks written', async () => {
  const results = await quickRun();
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-reproduce-'));
  const written = await writeReproduction(dir, results, { command: 'moe-lab reproduce --quick', renderedCharts: new Set(), chartNote: 'not rendered in this test' });
  const report = readFileSync(written.report, 'utf8');
  const json = JSON.parse(readFileSync(written.results, 'utf8')) as ReproductionResults;
  assert.equal(json.checks.length, results.checks.length);
  assert.match(report, /moe-lab reproduce --quick/);
  assert.match(report, /it took \*\*/);
  assert.ok(report.includes(PAPER_LABEL));
  if (results.fmnist) assert.ok(report.includes(`${PAPER_LABEL}: accuracy`));
  // The summary's numbers appear only in the section labelled as the summary's, never beside "paper".
  const summaryStart = report.indexOf(`## 5. The summary's table — ${SUMMARY_SECTION_LABEL}`);
  assert.ok(summaryStart > 0, 'the summary section carries its label');
  const beforeSummary = report.slice(0, summaryStart);
  for (const numbers of Object.values(SUMMARY_TABLE)) {
    for (const value of Object.values(numbers)) {
      assert.ok(report.indexOf(`| ${value} |`, summaryStart) > 0, `${value} in the summary section`);
      // Our own accuracies are always written "mean ± sd %", so a bare percentage before the section would be the summary's.
      if (value.endsWith('%')) assert.ok(!beforeSummary.includes(`| ${value} |`), `${value} appears outside the summary section`);
    }
  }
  if (results.fmnist) for (const value of ['78.5 %', '66.0 %', '62.4 %', '0.827']) assert.ok(beforeSummary.includes(value), `paper value ${value}`);
  assert.match(report, /EM with a warm restart \(our definition/);
  assert.match(report, /Every difference from the paper/);
  assert.match(report, /Chart .* not rendered \(not rendered in this test\)/);
  if (results.fmnist) {
    // The equal-time race: time to 80 %, 82 % and the oracle ceiling for every solver, read off its own curve.
    const race = report.slice(report.indexOf('Compute time to first reach a test accuracy'));
    assert.match(race, /\| Solver \| 80 % \| 82 % \| the ceiling, \d+\.\d % \|/);
    for (const s of results.fmnist.solvers) assert.ok(race.includes(`| ${s.label} | `), `${s.label} in the race table`);
    // EM's M-steps: "exact" only for those whose every block met its tolerance (issue 18).
    const em = results.fmnist.solvers.find((s) => s.solver === 'em')!;
    const tally = em.mSteps!;
    assert.ok(tally.met + tally.capped > 0 && tally.methods.length > 0, `EM's M-steps recorded: ${JSON.stringify(tally)}`);
    assert.match(report, tally.capped === 0 ? /Every one of the \d+ M-steps was exact/ : new RegExp(`${tally.met} of ${tally.met + tally.capped} M-steps were exact`));
    const withCapped: ReproductionResults = {
      ...results,
      fmnist: { ...results.fmnist, solvers: results.fmnist.solvers.map((s) => (s === em ? { ...s, mSteps: { met: 2, capped: 1, methods: ['lbfgs'] } } : s)) },
    };
    const cappedDir = mkdtempSync(path.join(tmpdir(), 'moe-reproduce-'));
    const cappedReport = readFileSync((await writeReproduction(cappedDir, withCapped, { command: 'x', renderedCharts: new Set(), chartNote: 'not rendered' })).report, 'utf8');
    assert.match(cappedReport, /2 of 3 M-steps were exact \(every block at its tolerance\); 1 was not: a block stopped at its cap \(L-BFGS\)/);
    assert.ok(!/Every one of the \d+ M-steps was exact/.test(cappedReport), 'a capped M-step is never called exact');
  }
  // The first time at or above the target, not the first time near it or the last one.
  const curve = { seconds: [0, 1.5, 2.5, 4], values: { testAccuracy: [0.5, 0.799, 0.81, 0.79], testCrossEntropy: [], trainCrossEntropy: [] } };
  assert.equal(secondsToAccuracy(curve, 0.8), 2.5);
  assert.equal(secondsToAccuracy(curve, 0.5), 0);
  assert.equal(secondsToAccuracy(curve, 0.82), undefined);
  for (const key of ['d', 'n', 'SNR ‖β*‖/σ', 'instances', 'start']) assert.ok(key in results.symmoline!.settings, `symmoline setting ${key}`);
});

test('cancellation between iterations keeps what finished and names what did not run', async () => {
  const controller = new AbortController();
  let progressCalls = 0;
  const results = await runReproduction({
    quick: true,
    only: ['symmoline', 'snr-sweep'],
    examplesDir: EXAMPLES,
    signal: controller.signal,
    onProgress: () => {
      progressCalls++;
      if (progressCalls === 2) controller.abort();
    },
  });
  assert.equal(results.cancelled, true);
  assert.equal(results.cancelledDuring, 'symmoline');
  assert.equal(results.symmoline, undefined);
  assert.deepEqual(results.skipped.map((s) => s.name), ['symmoline', 'snr-sweep']);
  assert.ok(progressCalls >= 2);
});

test('--only rejects an unknown experiment with a user error', async () => {
  await assert.rejects(reproduceCommand(['--only', 'symoline']), (error: Error) => error.name === 'UserInputError' && /unknown experiment "symoline"/.test(error.message));
});

test('bands: mean, sample sd and type-7 quantiles; time curves are step functions', () => {
  const b = band([4, 1, 3, 2, Number.NaN])!;
  assert.equal(b.count, 4);
  assert.equal(b.mean, 2.5);
  assert.ok(Math.abs(b.sd - Math.sqrt(5 / 3)) < 1e-15);
  assert.equal(b.median, 2.5);
  // Type 7: position (n − 1)q = 0.3 between 1 and 2.
  assert.ok(Math.abs(b.lower - 1.3) < 1e-12 && Math.abs(b.upper - 3.7) < 1e-12);
  assert.equal(quantile([5], 0.9), 5);
  assert.equal(band([Number.NaN]), null);
  const curve = timeCurve([{ seconds: [0, 1, 2], values: [10, 5, 1] }, { seconds: [0.5, 3], values: [8, 2] }], [0, 1.5, 3]);
  assert.deepEqual(curve.bands.map((x) => x?.mean), [10, 6.5, 1.5]);
  assert.equal(curve.bands[0]!.count, 1, 'an instance has no value before its first point');
});

test('charts render to PNG in headless Chromium (skipped only when no Chromium is installed)', { timeout: 60_000 }, async (t) => {
  const { renderCharts, DEFAULT_CHROMIUM } = (await import(path.join(ROOT, 'scripts', 'renderCharts.mjs'))) as {
    renderCharts: (charts: unknown[], out: string) => Promise<{ rendered: string[]; note?: string }>;
    DEFAULT_CHROMIUM: string[];
  };
  // The renderer's own search: MOE_LAB_CHROMIUM (which must then exist), else the first of its default paths.
  if (!process.env.MOE_LAB_CHROMIUM && !DEFAULT_CHROMIUM.some((file) => existsSync(file))) {
    t.skip(`no Chromium on this machine (looked for ${DEFAULT_CHROMIUM.join(', ')})`);
    return;
  }
  const results = await quickRun();
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-charts-'));
  const chart = results.charts.find((c) => c.id === 'symmoline-optimization-gap')!;
  // With a browser there, a note means the renderer gave up (a development dependency missing, a bad
  // MOE_LAB_CHROMIUM): the report would then ship without charts, so the test fails.
  const outcome = await renderCharts([chart], dir);
  assert.equal(outcome.note, undefined, `the renderer drew nothing: ${outcome.note}`);
  assert.deepEqual(outcome.rendered, [chart.id]);
  const png = readFileSync(path.join(dir, `${chart.id}.png`));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.length > 10_000);
});

test('a written reproduction reads back as the panel shows it (for a panel whose webview state was lost)', async () => {
  const results = await quickRun();
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-reproduce-'));
  await writeReproduction(dir, results, { command: 'moe-lab reproduce --quick', renderedCharts: new Set(), chartNote: 'not rendered in this test' });
  const view = await readPanelReproduction(dir);
  assert.ok(view, 'the folder was not read back');
  assert.equal(view.id, path.basename(dir));
  assert.equal(view.status, results.cancelled ? 'cancelled' : 'finished');
  assert.equal(view.reportPath, path.join(dir, 'report.md'));
  assert.deepEqual(view.charts, JSON.parse(JSON.stringify(results.charts)));
  assert.deepEqual(view.checks.map((c) => `${c.experiment}: ${c.name}: ${c.passed}`), results.checks.map((c) => `${c.experiment}: ${c.name}: ${c.passed}`));
  assert.match(view.title, /quick/);
  const other = mkdtempSync(path.join(tmpdir(), 'moe-not-reproduction-'));
  assert.equal(await readPanelReproduction(other), undefined, 'an empty folder');
  writeFileSync(path.join(other, 'results.json'), JSON.stringify({ runId: 'x', results: [] }));
  assert.equal(await readPanelReproduction(other), undefined, "another tool's results.json");
  writeFileSync(path.join(other, 'results.json'), '{ not json');
  assert.equal(await readPanelReproduction(other), undefined, 'a damaged results.json');
});
