/**
 * Which kernels run a design matrix, and the reusable work arrays of the passes over it.
 *
 * `kernelsFor(X, n, p)` returns the kernels for a matrix, prepared once and cached by the identity of X (data
 * sets are never modified after they are built). The choice:
 *   - narrow data (p < WIDE_COLUMNS): plain JavaScript in float64 on X itself — the arithmetic of the small
 *     problems whose ℓ the tests check against R's logLik (test/unit/rReference.test.ts, values made by the scripts
 *     in test/fixtures/r-reference/) and whose ∇ℓ they check against finite differences (model.test.ts);
 *   - wide data: WebAssembly SIMD on a float32 copy of X. Large matrices (at least F32_MIN_VALUES values) use
 *     `f32` arithmetic (products summed in float32; every total over rows and the log-likelihood in float64),
 *     about 8× faster than blocked JavaScript on 60 000 × 785; smaller ones use `f64` arithmetic on the
 *     float32-rounded X (half the speed of `f32`, but one smooth function, which finite-difference diagnostics and
 *     tight tolerances want, at a cost that does not matter at that size);
 *   - `js` everywhere when WebAssembly SIMD is missing or the memory for the float32 copy cannot be had.
 * `setKernelChoice` (and the environment variable MOE_LAB_KERNELS = auto | js | f32 | f64) overrides it, for
 * benchmarks and tests.
 */
import { JsMatrixKernels } from './js';
import type { KernelBackend, MatrixKernels } from './types';
import { kernelThreads } from './threads/pool';
import { WasmMatrixKernels, wasmSimdAvailable } from './wasm/wasmKernels';

export type { KernelBackend, MatrixKernels } from './types';
export { kernelThreads, setKernelThreads } from './threads/pool';

export type KernelChoice = 'auto' | 'js' | 'f32' | 'f64';
const CHOICES: readonly KernelChoice[] = ['auto', 'js', 'f32', 'f64'];

/** Columns (intercept included) from which a matrix counts as wide. */
export const WIDE_COLUMNS = 128;
/** Values (n · p) from which `auto` runs a wide matrix in float32 arithmetic. */
export const F32_MIN_VALUES = 1 << 22;

let choice: KernelChoice = initialChoice();

function initialChoice(): KernelChoice {
  const fromEnvironment = typeof process === 'object' ? process.env?.MOE_LAB_KERNELS : undefined;
  return fromEnvironment && CHOICES.includes(fromEnvironment as KernelChoice) ? (fromEnvironment as KernelChoice) : 'auto';
}

export function kernelChoice(): KernelChoice {
  return choice;
}

/** Sets the kernel choice for matrices prepared from now on; returns the previous one. */
export function setKernelChoice(next: KernelChoice): KernelChoice {
  const previous = choice;
  choice = next;
  return previous;
}

const cache = new WeakMap<Float64Array, Map<string, MatrixKernels>>();

/** The backend `kernelsFor` would use for an n × p matrix under the current choice. */
export function plannedBackend(n: number, p: number, current: KernelChoice = choice): KernelBackend {
  if (current === 'js' || !wasmSimdAvailable()) return 'js';
  if (current === 'f64') return 'wasm-f64';
  if (current === 'f32') return 'wasm-f32';
  if (p < WIDE_COLUMNS || n === 0) return 'js';
  return n * p >= F32_MIN_VALUES ? 'wasm-f32' : 'wasm-f64';
}

export function kernelsFor(X: Float64Array, n: number, p: number): MatrixKernels {
  const backend = plannedBackend(n, p);
  const key = `${backend}:${n}:${p}:${backend === 'js' ? 1 : kernelThreads()}`;
  let perMatrix = cache.get(X);
  const cached = perMatrix?.get(key);
  if (cached) return cached;
  let kernels: MatrixKernels;
  if (backend === 'js') {
    kernels = new JsMatrixKernels(X, n, p);
  } else {
    try {
      kernels = new WasmMatrixKernels(X, n, p, backend === 'wasm-f32' ? 'f32' : 'f64');
    } catch {
      // Typically no memory for the float32 copy: fall back to JavaScript on X itself.
      kernels = new JsMatrixKernels(X, n, p);
    }
  }
  if (!perMatrix) {
    perMatrix = new Map();
    cache.set(X, perMatrix);
  }
  perMatrix.set(key, kernels);
  return kernels;
}

const scratchBuffers = new Map<string, Float64Array>();

/**
 * A reusable float64 work array of `length` entries for `name` (contents unspecified), so that the per-pass
 * temporaries of size n × m (logits, gradient coefficients) are not reallocated on every pass. Callers must not
 * keep it across calls that use the same name.
 */
export function scratch(name: string, length: number): Float64Array {
  let buffer = scratchBuffers.get(name);
  if (!buffer || buffer.length < length) {
    buffer = new Float64Array(Math.max(length, Math.ceil((buffer?.length ?? 0) * 1.25)));
    scratchBuffers.set(name, buffer);
  }
  return buffer.subarray(0, length);
}

/** Frees the work arrays of `scratch` (they are reallocated on demand). */
export function releaseScratch(): void {
  scratchBuffers.clear();
}
