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
import { choiceFlag, integerFlag, isArgumentError, numberFlag, parseFlags, positiveFlag } from '../src/cli/commands/options';
import { findFmnistSource } from '../src/core/data/fmnist';
import { isUserInputError } from '../src/core/errors';
import { initialParameters } from '../src/core/init';
import { fmnistSettings, loadSplits, moeLayout } from '../src/core/reproduce/fmnist';
import { createSolver, type SolverChoice } from '../src/core/solvers/create';
import { solverLabel } from '../src/core/solvers/labels';
import { SolverRun } from '../src/core/solvers/solverRun';
import { EM_ACCELERATIONS, SOLVER_NAMES } from '../src/core/spec/types';

function main(): void {
  const { values } = parseFlags({
    args: process.argv.slice(2),
    options: {
      instance: { type: 'string', default: '1' },
      solver: { type: 'string', default: 'em' },
      'learning-rate': { type: 'string' },
      acceleration: { type: 'string' },
      seconds: { type: 'string', default: '300' },
      iterations: { type: 'string', default: '1000000' },
      targets: { type: 'string', default: '0.80,0.82,0.83' },
    },
  });
  // Every flag is checked before the data are read: a typo must not start a run of minutes.
  const instance = integerFlag('instance', values.instance, 1)!;
  const budgetSeconds = positiveFlag('seconds', values.seconds)!;
  const maxIterations = integerFlag('iterations', values.iterations, 1)!;
  const targets = values.targets.split(',').map((t) => numberFlag('targets', t, (v) => v > 0 && v <= 1, 'accuracies in (0, 1], comma-separated')!);
  const learningRate = positiveFlag('learning-rate', values['learning-rate']);
  const acceleration = choiceFlag('acceleration', values.acceleration, EM_ACCELERATIONS);
  const solver = choiceFlag('solver', values.solver, SOLVER_NAMES)!;

  // The full experiment's settings (60 000 training rows, ridge 1, inversion probability 1/2); examplesDir is unused here.
  const settings = fmnistSettings({ quick: false, examplesDir: '' });
  const { train, test } = loadSplits(findFmnistSource(), settings, instance - 1);
  const layout = moeLayout(settings, 2);
  const theta0 = initialParameters(layout, train.data, { strategy: 'random', seed: 100 + instance - 1, perturbation: 0 });
  const choice: SolverChoice = {
    solver,
    ...(learningRate !== undefined ? { learningRate } : {}),
    ...(acceleration !== undefined ? { acceleration } : {}),
    ...(solver === 'gem' ? { steps: settings.gemSteps } : {}),
  };
  const label = `${solverLabel(solver, undefined, acceleration)}${learningRate !== undefined ? ` (η ${learningRate})` : ''}`;
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
  const targetText = (t: number) => {
    const at = reached.get(t);
    return `${(100 * t).toFixed(1)} %: ${at ? `${at.seconds.toFixed(1)} s (iteration ${at.iteration})` : 'not reached'}`;
  };
  console.log(
    `${label}, instance ${instance}: ${result.iterations} iterations in ${result.seconds.toFixed(1)} s; last test accuracy ${(100 * (last?.testAccuracy ?? Number.NaN)).toFixed(2)} %, ` +
      `best ${(100 * best.accuracy).toFixed(2)} % (iteration ${best.iteration}, ${best.seconds.toFixed(1)} s); ${targets.map(targetText).join(', ')}`,
  );
}

try {
  main();
} catch (error) {
  // A mistyped flag, or no Fashion-MNIST files: one line, not a stack trace.
  process.stderr.write(`fmnistRace: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(isUserInputError(error) || isArgumentError(error) ? 2 : 1);
}
