import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpecObject } from '../../src/core/spec/validate';

test('validateSpecObject reports a hole in a sparse array instead of throwing', () => {
  // eslint-disable-next-line no-sparse-arrays
  const topLevel = validateSpecObject([, 1]);
  assert.equal(topLevel.ok, false);
  // eslint-disable-next-line no-sparse-arrays
  const nested = validateSpecObject({ name: 'x', data: { csv: 'a.csv', target: 'y' }, model: { experts: [1, , 2] } });
  assert.equal(nested.ok, false);
  if (!nested.ok) assert.ok(nested.errors.some((e) => e.pointer === '/model/experts/1'), JSON.stringify(nested.errors));
});
