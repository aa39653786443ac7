/**
 * `runReproduction`: the paper's experiments and the summary's claims in one call — pure core (no vscode), with
 * an AbortSignal checked between iterations and a progress callback, so that the CLI and the extension's worker
 * run the same code. Experiments that finish are kept when a later one is cancelled or cannot run (no
 * Fashion-MNIST files): the results say which and why.
 */
import * as os from 'node:os';
import { isUserInputError } from '../errors';
import { isInterrupted } from '../interrupt';
import { buildCharts } from './charts';
import { MONOTONE_TOLERANCE, ReproductionCancelled } from './common';
import { runFmnist, type FmnistResult } from './fmnist';
import { runSnrSweep, type SnrSweepResult } from './snrSweep';
import { runSummaryTable, type SummaryTableResult } from './summaryTable';
import { runSymmoline, type SymmolineResult } from './symmoline';
import { EXPERIMENT_NAMES, type ChartSpec, type Check, type ExperimentName, type ReproduceOptions, type SkippedExperiment } from './types';

export interface EqualTimeResult {
  readonly name: 'equal-time';
  readonly title: string;
  /** The views are drawn from the fmnist runs; this records what was added for them. */
  readonly settings: Record<string, string>;
  readonly differences: string[];
}

export interface ReproductionResults {
  readonly tool: 'moe-lab reproduce';
  readonly quick: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly machine: { readonly node: string; readonly platform: string; readonly cpus: number; readonly cpuModel: string; readonly memoryGb: number; readonly loadAverage: number[] };
  readonly requested: ExperimentName[];
  readonly cancelled: boolean;
  /** Which experiment was running when the signal aborted. */
  readonly cancelledDuring?: ExperimentName;
  /** Checkpoint entries read back from an earlier sitting (`--resume`): experiments and Fashion-MNIST instances. */
  readonly restored?: string[];
  readonly symmoline?: SymmolineResult;
  readonly fmnist?: FmnistResult;
  readonly equalTime?: EqualTimeResult;
  readonly snrSweep?: SnrSweepResult;
  readonly summaryTable?: SummaryTableResult;
  readonly skipped: SkippedExperiment[];
  readonly checks: Check[];
  readonly charts: ChartSpec[];
}

/** Resolves `--only` names; `equal-time` needs the fmnist runs. */
export function resolveExperiments(only?: readonly ExperimentName[]): ExperimentName[] {
  if (!only || only.length === 0) return [...EXPERIMENT_NAMES];
  return EXPERIMENT_NAMES.filter((name) => only.includes(name));
}

export async function runReproduction(options: ReproduceOptions): Promise<ReproductionResults> {
  const startedAt = new Date();
  const started = performance.now();
  const requested = resolveExperiments(options.only);
  const results: {
    symmoline?: SymmolineResult;
    fmnist?: FmnistResult;
    equalTime?: EqualTimeResult;
    snrSweep?: SnrSweepResult;
    summaryTable?: SummaryTableResult;
  } = {};
  const skipped: SkippedExperiment[] = [];
  let cancelledDuring: ExperimentName | undefined;
  const wants = (name: ExperimentName) => requested.includes(name);

  // A whole experiment is the checkpoint's unit except Fashion-MNIST, which keeps each instance (fmnist.ts).
  const checkpointed = async <T>(name: ExperimentName, run: (options: ReproduceOptions) => Promise<T>): Promise<T> => {
    const key = `experiment-${name}`;
    const fingerprint = { quick: options.quick };
    const stored = await options.checkpoint?.load<T>(key, fingerprint);
    if (stored !== undefined) return stored;
    const value = await run(options);
    await options.checkpoint?.save(key, fingerprint, value);
    return value;
  };
  const steps: { name: ExperimentName; run: () => Promise<void> }[] = [
    { name: 'symmoline', run: async () => void (results.symmoline = await checkpointed('symmoline', runSymmoline)) },
    { name: 'snr-sweep', run: async () => void (results.snrSweep = await checkpointed('snr-sweep', runSnrSweep)) },
    { name: 'summary-table', run: async () => void (results.summaryTable = await checkpointed('summary-table', runSummaryTable)) },
    {
      name: wants('fmnist') ? 'fmnist' : 'equal-time',
      run: async () => {
        const fmnist = await runFmnist(options, wants('equal-time'));
        if (wants('fmnist') || wants('equal-time')) results.fmnist = fmnist;
        if (wants('equal-time')) results.equalTime = equalTimeOf(fmnist);
      },
    },
  ];
  for (const step of steps) {
    const active = step.name === 'fmnist' || step.name === 'equal-time' ? wants('fmnist') || wants('equal-time') : wants(step.name);
    if (!active) continue;
    if (cancelledDuring) {
      skipped.push({ name: step.name, skipped: true, reason: `not run: the reproduction was cancelled during ${cancelledDuring}` });
      continue;
    }
    try {
      await step.run();
    } catch (error) {
      // An interrupt outside a solver's run (a data set being built, an evaluation) is a cancel too.
      if (error instanceof ReproductionCancelled || isInterrupted(error)) {
        cancelledDuring = step.name;
        skipped.push({ name: step.name, skipped: true, reason: 'cancelled before it finished; its partial runs are not reported' });
      } else {
        // A missing data set (a user error) or a failure in one experiment: keep the others, say what happened.
        const reason = isUserInputError(error) ? (error as Error).message : `failed: ${(error as Error)?.stack ?? String(error)}`;
        const names = step.name === 'fmnist' || step.name === 'equal-time' ? (['fmnist', 'equal-time'] as const).filter(wants) : [step.name];
        for (const name of names) skipped.push({ name, skipped: true, reason, ...(isUserInputError(error) ? {} : { failed: true }) });
      }
    }
  }

  const partial = { quick: options.quick, ...results };
  return {
    tool: 'moe-lab reproduce',
    quick: options.quick,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: (performance.now() - started) / 1000,
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
    },
    requested,
    cancelled: cancelledDuring !== undefined,
    ...(cancelledDuring ? { cancelledDuring } : {}),
    ...(options.checkpoint && options.checkpoint.restored.length > 0 ? { restored: [...options.checkpoint.restored] } : {}),
    ...results,
    skipped,
    checks: buildChecks(partial),
    charts: buildCharts(partial),
  };
}

function equalTimeOf(fmnist: FmnistResult): EqualTimeResult {
  const extended = fmnist.extended.map((e) => `${e.label}: ${e.iterations} iterations in ${e.budgetSeconds.toFixed(1)} s`);
  return {
    name: 'equal-time',
    title: 'Equal time (not in the paper): the Fashion-MNIST curves against seconds',
    settings: {
      clock: "each solver's own compute clock (the update and the evaluation it needs; the per-iteration test evaluation for the curves is not counted), on this machine",
      curves: "the fmnist runs: in the charts each solver's mean curve at the mean compute time of each iteration (log time axis); in the table each instance's last iteration finished within the budget",
      ...(extended.length
        ? { 'continued runs (instance 1)': `GD and Adam continued, and EM + SQUAREM, EM + DAAREM (iterations = EM-map evaluations) and EM with budgeted M-steps run, from the same start until they had used EM's compute time for its ${fmnist.settings.iterations} iterations, capped at ${fmnist.extendCapSeconds} s: ${extended.join('; ')}` }
        : {}),
    },
    differences: ['The paper shows curves against iterations only; an EM iteration (M-steps solved by inner iterations) costs far more than a GD or Adam step, so both views are given.'],
  };
}

type Partial = { quick: boolean; symmoline?: SymmolineResult; fmnist?: FmnistResult; snrSweep?: SnrSweepResult; summaryTable?: SummaryTableResult };

/** The properties the mathematics guarantees, as checked on this run. */
export function buildChecks(results: Partial): Check[] {
  const checks: Check[] = [];
  const monotone: { experiment: ExperimentName; runs: number; violations: number; worst: number }[] = [];
  if (results.symmoline) monotone.push({ experiment: 'symmoline', ...flat(results.symmoline.emMonotone) });
  if (results.snrSweep) monotone.push({ experiment: 'snr-sweep', ...flat(results.snrSweep.emMonotone) });
  if (results.summaryTable) monotone.push({ experiment: 'summary-table', ...flat(results.summaryTable.emMonotone) });
  if (results.fmnist) monotone.push({ experiment: 'fmnist', ...flat(results.fmnist.emMonotone) });
  for (const m of monotone) {
    checks.push({
      experiment: m.experiment,
      name: 'EM is monotone on every instance',
      passed: m.violations === 0,
      detail: `${m.runs} EM runs; ${m.violations} with a decrease of ℓ beyond round-off (${MONOTONE_TOLERANCE}·(1 + |ℓ|)); largest (ℓᵗ − ℓᵗ⁺¹)/(1 + |ℓᵗ|) seen: ${m.worst.toExponential(1)}${m.worst <= 0 ? ' (ℓ rose or stayed at every iteration)' : ' (round-off at convergence)'}`,
    });
  }
  const ablation = results.summaryTable?.ablation ?? [];
  const emDiverged =
    (results.symmoline?.solvers.find((s) => s.solver === 'em')?.diverged ?? 0) +
    (results.fmnist?.solvers.find((s) => s.solver === 'em')?.diverged ?? 0) +
    (results.summaryTable?.rows.reduce((sum, row) => sum + row.diverged.em, 0) ?? 0) +
    ablation.filter((row) => row.choice?.solver === 'em' || !row.choice).reduce((sum, row) => sum + row.diverged, 0);
  const settings = [
    results.symmoline && `SymMoLinE (d = ${results.symmoline.settings.d}, n = ${results.symmoline.settings.n})`,
    results.snrSweep && `${results.snrSweep.points.length} SNRs`,
    results.summaryTable && `${results.summaryTable.rows.length} table problems and the ablation`,
    results.fmnist && 'Fashion-MNIST',
  ].filter(Boolean);
  if (settings.length > 0) {
    const gdDiverged = [
      results.symmoline && results.symmoline.gdLargeStep.diverged ? `η = ${results.symmoline.gdLargeStep.learningRate} on SymMoLinE` : undefined,
      ...ablation.filter((row) => row.choice?.solver === 'gd' && row.diverged > 0).map((row) => row.configuration.replace(/ \(.*\)$/, '') + ' in the ablation'),
    ].filter(Boolean);
    checks.push({
      experiment: results.symmoline ? 'symmoline' : results.summaryTable ? 'summary-table' : results.snrSweep ? 'snr-sweep' : 'fmnist',
      name: 'EM needs no step size',
      passed: emDiverged === 0 && monotone.every((m) => m.violations === 0),
      detail: `EM ran with no step size in ${settings.join(', ')}: ${emDiverged} divergences, ℓ never fell; GD's step size had to be chosen from grids${gdDiverged.length ? `, and diverged at ${gdDiverged.join(', ')}` : ''}`,
    });
  }
  if (results.symmoline) {
    const large = results.symmoline.gdLargeStep;
    checks.push({
      experiment: 'symmoline',
      name: 'GD at too large a step diverges (reported as divergence)',
      passed: large.diverged,
      detail: `GD at η = ${large.learningRate} on a SymMoLinE pilot instance: ${large.diverged ? 'diverged' : 'did not diverge'} — ${large.message}`,
    });
    const gem = results.symmoline.gemOneStepEqualsGd;
    checks.push({
      experiment: 'symmoline',
      name: 'Gradient EM with one step equals GD',
      passed: gem.identical,
      detail: `${gem.iterations} iterations at η = ${gem.learningRate} from the same start: largest |Δℓ| ${gem.maxLogLikDifference}, largest |Δθ| ${gem.maxThetaDifference} (bit for bit when both are 0)`,
    });
  }
  const tooLarge = ablation.find((row) => row.choice?.solver === 'gd' && /too large/.test(row.configuration));
  if (tooLarge) {
    checks.push({
      experiment: 'summary-table',
      name: 'GD at too large a step diverges (reported as divergence)',
      passed: tooLarge.diverged === tooLarge.iterations.length,
      detail: `${tooLarge.configuration}: ${tooLarge.outcome}`,
    });
  }
  return checks;
}

function flat(m: { runs: number; violations: number; worstRelativeDrop: number }) {
  return { runs: m.runs, violations: m.violations, worst: m.worstRelativeDrop };
}
