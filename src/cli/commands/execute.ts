/**
 * Runs a resolved spec and prints it: a live progress line on a terminal and a compact table, or exactly one
 * JSON document with `--json`. Ctrl-C cancels the run in any phase (the CSV load included) and keeps what was
 * computed; the command then exits with INTERRUPTED_EXIT_CODE, so that `moe-lab run … && next` stops.
 */
import { formatRuns, OPTIMUM_OBJECTIVE_TOLERANCE, type LabelAlignment, type Optimum } from '../../core/diagnostics/optima';
import type { RunEvent, SolverResult } from '../../core/runner/types';
import type { RunOptions } from '../../core/runner/runExperiment';
import type { ExperimentSpec } from '../../core/spec/types';
import { runInWorker } from '../worker/workerRun';
import { consumeUntilInterrupted } from './interruptible';
import { WarningDigest } from './warningDigest';

/** The shell's code for a process ended by SIGINT (128 + 2): what `moe-lab` exits with after Ctrl-C. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * @param wording puts the runner's warnings in the user's terms (`fit` names its flags; `run` keeps the spec's words)
 */
export async function executeRun(
  spec: ExperimentSpec,
  options: Omit<RunOptions, 'signal'>,
  json: boolean,
  wording: (message: string) => string = (message) => message,
): Promise<number> {
  const progress = new ProgressLine(!json && process.stderr.isTTY === true);
  const warnings = new WarningDigest((line) => {
    if (!json) progress.print(`warning: ${line}`);
  });
  let started: Extract<RunEvent, { type: 'runStarted' }> | undefined;
  let finished: Extract<RunEvent, { type: 'runFinished' }> | undefined;
  let interrupted: boolean;
  try {
    // In a worker thread: this thread stays free to see Ctrl-C, which then reaches inside the pass being computed.
    interrupted = await consumeUntilInterrupted(
      (signal) => runInWorker(spec, { ...options, signal, abortLoad: true }),
      (event) => {
        switch (event.type) {
          case 'runStarted':
            started = event;
            break;
          case 'iteration':
            progress.update(event.solver, event.restart, event.report.iteration, event.report.logLik);
            break;
          case 'warning':
            warnings.add({ ...event, message: wording(event.message) });
            break;
          case 'solverFinished':
            warnings.flush(event.solver, event.restart);
            break;
          case 'runFinished':
            finished = event;
            break;
          default:
            break;
        }
      },
    );
  } finally {
    warnings.flush();
    progress.clear();
  }
  if (!started || !finished) {
    if (!interrupted) return 0;
    process.stdout.write(json ? JSON.stringify({ runId: null, resultsDir: null, cancelled: true, results: [] }) + '\n' : 'run cancelled before it started; nothing was computed\n');
    return INTERRUPTED_EXIT_CODE;
  }
  const exitCode = finished.cancelled ? INTERRUPTED_EXIT_CODE : 0;
  if (json) {
    const document = {
      runId: finished.runId,
      resultsDir: finished.resultsDir ?? null,
      cancelled: finished.cancelled,
      seconds: finished.seconds,
      dataset: started.dataset,
      warnings: warnings.lines,
      results: finished.results,
      optima: finished.optima ?? [],
      labelsAligned: finished.labelAlignment !== undefined,
      ...(finished.labelAlignment ? { labelAlignment: finished.labelAlignment } : {}),
    };
    process.stdout.write(JSON.stringify(document) + '\n');
    return exitCode;
  }
  const { dataset } = started;
  process.stdout.write(
    `${spec.name}: ${dataset.rows} training rows${dataset.testRows ? `, ${dataset.testRows} test rows` : ''}, ${dataset.features.length} features, ` +
      `${spec.model.experts} ${dataset.family} experts, ${started.parameterCount} parameters\n`,
  );
  process.stdout.write(resultsTable(finished.results) + '\n');
  for (const result of finished.results) {
    if (result.best) process.stdout.write(`  ${solverCode(result)} (restart ${result.restart + 1}): ${result.stopMessage}\n`);
  }
  if (finished.optima) process.stdout.write(optimaLines(finished.optima, finished.results) + '\n');
  if (finished.labelAlignment && finished.results.length > 1) process.stdout.write(alignmentLine(finished.labelAlignment, (finished.optima ?? []).length > 0) + '\n');
  if (finished.resultsDir) process.stdout.write(`results: ${finished.resultsDir}\n`);
  if (finished.cancelled) process.stdout.write('run cancelled; results so far were kept\n');
  return exitCode;
}

/** The solver as the table names it: em, gd, …, or em+squarem / em+daarem for accelerated EM (its own row). */
function solverCode(result: SolverResult): string {
  return result.acceleration ? `${result.solver}+${result.acceleration}` : result.solver;
}

function resultsTable(results: readonly SolverResult[]): string {
  const classification = results.some((r) => r.trainAccuracy !== undefined);
  const truth = results.some((r) => r.parameterError !== undefined);
  const header = ['solver', 'restart', 'iter', 'stop', 'logLik', classification ? 'train acc' : 'train RMSE', classification ? 'test acc' : 'test RMSE', ...(truth ? ['param err'] : []), 'seconds'];
  const rows = results.map((r) => [
    solverCode(r) + (r.best ? '*' : ''),
    String(r.restart + 1),
    String(r.iterations),
    r.stopReason,
    r.logLik.toFixed(4),
    formatMetric(classification ? r.trainAccuracy : r.trainRmse, classification),
    formatMetric(classification ? r.testAccuracy : r.testRmse, classification),
    ...(truth ? [r.parameterError === undefined ? '—' : r.parameterError.toExponential(2)] : []),
    r.seconds.toFixed(3),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), ...rows.map(line), '(* best restart by log-likelihood)'].join('\n');
}

/** One line per distinct optimum (ℓ, BIC, the starts that reached it), then the runs that reached none. */
function optimaLines(optima: readonly Optimum[], results: readonly SolverResult[]): string {
  const tolerance = OPTIMUM_OBJECTIVE_TOLERANCE.toExponential(0);
  const lines = [`distinct optima (converged runs with ℓ equal within ${tolerance}·(1+|ℓ|) and the same parameters up to relabelling):`];
  optima.forEach((optimum, index) => {
    const runs = `${optimum.starts} of ${results.length} ${results.length === 1 ? 'run' : 'runs'}`;
    const degenerate = optimum.degenerate ? `  — degenerate: ${optimum.degenerate.join(', ')}` : '';
    lines.push(`  ${index + 1}. ℓ ${optimum.logLik.toFixed(4)}  BIC ${optimum.bic.toFixed(2)}  ${runs}: ${formatRuns(optimum.reachedBy)}${degenerate}`);
  });
  if (optima.length === 0) lines.push('  none: no run converged');
  const others = results.filter((r) => r.stopReason !== 'converged');
  if (others.length > 0) lines.push(`  not an optimum (did not converge): ${formatRuns(others)}`);
  return lines.join('\n');
}

function alignmentLine({ reference, relabelled }: LabelAlignment, anyOptimum: boolean): string {
  const moved = relabelled.length === 0 ? 'no run needed relabelling' : `experts relabelled in ${formatRuns(relabelled)}`;
  // With no converged run the reference is the best run by objective, which is no optimum.
  const which = anyOptimum ? 'the best optimum' : 'the best run; no run converged';
  return `expert labels aligned to ${reference.solver} restart ${reference.restart + 1} (${which}) in every run: ${moved}`;
}

function formatMetric(value: number | undefined, percent: boolean): string {
  if (value === undefined) return '—';
  return percent ? `${(100 * value).toFixed(1)}%` : value.toPrecision(4);
}

/** One self-rewriting status line on stderr (terminals only). */
class ProgressLine {
  private readonly state = new Map<string, string>();
  private lastDraw = 0;
  constructor(private readonly enabled: boolean) {}

  update(solver: string, restart: number, iteration: number, logLik: number): void {
    if (!this.enabled) return;
    this.state.set(solver, `${solver} r${restart + 1} it ${iteration} ℓ ${logLik.toFixed(3)}`);
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const text = [...this.state.values()].join(' │ ');
    process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns ?? 120) - 1)}`);
  }

  print(message: string): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
    process.stderr.write(message + '\n');
  }

  clear(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }
}
