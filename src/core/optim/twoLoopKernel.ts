/**
 * The L-BFGS two-loop recursion (`twoLoopDirection` in lbfgs.ts) with its dot products and updates in WebAssembly
 * SIMD (`kernels/wasm/vectorModule.ts`), for Newton-CG's limited-memory preconditioner, which applies it at every CG
 * iteration to vectors of m·p values (7 065 on Fashion-MNIST) with up to 30 pairs. The pairs are copied once into
 * the kernel's memory, and again only if another recursion's pairs were loaded in between. Sums are taken in four
 * partial sums instead of one, so results differ from the JavaScript recursion in the last bits only. Without
 * WebAssembly SIMD, or with the `js` kernel choice, the JavaScript recursion runs.
 */
import { kernelChoice } from '../kernels';
import { buildVectorModule } from '../kernels/wasm/vectorModule';
import { MEMORY_MODULE, MEMORY_NAME } from '../kernels/wasm/gemm';
import { wasmSimdAvailable } from '../kernels/wasm/wasmKernels';
import { twoLoopDirection } from './lbfgs';

interface VectorExports {
  dot(a: number, b: number, bytes: number): number;
  axpy(y: number, alpha: number, x: number, bytes: number): void;
}

interface VectorKernel {
  readonly exports: VectorExports;
  readonly memory: WebAssembly.Memory;
  /** The recursion whose pairs the memory holds. */
  loaded?: object;
}

let vectorInstance: VectorKernel | null | undefined;

/** The kernel's instance (compiled on first use), or undefined: no WebAssembly SIMD here, or the `js` choice. */
function vectorKernel(): VectorKernel | undefined {
  if (vectorInstance === undefined) {
    try {
      if (!wasmSimdAvailable()) throw new Error('no WebAssembly SIMD');
      const memory = new WebAssembly.Memory({ initial: 1 });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(buildVectorModule()), { [MEMORY_MODULE]: { [MEMORY_NAME]: memory } });
      vectorInstance = { exports: instance.exports as unknown as VectorExports, memory };
    } catch {
      vectorInstance = null;
    }
  }
  return vectorInstance && kernelChoice() !== 'js' ? vectorInstance : undefined;
}

/** Whether `twoLoopSolver` runs in WebAssembly here (for the tests). */
export function twoLoopKernelAvailable(): boolean {
  return vectorKernel() !== undefined;
}

/**
 * out = H g by the two-loop recursion over the pairs (s_h, y_h) with ρ_h = 1/(s_hᵀy_h), `solveBase` applying H₀.
 * The memory holds q and z, then the s_h, then the y_h, each zero-padded to a multiple of four values.
 */
export function twoLoopSolver(
  s: readonly Float64Array[],
  y: readonly Float64Array[],
  rho: readonly number[],
  solveBase: (q: Float64Array, z: Float64Array) => void,
): (g: Float64Array, out: Float64Array) => void {
  const kernel = vectorKernel();
  const m = s.length;
  if (!kernel || m === 0) return (g, out) => twoLoopDirection(g, s, y, rho, solveBase, out);
  const D = s[0].length;
  const stride = Math.ceil(D / 4) * 4;
  const bytes = stride * 8;
  const owner = {};
  const alpha = new Float64Array(m);
  const sAt = (h: number) => (2 + h) * bytes;
  const yAt = (h: number) => (2 + m + h) * bytes;
  const load = () => {
    const needed = (2 + 2 * m) * bytes;
    const { memory } = kernel;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
    const values = new Float64Array(memory.buffer, 0, (2 + 2 * m) * stride).fill(0);
    for (let h = 0; h < m; h++) {
      values.set(s[h], (2 + h) * stride);
      values.set(y[h], (2 + m + h) * stride);
    }
    kernel.loaded = owner;
  };
  return (g, out) => {
    if (kernel.loaded !== owner) load();
    const { dot, axpy } = kernel.exports;
    const work = new Float64Array(kernel.memory.buffer, 0, 2 * stride);
    const q = work.subarray(0, D);
    const z = work.subarray(stride, stride + D);
    work.fill(0);
    q.set(g);
    for (let h = m - 1; h >= 0; h--) {
      alpha[h] = rho[h] * dot(sAt(h), 0, bytes);
      axpy(0, -alpha[h], yAt(h), bytes);
    }
    solveBase(q, z);
    for (let h = 0; h < m; h++) {
      const beta = rho[h] * dot(yAt(h), bytes, bytes);
      axpy(bytes, alpha[h] - beta, sAt(h), bytes);
    }
    out.set(z);
  };
}
