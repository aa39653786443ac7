/**
 * `moe-lab run` on a spec with a `sweep`: every combination in turn (src/core/runner/sweep.ts), one progress line per
 * combination on stderr as it ends, then a table on stdout with the final ℓ (and the held-out metric, if any) of each
 * solver in each combination (for a sweep of model.experts alone, select-k's choice of K and its reason), or exactly
 * one JSON document with `--json`. The sweep runs in the CLI's worker thread (src/cli/worker/), so that Ctrl-C is seen at
 * once in every phase: it stops the running combination inside the pass it computes (kept, marked cancelled), starts
 * no other, and exits with INTERRUPTED_EXIT_CODE.
 */
import { formatSweepValue, shortFieldNames } from '../../core/spec/sweep';
import type { SolverName } from '../../core/spec/types';
import { sweepInWorker } from '../worker/workerRun';
import { chooseKFromSweep, type SolverFinal, type SweepCombination, type SweepFile, type SweepOptions } from '../../core/runner/sweep';
import type { ExperimentSpec } from '../../core/spec/types';
import { INTERRUPTED_EXIT_CODE } from './execute';
import { consumeUntilInterrupted } from './interruptible';

export async function executeSweep(spec: ExperimentSpec, options: Omit<SweepOptions, 'signal'>, json: boolean): Promise<number> {
  const say = (line: string) => {
    if (!json) process.stderr.write(line + '\n');
  };
  let sweep: SweepFile | undefined;
  let dir: string | undefined;
  // In a worker thread: this thread stays free to see Ctrl-C, which then reaches inside the pass being computed.
  const interrupted = await consumeUntilInterrupted(
    (signal) => sweepInWorker(spec, { ...options, signal, abortLoad: true }),
    (event) => {
      switch (event.type) {
        case 'sweepStarted': {
          const product = event.fields.map((axis) => `${axis.field} (${axis.values.length} value${axis.values.length === 1 ? '' : 's'})`).join(' × ');
          say(`${spec.name}: sweep of ${product} = ${event.combinations.length} runs, ${spec.init.restarts} restart${spec.init.restarts === 1 ? '' : 's'} each`);
          break;
        }
        case 'run':
          if (event.event.type === 'warning') say(`  warning: ${event.event.message}`);
          break;
        case 'combinationFinished':
          say(progressLine(event.combination, event.total));
          break;
        case 'sweepFinished':
          sweep = event.sweep;
          dir = event.dir;
          break;
        default:
          break;
      }
    },
  );
  // Ctrl-C before the sweep started: nothing was computed.
  if (!sweep && interrupted) {
    process.stdout.write(json ? JSON.stringify({ sweepId: null, resultsDir: null, cancelled: true, combinations: [] }) + '\n' : 'sweep cancelled before it started; nothing was computed\n');
    return INTERRUPTED_EXIT_CODE;
  }
  if (!sweep) throw new Error('the sweep ended without its summary');
  const cancelled = sweep.status === 'cancelled';
  const kChoice = dir ? await chooseKFromSweep(dir, sweep) : undefined;
  if (json) {
    process.stdout.write(JSON.stringify({ ...sweep, resultsDir: dir ?? null, cancelled, ...(kChoice ? { kChoice } : {}) }) + '\n');
    return cancelled ? INTERRUPTED_EXIT_CODE : 0;
  }
  process.stdout.write(sweepTable(sweep) + '\n');
  if (kChoice) process.stdout.write(`number of experts, as select-k chooses it: ${kChoice.reason}\n`);
  if (dir) process.stdout.write(`results: ${dir}\n`);
  if (cancelled) process.stdout.write('sweep cancelled; the runs so far were kept\n');
  return cancelled ? INTERRUPTED_EXIT_CODE : 0;
}

/** `[2/6] model.experts = 1, solvers.adam.learningRate = 0.05: em ℓ -123.4567 (converged), adam ℓ … · 0.8 s` */
export function progressLine(combination: SweepCombination, total: number): string {
  const head = `[${combination.index + 1}/${total}] ${combination.label}`;
  if (combination.status === 'failed') return `${head}: failed: ${combination.error ?? 'unknown error'}`;
  const solvers = Object.entries(combination.solvers ?? {}).map(([solver, final]) => `${solver} ℓ ${final.logLik.toFixed(4)} (${final.stopReason})`);
  const seconds = combination.seconds === undefined ? '' : ` · ${combination.seconds.toFixed(2)} s`;
  const status = combination.status === 'cancelled' ? ' · cancelled' : '';
  return `${head}: ${solvers.join(', ') || 'no result'}${seconds}${status}`;
}

/**
 * One row per combination: the swept values, then each solver's final ℓ (its best restart) and held-out metric;
 * a star marks each solver's highest ℓ over the sweep.
 */
export function sweepTable(sweep: SweepFile): string {
  const names = shortFieldNames(sweep.fields.map((axis) => axis.field));
  const solvers = sweep.solvers;
  const finals = (c: SweepCombination, solver: SolverName): SolverFinal | undefined => c.solvers?.[solver];
  const withTest = solvers.filter((solver) => sweep.combinations.some((c) => finals(c, solver)?.testLogLik !== undefined));
  const best = new Map<SolverName, number>();
  for (const solver of solvers) {
    let top: SweepCombination | undefined;
    for (const c of sweep.combinations) {
      const final = finals(c, solver);
      if (final && !final.degenerate && (!top || final.logLik > finals(top, solver)!.logLik)) top = c;
    }
    if (top) best.set(solver, top.index);
  }
  const header = [...names, ...solvers.map((s) => `${s} ℓ`), ...withTest.map((s) => `${s} test ℓ`), 'seconds', 'status'];
  const rows = sweep.combinations.map((c) => [
    ...c.values.map(formatSweepValue),
    ...solvers.map((s) => {
      const final = finals(c, s);
      return final ? final.logLik.toFixed(4) + (best.get(s) === c.index ? '*' : final.degenerate ? ' (degenerate)' : '') : '—';
    }),
    ...withTest.map((s) => finals(c, s)?.testLogLik?.toFixed(4) ?? '—'),
    c.seconds === undefined ? '—' : c.seconds.toFixed(2),
    c.status === 'failed' ? `failed: ${c.error ?? ''}` : c.status === 'pending' ? 'not run' : c.status,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  const done = sweep.combinations.filter((c) => c.status === 'finished').length;
  return [
    `${sweep.name}: ${done} of ${sweep.combinations.length} combinations finished`,
    line(header),
    ...rows.map(line),
    '(ℓ: final log-likelihood of the best restart; * the highest of each solver over the sweep)',
  ].join('\n');
}
