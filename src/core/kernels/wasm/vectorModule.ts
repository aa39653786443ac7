/**
 * Generated WebAssembly SIMD kernels for the two vector operations of the L-BFGS two-loop recursion on long float64
 * vectors (Newton-CG's limited-memory preconditioner, `optim/newtonCg.ts`):
 *
 *   dot(a, b, bytes)          Σ_j a_j b_j              (four partial sums: two accumulators of two lanes)
 *   axpy(y, alpha, x, bytes)  y_j += alpha · x_j
 *
 * Pointers are byte addresses (16-byte aligned); `bytes` is a positive multiple of 32 (vectors zero-padded to a
 * multiple of four values). In plain JavaScript the recursion with 30 pairs of D = 7 065 values took about 2 ms per
 * application, as much as a tenth of a CG iteration's Hessian–vector product.
 */
import { ModuleBuilder, type FunctionBuilder, type Local } from './assembler';
import { MEMORY_MODULE, MEMORY_NAME } from './gemm';

export function buildVectorModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder({ module: MEMORY_MODULE, name: MEMORY_NAME, minimumPages: 1 });
  buildDot(module);
  buildAxpy(module);
  return module.encode();
}

function buildDot(module: ModuleBuilder): void {
  const f = module.function('dot', ['i32', 'i32', 'i32'], ['f64']);
  const [a, b, bytes] = f.params;
  const at = f.local('i32');
  const [sum, other] = [f.local('v128'), f.local('v128')];
  pairedDot(f, a, b, bytes, at, sum, other);
  f.get(sum).f64x2ExtractLane(0).get(sum).f64x2ExtractLane(1).f64Add();
}

/**
 * Emits sum = the two lanes' partial sums of Σ a_j b_j over `bytes` bytes (a positive multiple of 32) of two float64
 * vectors: two accumulators, `sum` and `other`, over alternate pairs of values (two independent chains of additions),
 * added at the end; `at` is the loop's byte offset. Shared with the Gram module's `dots`.
 */
export function pairedDot(f: FunctionBuilder, a: Local, b: Local, bytes: Local, at: Local, sum: Local, other: Local): void {
  f.v128Zero().set(sum);
  f.v128Zero().set(other);
  f.i32Const(0).set(at);
  f.loop(() => {
    f.get(sum).get(a).get(at).i32Add().v128Load().get(b).get(at).i32Add().v128Load().f64x2Mul().f64x2Add().set(sum);
    f.get(other).get(a).get(at).i32Add().v128Load(16).get(b).get(at).i32Add().v128Load(16).f64x2Mul().f64x2Add().set(other);
    f.get(at).i32Const(32).i32Add().tee(at).get(bytes).i32LtU().brIf(0);
  });
  f.get(sum).get(other).f64x2Add().set(sum);
}

function buildAxpy(module: ModuleBuilder): void {
  const f = module.function('axpy', ['i32', 'f64', 'i32', 'i32']);
  const [y, alpha, x, bytes] = f.params;
  const i = f.local('i32');
  const scale = f.local('v128');
  f.get(alpha).f64x2Splat().set(scale);
  f.i32Const(0).set(i);
  f.loop(() => {
    f.get(y).get(i).i32Add();
    f.get(y).get(i).i32Add().v128Load();
    f.get(scale).get(x).get(i).i32Add().v128Load().f64x2Mul();
    f.f64x2Add().v128Store();
    f.get(i).i32Const(16).i32Add().tee(i).get(bytes).i32LtU().brIf(0);
  });
}
