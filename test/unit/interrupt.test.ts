/**
 * Interrupts that reach inside an iteration (issue 15, item 5; src/core/interrupt.ts). An interrupt requested while an
 * EM update is being computed stops that update at its next pass over the rows: the run ends cancelled with the last
 * complete iterate, its trace and its report intact, as if it had been cancelled between iterations.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInterruptBuffer, Interrupted, requestInterrupt, throwIfInterrupted, uninterruptible, watchInterrupts } from '../../src/core/interrupt';
import { initialParameters } from '../../src/core/init';
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
