/**
 * Child process of the benchmark: reads one CSV (20 feature columns + y) and fits 5 EM iterations with K = 2
 * gaussian experts; prints read and fit rates and this process's peak memory as JSON.
 */
import { readCsvFile } from '../src/core/data/csv';
import { buildDataset } from '../src/core/data/select';
import { initialParameters } from '../src/core/init';
import { ParamLayout } from '../src/core/model/layout';
import { createEm } from '../src/core/solvers/em';
import { SolverRun } from '../src/core/solvers/solverRun';

async function main(): Promise<void> {
  const readStarted = performance.now();
  const table = await readCsvFile(process.argv[2]);
  const readSeconds = (performance.now() - readStarted) / 1000;
  const { train } = buildDataset(table, { target: 'y', standardize: true });
  const layout = new ParamLayout({ family: 'gaussian', K: 2, p: train.p, C: 0, gate: 'softmax', symmetric: false, ridge: 0 });
  const theta0 = initialParameters(layout, train, { strategy: 'random', seed: 0, perturbation: 0 });
  const run = new SolverRun(createEm(), { layout, train, theta0, stopping: { maxIterations: 5, tolerance: 0, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
  const start = run.elapsedSeconds;
  while (!run.finished) run.step();
  const fitSeconds = run.elapsedSeconds - start;
  process.stdout.write(JSON.stringify({ rows: table.rowCount, readSeconds, fitSeconds, iterations: run.lastReport.iteration, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

void main();
