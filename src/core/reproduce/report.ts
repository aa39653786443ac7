/**
 * The Markdown report: every table, the reference numbers beside ours labelled by source ("paper (slides/poster)"
 * or "summary (not in the authors' material)"), every setting, the machine, the command, the time taken, and
 * every difference from the paper.
 */
import { solverLabel } from '../solvers/labels';
import type { SolverName } from '../spec/types';
import { formatMeanSd, formatNumber, timeCurve, type Band } from './aggregate';
import { mStepSolverText, secondsToAccuracy, type FmnistResult, type TimedCurve } from './fmnist';
import { PAPER_SYMMOLINE, PAPER_TABLE_2 } from './paperFigures';
import type { EqualTimeResult, ReproductionResults } from './reproduce';
import type { SnrSweepResult } from './snrSweep';
import type { SummaryTableResult } from './summaryTable';
import type { SymmolineResult } from './symmoline';
import { choiceNote, type Tuning } from './tuning';
import type { ChartSpec, ExperimentResult } from './types';

export const PAPER_LABEL = 'paper (slides/poster)';
export const SUMMARY_LABEL = "summary (not in the authors' material)";
export const SUMMARY_SECTION_LABEL = "from the summary (not found in the authors' material)";

export interface ReportMeta {
  /** The command line that made the results. */
  readonly command: string;
  /** Chart ids whose PNG was written (as `<id>.png` beside the report). */
  readonly renderedCharts: ReadonlySet<string>;
  /** Why charts are missing, when they are. */
  readonly chartNote?: string;
  readonly gitCommit?: string;
  /** Set when the report is rendered again from `results.json` by a later checkout (`scripts/renderReport.ts`): its commit. */
  readonly renderedBy?: string;
}

export function renderReport(results: ReproductionResults, meta: ReportMeta): string {
  const out: string[] = [];
  const push = (...lines: string[]) => out.push(...lines);
  push(
    `# Reproduction: "Learning Mixtures of Experts with EM: A Mirror Descent Perspective" (Fruytier et al., ICML 2025)`,
    '',
    `Made with \`${meta.command}\` on ${results.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}; it took **${duration(results.seconds)}**` +
      `${results.quick ? ' (quick mode: small n, few instances, a slice of Fashion-MNIST — a smoke test, not the reproduction)' : ''}.`,
    '',
    `Machine: ${results.machine.cpuModel}, ${results.machine.cpus} cores, ${results.machine.memoryGb} GB, Node ${results.machine.node}, ${results.machine.platform}` +
      `${meta.gitCommit ? `, MoE Lab at commit ${meta.gitCommit}` : ''}. Load average at the end: ${results.machine.loadAverage.join(', ')}` +
      ` — times are wall-clock seconds of each solver's own compute clock on this machine, which other work shared; compare them with each other, not with other machines.`,
    '',
  );
  if (meta.renderedBy) push(`This report was rendered again from \`results.json\` by the report code of commit ${meta.renderedBy}; every number in it is the run's.`, '');
  if (results.restored?.length) {
    const instances = results.fmnist?.restoredInstances ?? [];
    push(
      `**Resumed**: ${results.restored.length} finished part(s) were read back from the checkpoint of an earlier sitting (${results.restored.join(', ')}), not rerun; ` +
        `the time above is this sitting's${instances.length ? `, and the Fashion-MNIST time per instance counts every sitting (${fmnistTotalText(results.fmnist!)})` : ''}.`,
      '',
    );
  }
  if (results.cancelled) push(`**Cancelled** during ${results.cancelledDuring}: the experiments that finished before are reported; the others are listed at the end.`, '');
  push(
    '## Sources of the reference numbers',
    '',
    `- **${PAPER_LABEL}**: the authors' ICML 2025 slides (slide "Empirical Validation") and poster, in the public repository`,
    '  `Quentin-Fruytier/Quentin-Fruytier.github.io` (`data/ICML2025_EMMOE.pdf`, `data/Poster__MOE_ICML2025.pdf`); abstract at',
    '  proceedings.mlr.press/v267/fruytier25a.html. Values marked "by eye" are read off their figures and are approximate.',
    `- **${SUMMARY_LABEL}**: a third-party summary of the paper. Its "Main Results" table, its "Ablation Study" and its formula`,
    '  `ρ ≤ 1 − c·SNR²` do not appear in the authors\' slides or poster. They are run here because users ask about them, and are',
    `  always labelled "${SUMMARY_SECTION_LABEL}".`,
    '',
    'Solvers: **EM** (M-steps solved to tolerance where their inner budget allowed; capped ones are counted in the stop messages; no step size), **Gradient EM** (our definition: m gradient-ascent steps on Q(·|θᵗ) per iteration; with',
    'm = 1 it is GD exactly), **GD** (full-batch gradient ascent on ℓ/n), **Adam** (β₁ = 0.9, β₂ = 0.999, ε = 1e-8). See `docs/solvers.md`.',
    'Bands in charts: the 10th–90th percentile of the instances around the mean; tables give mean ± sd (sample sd) unless they say otherwise.',
    '',
  );
  push(...checksSection(results));
  if (results.symmoline) push(...symmolineSection(results.symmoline, chartLines(charts(results, 'symmoline'), meta)));
  if (results.fmnist) push(...fmnistSection(results.fmnist, chartLines(charts(results, 'fmnist'), meta)));
  if (results.equalTime && results.fmnist) push(...equalTimeSection(results.equalTime, results.fmnist, chartLines(charts(results, 'equal-time'), meta)));
  if (results.snrSweep) push(...snrSection(results.snrSweep, chartLines(charts(results, 'snr-sweep'), meta)));
  if (results.summaryTable) push(...summarySection(results.summaryTable));
  push(...differencesSection(results));
  if (results.skipped.length > 0) {
    push('## Not run', '');
    for (const s of results.skipped) push(`- **${s.name}**: ${s.failed ? 'failed — ' : ''}${s.reason.split('\n')[0]}`);
    push('');
  }
  push(
    '## Files',
    '',
    '- `report.md` (this file), `results.json` (every number above, the curves with their bands, the settings and the checks)' +
      (meta.renderedCharts.size > 0 ? ', and one PNG per chart.' : '.'),
    ...(meta.chartNote ? [`- Charts: ${meta.chartNote}`] : []),
    '',
  );
  return out.join('\n');
}

function charts(results: ReproductionResults, experiment: string): ChartSpec[] {
  return results.charts.filter((c) => c.experiment === experiment);
}

function chartLines(list: readonly ChartSpec[], meta: ReportMeta): string[] {
  const lines: string[] = [];
  for (const chart of list) {
    if (meta.renderedCharts.has(chart.id)) lines.push(`![${chart.title}](${chart.id}.png)`, '');
    else lines.push(`*Chart "${chart.title}" not rendered${meta.chartNote ? ` (${meta.chartNote})` : ''}; its data is in results.json.*`, '');
  }
  return lines;
}

function checksSection(results: ReproductionResults): string[] {
  const lines = ['## What the mathematics guarantees, checked on this run', ''];
  if (results.checks.length === 0) return [...lines, 'No experiment that carries a check was run.', ''];
  lines.push('| Check | Experiment | Result | Detail |', '|---|---|---|---|');
  for (const c of results.checks) lines.push(`| ${c.name} | ${c.experiment} | ${c.passed ? 'passed' : '**FAILED**'} | ${escape(c.detail)} |`);
  lines.push('');
  return lines;
}

function settingsTable(result: ExperimentResult | EqualTimeResult): string[] {
  const lines = ['| Setting | Value |', '|---|---|'];
  for (const [key, value] of Object.entries(result.settings)) lines.push(`| ${key} | ${escape(Array.isArray(value) ? value.join(', ') : String(value))} |`);
  lines.push('');
  return lines;
}

function symmolineSection(r: SymmolineResult, chartBlock: string[]): string[] {
  const lines = [`## 1. ${r.title}`, '', `Time: ${duration(r.seconds)}.`, '', '### Settings', '', ...settingsTable(r), '### Results', ''];
  lines.push(
    `Iterations until (ℓ(θ̂) − ℓ(θᵗ))/n < ${r.objectiveThreshold.toExponential()} — median [10th–90th percentile] over the instances that got there, and how many did not within ${r.settings.iterations} iterations — beside the paper's Fig. 1 read by eye (its objective errors reach 1e-5 after):`,
    '',
    `| Solver | η | iterations to < ${r.objectiveThreshold.toExponential()} (ours) | not reached | ${PAPER_LABEL}, by eye | s / iteration |`,
    '|---|---|---|---|---|---|',
  );
  for (const s of r.solvers) {
    const b = s.iterationsToThreshold;
    lines.push(
      `| ${s.label} | ${s.choice.learningRate ?? '—'} | ${b ? `${formatNumber(b.median, 3)} [${formatNumber(b.lower, 3)}, ${formatNumber(b.upper, 3)}]` : '—'} | ${s.notReached} of ${s.curves.optimizationGap.bands[0]?.count ?? 0} | ${PAPER_SYMMOLINE[s.solver].objective} | ${formatNumber(s.secondsPerIteration?.mean, 3)} |`,
    );
  }
  lines.push('', `Relative parameter errors (mean ± sd over instances) at iterations ${Object.keys(r.solvers[0]?.betaErrorAt ?? {}).join(', ')}, beside Fig. 2 read by eye:`, '');
  const checkpoints = Object.keys(r.solvers[0]?.betaErrorAt ?? {});
  lines.push(
    `| Solver | ${checkpoints.map((t) => `β error at ${t}`).join(' | ')} | ${PAPER_LABEL}: β | ${checkpoints.map((t) => `w error at ${t}`).join(' | ')} | ${PAPER_LABEL}: w |`,
    `|---|${checkpoints.map(() => '---').join('|')}|---|${checkpoints.map(() => '---').join('|')}|---|`,
  );
  for (const s of r.solvers) {
    lines.push(
      `| ${s.label} | ${checkpoints.map((t) => formatMeanSd(s.betaErrorAt[t])).join(' | ')} | ${PAPER_SYMMOLINE[s.solver].beta} | ${checkpoints.map((t) => formatMeanSd(s.gateErrorAt[t])).join(' | ')} | ${PAPER_SYMMOLINE[s.solver].gate} |`,
    );
  }
  lines.push(
    '',
    `At EM's converged fit θ̂, (ℓ(θ*) − ℓ(θ̂))/n = ${formatMeanSd(r.truthMinusFitted)} (negative: the fit explains the sample better than the truth, so |ℓ(θ*) − ℓ(θᵗ)| has a floor and a dip where the sign changes). EM needed ${formatMeanSd(r.emReferenceIterations)} iterations to converge (the θ̂ setting above).`,
    '',
  );
  lines.push(...tuningLines(r.tuning), ...chartBlock, ...observations(r.notes));
  lines.push('### Differences from the paper', '', ...r.differences.map((d) => `- ${d}`), '');
  return lines;
}

function tuningLines(tuning: readonly Tuning[]): string[] {
  if (tuning.length === 0) return [];
  const lines = ['Step sizes (the paper gives none) were chosen on pilot instances — ' + escape(tuning[0].criterion) + ':', '', '| Solver | η: score | chosen |', '|---|---|---|'];
  for (const t of tuning) {
    const grid = t.grid.map((g) => `${g.learningRate}: ${Number.isFinite(g.score) ? g.score.toFixed(6) : `diverged (${g.diverged})`}`).join('; ');
    lines.push(`| ${solverLabel(t.solver, t.steps)} | ${grid} | ${t.chosen}${choiceNote(t)} |`);
  }
  lines.push('');
  return lines;
}

function fmnistSection(r: FmnistResult, chartBlock: string[]): string[] {
  const sittings = r.restoredInstances?.length ? ` in this sitting (${fmnistTotalText(r)})` : '';
  const lines = [`## 2. ${r.title}`, '', `Time: ${duration(r.seconds)}${sittings}; per instance (four solvers and the baselines): ${r.instanceSeconds.map((s) => duration(s)).join(', ')}.`, ''];
  lines.push('### Settings', '', ...settingsTable(r), '### Results', '');
  lines.push(
    `At iteration ${r.settings.iterations}, mean ± sd over ${r.settings.instances} instance(s), beside the paper's Table 2 ("Performance for 2-Component MoLogE", 100 iterations, 25 instances; the paper calls its objective "cross entropy" without saying on which rows):`,
    '',
    `| Solver | η | test accuracy | ${PAPER_LABEL}: accuracy | test cross entropy | training cross entropy | ${PAPER_LABEL}: cross entropy | s / iteration |`,
    '|---|---|---|---|---|---|---|---|',
  );
  for (const s of r.solvers) {
    const paper = PAPER_TABLE_2[s.solver];
    lines.push(
      `| ${s.label}${s.diverged ? ` (${s.diverged} diverged)` : ''} | ${s.choice.learningRate ?? '—'} | ${formatMeanSd(s.final.testAccuracy, 3, 100, ' %')} | ${paper ? `${(paper.accuracy * 100).toFixed(1)} %` : '— (not in the paper)'} | ${formatMeanSd(s.final.testCrossEntropy)} | ${formatMeanSd(s.final.trainCrossEntropy)} | ${paper ? paper.crossEntropy : '—'} | ${formatNumber(s.secondsPerIteration?.mean, 3)} |`,
    );
  }
  for (const b of r.baselines) {
    lines.push(`| baseline: ${b.label} | — | ${formatMeanSd(b.testAccuracy, 3, 100, ' %')} | — | ${formatMeanSd(b.testCrossEntropy)} | ${formatMeanSd(b.trainCrossEntropy)} | — | fit: ${formatNumber(b.seconds?.mean, 3)} s |`);
  }
  const em = r.solvers.find((s) => s.solver === 'em');
  if (em?.innerIterations) lines.push('', ...mStepLines(em));
  lines.push('', ...tuningLines(r.tuning), ...chartBlock);
  lines.push(...observations(r.notes), '### Differences from the paper', '', ...r.differences.map((d) => `- ${d}`), '');
  return lines;
}

/**
 * A resumed run's Fashion-MNIST time over every sitting: the sum of its instances' own times (each instance is
 * timed where it ran, and stored with its result), which is what the run cost, however many sittings it took.
 */
function fmnistTotalText(r: FmnistResult): string {
  const total = r.instanceSeconds.reduce((sum, s) => sum + s, 0);
  return `its ${r.instanceSeconds.length} instance(s) took ${duration(total)} over all sittings, ${r.restoredInstances?.length ?? 0} of them read back from earlier ones`;
}

function equalTimeSection(e: EqualTimeResult, fm: FmnistResult, chartBlock: string[]): string[] {
  const lines = [`## 3. ${e.title}`, '', ...settingsTable(e)];
  // Budgets worth reading: when each solver finished its iterations, when EM finished its 10th, and the continued runs' budget.
  const meanAt = (timed: readonly TimedCurve[], t: number) => {
    const values = timed.map((c) => c.seconds[t]).filter((v) => v !== undefined && Number.isFinite(v));
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  };
  const marks = new Map<number, string>();
  const mark = (seconds: number, label: string) => marks.set(seconds, marks.has(seconds) ? `${marks.get(seconds)}; ${label}` : label);
  for (const s of fm.solvers) {
    const last = Math.max(...s.timed.map((c) => c.seconds.length - 1));
    mark(meanAt(s.timed, last), `${s.label} done, ${last} it.`);
  }
  const em = fm.solvers.find((s) => s.solver === 'em');
  if (em && em.timed.every((c) => c.seconds.length > 10)) mark(meanAt(em.timed, 10), 'EM at iteration 10');
  if (fm.extended.length > 0) mark(fm.extended[0].budgetSeconds, 'continued runs end');
  const budgets = [...marks.keys()].filter((b) => Number.isFinite(b) && b > 0).sort((a, b) => a - b);
  lines.push(
    'Test accuracy (mean over instances; in brackets the iterations done by then) after the same compute time:',
    '',
    `| Solver | ${budgets.map((b) => `${formatNumber(b, 3)} s (${marks.get(b)})`).join(' | ')} |`,
    `|---|${budgets.map(() => '---').join('|')}|`,
  );
  const row = (label: string, runs: readonly TimedCurve[]) => {
    const curve = timeCurve(runs.map((r) => ({ seconds: r.seconds, values: r.values.testAccuracy })), budgets);
    const cells = budgets.map((b, k) => {
      const value = curve.bands[k];
      if (!value) return '—';
      const iterations = runs.map((r) => {
        const done = r.seconds.filter((s) => s <= b).length - 1;
        return r.iterations && done >= 0 ? r.iterations[done] : done;
      });
      return `${(value.mean * 100).toFixed(1)} % (${Math.round(iterations.reduce((x, y) => x + y, 0) / iterations.length)})`;
    });
    return `| ${label} | ${cells.join(' | ')} |`;
  };
  for (const s of fm.solvers) lines.push(row(s.label, s.timed));
  for (const x of fm.extended) lines.push(row(`${x.label} (instance 1)`, [x.timed]));
  lines.push('', ...timeToAccuracyTable(fm));
  lines.push('', ...chartBlock, '### Differences from the paper', '', ...e.differences.map((d) => `- ${d}`), '');
  return lines;
}

/**
 * The race the issue asks for: the compute time each solver needed to first reach 80 %, 82 % and the oracle ceiling
 * (the polarity-gated pair's mean test accuracy), median over the instances that reached it.
 */
function timeToAccuracyTable(fm: FmnistResult): string[] {
  const ceiling = fm.baselines.find((b) => /polarity/.test(b.label))?.testAccuracy?.mean;
  const targets = [
    { label: '80 %', value: 0.8 },
    { label: '82 %', value: 0.82 },
    ...(ceiling !== undefined && Number.isFinite(ceiling) ? [{ label: `the ceiling, ${(ceiling * 100).toFixed(1)} %`, value: ceiling }] : []),
  ];
  const cell = (runs: readonly TimedCurve[], target: number) => {
    const times = runs.map((r) => secondsToAccuracy(r, target)).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
    if (times.length === 0) return `not reached (0 of ${runs.length})`;
    const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
    return `${formatNumber(median, 3)} s${times.length < runs.length ? ` (${times.length} of ${runs.length} reached it)` : ''}`;
  };
  const lines = [
    'Compute time to first reach a test accuracy (median over the instances that reached it; the ceiling is the polarity-gated pair, an oracle that knows each image\'s polarity):',
    '',
    `| Solver | ${targets.map((t) => t.label).join(' | ')} |`,
    `|---|${targets.map(() => '---').join('|')}|`,
  ];
  for (const s of fm.solvers) lines.push(`| ${s.label} | ${targets.map((t) => cell(s.timed, t.value)).join(' | ')} |`);
  for (const x of fm.extended) lines.push(`| ${x.label} (instance 1) | ${targets.map((t) => cell([x.timed], t.value)).join(' | ')} |`);
  return lines;
}

function snrSection(r: SnrSweepResult, chartBlock: string[]): string[] {
  const lines = [`## 4. ${r.title}`, '', `Time: ${duration(r.seconds)}.`, '', '### Settings', '', ...settingsTable(r), '### Results', ''];
  lines.push(
    `| SNR | EM ρ̂ observed | predicted (missing information) | ${r.choices.map((c) => `${solverLabel(c.solver)}: iterations to tolerance`).join(' | ')} |`,
    `|---|---|---|${r.choices.map(() => '---').join('|')}|`,
  );
  for (const p of r.points) {
    const cells = r.choices.map((c) => {
      const it = p.iterations[c.solver];
      const reached = it.reached ? formatNumber(it.reached.median, 4) : '—';
      const extra = [it.notReached ? `${it.notReached} not reached` : '', it.diverged ? `${it.diverged} diverged` : ''].filter(Boolean).join(', ');
      return extra ? `${reached} (${extra})` : reached;
    });
    lines.push(`| ${p.snr} | ${bandMedian(p.observedRate)} | ${bandMedian(p.predictedRate)} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    `Median over instances, [min, max] when there are several. Slope of log(1 − ρ) against log SNR over SNR ${r.lowSnrSlope.snrs.join(', ')}: observed ${formatNumber(r.lowSnrSlope.observed, 3)}, predicted ${formatNumber(r.lowSnrSlope.predicted, 3)}. ` +
      `The ${SUMMARY_LABEL} states ρ ≤ 1 − c·SNR², i.e. 1 − ρ ≥ c·SNR² — that formula could not be checked against the paper; near SNR → 0 it would need 1 − ρ to shrink no faster than SNR² (slope ≤ 2 in this plot).`,
    '',
  );
  lines.push(...tuningLines(r.tuning), ...chartBlock, ...observations(r.notes), '### Differences from the paper', '', ...r.differences.map((d) => `- ${d}`), '');
  return lines;
}

function summarySection(r: SummaryTableResult): string[] {
  const lines = [`## 5. The summary's table — ${SUMMARY_SECTION_LABEL}`, '', `Time: ${duration(r.seconds)}.`, '', '### Settings', '', ...settingsTable(r), '### Main results', ''];
  lines.push(
    `| Data set | Metric | EM (ours) | GD, η chosen on held-out data (ours) | Adam (ours) | ${SUMMARY_LABEL}: EM | GD (best lr) | Adam |`,
    '|---|---|---|---|---|---|---|---|',
  );
  for (const row of r.rows) {
    const accuracy = row.metric === 'test accuracy';
    const cell = (b: Band | null, diverged: number) => (accuracy ? formatMeanSd(b, 3, 100, ' %') : formatMeanSd(b, 3)) + (diverged ? ` (${diverged} diverged)` : '');
    const chosen = [...new Set(row.gdChosen)].join(', ');
    lines.push(
      `| ${row.description} | ${row.metric} | ${cell(row.em, row.diverged.em)} | ${cell(row.gd, row.diverged.gd)} (η: ${chosen}) | ${cell(row.adam, row.diverged.adam)} | ${row.summary.em} | ${row.summary.gd} | ${row.summary.adam} |`,
    );
  }
  lines.push('', `### Ablation — ${SUMMARY_SECTION_LABEL}`, '', r.warmRestartDefinition, '');
  lines.push(`| Configuration | iterations to parameter error < ${r.ablationThreshold} (ours, per instance; warm restart: short runs + continuation) | outcome | final parameter error | ${SUMMARY_LABEL} |`, '|---|---|---|---|---|');
  for (const row of r.ablation) {
    const its = row.iterations
      .map((t) => (t === null ? (row.diverged ? 'diverged' : 'not reached') : row.extraIterations ? `${row.extraIterations} + ${t}` : String(t)))
      .join(', ');
    lines.push(`| ${row.configuration} | ${its} | ${escape(row.outcome)} | ${formatMeanSd(row.finalError)} | ${row.summary} |`);
  }
  lines.push('', ...observations(r.notes), '### Differences from the summary', '', ...r.differences.map((d) => `- ${d}`), '');
  return lines;
}

function differencesSection(results: ReproductionResults): string[] {
  const lines = ['## Every difference from the paper, in one place', ''];
  const all: [string, string[]][] = [];
  if (results.symmoline) all.push(['SymMoLinE', results.symmoline.differences]);
  if (results.fmnist) all.push(['Fashion-MNIST', results.fmnist.differences]);
  if (results.equalTime) all.push(['Equal time', results.equalTime.differences]);
  if (results.snrSweep) all.push(['SNR sweep', results.snrSweep.differences]);
  if (results.summaryTable) all.push(["The summary's table", results.summaryTable.differences]);
  for (const [name, list] of all) for (const d of list) lines.push(`- **${name}**: ${d}`);
  lines.push(
    '- **All**: the paper\'s exact EM, Gradient EM and GD equations (its appendix D) were not available; ours are in docs/solvers.md. The paper released no code.',
    '',
  );
  return lines;
}

function observations(notes: readonly string[]): string[] {
  return notes.length ? ['### Observations', '', ...notes.map((n) => `- ${n}`), ''] : [];
}

function bandMedian(b: Band | null): string {
  if (!b) return '—';
  return b.count > 1 ? `${formatNumber(b.median, 4)} [${formatNumber(b.min, 4)}, ${formatNumber(b.max, 4)}]` : formatNumber(b.median, 4);
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** "1 h 02 min", "3 min 04 s", "12.3 s". */
export function duration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds)) return '—';
  if (totalSeconds < 60) return `${totalSeconds.toFixed(1)} s`;
  const s = Math.round(totalSeconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(sec).padStart(2, '0')} s`;
}

/**
 * EM's M-steps in the Fashion-MNIST section: inner iterations and passes per EM iteration, and how many M-steps met
 * their tolerance — "exact" only for those (issue 18: a capped M-step is called what it is).
 */
function mStepLines(em: FmnistResult['solvers'][number]): string[] {
  const passes = em.innerPasses ? `, ${formatMeanSd(em.innerPasses)} passes over X` : '';
  const lines = [`EM's M-steps took ${formatMeanSd(em.innerIterations!)} inner iterations${passes} per EM iteration (summed over the gate and the two experts).`];
  const tally = em.mSteps;
  if (tally && tally.met + tally.capped > 0) {
    const total = tally.met + tally.capped;
    lines.push(
      tally.capped === 0
        ? `Every one of the ${total} M-steps was exact: each block met its tolerance (${mStepSolverText(tally.methods)}).`
        : `${tally.met} of ${total} M-steps were exact (every block at its tolerance); ${tally.capped} ${tally.capped === 1 ? 'was' : 'were'} not: a block stopped at its cap (${mStepSolverText(tally.methods)}).`,
    );
  }
  return lines;
}
