/**
 * Starting strategies (docs/starts.md). On public mixture-of-regressions data sets whose best optimum is known from
 * the peers — test/fixtures/public/peers.out, written by `Rscript peers.R > peers.out` in that folder (mixtools
 * regmixEM and flexmix, 20 starts each) — the default multi-start must reach the peers' best log-likelihood. Each
 * strategy must give a finite start of the model's size, the same for the same seed, and the same model (as a
 * function of the raw features) with and without standardization.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { multiStart, PUBLIC_REGRESSIONS } from '../../scripts/benchStarts';
import { datasetFromArrays } from '../../src/core/data/select';
import type { ExpertFamily } from '../../src/core/data/dataset';
import { initialParameters, MIXED_CYCLE, startStrategy } from '../../src/core/init';
import { shortEmStart } from '../../src/core/init/shortEm';
import { Random } from '../../src/core/random';
import { evaluate, gateLogProbabilities } from '../../src/core/model/evaluate';
import { ParamLayout } from '../../src/core/model/layout';
import { INIT_STRATEGIES, type GateKind } from '../../src/core/spec/types';

const PUBLIC = path.resolve(__dirname, '../fixtures/public');
/** The number of restarts the default multi-start is documented to need (docs/starts.md), as the peers used. */
const RESTARTS = 20;

interface PeerOptimum {
  readonly data: string;
  readonly k: number;
  readonly peer: string;
  readonly bestLogLik: number;
}

/** The best ℓ any peer reached, per data set and K, read from the committed R output. */
function peerOptima(): PeerOptimum[] {
  const lines = readFileSync(path.join(PUBLIC, 'peers.out'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
  const [header, ...rows] = lines.map((line) => line.split(','));
  const column = (name: string) => header.indexOf(name);
  const best = new Map<string, PeerOptimum>();
  for (const row of rows) {
    const entry = { data: row[column('data')], k: Number(row[column('k')]), peer: row[column('peer')], bestLogLik: Number(row[column('best_loglik')]) };
    const key = `${entry.data} ${entry.k}`;
    if (!best.has(key) || entry.bestLogLik > best.get(key)!.bestLogLik) best.set(key, entry);
  }
  return [...best.values()];
}

/**
 * The optima the default reaches with 20 restarts. Not listed: NOdata and CO2data with K = 3, where mixtools' best
 * has one expert on 5–6 rows with σ = 0.003 and 0.03 (peers.out). Of 100 starts, 2 random and 2 subsetRegression
 * ones reach NOdata's (−71.652), none of shortEm's; on CO2data 100 starts of random or subsetRegression find
 * other such few-row optima, even higher than mixtools' (−56.09), and the bulk ends at −62.614 (docs/starts.md).
 */
const REACHED = ['NOdata.csv 2', 'CO2data.csv 2', 'tonedata.csv 2', 'tonedata.csv 3', 'NPreg.csv 2', 'NPreg.csv 3'];

test('the peers\' optima are read from peers.out, one per data set and K', () => {
  const optima = peerOptima();
  assert.equal(optima.length, 8);
  for (const key of REACHED) assert.ok(optima.some((o) => `${o.data} ${o.k}` === key), key);
});

for (const optimum of peerOptima().filter((o) => REACHED.includes(`${o.data} ${o.k}`))) {
  test(`default multi-start (${RESTARTS} restarts, seed 0) reaches ${optimum.peer}'s optimum on ${optimum.data}, K = ${optimum.k}: ℓ = ${optimum.bestLogLik}`, async () => {
    const set = PUBLIC_REGRESSIONS.find((s) => s.csv === optimum.data)!;
    const fit = await multiStart(set, optimum.k, undefined, RESTARTS);
    // peers.out rounds to 4 decimals: within 1e-3 nats plus that rounding.
    assert.ok(Math.abs(fit.best - optimum.bestLogLik) <= 1e-3 + 5e-5, `best ℓ ${fit.best} against the peer's ${optimum.bestLogLik}`);
    assert.ok(fit.results.every((result) => result.logLik <= optimum.bestLogLik + 1e-3), 'no restart passes the peer\'s optimum');
  });
}

test('tonedata, K = 2: the old default (20 random starts) misses the peer\'s optimum that the new default reaches', async () => {
  // The peer's optimum (mixtools) has one expert on the line tuned = stretchratio with σ = 0.0045; random starts all
  // end at 141.198, where flexmix stops too. Kept as the reason the default changed.
  const peer = peerOptima().find((o) => o.data === 'tonedata.csv' && o.k === 2)!;
  const old = await multiStart(PUBLIC_REGRESSIONS.find((s) => s.csv === 'tonedata.csv')!, 2, 'random', RESTARTS);
  assert.ok(peer.bestLogLik - old.best > 4, `random starts: ${old.best}, peer ${peer.bestLogLik}`);
});

// ---------------------------------------------------------------------------------------------------------------
// Every strategy: size, finiteness, determinism, and the same start with and without standardization

/** Old Faithful (waiting 43–96, eruptions 1.6–5.1): features far from z-scores. */
function faithful(): { X: Float64Array; y: Float64Array } {
  const [, ...lines] = readFileSync(path.join(PUBLIC, 'faithful.csv'), 'utf8').trim().split('\n');
  const rows = lines.map((line) => line.split(',').map(Number));
  // Features: waiting and eruptions × 100 (two scales far apart); target: eruptions (gaussian) or classes of it.
  return { X: Float64Array.from(rows.flatMap(([eruptions, waiting]) => [waiting, eruptions * 100])), y: Float64Array.from(rows, ([eruptions]) => eruptions) };
}

interface Case {
  readonly name: string;
  readonly family: ExpertFamily;
  readonly K: number;
  readonly gate: GateKind;
  readonly symmetric?: boolean;
}

const CASES: Case[] = [
  { name: 'gaussian, constant gate, K = 2', family: 'gaussian', K: 2, gate: 'constant' },
  { name: 'gaussian, softmax gate, K = 3', family: 'gaussian', K: 3, gate: 'softmax' },
  { name: 'symmetric gaussian', family: 'gaussian', K: 2, gate: 'softmax', symmetric: true },
  { name: 'bernoulli, softmax gate, K = 2', family: 'bernoulli', K: 2, gate: 'softmax' },
  { name: 'categorical (3 classes), softmax gate, K = 2', family: 'categorical', K: 2, gate: 'softmax' },
];

function problem(c: Case, standardize: boolean) {
  const { X, y } = faithful();
  const encoded = c.family === 'gaussian' ? y : y.map((value) => (c.family === 'bernoulli' ? Number(value > 3) : value < 2.5 ? 0 : value < 4 ? 1 : 2));
  const classes = c.family === 'bernoulli' ? ['short', 'long'] : c.family === 'categorical' ? ['a', 'b', 'c'] : undefined;
  const { train } = datasetFromArrays(X, encoded, { features: ['waiting', 'eruptions100'], target: 'y', classes }, { standardize });
  const layout = new ParamLayout({ family: c.family, K: c.K, p: train.p, C: classes?.length ?? 0, gate: c.gate, symmetric: c.symmetric ?? false, ridge: 0 });
  return { train, layout };
}

const RANDOM_STRATEGIES = INIT_STRATEGIES.filter((strategy) => strategy !== 'nearTruth');

for (const c of CASES) {
  for (const strategy of RANDOM_STRATEGIES) {
    test(`${strategy} (${c.name}): a finite start of the model's size, the same for the same seed, the same model with and without standardization`, () => {
      const standardized = problem(c, true);
      const raw = problem(c, false);
      const start = (p: ReturnType<typeof problem>, seed: number) => initialParameters(p.layout, p.train, { strategy, seed, perturbation: 0 });
      const theta = start(standardized, 7);
      assert.equal(theta.length, standardized.layout.size);
      assert.ok(theta.every(Number.isFinite), `non-finite entry in ${Array.from(theta)}`);
      assert.deepEqual(start(standardized, 7), theta, 'same seed, same start');
      // The start is drawn on z-scores whatever the model's coordinates: as a model of y given the raw x it is the
      // same, so its log-likelihood on the same rows is the same (the gate is not saturated by raw-scale draws).
      const rawTheta = start(raw, 7);
      assert.ok(rawTheta.every(Number.isFinite));
      const a = evaluate(standardized.layout, standardized.train, theta).logLik;
      const b = evaluate(raw.layout, raw.train, rawTheta).logLik;
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)), `ℓ(θ⁰) standardized ${a}, raw ${b}`);
    });
  }
}

test('random, softmax gate on raw features: the gate is drawn for z-scores, so it does not start saturated', () => {
  // On Old Faithful's raw scale (waiting ≈ 70) a gate row of size ~1 gives logits of ±50: every π_ik is 0 or 1.
  const { train, layout } = problem(CASES[1], false);
  let saturated = 0;
  for (let seed = 0; seed < 20; seed++) {
    const logPi = gateLogProbabilities(layout, train, initialParameters(layout, train, { strategy: 'random', seed, perturbation: 0 }));
    let rows = 0;
    for (let i = 0; i < train.n; i++) if (Math.max(...Array.from(logPi.subarray(i * layout.K, (i + 1) * layout.K))) > Math.log(0.999)) rows++;
    if (rows > train.n / 2) saturated++;
  }
  assert.ok(saturated <= 2, `${saturated} of 20 random starts have a saturated gate on most rows`);
});

test('mixed: seed s draws the start of MIXED_CYCLE[s mod 6], so restarts S, S + 1, … take turns', () => {
  const { train, layout } = problem(CASES[0], true);
  assert.deepEqual([...MIXED_CYCLE], ['shortEm', 'subsetRegression', 'shortEm', 'kmeans', 'shortEm', 'randomPartition']);
  for (let seed = 0; seed < 8; seed++) {
    assert.equal(startStrategy('mixed', seed), MIXED_CYCLE[seed % MIXED_CYCLE.length]);
    assert.deepEqual(
      initialParameters(layout, train, { strategy: 'mixed', seed, perturbation: 0 }),
      initialParameters(layout, train, { strategy: MIXED_CYCLE[seed % MIXED_CYCLE.length], seed, perturbation: 0 }),
    );
  }
  assert.equal(startStrategy('kmeans', 3), 'kmeans');
});

test('shortEm: EM never lowers ℓ and the best candidate is kept, so longer short runs and more candidates never give a worse start', () => {
  // Candidate c is drawn from the c-th integer of the seed's stream whatever the counts, so the runs compared here
  // share their candidates: 5 EM iterations from each start ≥ the start itself (EM's monotonicity), and the best of
  // 10 candidates ≥ the best of the first 5.
  for (const c of [CASES[0], CASES[1], CASES[3]]) {
    const { train, layout } = problem(c, true);
    const logLik = (options: { candidates: number; iterations: number }, seed: number) =>
      evaluate(layout, train, shortEmStart(layout, train, new Random(seed), options)).logLik;
    for (let seed = 0; seed < 4; seed++) {
      const drawsOnly = logLik({ candidates: 10, iterations: 0 }, seed);
      const fiveCandidates = logLik({ candidates: 5, iterations: 5 }, seed);
      const tenCandidates = logLik({ candidates: 10, iterations: 5 }, seed);
      assert.ok(tenCandidates >= drawsOnly - 1e-9, `${c.name}, seed ${seed}: after EM ${tenCandidates} < best draw ${drawsOnly}`);
      assert.ok(tenCandidates >= fiveCandidates - 1e-9, `${c.name}, seed ${seed}: 10 candidates ${tenCandidates} < 5 candidates ${fiveCandidates}`);
      assert.equal(logLik({ candidates: 10, iterations: 5 }, seed), tenCandidates, 'deterministic');
    }
  }
});
