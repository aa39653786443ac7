/**
 * The generated WebAssembly SIMD kernel of `../gram.ts` (weighted Gram matrices of narrow data, float64 throughout):
 *
 *   transpose(x, rows, p, strips, strip)   strips[j·strip + r] = x[r·p + j]          r < rows, j < p (rows even)
 *   scale(w, u, q, strip, out)             out[j·strip + r] = w[r] · u[j·strip + r]  r < strip, j < q
 *   upper(u, z, q, strip, sums)            sums[j·q + l] += Σ_r u[j·strip + r] · z[l·strip + r]   for 2 × 2 blocks j ≤ l
 *   upperF32(u, z, q, strip, sums)         the same on float32 strips, summed in float32 (four lanes) per call
 *   dots(c, u, q, strip, out)              out[j] += Σ_r c[r] · u[j·strip + r]       j < q (strip: a multiple of 32 bytes)
 *
 * and, for the fused logits-and-gradient passes of narrow data (`../narrow.ts`), on a block of rows as stored:
 *
 *   rowGradient(x, rows, p, a, m, g)       g[c·p + j] += Σ_r a[r·m + c] · x[r·p + j]
 *   stripLogits(u, rows, p, strip, w, m, out)   out[r·m + c] = Σ_j w[c·p + j] · u[j·strip + r]   r < rows (a multiple of 4)
 *
 * stripLogits sums each row's products in column order, one rounding per multiply and per add, as `logitsJs` does
 * (JavaScript never fuses a multiply–add): its logits are those of `logitsJs`, bit for bit, four rows at a time.
 *
 * `x` is a block of rows of the design matrix as it is stored (row-major, p float64 per row: the caller copies it
 * in with one `TypedArray.set`); `transpose` turns it into column strips, so that every other kernel runs on
 * contiguous vectors. u and z hold q column strips of `strip` bytes each (float64, a multiple of 16 bytes); w and
 * c hold one float64 per row of the strip; q is even in `upper`; pointers are byte addresses, 16-byte aligned.
 * Each block of two u strips × two z strips keeps four f64x2 accumulators, so every loaded vector feeds two
 * multiply–adds. Blocks on the diagonal also add the entry just below it (ignored).
 */
import { ModuleBuilder } from './assembler';
import { MEMORY_MODULE, MEMORY_NAME } from './gemm';
import { pairedDot } from './vectorModule';

export interface GramExports {
  transpose(x: number, rows: number, p: number, strips: number, strip: number): void;
  scale(w: number, u: number, q: number, strip: number, out: number): void;
  rowGradient(x: number, rows: number, p: number, a: number, m: number, g: number): void;
  stripLogits(u: number, rows: number, p: number, strip: number, w: number, m: number, out: number): void;
  upper(u: number, z: number, q: number, strip: number, sums: number): void;
  upperF32(u: number, z: number, q: number, strip: number, sums: number): void;
  dots(c: number, u: number, q: number, strip: number, out: number): void;
}

export function buildGramModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder({ module: MEMORY_MODULE, name: MEMORY_NAME, minimumPages: 1 });
  buildTranspose(module);
  buildScale(module);
  buildUpper(module, 'f64');
  buildUpper(module, 'f32');
  buildDots(module);
  buildRowGradient(module);
  buildStripLogits(module);
  return module.encode();
}

function buildTranspose(module: ModuleBuilder): void {
  const f = module.function('transpose', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, rows, p, strips, strip] = f.params;
  const row0 = f.local('i32');
  const row1 = f.local('i32');
  const to = f.local('i32');
  const column = f.local('i32');
  const j = f.local('i32');
  const end = f.local('i32');
  const rowBytes = f.local('i32');
  const pairEnd = f.local('i32');
  const [a, b] = [f.local('v128'), f.local('v128')];
  // Two rows at a time: a 2 × 2 tile (two columns of two rows) is two vector loads, two shuffles and two vector
  // stores; an odd last column is copied value by value. `column` is the rows' place in strip 0.
  f.get(p).i32Const(8).i32Mul().set(rowBytes);
  f.get(p).i32Const(-2).i32And().i32Const(8).i32Mul().set(pairEnd);
  f.get(x).set(row0);
  f.get(x).get(rows).get(rowBytes).i32Mul().i32Add().set(end);
  f.get(strips).set(column);
  f.get(rows).i32Eqz().if(() => f.return());
  f.loop(() => {
    f.get(row0).get(rowBytes).i32Add().set(row1);
    f.get(column).set(to);
    f.i32Const(0).set(j);
    f.get(pairEnd).i32Eqz().i32Eqz().if(() => {
      f.loop(() => {
        f.get(row0).get(j).i32Add().v128Load().set(a);
        f.get(row1).get(j).i32Add().v128Load().set(b);
        f.get(to).get(a).get(b).i8x16Shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]).v128Store();
        f.get(to).get(strip).i32Add().tee(to);
        f.get(a).get(b).i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31]).v128Store();
        f.get(to).get(strip).i32Add().set(to);
        f.get(j).i32Const(16).i32Add().tee(j).get(pairEnd).i32LtU().brIf(0);
      });
    });
    f.get(j).get(rowBytes).i32LtU().if(() => {
      f.get(to).get(row0).get(j).i32Add().f64Load().f64Store();
      f.get(to).get(row1).get(j).i32Add().f64Load().f64Store(8);
    });
    f.get(column).i32Const(16).i32Add().set(column);
    f.get(row1).get(rowBytes).i32Add().tee(row0).get(end).i32LtU().brIf(0);
  });
}

function buildScale(module: ModuleBuilder): void {
  const f = module.function('scale', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [w, u, q, strip, out] = f.params;
  const r = f.local('i32');
  const uEnd = f.local('i32');
  f.get(u).get(q).get(strip).i32Mul().i32Add().set(uEnd);
  f.get(q).i32Eqz().if(() => f.return());
  f.loop(() => {
    f.i32Const(0).set(r);
    f.loop(() => {
      f.get(out).get(r).i32Add();
      f.get(w).get(r).i32Add().v128Load();
      f.get(u).get(r).i32Add().v128Load();
      f.f64x2Mul().v128Store();
      f.get(r).i32Const(16).i32Add().tee(r).get(strip).i32LtU().brIf(0);
    });
    f.get(out).get(strip).i32Add().set(out);
    f.get(u).get(strip).i32Add().tee(u).get(uEnd).i32LtU().brIf(0);
  });
}

function buildDots(module: ModuleBuilder): void {
  const f = module.function('dots', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [c, u, q, strip, out] = f.params;
  const r = f.local('i32');
  const uEnd = f.local('i32');
  const [a0, a1] = [f.local('v128'), f.local('v128')];
  f.get(u).get(q).get(strip).i32Mul().i32Add().set(uEnd);
  f.get(q).i32Eqz().if(() => f.return());
  f.loop(() => {
    pairedDot(f, c, u, strip, r, a0, a1);
    f.get(out).get(out).f64Load().get(a0).f64x2ExtractLane(0).f64Add().get(a0).f64x2ExtractLane(1).f64Add().f64Store();
    f.get(out).i32Const(8).i32Add().set(out);
    f.get(u).get(strip).i32Add().tee(u).get(uEnd).i32LtU().brIf(0);
  });
}

/**
 * `upper` (float64 strips, two lanes) or `upperF32` (float32 strips, four lanes: each block's products summed in
 * float32, then added to the float64 sums).
 */
function buildUpper(module: ModuleBuilder, precision: 'f64' | 'f32'): void {
  const f = module.function(precision === 'f64' ? 'upper' : 'upperF32', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [u, z, q, strip, sums] = f.params;
  const j = f.local('i32');
  const l = f.local('i32');
  const r = f.local('i32');
  const u0 = f.local('i32');
  const u1 = f.local('i32');
  const z0 = f.local('i32');
  const at = f.local('i32');
  const rowBytes = f.local('i32');
  const acc = [0, 1].map(() => [0, 1, 2, 3].map(() => f.local('v128')));
  const x = [f.local('v128'), f.local('v128')];
  const y = [0, 1, 2, 3].map(() => f.local('v128'));

  /** Two u strips (from j) × `width` z strips (from l), summed over the strip, added to sums. */
  const block = (width: number) => {
    f.get(z).get(l).get(strip).i32Mul().i32Add().set(z0);
    for (let a = 0; a < 2; a++) for (let b = 0; b < width; b++) f.v128Zero().set(acc[a][b]);
    f.i32Const(0).set(r);
    f.loop(() => {
      f.get(u0).get(r).i32Add().v128Load().set(x[0]);
      f.get(u1).get(r).i32Add().v128Load().set(x[1]);
      for (let b = 0; b < width; b++) {
        // z strip l + b at z0 + b·strip: the strip length is a run-time value, so the address is computed.
        f.get(z0).get(r).i32Add();
        for (let k = 0; k < b; k++) f.get(strip).i32Add();
        f.v128Load().set(y[b]);
      }
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < width; b++) {
          f.get(acc[a][b]).get(x[a]).get(y[b]);
          if (precision === 'f64') f.f64x2Mul().f64x2Add();
          else f.f32x4Mul().f32x4Add();
          f.set(acc[a][b]);
        }
      }
      f.get(r).i32Const(16).i32Add().tee(r).get(strip).i32LtU().brIf(0);
    });
    // sums[(j + a)·q + l + b] += the accumulators' lane sums.
    f.get(sums).get(j).get(rowBytes).i32Mul().i32Add().get(l).i32Const(8).i32Mul().i32Add().set(at);
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < width; b++) {
        const offset = 8 * b;
        f.get(at).get(at).f64Load(offset);
        if (precision === 'f64') f.get(acc[a][b]).f64x2ExtractLane(0).f64Add().get(acc[a][b]).f64x2ExtractLane(1).f64Add();
        else for (let lane = 0; lane < 4; lane++) f.get(acc[a][b]).f32x4ExtractLane(lane).f64PromoteF32().f64Add();
        f.f64Store(offset);
      }
      if (a === 0) f.get(at).get(rowBytes).i32Add().set(at);
    }
  };

  f.get(q).i32Const(8).i32Mul().set(rowBytes);
  f.i32Const(0).set(j);
  f.loop(() => {
    f.get(u).get(j).get(strip).i32Mul().i32Add().set(u0);
    f.get(u0).get(strip).i32Add().set(u1);
    f.get(j).set(l);
    // Blocks of four z strips while four remain (l + 4 ≤ q), then one of two.
    f.block(() => {
      f.loop(() => {
        f.get(l).i32Const(4).i32Add().get(q).i32GtU().brIf(1);
        block(4);
        f.get(l).i32Const(4).i32Add().set(l);
        f.br(0);
      });
    });
    f.get(l).get(q).i32LtU().if(() => block(2));
    f.get(j).i32Const(2).i32Add().tee(j).get(q).i32LtU().brIf(0);
  });
}

/**
 * Row-major products for the fused passes of narrow data: a row is p float64 at 8-byte alignment (p may be odd),
 * so pairs of columns are unaligned vector loads and an odd last column is scalar.
 */
function buildRowGradient(module: ModuleBuilder): void {
  const f = module.function('rowGradient', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [x, rows, p, a, m, g] = f.params;
  const rowBytes = f.local('i32');
  const pairBytes = f.local('i32');
  const xEnd = f.local('i32');
  const gc = f.local('i32');
  const gEnd = f.local('i32');
  const j = f.local('i32');
  const coefficient = f.local('f64');
  const splat = f.local('v128');
  f.get(rows).i32Eqz().if(() => f.return());
  f.get(m).i32Eqz().if(() => f.return());
  f.get(p).i32Const(8).i32Mul().set(rowBytes);
  f.get(p).i32Const(-2).i32And().i32Const(8).i32Mul().set(pairBytes);
  f.get(x).get(rows).get(rowBytes).i32Mul().i32Add().set(xEnd);
  f.get(g).get(m).get(rowBytes).i32Mul().i32Add().set(gEnd);
  // Row by row: each coefficient row of g gets a·x (p/2 independent vector chains, which keeps the loop at
  // throughput rather than latency).
  f.loop(() => {
    f.get(g).set(gc);
    f.loop(() => {
      f.get(a).f64Load().tee(coefficient).f64x2Splat().set(splat);
      f.i32Const(0).set(j);
      f.get(pairBytes).i32Eqz().i32Eqz().if(() => {
        f.loop(() => {
          f.get(gc).get(j).i32Add();
          f.get(gc).get(j).i32Add().v128Load(0, 3);
          f.get(splat).get(x).get(j).i32Add().v128Load(0, 3).f64x2Mul().f64x2Add();
          f.v128Store(0, 3);
          f.get(j).i32Const(16).i32Add().tee(j).get(pairBytes).i32LtU().brIf(0);
        });
      });
      f.get(pairBytes).get(rowBytes).i32LtU().if(() => {
        f.get(gc).get(pairBytes).i32Add();
        f.get(gc).get(pairBytes).i32Add().f64Load();
        f.get(coefficient).get(x).get(pairBytes).i32Add().f64Load().f64Mul().f64Add();
        f.f64Store();
      });
      f.get(a).i32Const(8).i32Add().set(a);
      f.get(gc).get(rowBytes).i32Add().tee(gc).get(gEnd).i32LtU().brIf(0);
    });
    f.get(x).get(rowBytes).i32Add().tee(x).get(xEnd).i32LtU().brIf(0);
  });
}

/**
 * Logits from column strips (as `transpose` leaves a block): for each coefficient row c and each group of four rows,
 * two f64x2 accumulators run down the columns, each column's coefficient splatted once for the four rows.
 */
function buildStripLogits(module: ModuleBuilder): void {
  const f = module.function('stripLogits', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [u, rows, p, strip, w, m, out] = f.params;
  const c = f.local('i32');
  const r = f.local('i32');
  const j = f.local('i32');
  const column = f.local('i32');
  const coefficients = f.local('i32');
  const at = f.local('i32');
  const outRowBytes = f.local('i32');
  const [a0, a1, coefficient] = [f.local('v128'), f.local('v128'), f.local('v128')];
  f.get(rows).i32Eqz().if(() => f.return());
  f.get(m).i32Eqz().if(() => f.return());
  f.get(p).i32Eqz().if(() => f.return());
  f.get(m).i32Const(8).i32Mul().set(outRowBytes);
  f.i32Const(0).set(c);
  f.loop(() => {
    f.get(w).get(c).get(p).i32Mul().i32Const(8).i32Mul().i32Add().set(coefficients);
    f.i32Const(0).set(r);
    f.loop(() => {
      f.v128Zero().set(a0);
      f.v128Zero().set(a1);
      f.get(u).get(r).i32Const(8).i32Mul().i32Add().set(column);
      f.i32Const(0).set(j);
      f.loop(() => {
        f.get(coefficients).get(j).i32Const(8).i32Mul().i32Add().v128Load64Splat().set(coefficient);
        f.get(a0).get(column).v128Load().get(coefficient).f64x2Mul().f64x2Add().set(a0);
        f.get(a1).get(column).v128Load(16).get(coefficient).f64x2Mul().f64x2Add().set(a1);
        f.get(column).get(strip).i32Add().set(column);
        f.get(j).i32Const(1).i32Add().tee(j).get(p).i32LtU().brIf(0);
      });
      // Rows r … r + 3 of column c of out (row-major, m per row).
      f.get(out).get(r).get(outRowBytes).i32Mul().i32Add().get(c).i32Const(8).i32Mul().i32Add().set(at);
      f.get(at).get(a0).f64x2ExtractLane(0).f64Store();
      f.get(at).get(outRowBytes).i32Add().tee(at).get(a0).f64x2ExtractLane(1).f64Store();
      f.get(at).get(outRowBytes).i32Add().tee(at).get(a1).f64x2ExtractLane(0).f64Store();
      f.get(at).get(outRowBytes).i32Add().get(a1).f64x2ExtractLane(1).f64Store();
      f.get(r).i32Const(4).i32Add().tee(r).get(rows).i32LtU().brIf(0);
    });
    f.get(c).i32Const(1).i32Add().tee(c).get(m).i32LtU().brIf(0);
  });
}
