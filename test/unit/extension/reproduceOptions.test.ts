/** The argument object of `moeLab.reproducePaper` (untrusted input) and the names it gives. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EXPERIMENT_NAMES } from '../../../src/core/reproduce/types';
import { describeChoice, parseReproduceArgument, reproductionFolderName } from '../../../src/extension/reproduce/reproduceOptions';

const WORKSPACE = path.resolve('/tmp/workspace');

test('defaults: quick, every experiment, ask when busy; outDir resolves inside the workspace', () => {
  assert.deepEqual(parseReproduceArgument({}, WORKSPACE), { quick: true, only: [...EXPERIMENT_NAMES], whenBusy: 'ask', outsideWorkspace: 'ask' });
  const choice = parseReproduceArgument({ quick: false, only: ['fmnist'], fmnistInstances: 3, outDir: 'out/r1', whenBusy: 'stop' }, WORKSPACE);
  assert.deepEqual(choice, { quick: false, only: ['fmnist'], fmnistInstances: 3, outDir: path.join(WORKSPACE, 'out', 'r1'), whenBusy: 'stop', outsideWorkspace: 'ask' });
});

test('mistakes are refused with the field named', () => {
  const cases: [unknown, RegExp][] = [
    [null, /must be an object/],
    [['symmoline'], /must be an object/],
    [{ quick: 'yes' }, /"quick"/],
    [{ only: [] }, /"only"/],
    [{ only: ['symmoline', 'x'] }, /"only"/],
    [{ fmnistInstances: 0 }, /"fmnistInstances"/],
    [{ fmnistInstances: 2.5 }, /"fmnistInstances"/],
    [{ whenBusy: 'later' }, /"whenBusy"/],
    [{ outsideWorkspace: 'allow' }, /"outsideWorkspace"/],
    [{ outDir: '../elsewhere' }, /inside the workspace/],
    [{ outDir: '/etc' }, /inside the workspace/],
    [{ outDir: '.' }, /inside the workspace/],
    [{ extra: 1 }, /unknown option "extra"/],
  ];
  for (const [value, pattern] of cases) assert.throws(() => parseReproduceArgument(value, WORKSPACE), pattern, JSON.stringify(value));
});

test('the folder name carries the local time; the description names mode and experiments', () => {
  assert.equal(reproductionFolderName(new Date(2026, 0, 2, 3, 4, 5)), 'reproduction-20260102-030405');
  assert.equal(describeChoice({ quick: true, only: ['symmoline'] }), 'MoE Lab: Reproduce Paper Experiments (quick; symmoline)');
  assert.equal(describeChoice({ quick: false, only: [...EXPERIMENT_NAMES], fmnistInstances: 5 }), 'MoE Lab: Reproduce Paper Experiments (full, 5 Fashion-MNIST instances; all experiments)');
});
