/**
 * The WebAssembly SIMD backend: X is copied once, as float32 rows padded to a multiple of 4 columns, into a
 * WebAssembly memory of its own; each call copies the (small) coefficient matrix in, runs the generated kernel
 * over chunks of rows and copies the result out. The module for a stride is generated and compiled once
 * (synchronously, from bytes: see `assembler.ts`).
 *
 * With kernel threads (`../threads/pool.ts`) the memory is shared: helper threads run the same module on their
 * share of the rows (each gradient share into its own accumulator, summed here).
 *
 * Memory layout (bytes): [X: n·stride·4][W: m·stride·8][out: n·m·8][A: n·m·8][G: T × m·stride·8], the scratch
 * part sized for the largest m seen so far (the memory grows on demand).
 */
import { abandonThreads, threadPool, type KernelThreadPool } from '../threads/pool';
import type { HelperTask } from '../threads/protocol';
import { FUSED_BLOCK_ROWS, type BlockVisitor, type KernelBackend, type MatrixKernels } from '../types';
import { runGradient, runLogits, type GemmExports } from './exports';
import { buildGemmModule, MAXIMUM_PAGES, MEMORY_MODULE, MEMORY_NAME, type KernelPrecision } from './gemm';

const PAGE = 65536;
/**
 * Released subset memories a matrix keeps for its next subsets (Newton-CG holds two at once: an expert's rows of
 * non-negligible weight, and the curved rows among them).
 */
const SPARE_MEMORIES = 2;
/** Below this many multiply–adds a product runs on the calling thread only (a hand-over costs tens of µs). */
const PARALLEL_MIN_WORK = 4e6;

const modules = new Map<string, WebAssembly.Module>();

function gemmModule(stride: number, precision: KernelPrecision, shared: boolean): WebAssembly.Module {
  const key = `${precision}:${stride}:${shared}`;
  let module = modules.get(key);
  if (!module) {
    module = new WebAssembly.Module(buildGemmModule({ stride, precision, shared }));
    modules.set(key, module);
  }
  return module;
}

let simd: boolean | undefined;

/** Whether this engine runs WebAssembly with 128-bit SIMD (checked once by compiling a tiny kernel module). */
export function wasmSimdAvailable(): boolean {
  if (simd === undefined) {
    try {
      simd = typeof WebAssembly === 'object' && WebAssembly.validate(buildGemmModule({ stride: 4, precision: 'f32' }));
    } catch {
      simd = false;
    }
  }
  return simd;
}

function align(bytes: number, to = 64): number {
  return Math.ceil(bytes / to) * to;
}

/** Rows of an existing instance's float32 copy of X. */
interface RowsOf {
  readonly parent: WasmMatrixKernels;
  readonly rows: Int32Array;
}

/** An existing instance whose float32 copy of X another precision's kernels read (`WasmMatrixKernels.withPrecision`). */
interface TwinOf {
  readonly twinOf: WasmMatrixKernels;
}

/** A released subset's memory and instance, kept by its parent for the next subset (`WasmMatrixKernels.release`). */
interface SpareMemory {
  readonly memory: WebAssembly.Memory;
  readonly exports: GemmExports;
}

interface Regions {
  readonly w: number;
  readonly out: number;
  readonly a: number;
  /** First of `threads` gradient accumulators, `gBytes` apart. */
  readonly g: number;
  readonly gBytes: number;
}

export class WasmMatrixKernels implements MatrixKernels {
  readonly backend: KernelBackend;
  readonly stride: number;
  private readonly memory: WebAssembly.Memory;
  private readonly exports: GemmExports;
  private readonly xBytes: number;
  private readonly rowBytes: number;
  private readonly coefficientBytes: number;
  private scratchCoefficients = 0;
  private readonly pool: KernelThreadPool | undefined;
  private readonly poolId: number = 0;
  /** Set on a subset: the instance whose rows it copied, which takes its memory back on `release`. */
  private readonly parent: WasmMatrixKernels | undefined;
  /** On a matrix copied from float64 rows: the memories of its (and its subsets') last released subsets. */
  private spares: SpareMemory[] = [];
  private released = false;
  /** Kernels of the other precision on this instance's memory (`withPrecision`), made on first use. */
  private twin: WasmMatrixKernels | undefined;

  /**
   * X: the float64 rows to copy (and round to float32), rows of an existing instance's float32 copy (`subset`), or
   * an existing instance whose copy these kernels read in place (`withPrecision`).
   */
  constructor(
    X: Float64Array | RowsOf | TwinOf,
    readonly n: number,
    readonly p: number,
    readonly precision: KernelPrecision,
  ) {
    this.backend = precision === 'f32' ? 'wasm-f32' : 'wasm-f64';
    this.stride = Math.ceil(p / 4) * 4;
    this.rowBytes = this.stride * 4;
    this.coefficientBytes = precision === 'f32' ? 4 : 8;
    this.xBytes = align(n * this.rowBytes);
    const initial = Math.ceil(this.xBytes / PAGE) + 1;
    if ('twinOf' in X) {
      // The same memory (X and the scratch regions, whose layout does not depend on the precision), one thread.
      this.memory = X.twinOf.memory;
      this.exports = new WebAssembly.Instance(gemmModule(this.stride, precision, X.twinOf.pool !== undefined), {
        [MEMORY_MODULE]: { [MEMORY_NAME]: this.memory },
      }).exports as unknown as GemmExports;
      return;
    }
    this.pool = n * p >= PARALLEL_MIN_WORK ? threadPool() : undefined;
    const shared = this.pool !== undefined;
    const module = gemmModule(this.stride, precision, shared);
    this.parent = X instanceof Float64Array ? undefined : X.parent;
    const spare = shared ? undefined : this.parent?.root().takeSpare(initial * PAGE);
    if (spare) {
      this.memory = spare.memory;
      this.exports = spare.exports;
    } else {
      this.memory = shared ? new WebAssembly.Memory({ initial, maximum: MAXIMUM_PAGES, shared: true }) : new WebAssembly.Memory({ initial });
      this.exports = new WebAssembly.Instance(module, { [MEMORY_MODULE]: { [MEMORY_NAME]: this.memory } }).exports as unknown as GemmExports;
    }
    const x32 = new Float32Array(this.memory.buffer, 0, n * this.stride);
    const { stride } = this;
    if (X instanceof Float64Array) {
      for (let i = 0; i < n; i++) {
        const from = i * p;
        const to = i * stride;
        for (let j = 0; j < p; j++) x32[to + j] = X[from + j];
      }
    } else {
      const source = new Float32Array(X.parent.memory.buffer, 0, X.parent.n * stride);
      X.rows.forEach((i, k) => x32.set(source.subarray(i * stride, (i + 1) * stride), k * stride));
    }
    if (this.pool) this.poolId = this.pool.attach(this, module, this.memory);
  }

  /**
   * Kernels for some of this matrix's rows (in the given order), copied from its float32 copy: the same values and
   * arithmetic as these kernels on those rows. For passes that may skip rows (Newton-CG's Hessian–vector products).
   */
  subset(rows: Int32Array): WasmMatrixKernels {
    return new WasmMatrixKernels({ parent: this, rows }, rows.length, this.p, this.precision);
  }

  /**
   * Kernels of the given precision on this instance's float32 copy of X, read in place (no copy), on the calling
   * thread: `f64` evaluates the float64 model on the same float32-rounded rows, so its values differ from these
   * kernels' only by the float32 sums. Valid as long as this instance is (a released subset's twin is not).
   */
  withPrecision(precision: KernelPrecision): WasmMatrixKernels {
    if (precision === this.precision) return this;
    // Two precisions: a twin is always the other one.
    this.twin ??= new WasmMatrixKernels({ twinOf: this }, this.n, this.p, precision);
    return this.twin;
  }

  /**
   * A subset that will not be used again gives its memory back to the matrix it was copied from (through any
   * subsets in between), whose next subsets copy their rows into it: a fresh memory of 100 MB or so costs about
   * three times the copy itself in page faults (Newton-CG copies its curved rows several times per M-step, and an
   * expert's rows of non-negligible weight once). The last SPARE_MEMORIES released memories are kept.
   */
  release(): void {
    if (!this.parent || this.pool || this.released) return;
    this.released = true;
    const spares = this.parent.root().spares;
    spares.push({ memory: this.memory, exports: this.exports });
    if (spares.length > SPARE_MEMORIES) spares.shift();
  }

  /** The matrix this one's rows were first copied from. */
  private root(): WasmMatrixKernels {
    return this.parent ? this.parent.root() : this;
  }

  /** The smallest spare memory that holds at least `bytes`, taken (it serves one subset at a time). */
  private takeSpare(bytes: number): SpareMemory | undefined {
    let best = -1;
    this.spares.forEach((spare, k) => {
      const size = spare.memory.buffer.byteLength;
      if (size >= bytes && (best < 0 || size < this.spares[best].memory.buffer.byteLength)) best = k;
    });
    return best < 0 ? undefined : this.spares.splice(best, 1)[0];
  }

  /** Threads a product of m coefficient rows runs on. */
  private threadsFor(m: number): number {
    if (!this.pool || this.pool.helperCount === 0 || this.n * this.p * m < PARALLEL_MIN_WORK) return 1;
    return Math.min(this.pool.helperCount + 1, Math.max(1, Math.floor(this.n / 64)));
  }

  /** Byte offsets of the scratch regions for m coefficient rows (growing the memory when needed). */
  private scratch(m: number): Regions {
    const { n, stride } = this;
    const threads = this.pool ? this.pool.helperCount + 1 : 1;
    const w = this.xBytes;
    const out = align(w + m * stride * 8);
    const a = align(out + n * m * 8);
    const g = align(a + n * m * 8);
    const gBytes = align(m * stride * 8);
    const end = g + threads * gBytes;
    if (m > this.scratchCoefficients) {
      const pages = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
      if (pages > 0) this.memory.grow(pages);
      this.scratchCoefficients = m;
    }
    return { w, out, a, g, gBytes };
  }

  /** [start, end) row ranges of `threads` nearly equal shares of rows [from, to). */
  private shares(threads: number, from = 0, to = this.n): [number, number][] {
    const ranges: [number, number][] = [];
    const size = to - from;
    for (let t = 0; t < threads; t++) ranges.push([from + Math.floor((size * t) / threads), from + Math.floor((size * (t + 1)) / threads)]);
    return ranges;
  }

  /** Runs `taskFor(share)` for every share: the first here, the others on helpers; on a helper failure, all here. */
  private parallel(
    threads: number,
    taskFor: (start: number, end: number, share: number) => HelperTask,
    local: (start: number, end: number, share: number) => void,
  ): void {
    const ranges = this.shares(threads);
    if (threads === 1 || !this.pool) {
      local(0, this.n, 0);
      return;
    }
    const tasks = ranges.slice(1).map(([start, end], h) => taskFor(start, end, h + 1));
    try {
      this.pool.run(tasks, () => local(ranges[0][0], ranges[0][1], 0));
    } catch {
      abandonThreads();
      ranges.slice(1).forEach(([start, end], h) => local(start, end, h + 1));
    }
  }

  logits(W: Float64Array, m: number, out: Float64Array): void {
    const { n } = this;
    if (n === 0 || m === 0) return;
    const at = this.scratch(m);
    this.writeCoefficients(W, m, at.w);
    this.parallelLogits(m, at);
    out.set(new Float64Array(this.memory.buffer, at.out, n * m));
  }

  private parallelLogits(m: number, at: Regions): void {
    const { rowBytes } = this;
    this.parallel(
      this.threadsFor(m),
      (start, end) => ({ op: 'logits', id: this.poolId, x: start * rowBytes, rows: end - start, rowBytes, w: at.w, m, out: at.out + start * m * 8 }),
      (start, end) => runLogits(this.exports, start * rowBytes, end - start, rowBytes, at.w, m, at.out + start * m * 8),
    );
  }

  gradient(A: Float64Array, m: number, out: Float64Array): void {
    const { n } = this;
    if (m === 0) return;
    const at = this.scratch(m);
    const a = this.coefficientView(at.a, n * m);
    a.set(A.subarray(0, n * m));
    this.parallelGradient(m, at, out);
  }

  /** out = Σ over shares of their aᵀx, each share accumulated in its own region. */
  private parallelGradient(m: number, at: Regions, out: Float64Array): void {
    const { p, stride, rowBytes, coefficientBytes } = this;
    const threads = this.threadsFor(m);
    const buffer = this.memory.buffer;
    for (let t = 0; t < threads; t++) new Float64Array(buffer, at.g + t * at.gBytes, m * stride).fill(0);
    this.parallel(
      threads,
      (start, end, share) => ({
        op: 'gradient',
        id: this.poolId,
        x: start * rowBytes,
        rows: end - start,
        rowBytes,
        a: at.a + start * m * coefficientBytes,
        coefficientBytes,
        m,
        g: at.g + share * at.gBytes,
      }),
      (start, end, share) =>
        runGradient(this.exports, start * rowBytes, end - start, rowBytes, at.a + start * m * coefficientBytes, coefficientBytes, m, at.g + share * at.gBytes),
    );
    const first = new Float64Array(buffer, at.g, m * stride);
    for (let t = 1; t < threads; t++) {
      const other = new Float64Array(buffer, at.g + t * at.gBytes, m * stride);
      for (let j = 0; j < m * stride; j++) first[j] += other[j];
    }
    for (let c = 0; c < m; c++) out.set(first.subarray(c * stride, c * stride + p), c * p);
  }

  logitsAndGradient(W: Float64Array, m: number, visit: BlockVisitor, out: Float64Array): void {
    const { n, p, stride, rowBytes } = this;
    if (m === 0) return;
    const at = this.scratch(m);
    this.writeCoefficients(W, m, at.w);
    const buffer = this.memory.buffer;
    const coefficients = new Float64Array(FUSED_BLOCK_ROWS * m);
    if (this.threadsFor(m) > 1) {
      // Threads: all logits in parallel, the coefficients here, the gradient in parallel.
      this.parallelLogits(m, at);
      const logits = new Float64Array(buffer, at.out, n * m);
      const a = this.coefficientView(at.a, n * m);
      for (let start = 0; start < n; start += FUSED_BLOCK_ROWS) {
        const end = Math.min(n, start + FUSED_BLOCK_ROWS);
        const block = coefficients.subarray(0, (end - start) * m);
        block.fill(0);
        visit(start, end, logits.subarray(start * m, end * m), block);
        a.set(block, start * m);
      }
      this.parallelGradient(m, at, out);
      return;
    }
    // One thread: block by block, so that each block of X is read from memory once for both products.
    const logits = new Float64Array(buffer, at.out, FUSED_BLOCK_ROWS * m);
    const a = this.coefficientView(at.a, FUSED_BLOCK_ROWS * m);
    const g = new Float64Array(buffer, at.g, m * stride);
    g.fill(0);
    for (let start = 0; start < n; start += FUSED_BLOCK_ROWS) {
      const rows = Math.min(FUSED_BLOCK_ROWS, n - start);
      const x = start * rowBytes;
      this.exports.logits(x, rows, at.w, m, at.out);
      const block = coefficients.subarray(0, rows * m);
      block.fill(0);
      visit(start, start + rows, logits.subarray(0, rows * m), block);
      a.set(block);
      this.exports.gradient(x, rows, at.a, m, at.g);
    }
    for (let c = 0; c < m; c++) out.set(g.subarray(c * stride, c * stride + p), c * p);
  }

  private coefficientView(at: number, length: number): Float32Array | Float64Array {
    const buffer = this.memory.buffer;
    return this.precision === 'f32' ? new Float32Array(buffer, at, length) : new Float64Array(buffer, at, length);
  }

  /** W (m × p float64) into the kernel's coefficient region, rows padded with zeros to the stride. */
  private writeCoefficients(W: Float64Array, m: number, at: number): void {
    const { p, stride } = this;
    const w = this.coefficientView(at, m * stride);
    for (let c = 0; c < m; c++) {
      const from = c * p;
      const to = c * stride;
      for (let j = 0; j < p; j++) w[to + j] = W[from + j];
      for (let j = p; j < stride; j++) w[to + j] = 0;
    }
  }
}
