/**
 * The fused logits-and-gradient pass (`MatrixKernels.logitsAndGradient`) for narrow data in float64, with the
 * products in WebAssembly SIMD: each block of rows is copied into a small WebAssembly memory as stored (one memcpy;
 * X itself is never copied whole) and transposed into column strips there, its logits X_b Wᵀ are computed from the
 * strips (`stripLogits`: bit for bit those of `logitsJs`, the arithmetic of every other evaluation, so ℓ does not
 * depend on whether ∇ℓ was asked for), the caller's visitor turns them into gradient coefficients A_b (in
 * JavaScript, written straight into that memory), and A_bᵀ X_b is added to the gradient there.
 * At 1e6 × 21 with one coefficient row this pass takes about half the time of the plain-JavaScript one, which remains
 * the fallback (no WebAssembly SIMD, or the `js` kernel choice).
 *
 * The small Newton solves of tall data (`optim/smallBlockNewton.ts`) make several such passes per M-step.
 */
import { kernelChoice, kernelsFor } from './index';
import { logitsJs } from './js';
import { FUSED_BLOCK_ROWS, type BlockVisitor } from './types';
import { buildGramModule, type GramExports } from './wasm/gramModule';
import { wasmSimdAvailable } from './wasm/wasmKernels';

/**
 * More logits of the same rows, wanted beside a fused pass but not in its gradient (the KL step's products at the
 * previous iterate, `diagnostics/klStep.ts`): `visit` gets each block's X_b Wᵀ (n_b × m, valid until it returns),
 * before the pass's own visitor gets that block. The products are those of `logitsJs`, bit for bit.
 */
export interface ExtraLogits {
  readonly W: Float64Array;
  readonly m: number;
  readonly visit: (start: number, end: number, logits: Float64Array) => void;
}

/** out (m × p) = Σ_i A_i x_iᵀ with A from `visit` on each block's logits, as `MatrixKernels.logitsAndGradient`. */
export function narrowLogitsAndGradient(
  X: Float64Array,
  n: number,
  p: number,
  W: Float64Array,
  m: number,
  visit: BlockVisitor,
  out: Float64Array,
  extra?: ExtraLogits,
): void {
  const space = workspace(p, m, extra?.m ?? 0);
  if (!space) {
    kernelsFor(X, n, p).logitsAndGradient(W, m, withExtraLogits(X, p, visit, extra), out);
    return;
  }
  const B = FUSED_BLOCK_ROWS;
  const { exports, rows: rowsView, coefficients, logits, gradient } = space;
  gradient.fill(0);
  space.coefficientRows.set(W.subarray(0, m * p));
  if (extra) space.extraRows.set(extra.W.subarray(0, extra.m * p));
  for (let start = 0; start < n; start += B) {
    const end = Math.min(n, start + B);
    const rows = end - start;
    const block = X.subarray(start * p, end * p);
    rowsView.set(block);
    // `transpose` moves pairs of rows and `stripLogits` computes four rows at a time: the rows past the block's end
    // hold a previous block's values, whose logits are computed and never read.
    exports.transpose(space.rowsAt, rows + (rows % 2), p, space.stripsAt, B * 8);
    exports.stripLogits(space.stripsAt, Math.ceil(rows / 4) * 4, p, B * 8, space.coefficientRowsAt, m, space.logitsAt);
    if (extra) {
      exports.stripLogits(space.stripsAt, Math.ceil(rows / 4) * 4, p, B * 8, space.extraRowsAt, extra.m, space.extraLogitsAt);
      extra.visit(start, end, space.extraLogits.subarray(0, rows * extra.m));
    }
    const blockCoefficients = coefficients.subarray(0, rows * m);
    blockCoefficients.fill(0);
    visit(start, end, logits.subarray(0, rows * m), blockCoefficients);
    exports.rowGradient(space.rowsAt, rows, p, space.coefficientsAt, m, space.gradientAt);
  }
  out.set(gradient);
}

interface Workspace {
  readonly exports: GramExports;
  readonly rows: Float64Array;
  readonly coefficientRows: Float64Array;
  readonly extraRows: Float64Array;
  readonly logits: Float64Array;
  readonly extraLogits: Float64Array;
  readonly coefficients: Float64Array;
  readonly gradient: Float64Array;
  readonly rowsAt: number;
  readonly stripsAt: number;
  readonly coefficientRowsAt: number;
  readonly extraRowsAt: number;
  readonly logitsAt: number;
  readonly extraLogitsAt: number;
  readonly coefficientsAt: number;
  readonly gradientAt: number;
}

let instance: { exports: GramExports; memory: WebAssembly.Memory } | null | undefined;

/**
 * Views of this pass's own WebAssembly memory for blocks of p columns, m coefficient rows and `extra` more rows of
 * logits (undefined: JavaScript).
 */
function workspace(p: number, m: number, extra: number): Workspace | undefined {
  if (instance === undefined) {
    try {
      if (!wasmSimdAvailable()) throw new Error('no WebAssembly SIMD');
      const memory = new WebAssembly.Memory({ initial: 1 });
      const compiled = new WebAssembly.Instance(new WebAssembly.Module(buildGramModule()), { env: { memory } });
      instance = { exports: compiled.exports as unknown as GramExports, memory };
    } catch {
      instance = null;
    }
  }
  if (!instance || kernelChoice() === 'js') return undefined;
  const B = FUSED_BLOCK_ROWS;
  // The block as stored, its column strips, W and the extra rows, the block's logits (both) and coefficients, the
  // gradient.
  const rowsAt = 0;
  const stripsAt = align16(rowsAt + B * p * 8);
  const coefficientRowsAt = align16(stripsAt + p * B * 8);
  const extraRowsAt = align16(coefficientRowsAt + m * p * 8);
  const logitsAt = align16(extraRowsAt + extra * p * 8);
  const extraLogitsAt = align16(logitsAt + B * m * 8);
  const coefficientsAt = align16(extraLogitsAt + B * extra * 8);
  const gradientAt = coefficientsAt + B * m * 8;
  const needed = gradientAt + m * p * 8;
  const { memory } = instance;
  if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
  const buffer = memory.buffer;
  return {
    exports: instance.exports,
    rows: new Float64Array(buffer, rowsAt, B * p),
    coefficientRows: new Float64Array(buffer, coefficientRowsAt, m * p),
    extraRows: new Float64Array(buffer, extraRowsAt, extra * p),
    logits: new Float64Array(buffer, logitsAt, B * m),
    extraLogits: new Float64Array(buffer, extraLogitsAt, B * extra),
    coefficients: new Float64Array(buffer, coefficientsAt, B * m),
    gradient: new Float64Array(buffer, gradientAt, m * p),
    rowsAt,
    stripsAt,
    coefficientRowsAt,
    extraRowsAt,
    logitsAt,
    extraLogitsAt,
    coefficientsAt,
    gradientAt,
  };
}

function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * The fused pass over X as the data's kernels would make it, except that where they are plain JavaScript (narrow
 * data) the products run in WebAssembly as above: the logits with the same bits, the gradient summed in another
 * order.
 */
export function fusedLogitsAndGradient(
  X: Float64Array,
  n: number,
  p: number,
  W: Float64Array,
  m: number,
  visit: BlockVisitor,
  out: Float64Array,
  extra?: ExtraLogits,
): void {
  const kernels = kernelsFor(X, n, p);
  if (kernels.backend === 'js') narrowLogitsAndGradient(X, n, p, W, m, visit, out, extra);
  else kernels.logitsAndGradient(W, m, withExtraLogits(X, p, visit, extra), out);
}

/** `visit`, preceded by the extra logits of its block computed by `logitsJs` (for kernels that do not make them). */
function withExtraLogits(X: Float64Array, p: number, visit: BlockVisitor, extra: ExtraLogits | undefined): BlockVisitor {
  if (!extra) return visit;
  let logits = new Float64Array(0);
  return (start, end, blockLogits, coefficients) => {
    const rows = end - start;
    if (logits.length < rows * extra.m) logits = new Float64Array(rows * extra.m);
    const view = logits.subarray(0, rows * extra.m);
    logitsJs(X.subarray(start * p, end * p), rows, p, extra.W, extra.m, view);
    extra.visit(start, end, view);
    visit(start, end, blockLogits, coefficients);
  };
}
