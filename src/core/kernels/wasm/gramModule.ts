/**
 * The generated WebAssembly SIMD kernel of `../gram.ts` (weighted Gram matrices of narrow data, float64 throughout):
 *
 *   upper(u, z, q, strip, sums)   sums[j·q + l] += Σ_r u[j·strip + r] · z[l·strip + r]   for 2 × 2 blocks j ≤ l
 *
 * u and z hold q column strips of `strip` bytes each (float64, a multiple of 16 bytes); q is even; pointers are
 * byte addresses, 16-byte aligned. Each block of two u strips × two z strips keeps four f64x2 accumulators, so every
 * loaded vector feeds two multiply–adds. Blocks on the diagonal also add the entry just below it (ignored).
 */
import { ModuleBuilder } from './assembler';
import { MEMORY_MODULE, MEMORY_NAME } from './gemm';

export interface GramExports {
  upper(u: number, z: number, q: number, strip: number, sums: number): void;
}

export function buildGramModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder({ module: MEMORY_MODULE, name: MEMORY_NAME, minimumPages: 1 });
  const f = module.function('upper', ['i32', 'i32', 'i32', 'i32', 'i32']);
  const [u, z, q, strip, sums] = f.params;
  const j = f.local('i32');
  const l = f.local('i32');
  const r = f.local('i32');
  const u0 = f.local('i32');
  const u1 = f.local('i32');
  const z0 = f.local('i32');
  const z1 = f.local('i32');
  const at = f.local('i32');
  const rowBytes = f.local('i32');
  const [a00, a01, a10, a11, x0, x1, y0, y1] = Array.from({ length: 8 }, () => f.local('v128'));

  f.get(q).i32Const(8).i32Mul().set(rowBytes);
  f.i32Const(0).set(j);
  f.loop(() => {
    f.get(u).get(j).get(strip).i32Mul().i32Add().set(u0);
    f.get(u0).get(strip).i32Add().set(u1);
    f.get(j).set(l);
    f.loop(() => {
      f.get(z).get(l).get(strip).i32Mul().i32Add().set(z0);
      f.get(z0).get(strip).i32Add().set(z1);
      for (const acc of [a00, a01, a10, a11]) f.v128Zero().set(acc);
      f.i32Const(0).set(r);
      f.loop(() => {
        f.get(u0).get(r).i32Add().v128Load().set(x0);
        f.get(u1).get(r).i32Add().v128Load().set(x1);
        f.get(z0).get(r).i32Add().v128Load().set(y0);
        f.get(z1).get(r).i32Add().v128Load().set(y1);
        f.get(a00).get(x0).get(y0).f64x2Mul().f64x2Add().set(a00);
        f.get(a01).get(x0).get(y1).f64x2Mul().f64x2Add().set(a01);
        f.get(a10).get(x1).get(y0).f64x2Mul().f64x2Add().set(a10);
        f.get(a11).get(x1).get(y1).f64x2Mul().f64x2Add().set(a11);
        f.get(r).i32Const(16).i32Add().tee(r).get(strip).i32LtU().brIf(0);
      });
      // sums[j·q + l] and its three neighbours += the accumulators' lane sums.
      f.get(sums).get(j).get(rowBytes).i32Mul().i32Add().get(l).i32Const(8).i32Mul().i32Add().set(at);
      const add = (offset: number, acc: typeof a00) => {
        f.get(at).get(at).f64Load(offset).get(acc).f64x2ExtractLane(0).f64Add().get(acc).f64x2ExtractLane(1).f64Add().f64Store(offset);
      };
      add(0, a00);
      add(8, a01);
      f.get(at).get(rowBytes).i32Add().set(at);
      add(0, a10);
      add(8, a11);
      f.get(l).i32Const(2).i32Add().tee(l).get(q).i32LtU().brIf(0);
    });
    f.get(j).i32Const(2).i32Add().tee(j).get(q).i32LtU().brIf(0);
  });
  return module.encode();
}
