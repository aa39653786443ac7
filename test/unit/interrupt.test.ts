/**
 * Interrupts that reach inside an iteration (issue 15, item 5; src/core/interrupt.ts). An interrupt requested while an
 * EM update is being computed stops that update at its next pass over the rows: the run ends cancelled with the last
 * complete iterate, its trace and its report intact, as if it had been cancelled between iterations. The flag alone
 * (the extension's worker sees it before its `cancel` message) stops a paper reproduction and a comparison of K as a
 * cancel, wherever it lands, never as a failure.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createInterruptBuffer, Interrupted, requestInterrupt, throwIfInterrupted, uninterruptible, watchInterrupts } from '../../src/core/interrupt';
import { initialParameters } from '../../src/core/init';
import { runReproduction } from '../../src/core/reproduce';
import { selectK, type SelectKResult } from '../../src/core/runner/selectK';
import { validateSpecObject } from '../../src/core/spec/validate';
import type { SolverAlgorithm } from '../../src/core/solvers/algorithm';
import { createEm } from '../../src/core/solvers/em';
import { SolverRun } from '../../src/core/solvers/solverRun';
import { layoutFor, synthetic } from './helpers';

afterEach(() => watchInterrupts(undefined));

/**
 * EM whose update number `at` (1-based) asks for an interrupt as it begins (`inside`: Ctrl-C arriving mid-M-step) or
 * as it returns (`after`: Ctrl-C arriving during the evaluation and the report's passes that follow the update).
 */
function emInterruptedAt(at: number, buffer: SharedArrayBuffer, when: 'inside' | 'after'): SolverAlgorithm {
  const em = createEm();
  let updates = 0;
  return {
    name: em.name,
    step(theta, ev, context) {
      const interrupt = ++updates === at;
      if (interrupt && when === 'inside') requestInterrupt(buffer);
      const outcome = em.step(theta, ev, context);
      if (interrupt && when === 'after') requestInterrupt(buffer);
      return outcome;
    },
  };
}

function problem(family: 'linear' | 'logistic') {
  const { data } = synthetic({ kind: family, experts: 2, dim: 3, samples: 400, snr: 4, seed: 3, symmetric: false });
  const layout = layoutFor(data, family === 'linear' ? 'gaussian' : 'bernoulli', 2);
  const theta0 = initialParameters(layout, data, { strategy: 'random', seed: 1, perturbation: 0 });
  return { data, layout, theta0 };
}

for (const [family, when] of [['linear', 'inside'], ['logistic', 'inside'], ['linear', 'after']] as const) {
  test(`${family}: an interrupt ${when} the 4th EM update cancels the run with the 3rd iterate kept`, () => {
    const { data, layout, theta0 } = problem(family);
    const stopping = { maxIterations: 50, tolerance: 0, timeBudgetSeconds: 0 };
    // The same run without interrupts, for the iterates it should keep.
    const reference = new SolverRun(createEm(), { layout, train: data, theta0, stopping, restart: 0, errorThreshold: 0 });
    for (let t = 0; t < 3; t++) reference.step();
    const buffer = createInterruptBuffer();
    watchInterrupts(buffer);
    const run = new SolverRun(emInterruptedAt(4, buffer, when), { layout, train: data, theta0, stopping, restart: 0, errorThreshold: 0 });
    for (let t = 0; t < 3; t++) assert.ok(run.step(), `update ${t + 1} completes`);
    assert.equal(run.step(), undefined, 'the interrupted update reports nothing');
    assert.ok(run.finished);
    const result = run.result();
    assert.equal(result.stopReason, 'cancelled');
    assert.equal(result.iterations, 3);
    assert.equal(result.trace.length, 4, 'θ⁰ and three iterates');
    assert.deepEqual(Array.from(run.parameters), Array.from(reference.parameters), 'the last complete iterate is kept');
    assert.equal(result.logLik, reference.lastReport.logLik);
  });
}

test('checks fire only in a thread that watches a flag, once it is set, and not inside an uninterruptible section', () => {
  const buffer = createInterruptBuffer();
  requestInterrupt(buffer);
  assert.doesNotThrow(() => throwIfInterrupted(), 'no flag watched');
  watchInterrupts(createInterruptBuffer());
  assert.doesNotThrow(() => throwIfInterrupted(), 'a flag not set');
  watchInterrupts(buffer);
  assert.throws(() => throwIfInterrupted(), Interrupted);
  assert.equal(uninterruptible(() => (throwIfInterrupted(), 'done')), 'done');
  assert.throws(() => throwIfInterrupted(), Interrupted, 'checks fire again after the section');
});

test('select-k: an interrupt while a later K builds its dataset compares the Ks fitted before it', async () => {
  const validated = validateSpecObject({
    name: 'interrupted select-k',
    data: { synthetic: { kind: 'linear', experts: 2, dim: 2, samples: 300, snr: 6, seed: 1, symmetric: false } },
    init: { strategy: 'random', restarts: 1 },
    stopping: { maxIterations: 50 },
  });
  assert.ok(validated.ok);
  const buffer = createInterruptBuffer();
  watchInterrupts(buffer);
  const started: number[] = [];
  let result: SelectKResult | undefined;
  for await (const event of selectK(validated.spec, { baseDir: path.resolve(__dirname, '../..'), ks: [1, 2, 3] })) {
    if (event.type === 'kStarted') started.push(event.K);
    // Set as K = 1 ends: the next check is in K = 2's data load, before that run starts.
    if (event.type === 'kFinished' && event.candidate.K === 1) requestInterrupt(buffer);
    if (event.type === 'finished') result = event.result;
  }
  assert.ok(result, 'the comparison finishes instead of failing');
  assert.equal(result.cancelled, true);
  assert.deepEqual(started, [1], 'no later K starts');
  assert.deepEqual(result.candidates.map((c) => c.K), [1]);
  assert.match(result.reason, /cancelled/);
});

test('reproduction: an interrupt (no signal) inside an experiment cancels it, with nothing reported as failed', async () => {
  const buffer = createInterruptBuffer();
  watchInterrupts(buffer);
  let progressCalls = 0;
  const results = await runReproduction({
    quick: true,
    only: ['symmoline', 'snr-sweep'],
    examplesDir: path.resolve(__dirname, '../../examples/data'),
    onProgress: () => {
      if (++progressCalls === 2) requestInterrupt(buffer);
    },
  });
  assert.equal(results.cancelled, true);
  assert.equal(results.cancelledDuring, 'symmoline');
  assert.equal(results.symmoline, undefined, 'a cut experiment is not reported');
  assert.deepEqual(
    results.skipped.map((s) => [s.name, s.failed === true]),
    [
      ['symmoline', false],
      ['snr-sweep', false],
    ],
  );
});
