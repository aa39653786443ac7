/**
 * Generated WebAssembly SIMD kernels for the two products every pass over a wide design matrix makes:
 *
 *   logits:   L = X Wᵀ          (rows × m)   — all gate and expert logits of a block of rows at once;
 *   gradient: G += Aᵀ X         (m × stride) — every ∇ block, A holding the per-row coefficients r(δ − P) etc.
 *
 * X is stored as float32 with its rows padded to `stride` (a multiple of 4) columns. Two precisions:
 *   - `f32`: W and A in float32, products summed in float32 (4 lanes); each logit's four partial sums and each
 *     gradient block of `GRADIENT_ROW_BLOCK` rows are then added in float64.
 *   - `f64`: W, A and every sum in float64 (2 lanes); X's float32 values are widened exactly, so this is the
 *     float64 model evaluated on the float32-rounded data — a single smooth function, as the line searches want.
 * The module is specialized on the stride: row offsets are then constant immediates of the loads.
 *
 * Register blocking: the logits kernel computes R rows × M coefficient rows per pass over a row (R·M vector
 * accumulators); the gradient kernel accumulates a strip of J vectors × M coefficient rows over a block of rows.
 */
import { FunctionBuilder, ModuleBuilder, type Local } from './assembler';

export type KernelPrecision = 'f32' | 'f64';

export interface GemmShape {
  /** Floats per stored row of X (p rounded up to a multiple of 4). */
  readonly stride: number;
  readonly precision: KernelPrecision;
  /** Import a shared memory (threads: one copy of X, several instances). */
  readonly shared?: boolean;
}

/** Largest memory the kernels import: 4 GiB, the limit of 32-bit WebAssembly. */
export const MAXIMUM_PAGES = 65536;

export interface Blocking {
  /** Rows of X per logits register block. */
  readonly rows: number;
  /** Coefficient rows per register block. */
  readonly coefficients: number;
  /** Vectors (of 4 columns) per gradient strip. */
  readonly strip: number;
  /** Coefficient rows per gradient register block. */
  readonly gradientCoefficients: number;
}

export const DEFAULT_BLOCKING: Readonly<Record<KernelPrecision, Blocking>> = {
  f32: { rows: 2, coefficients: 4, strip: 4, gradientCoefficients: 2 },
  f64: { rows: 2, coefficients: 3, strip: 2, gradientCoefficients: 3 },
};

/** Rows accumulated in registers before a gradient strip is added to G (float64) — bounds float32 round-off. */
export const GRADIENT_ROW_BLOCK = 64;

export const MEMORY_MODULE = 'env';
export const MEMORY_NAME = 'memory';

/**
 * Exports:
 *   logits(x, rows, w, m, out)      out[i·m + c] = Σ_j x[i·stride + j] · w[c·stride + j]  (out float64)
 *   gradient(x, rows, a, m, g)      g[c·stride + j] += Σ_i a[i·m + c] · x[i·stride + j]   (g float64)
 * Pointers are byte addresses (16-byte aligned); `w` and `a` hold floats of the kernel's precision.
 */
export function buildGemmModule(shape: GemmShape, blocking: Blocking = DEFAULT_BLOCKING[shape.precision]): Uint8Array<ArrayBuffer> {
  if (shape.stride % 4 !== 0 || shape.stride <= 0) throw new Error(`gemm kernels: stride ${shape.stride} is not a positive multiple of 4`);
  const memory = shape.shared
    ? { module: MEMORY_MODULE, name: MEMORY_NAME, minimumPages: 1, maximumPages: MAXIMUM_PAGES, shared: true }
    : { module: MEMORY_MODULE, name: MEMORY_NAME, minimumPages: 1 };
  const module = new ModuleBuilder(memory);
  buildLogits(module.function('logits', ['i32', 'i32', 'i32', 'i32', 'i32']), shape, blocking);
  buildGradient(module.function('gradient', ['i32', 'i32', 'i32', 'i32', 'i32']), shape, blocking);
  return module.encode();
}

/** Bytes per element of W / A. */
function coefficientBytes(precision: KernelPrecision): number {
  return precision === 'f32' ? 4 : 8;
}

function buildLogits(f: FunctionBuilder, { stride, precision }: GemmShape, blocking: Blocking): void {
  const [x, rows, w, m, out] = f.params;
  const rowBytes = stride * 4;
  const wRowBytes = stride * coefficientBytes(precision);
  const i = f.local('i32'); // current row
  const c = f.local('i32'); // current coefficient row
  const xRow = f.local('i32'); // address of row i
  const xj = f.local('i32');
  const wj = f.local('i32');
  const xEnd = f.local('i32');
  const wGroup = f.local('i32');
  const outRow = f.local('i32');
  const mBytes = f.local('i32');
  const R = blocking.rows;
  const M = blocking.coefficients;
  const acc: Local[][] = Array.from({ length: R }, () => Array.from({ length: M }, () => f.local('v128')));
  const wv: Local[] = Array.from({ length: M }, () => f.local('v128'));
  const wv2: Local[] = Array.from({ length: M }, () => f.local('v128'));
  const xv = f.local('v128');
  const xv2 = f.local('v128');

  f.get(m).i32Const(8).i32Mul().set(mBytes);

  /** One register block: rowsHere rows (from i) × groupSize coefficient rows (from c). */
  const block = (rowsHere: number, groupSize: number): void => {
    for (let r = 0; r < rowsHere; r++) for (let g = 0; g < groupSize; g++) f.v128Zero().set(acc[r][g]);
    f.get(xRow).set(xj);
    f.get(wGroup).set(wj);
    f.loop(() => {
      if (precision === 'f32') {
        for (let g = 0; g < groupSize; g++) f.get(wj).v128Load(g * wRowBytes).set(wv[g]);
        for (let r = 0; r < rowsHere; r++) {
          f.get(xj).v128Load(r * rowBytes).set(xv);
          for (let g = 0; g < groupSize; g++) f.get(acc[r][g]).get(xv).get(wv[g]).f32x4Mul().f32x4Add().set(acc[r][g]);
        }
      } else {
        // Four float32 columns → two float64 pairs; W holds float64, two vectors per four columns.
        for (let g = 0; g < groupSize; g++) {
          f.get(wj).v128Load(g * wRowBytes).set(wv[g]);
          f.get(wj).v128Load(g * wRowBytes + 16).set(wv2[g]);
        }
        for (let r = 0; r < rowsHere; r++) {
          f.get(xj).v128Load64Zero(r * rowBytes).f64x2PromoteLowF32x4().set(xv);
          f.get(xj).v128Load64Zero(r * rowBytes + 8).f64x2PromoteLowF32x4().set(xv2);
          for (let g = 0; g < groupSize; g++) {
            f.get(acc[r][g]).get(xv).get(wv[g]).f64x2Mul().f64x2Add().get(xv2).get(wv2[g]).f64x2Mul().f64x2Add().set(acc[r][g]);
          }
        }
      }
      f.get(xj).i32Const(16).i32Add().set(xj);
      f.get(wj).i32Const(precision === 'f32' ? 16 : 32).i32Add().set(wj);
      f.get(xj).get(xEnd).i32LtU().brIf(0);
    });
    // Horizontal sums in float64 → out[(i + r)·m + c + g].
    for (let r = 0; r < rowsHere; r++) {
      for (let g = 0; g < groupSize; g++) {
        f.get(outRow);
        if (r > 0) f.get(mBytes).i32Const(r).i32Mul().i32Add();
        if (precision === 'f32') {
          f.get(acc[r][g]).f32x4ExtractLane(0).f64PromoteF32();
          f.get(acc[r][g]).f32x4ExtractLane(1).f64PromoteF32().f64Add();
          f.get(acc[r][g]).f32x4ExtractLane(2).f64PromoteF32().f64Add();
          f.get(acc[r][g]).f32x4ExtractLane(3).f64PromoteF32().f64Add();
        } else {
          f.get(acc[r][g]).f64x2ExtractLane(0).get(acc[r][g]).f64x2ExtractLane(1).f64Add();
        }
        f.f64Store(g * 8);
      }
    }
  };

  /** All coefficient rows for the rowsHere rows starting at i (xRow, outRow set). */
  const coefficientLoop = (rowsHere: number): void => {
    f.get(xRow).i32Const(rowBytes).i32Add().set(xEnd);
    f.i32Const(0).set(c);
    f.get(w).set(wGroup);
    f.block(() => {
      f.loop(() => {
        f.get(c).i32Const(M).i32Add().get(m).i32GtU().brIf(1);
        block(rowsHere, M);
        f.get(c).i32Const(M).i32Add().set(c);
        f.get(wGroup).i32Const(M * wRowBytes).i32Add().set(wGroup);
        f.get(outRow).i32Const(M * 8).i32Add().set(outRow);
        f.br(0);
      });
    });
    // Remainder group of m − c < M rows, one specialized block per possible size.
    for (let size = 1; size < M; size++) {
      f.get(m).get(c).i32Sub().i32Const(size).i32Sub().i32Eqz().if(() => block(rowsHere, size));
    }
  };

  f.i32Const(0).set(i);
  f.get(x).set(xRow);
  f.get(out).set(outRow);
  // Main row loop (R rows at a time), then single rows.
  for (const rowsHere of R > 1 ? [R, 1] : [1]) {
    f.block(() => {
      f.loop(() => {
        f.get(i).i32Const(rowsHere).i32Add().get(rows).i32GtU().brIf(1);
        // outRow walks through the groups; keep the row start to restore it.
        const outStart = f.local('i32');
        f.get(outRow).set(outStart);
        coefficientLoop(rowsHere);
        f.get(outStart).get(mBytes).i32Const(rowsHere).i32Mul().i32Add().set(outRow);
        f.get(xRow).i32Const(rowsHere * rowBytes).i32Add().set(xRow);
        f.get(i).i32Const(rowsHere).i32Add().set(i);
        f.br(0);
      });
    });
  }
}

function buildGradient(f: FunctionBuilder, { stride, precision }: GemmShape, blocking: Blocking): void {
  const [x, rows, a, m, g] = f.params;
  const rowBytes = stride * 4;
  const aBytes = coefficientBytes(precision);
  const J = blocking.strip;
  const M = blocking.gradientCoefficients;
  const i0 = f.local('i32'); // first row of the row block
  const iEnd = f.local('i32'); // end of the row block
  const col = f.local('i32'); // first column of the strip (floats)
  const c = f.local('i32');
  const xp = f.local('i32'); // address of x[i][col]
  const ap = f.local('i32'); // address of a[i][c]
  const aRowBytes = f.local('i32'); // m · aBytes
  const gp = f.local('i32'); // address of g[c][col] (float64)
  const xEndBlock = f.local('i32');
  const acc: Local[][] = Array.from({ length: J * (precision === 'f32' ? 1 : 2) }, () => Array.from({ length: M }, () => f.local('v128')));
  const xv: Local[] = Array.from({ length: acc.length }, () => f.local('v128'));
  const av = f.local('v128');
  const tmp = f.local('v128');

  f.get(m).i32Const(aBytes).i32Mul().set(aRowBytes);

  /** Accumulate rows i0 … iEnd of a strip of `vectors` 4-column vectors × `groupSize` coefficient rows, then add into G. */
  const block = (vectors: number, groupSize: number): void => {
    const lanes = precision === 'f32' ? vectors : 2 * vectors;
    for (let v = 0; v < lanes; v++) for (let k = 0; k < groupSize; k++) f.v128Zero().set(acc[v][k]);
    // xp = x + i0·rowBytes + col·4 ; ap = a + (i0·m + c)·aBytes
    f.get(x).get(i0).i32Const(rowBytes).i32Mul().i32Add().get(col).i32Const(4).i32Mul().i32Add().set(xp);
    f.get(a).get(i0).get(aRowBytes).i32Mul().i32Add().get(c).i32Const(aBytes).i32Mul().i32Add().set(ap);
    f.get(x).get(iEnd).i32Const(rowBytes).i32Mul().i32Add().get(col).i32Const(4).i32Mul().i32Add().set(xEndBlock);
    f.loop(() => {
      if (precision === 'f32') {
        for (let v = 0; v < vectors; v++) f.get(xp).v128Load(v * 16).set(xv[v]);
        for (let k = 0; k < groupSize; k++) {
          f.get(ap).v128Load32Splat(k * 4).set(av);
          for (let v = 0; v < vectors; v++) f.get(acc[v][k]).get(xv[v]).get(av).f32x4Mul().f32x4Add().set(acc[v][k]);
        }
      } else {
        for (let v = 0; v < vectors; v++) {
          f.get(xp).v128Load64Zero(v * 16).f64x2PromoteLowF32x4().set(xv[2 * v]);
          f.get(xp).v128Load64Zero(v * 16 + 8).f64x2PromoteLowF32x4().set(xv[2 * v + 1]);
        }
        for (let k = 0; k < groupSize; k++) {
          f.get(ap).v128Load64Splat(k * 8).set(av);
          for (let v = 0; v < lanes; v++) f.get(acc[v][k]).get(xv[v]).get(av).f64x2Mul().f64x2Add().set(acc[v][k]);
        }
      }
      f.get(xp).i32Const(rowBytes).i32Add().set(xp);
      f.get(ap).get(aRowBytes).i32Add().set(ap);
      f.get(xp).get(xEndBlock).i32LtU().brIf(0);
    });
    // g[(c + k)·stride + col …] += acc (float64). gp = g + (c·stride + col)·8
    f.get(g).get(c).i32Const(stride).i32Mul().get(col).i32Add().i32Const(8).i32Mul().i32Add().set(gp);
    for (let k = 0; k < groupSize; k++) {
      for (let v = 0; v < vectors; v++) {
        const base = k * stride * 8 + v * 32;
        if (precision === 'f32') {
          // Low two lanes, then the high two (shuffled down), widened to float64.
          f.get(gp).get(gp).v128Load(base).get(acc[v][k]).f64x2PromoteLowF32x4().f64x2Add().v128Store(base);
          f.get(acc[v][k]).get(acc[v][k]).i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).set(tmp);
          f.get(gp).get(gp).v128Load(base + 16).get(tmp).f64x2PromoteLowF32x4().f64x2Add().v128Store(base + 16);
        } else {
          f.get(gp).get(gp).v128Load(base).get(acc[2 * v][k]).f64x2Add().v128Store(base);
          f.get(gp).get(gp).v128Load(base + 16).get(acc[2 * v + 1][k]).f64x2Add().v128Store(base + 16);
        }
      }
    }
  };

  /** Every coefficient group for the strip at `col` of `vectors` vectors. */
  const coefficientLoop = (vectors: number): void => {
    f.i32Const(0).set(c);
    f.block(() => {
      f.loop(() => {
        f.get(c).i32Const(M).i32Add().get(m).i32GtU().brIf(1);
        block(vectors, M);
        f.get(c).i32Const(M).i32Add().set(c);
        f.br(0);
      });
    });
    for (let size = 1; size < M; size++) {
      f.get(m).get(c).i32Sub().i32Const(size).i32Sub().i32Eqz().if(() => block(vectors, size));
    }
  };

  const vectorsPerRow = stride / 4;
  const fullStrips = Math.floor(vectorsPerRow / J);
  const tailVectors = vectorsPerRow - fullStrips * J;

  f.i32Const(0).set(i0);
  f.block(() => {
    f.loop(() => {
      f.get(i0).get(rows).i32GeU().brIf(1);
      // iEnd = min(i0 + GRADIENT_ROW_BLOCK, rows)
      f.get(i0).i32Const(GRADIENT_ROW_BLOCK).i32Add().set(iEnd);
      f.get(iEnd).get(rows).i32GtU().if(() => {
        f.get(rows).set(iEnd);
      });
      if (fullStrips > 0) {
        f.i32Const(0).set(col);
        f.loop(() => {
          coefficientLoop(J);
          f.get(col).i32Const(4 * J).i32Add().set(col);
          f.get(col).i32Const(4 * J * fullStrips).i32LtU().brIf(0);
        });
      }
      if (tailVectors > 0) {
        f.i32Const(4 * J * fullStrips).set(col);
        coefficientLoop(tailVectors);
      }
      f.get(iEnd).set(i0);
      f.br(0);
    });
  });
}
