/**
 * The weighted Gram kernel of narrow M-steps (src/core/kernels/gram.ts): Σ_i w_si z_i z_iᵀ for several weight
 * vectors in one blocked pass, z_i = x_i or (x_i, y_i). Checked against the sums written out row by row, for the
 * WebAssembly kernel (rows copied in, transposed, scaled and multiplied there) and the plain JavaScript one, on
 * shapes that reach every edge of the blocking: one row, an odd last row, partial and exact blocks, one and two
 * columns, odd and even strip counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setKernelChoice } from '../../src/core/kernels';
import { GRAM_BLOCK_ROWS, weightedGramF32, weightedGrams } from '../../src/core/kernels/gram';
import { narrowLogitsAndGradient } from '../../src/core/kernels/narrow';
import { Random } from './helpers';

function writtenOut(X: Float64Array, n: number, p: number, w: Float64Array, S: number, extra?: Float64Array): Float64Array {
  const q = extra ? p + 1 : p;
  const z = (i: number, j: number) => (j < p ? X[i * p + j] : extra![i]);
  const out = new Float64Array(S * q * q);
  for (let s = 0; s < S; s++) for (let i = 0; i < n; i++) for (let j = 0; j < q; j++) for (let l = 0; l < q; l++) out[s * q * q + j * q + l] += w[i * S + s] * z(i, j) * z(i, l);
  return out;
}

test('weighted Gram sums equal the sums written out, on every edge of the blocking, in WebAssembly and JavaScript', () => {
  const B = GRAM_BLOCK_ROWS;
  const rng = new Random(11);
  for (const n of [1, 2, 3, B - 1, B, B + 1, 2 * B + 3]) {
    for (const p of [1, 2, 3, 4, 7, 21]) {
      for (const withExtra of [false, true]) {
        const S = 1 + ((n + p) % 3);
        const X = Float64Array.from({ length: n * p }, () => rng.normal());
        const extra = withExtra ? Float64Array.from({ length: n }, () => rng.normal()) : undefined;
        const w = Float64Array.from({ length: n * S }, () => rng.uniform() - 0.2);
        const expected = writtenOut(X, n, p, w, S, extra);
        for (const choice of ['auto', 'js'] as const) {
          const previous = setKernelChoice(choice);
          try {
            const grams = weightedGrams(X, n, p, S, (start, end, out) => {
              const rows = end - start;
              for (let s = 0; s < S; s++) for (let r = 0; r < rows; r++) out[s * rows + r] = w[(start + r) * S + s];
            }, extra);
            assert.equal(grams.length, expected.length);
            for (let k = 0; k < expected.length; k++) {
              assert.ok(Math.abs(grams[k] - expected[k]) <= 1e-11 * (1 + Math.abs(expected[k])), `${choice}, n ${n}, p ${p}, extra ${withExtra}, entry ${k}: ${grams[k]} vs ${expected[k]}`);
            }
          } finally {
            setKernelChoice(previous);
          }
        }
      }
    }
  }
});

test('a small call after a large one gets its own sums (the kernel memory is reused)', () => {
  const rng = new Random(12);
  const big = Float64Array.from({ length: 600 * 3 }, () => rng.normal());
  weightedGrams(big, 600, 3, 2, (start, end, out) => out.fill(1, 0, 2 * (end - start)));
  const X = Float64Array.from({ length: 5 * 3 }, () => rng.normal());
  const w = Float64Array.from({ length: 5 }, () => rng.uniform());
  const grams = weightedGrams(X, 5, 3, 1, (start, end, out) => out.set(w.subarray(start, end)));
  const expected = writtenOut(X, 5, 3, w, 1);
  for (let k = 0; k < 9; k++) assert.ok(Math.abs(grams[k] - expected[k]) <= 1e-12 * (1 + Math.abs(expected[k])), `entry ${k}`);
});

test('the float32 Gram of selected rows equals the sums written out to float32 accuracy, on the blocking edges, in WebAssembly and JavaScript', () => {
  const B = GRAM_BLOCK_ROWS;
  const rng = new Random(13);
  for (const [n, p] of [[1, 3], [B - 1, 7], [B + 1, 8], [2 * B + 3, 21], [700, 131]] as const) {
    const X = Float64Array.from({ length: 2 * n * p }, () => rng.normal()); // twice the rows: a selection of half
    const rows = Int32Array.from({ length: n }, (_, k) => 2 * n - 1 - 2 * k); // every other row, backwards
    const w = Float64Array.from({ length: n }, () => rng.uniform());
    const picked = new Float64Array(n * p);
    rows.forEach((i, k) => picked.set(X.subarray(i * p, (i + 1) * p), k * p));
    const expected = writtenOut(picked, n, p, w, 1);
    let scale = 0;
    for (let j = 0; j < p; j++) scale = Math.max(scale, expected[j * p + j]);
    for (const choice of ['auto', 'js'] as const) {
      const previous = setKernelChoice(choice);
      try {
        let blocks = 0;
        const gram = weightedGramF32(X, p, rows, w, () => blocks++);
        assert.equal(blocks, Math.ceil(n / B), `${choice}: the callback runs once per block of rows`);
        for (let k = 0; k < p * p; k++) {
          assert.ok(Math.abs(gram[k] - expected[k]) <= 1e-6 * scale, `${choice}, n ${n}, p ${p}, entry ${k}: ${gram[k]} vs ${expected[k]}`);
          assert.equal(gram[k], gram[(k % p) * p + Math.floor(k / p)], 'symmetric');
        }
      } finally {
        setKernelChoice(previous);
      }
    }
  }
});

test('the fused narrow pass (WebAssembly row products) equals the logits and gradient written out', () => {
  // The logits bit for bit: a row's products summed in column order, as every other evaluation sums them (ℓ must
  // not depend on whether ∇ℓ was asked for).
  const rng = new Random(13);
  for (const n of [1, 2, 3, 5, 127, 128, 129, 300]) {
    for (const p of [1, 2, 5, 21]) {
      for (const m of [1, 2, 3, 5]) {
        const X = Float64Array.from({ length: n * p }, () => rng.normal());
        const W = Float64Array.from({ length: m * p }, () => rng.normal());
        const seenLogits = new Float64Array(n * m);
        // Extra logits of the same rows, outside the gradient (the KL step's): bit for bit too, and each block's
        // before that block's own visit.
        const extraM = 3;
        const extraW = Float64Array.from({ length: extraM * p }, () => rng.normal());
        const seenExtra = new Float64Array(n * extraM).fill(Number.NaN);
        const coefficientOf = (i: number, c: number, logit: number) => Math.sin(logit + i + c); // any function of the logit
        for (const choice of ['auto', 'js'] as const) {
          const previous = setKernelChoice(choice);
          try {
            const out = new Float64Array(m * p).fill(7); // overwritten, not added to
            narrowLogitsAndGradient(X, n, p, W, m, (start, end, logits, coefficients) => {
              assert.ok(!Number.isNaN(seenExtra[(end - 1) * extraM]), `extra logits of rows ${start}…${end - 1} before their visit`);
              for (let i = start; i < end; i++) {
                for (let c = 0; c < m; c++) {
                  const logit = logits[(i - start) * m + c];
                  seenLogits[i * m + c] = logit;
                  coefficients[(i - start) * m + c] = coefficientOf(i, c, logit);
                }
              }
            }, out, { W: extraW, m: extraM, visit: (start, end, logits) => seenExtra.set(logits.subarray(0, (end - start) * extraM), start * extraM) });
            for (let i = 0; i < n; i++) {
              for (let c = 0; c < m; c++) {
                let logit = 0;
                for (let j = 0; j < p; j++) logit += X[i * p + j] * W[c * p + j];
                assert.equal(seenLogits[i * m + c], logit, `${choice}, n ${n}, p ${p}, m ${m}: logit ${i}, ${c}`);
              }
              for (let c = 0; c < extraM; c++) {
                let logit = 0;
                for (let j = 0; j < p; j++) logit += X[i * p + j] * extraW[c * p + j];
                assert.equal(seenExtra[i * extraM + c], logit, `${choice}, n ${n}, p ${p}, m ${m}: extra logit ${i}, ${c}`);
              }
            }
            for (let c = 0; c < m; c++) {
              for (let j = 0; j < p; j++) {
                let sum = 0;
                for (let i = 0; i < n; i++) sum += coefficientOf(i, c, seenLogits[i * m + c]) * X[i * p + j];
                assert.ok(Math.abs(out[c * p + j] - sum) <= 1e-11 * (1 + Math.abs(sum)), `${choice}, n ${n}, p ${p}, m ${m}: gradient ${c}, ${j}: ${out[c * p + j]} vs ${sum}`);
              }
            }
          } finally {
            setKernelChoice(previous);
          }
        }
      }
    }
  }
});
