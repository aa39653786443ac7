/** The argument object of `moeLab.reproducePaper` (untrusted input) and the names it gives. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EXPERIMENT_NAMES } from '../../../src/core/reproduce/types';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { writeInvocation } from '../../../src/core/reproduce/invocation';
import { describeChoice, parseReproduceArgument, reproductionFolderName } from '../../../src/extension/reproduce/reproduceOptions';

const WORKSPACE = path.resolve('/tmp/workspace');

test('defaults: quick, every experiment, ask when busy; outDir resolves inside the workspace', async () => {
  assert.deepEqual(await parseReproduceArgument({}, WORKSPACE), { quick: true, only: [...EXPERIMENT_NAMES], whenBusy: 'ask', outsideWorkspace: 'ask' });
  const choice = await parseReproduceArgument({ quick: false, only: ['fmnist'], fmnistInstances: 3, outDir: 'out/r1', whenBusy: 'stop' }, WORKSPACE);
  assert.deepEqual(choice, { quick: false, only: ['fmnist'], fmnistInstances: 3, outDir: path.join(WORKSPACE, 'out', 'r1'), whenBusy: 'stop', outsideWorkspace: 'ask' });
});

test('mistakes are refused with the field named', async () => {
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
    [{ resume: '../elsewhere' }, /"resume" must be a folder inside the workspace/],
    [{ resume: 'reproduction-1', quick: false }, /drop "quick"/],
    [{ resume: 'no-such-reproduction' }, /no unfinished reproduction/],
  ];
  for (const [value, pattern] of cases) await assert.rejects(() => parseReproduceArgument(value, WORKSPACE), pattern, JSON.stringify(value));
});

test('the folder name carries the local time; the description names mode and experiments', () => {
  assert.equal(reproductionFolderName(new Date(2026, 0, 2, 3, 4, 5)), 'reproduction-20260102-030405');
  assert.equal(describeChoice({ quick: true, only: ['symmoline'] }), 'MoE Lab: Reproduce Paper Experiments (quick; symmoline)');
  assert.equal(describeChoice({ quick: false, only: [...EXPERIMENT_NAMES], fmnistInstances: 5 }), 'MoE Lab: Reproduce Paper Experiments (full, 5 Fashion-MNIST instances; all experiments)');
});

test('resume: the stored options of an unfinished reproduction, whether the CLI or the extension started it', async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'moe-resume-ws-'));
  const dir = path.join(workspace, 'reproduction-1');
  await writeInvocation(dir, { args: ['--only', 'fmnist,snr-sweep', '--fmnist-instances', '4'] });
  assert.deepEqual(await parseReproduceArgument({ resume: 'reproduction-1', whenBusy: 'stop' }, workspace), {
    quick: false,
    only: ['fmnist', 'snr-sweep'],
    fmnistInstances: 4,
    outDir: dir,
    resume: true,
    whenBusy: 'stop',
    outsideWorkspace: 'refuse',
  });
  await writeInvocation(dir, { args: ['--quick', '--fmnist-train-rows', '500'] });
  await assert.rejects(() => parseReproduceArgument({ resume: dir }, workspace), /--fmnist-train-rows, which only the CLI can resume: moe-lab reproduce --resume/);
});
