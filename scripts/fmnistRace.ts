/**
 * One solver on one instance of the reproduction's Random-Invert Fashion-MNIST experiment (issue 18, item 4), run for
 * a stated compute time from that instance's start: when its test accuracy first reached each target. The
 * reproduction's equal-time race runs on instance 1 only; this measures the race on any other instance, with the
 * same data, start, model and ridge (`src/core/reproduce/fmnist.ts`).
 *
 *   node --import tsx scripts/fmnistRace.ts --instance N --solver em|adam|gd|gem [--learning-rate η] [--seconds 300]
 *     [--iterations N] [--acceleration squarem|daarem] [--targets 0.80,0.82,0.83]
 *
 * Instance N (1–25) has inversion seed N − 1 and start seed 100 + N − 1, as in the reproduction. The run stops at
 * `--seconds` of its compute clock or after `--iterations`, whichever comes first.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { findFmnistSource } from '../src/core/data/fmnist';
import { initialParameters } from '../src/core/init';
import { fmnistSettings, loadSplits, moeLayout } from '../src/core/reproduce/fmnist';
import { createSolver, type SolverChoice } from '../src/core/solvers/create';
import { solverLabel } from '../src/core/solvers/labels';
import { SolverRun } from '../src/core/solvers/solverRun';
import type { EmAcceleration, SolverName } from '../src/core/spec/types';

const FLAGS = {
  instance: { type: 'string', default: '1' },
  solver: { type: 'string', default: 'em' },
  'learning-rate': { type: 'string' },
  acceleration: { type: 'string' },
  seconds: { type: 'string', default: '300' },
  iterations: { type: 'string', default: '1000000' },
  targets: { type: 'string', default: '0.80,0.82,0.83' },
} as const;

/** The flags, or a mistyped one said in one line (exit 2) instead of a stack trace. */
function readFlags() {
  try {
    return parseArgs({ options: FLAGS }).values;
  } catch (error) {
    process.stderr.write(`fmnistRace: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
const values = readFlags();

/** A flag's number, or one line naming the flag and exit 2 (a typo must not start a run of minutes). */
function numberFlag(name: string, text: string, check: (value: number) => boolean, what: string): number {
  const value = Number(text);
  if (check(value)) return value;
  process.stderr.write(`fmnistRace: --${name} ${text}: expected ${what}\n`);
  process.exit(2);
}
const instance = numberFlag('instance', values.instance, (v) => Number.isInteger(v) && v >= 1, 'an instance number from 1');
const budgetSeconds = numberFlag('seconds', values.seconds, (v) => v > 0, 'a positive number of seconds');
const maxIterations = numberFlag('iterations', values.iterations, (v) => Number.isInteger(v) && v >= 1, 'a positive whole number');
const targets = values.targets.split(',').map((t) => numberFlag('targets', t, (v) => v > 0 && v <= 1, 'accuracies in (0, 1], comma-separated'));
if (!['em', 'gem', 'gd', 'adam'].includes(values.solver)) {
  process.stderr.write(`fmnistRace: --solver ${values.solver}: expected em, gem, gd or adam\n`);
  process.exit(2);
}
if (values.acceleration !== undefined && !['none', 'squarem', 'daarem'].includes(values.acceleration)) {
  process.stderr.write(`fmnistRace: --acceleration ${values.acceleration}: expected none, squarem or daarem\n`);
  process.exit(2);
}
if (values['learning-rate'] !== undefined) numberFlag('learning-rate', values['learning-rate'], (v) => v > 0, 'a positive step size');
// The full experiment's settings (60 000 training rows, ridge 1, inversion probability 1/2); examplesDir is unused here.
const settings = fmnistSettings({ quick: false, examplesDir: '' });
const { train, test } = readInstance();

/** Instance `instance`'s rows, or one line saying why they cannot be read (no dataset-fashion-mnist, say) and exit 1. */
function readInstance(): ReturnType<typeof loadSplits> {
  try {
    return loadSplits(findFmnistSource(), settings, instance - 1);
  } catch (error) {
    process.stderr.write(`fmnistRace: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
const layout = moeLayout(settings, 2);
const theta0 = initialParameters(layout, train.data, { strategy: 'random', seed: 100 + instance - 1, perturbation: 0 });
const choice: SolverChoice = {
  solver: values.solver as SolverName,
  ...(values['learning-rate'] ? { learningRate: Number(values['learning-rate']) } : {}),
  ...(values.acceleration ? { acceleration: values.acceleration as EmAcceleration } : {}),
  ...(values.solver === 'gem' ? { steps: settings.gemSteps } : {}),
};
const label = `${solverLabel(choice.solver, undefined, choice.acceleration)}${choice.learningRate ? ` (η ${choice.learningRate})` : ''}`;
const run = new SolverRun(createSolver(choice), {
  layout,
  train: train.data,
  test: test.data,
  theta0,
  stopping: { maxIterations, tolerance: 0, timeBudgetSeconds: budgetSeconds },
  restart: 0,
  errorThreshold: 0,
});
const reached = new Map<number, { iteration: number; seconds: number }>();
let best = { accuracy: 0, iteration: 0, seconds: 0 };
console.log(`${label} on instance ${instance}: ${train.data.n} training, ${test.data.n} test rows; load ${loadavg()[0].toFixed(1)}`);
while (!run.finished) {
  const report = run.step();
  if (!report) continue;
  const accuracy = report.testAccuracy ?? Number.NaN;
  if (accuracy > best.accuracy) best = { accuracy, iteration: report.iteration, seconds: report.seconds };
  for (const target of targets) {
    if (reached.has(target) || !(accuracy >= target)) continue;
    reached.set(target, { iteration: report.iteration, seconds: report.seconds });
    console.log(`  ${(100 * target).toFixed(1)} % at iteration ${report.iteration}, ${report.seconds.toFixed(1)} s`);
  }
}
const result = run.result();
const last = result.trace[result.trace.length - 1];
console.log(
  `${label}, instance ${instance}: ${result.iterations} iterations in ${result.seconds.toFixed(1)} s; last test accuracy ${(100 * (last?.testAccuracy ?? Number.NaN)).toFixed(2)} %, ` +
    `best ${(100 * best.accuracy).toFixed(2)} % (iteration ${best.iteration}, ${best.seconds.toFixed(1)} s); ` +
    targets.map((t) => `${(100 * t).toFixed(1)} %: ${reached.has(t) ? `${reached.get(t)!.seconds.toFixed(1)} s (iteration ${reached.get(t)!.iteration})` : 'not reached'}`).join(', '),
);
