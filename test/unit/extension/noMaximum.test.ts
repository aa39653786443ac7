/** The offer of a ridge after a fit with no maximum: which results call for it, and the spec edit it makes. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { PanelResult } from '../../../src/protocol/panelMessages';
import { validateSpecObject } from '../../../src/core/spec/validate';
import { noMaximumFinding, OFFERED_RIDGE, specWithRidge } from '../../../src/extension/run/noMaximum';

const result = (solver: string, restart: number, degeneracies?: unknown[]) => ({ solver, restart, ...(degeneracies ? { degeneracies } : {}) }) as unknown as PanelResult;

test('only separation or a saturated gate calls for a ridge, named with its run and iteration', () => {
  assert.equal(noMaximumFinding([result('em', 0), result('gd', 1, [{ kind: 'varianceCollapse', iteration: 3, block: 'expert 2', message: '' }])]), undefined);
  assert.equal(
    noMaximumFinding([result('em', 0), result('gd', 1, [{ kind: 'separation', iteration: 7, block: 'expert 1', message: '' }])]),
    'the likelihood has no finite maximum (separation of expert 1, gd restart 2, iteration 7)',
  );
  assert.match(noMaximumFinding([result('em', 2, [{ kind: 'saturatedGate', iteration: 1, block: 'gate', message: '' }])])!, /a saturated gate, em restart 3/);
});

test('the ridge is set in the spec as an ordinary edit: the rest of the text stays as written, and the spec stays valid', () => {
  const text = '{\n  "name": "iris",  // kept as is\n  "data": { "csv": "iris.csv", "target": "species" },\n  "model": { "experts": 2 }\n}\n'.replace('  // kept as is', '');
  const edited = specWithRidge(text)!;
  assert.ok(edited.startsWith('{\n  "name": "iris",\n  "data": { "csv": "iris.csv", "target": "species" },'), edited);
  const parsed = JSON.parse(edited);
  assert.equal(parsed.model.ridge, OFFERED_RIDGE);
  assert.equal(parsed.model.experts, 2);
  assert.ok(validateSpecObject(parsed).ok);
  const withoutModel = JSON.parse(specWithRidge('{ "data": { "csv": "a.csv", "target": "y" } }')!);
  assert.deepEqual(withoutModel.model, { ridge: OFFERED_RIDGE });
  assert.equal(specWithRidge('{ "model": '), undefined, 'a broken spec is not overwritten');
});
