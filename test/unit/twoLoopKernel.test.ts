// The two-loop recursion in WebAssembly SIMD (Newton-CG's limited-memory preconditioner) against the JavaScript
// recursion of lbfgs.ts, which the L-BFGS tests check against the mathematics.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { setKernelChoice } from '../../src/core/kernels';
import { twoLoopDirection } from '../../src/core/optim/lbfgs';
import { twoLoopKernelAvailable, twoLoopSolver } from '../../src/core/optim/twoLoopKernel';
import { Random, relativeDistance } from './helpers';

/** m pairs with sᵀy > 0 (y a perturbed positive multiple of s), as CG's pairs on an SPD Hessian are. */
function pairs(D: number, m: number, seed: number) {
  const rng = new Random(seed);
  const s = Array.from({ length: m }, () => Float64Array.from({ length: D }, () => rng.normal()));
  const y = s.map((v) => v.map((x) => (1 + rng.uniform()) * x + 0.1 * rng.normal()));
  const rho = s.map((v, h) => 1 / v.reduce((sum, x, j) => sum + x * y[h][j], 0));
  assert.ok(rho.every((r) => r > 0), 'sᵀy > 0');
  const g = Float64Array.from({ length: D }, () => rng.normal());
  return { s, y, rho, g };
}

const scaledBase = (q: Float64Array, z: Float64Array) => {
  for (let j = 0; j < q.length; j++) z[j] = (1 + (j % 3)) * q[j];
};

test('the two-loop recursion in WebAssembly equals the JavaScript one (lengths not a multiple of four, 1 to 30 pairs)', () => {
  assert.ok(twoLoopKernelAvailable(), 'WebAssembly SIMD is available here, so the kernel is what is tested');
  for (const [D, m] of [[7, 1], [1001, 3], [7065, 30]] as const) {
    const { s, y, rho, g } = pairs(D, m, D + m);
    const expected = new Float64Array(D);
    twoLoopDirection(g, s, y, rho, scaledBase, expected);
    const actual = new Float64Array(D);
    twoLoopSolver(s, y, rho, scaledBase)(g, actual);
    assert.ok(relativeDistance(actual, expected) <= 1e-12, `D = ${D}, m = ${m}: ${relativeDistance(actual, expected)}`);
    assert.deepEqual(Array.from(g), Array.from(pairs(D, m, D + m).g), 'g is left as it was');
  }
});

test('two recursions used in turn each apply their own pairs (the kernel memory is reloaded)', () => {
  const D = 257;
  const first = pairs(D, 4, 1);
  const second = pairs(D, 6, 2);
  const one = twoLoopSolver(first.s, first.y, first.rho, scaledBase);
  const two = twoLoopSolver(second.s, second.y, second.rho, scaledBase);
  for (let round = 0; round < 2; round++) {
    for (const [solver, { s, y, rho, g }] of [[one, first], [two, second]] as const) {
      const expected = new Float64Array(D);
      twoLoopDirection(g, s, y, rho, scaledBase, expected);
      const actual = new Float64Array(D);
      solver(g, actual);
      assert.ok(relativeDistance(actual, expected) <= 1e-12, `round ${round}: ${relativeDistance(actual, expected)}`);
    }
  }
});

test('with the js kernel choice the JavaScript recursion runs, bit for bit', () => {
  const previous = setKernelChoice('js');
  try {
    assert.equal(twoLoopKernelAvailable(), false);
    const { s, y, rho, g } = pairs(99, 5, 3);
    const expected = new Float64Array(99);
    twoLoopDirection(g, s, y, rho, scaledBase, expected);
    const actual = new Float64Array(99);
    twoLoopSolver(s, y, rho, scaledBase)(g, actual);
    assert.deepEqual(Array.from(actual), Array.from(expected));
  } finally {
    setKernelChoice(previous);
  }
});
