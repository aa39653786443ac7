/**
 * Starting strategies on public mixture-of-regressions data sets (test/fixtures/public, constant gate, gaussian
 * experts, EM only): per data set, K and strategy, the best ℓ over R restarts, how many restarts reached it (within
 * 1e-3 nats), EM iterations summed over the restarts and the wall time of the whole multi-start fit (the start's
 * own cost included), with the spec's default stopping rule. The peer's optimum (test/fixtures/public/peers.out) is printed beside it.
 *   node --import tsx scripts/benchStarts.ts [RESTARTS] [STRATEGY,...] [--no-standardize]
 * Figures only, never asserted (test/unit/starts.test.ts asserts the optima).
 */
import * as path from 'node:path';
import { runExperiment } from '../src/core/runner/runExperiment';
import type { SolverResult } from '../src/core/runner/types';
import { SHORT_EM_CANDIDATES, SHORT_EM_ITERATIONS, startStrategy } from '../src/core/init';
import { resolveSpec } from '../src/core/spec/validate';
import type { InitStrategy } from '../src/core/spec/types';

const FIXTURES = path.resolve(__dirname, '../test/fixtures/public');

export const PUBLIC_REGRESSIONS = [
  { csv: 'NOdata.csv', target: 'NO', feature: 'Equivalence' },
  { csv: 'CO2data.csv', target: 'CO2', feature: 'GNP' },
  { csv: 'tonedata.csv', target: 'tuned', feature: 'stretchratio' },
  { csv: 'NPreg.csv', target: 'yn', feature: 'x' },
] as const;

export interface MultiStart {
  readonly best: number;
  readonly reached: number;
  readonly iterations: number;
  /** EM iterations spent inside the starts (shortEm's short runs), summed over the restarts. */
  readonly startIterations: number;
  readonly seconds: number;
  readonly results: SolverResult[];
}

/**
 * A multi-start EM fit of a constant-gate mixture of K linear regressions (the peers' model), every row used for
 * training; the spec's defaults for what is not given (`strategy` undefined: the default strategy).
 */
export async function multiStart(
  set: { csv: string; target: string; feature: string },
  K: number,
  strategy: InitStrategy | undefined,
  restarts: number,
  { standardize = true, seed = 0, gate = 'constant' as 'constant' | 'softmax' } = {},
): Promise<MultiStart> {
  return runEm({
    name: `${set.csv} K=${K} ${strategy ?? 'default'}`,
    data: { csv: set.csv, target: set.target, features: [set.feature], standardize, testFraction: 0 },
    model: { experts: K, expert: 'gaussian', gate },
    solvers: EM_ONLY,
    init: { ...(strategy ? { strategy } : {}), seed, restarts },
  });
}

const EM_ONLY = { em: { enabled: true }, gem: { enabled: false }, gd: { enabled: false }, adam: { enabled: false } };

async function runEm(raw: Record<string, unknown>): Promise<MultiStart> {
  const spec = resolveSpec(raw);
  const started = performance.now();
  let results: SolverResult[] = [];
  for await (const event of runExperiment(spec, { baseDir: FIXTURES, resultsRoot: false })) {
    if (event.type === 'runFinished') results = event.results;
  }
  const seconds = (performance.now() - started) / 1000;
  const logLiks = results.map((result) => result.logLik).filter(Number.isFinite);
  const best = Math.max(...logLiks);
  return {
    best,
    reached: logLiks.filter((value) => best - value <= 1e-3).length,
    iterations: results.reduce((sum, result) => sum + result.iterations, 0),
    startIterations: results.filter((result) => startStrategy(spec.init.strategy, spec.init.seed + result.restart) === 'shortEm').length * SHORT_EM_CANDIDATES * SHORT_EM_ITERATIONS,
    seconds,
    results,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const restarts = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 20);
  const standardize = !args.includes('--no-standardize');
  const listed = args.find((arg) => /^[a-zA-Z,]+$/.test(arg) && !arg.startsWith('--'));
  const strategies = (listed?.split(',') ?? ['random', 'kmeans', 'randomPartition', 'subsetRegression', 'shortEm', 'mixed']) as InitStrategy[];
  console.log(`EM, constant gate, ${restarts} restarts from seed 0, ${standardize ? 'standardized' : 'raw'} features, default stopping`);
  console.log(['data', 'K', 'strategy', 'best ℓ', 'reached', 'EM iters', 'in starts', 'seconds', 'min σ of best'].map((h, i) => (i < 3 ? h.padEnd(16) : h.padStart(14))).join(''));
  for (const set of PUBLIC_REGRESSIONS) {
    for (const K of [2, 3]) {
      for (const strategy of strategies) {
        const fit = await multiStart(set, K, strategy, restarts, { standardize });
        const bestRun = fit.results.find((result) => result.logLik === fit.best);
        const minSigma = Math.min(...(bestRun?.paramsRaw.sigma ?? [NaN]));
        console.log(
          [set.csv, String(K), strategy].map((v) => v.padEnd(16)).join('') +
            [fit.best.toFixed(4), `${fit.reached}/${restarts}`, String(fit.iterations), String(fit.startIterations), fit.seconds.toFixed(2), minSigma.toPrecision(4)].map((v) => v.padStart(14)).join(''),
        );
      }
    }
  }
  // A larger problem, where a start's own EM iterations cost more: synthetic, softmax gate, n = 20 000.
  console.log(`\nSynthetic linear mixture, K = 3, d = 5, n = 20000, softmax gate, ${Math.min(restarts, 6)} restarts`);
  console.log(['strategy', 'best ℓ', 'reached', 'EM iters', 'in starts', 'seconds'].map((h, i) => (i < 1 ? h.padEnd(16) : h.padStart(14))).join(''));
  for (const strategy of strategies) {
    const fit = await runEm({
      name: `synthetic ${strategy}`,
      data: { synthetic: { kind: 'linear', experts: 3, dim: 5, samples: 20000, snr: 4, seed: 1, symmetric: false }, testFraction: 0, standardize },
      model: { experts: 3, gate: 'softmax' },
      solvers: EM_ONLY,
      init: { strategy, seed: 0, restarts: Math.min(restarts, 6) },
    });
    console.log(strategy.padEnd(16) + [fit.best.toFixed(2), `${fit.reached}/${Math.min(restarts, 6)}`, String(fit.iterations), String(fit.startIterations), fit.seconds.toFixed(2)].map((v) => v.padStart(14)).join(''));
  }
}

if (require.main === module) void main();
