/**
 * A minimal WebAssembly binary writer: enough of the format (types, an imported memory, functions with locals,
 * exports, the control, integer, float and 128-bit SIMD instructions the kernels use) to produce a module as
 * bytes from TypeScript. The kernels are generated with it when the module is first needed and compiled
 * synchronously (`new WebAssembly.Module(bytes)`): no toolchain at build time, no file or network at run time,
 * no evaluation of source text.
 *
 * Reference: WebAssembly Core Specification 2.0, §5 (binary format) and the fixed-width SIMD opcode table.
 */

export type ValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
const VALUE_TYPE: Record<ValueType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export function unsignedLeb(value: number): number[] {
  const bytes: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0);
  return bytes;
}

export function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

function encodeName(name: string): number[] {
  const utf8 = Array.from(new TextEncoder().encode(name));
  return [...unsignedLeb(utf8.length), ...utf8];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

/** A local variable (parameters come first) of a function being written. */
export interface Local {
  readonly index: number;
  readonly type: ValueType;
}

/** The body of one function: instructions are appended by the methods, which return `this` for chaining. */
export class FunctionBuilder {
  readonly code: number[] = [];
  readonly params: Local[];
  private readonly locals: Local[] = [];
  private depth = 0;

  constructor(
    readonly name: string,
    paramTypes: readonly ValueType[],
    readonly results: readonly ValueType[],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  local(type: ValueType): Local {
    const local = { index: this.params.length + this.locals.length, type };
    this.locals.push(local);
    return local;
  }

  /** Declared locals, run-length encoded as the binary format wants. */
  localDeclarations(): number[][] {
    const groups: number[][] = [];
    let i = 0;
    while (i < this.locals.length) {
      let j = i;
      while (j < this.locals.length && this.locals[j].type === this.locals[i].type) j++;
      groups.push([...unsignedLeb(j - i), VALUE_TYPE[this.locals[i].type]]);
      i = j;
    }
    return groups;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...unsignedLeb(opcode), ...immediates);
  }

  // Control. `block`/`loop` run `body`; branch depths count outwards from the innermost enclosing construct.
  block(body: () => void): this {
    this.op(0x02, 0x40);
    this.depth++;
    body();
    this.depth--;
    return this.op(0x0b);
  }
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    this.depth++;
    body();
    this.depth--;
    return this.op(0x0b);
  }
  /** Pops an i32 condition; runs `then` when it is non-zero. */
  if(then: () => void): this {
    this.op(0x04, 0x40);
    this.depth++;
    then();
    this.depth--;
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...unsignedLeb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...unsignedLeb(depth));
  }
  drop(): this {
    return this.op(0x1a);
  }

  get(local: Local): this {
    return this.op(0x20, ...unsignedLeb(local.index));
  }
  set(local: Local): this {
    return this.op(0x21, ...unsignedLeb(local.index));
  }
  tee(local: Local): this {
    return this.op(0x22, ...unsignedLeb(local.index));
  }

  // Scalars. Memory offsets are in bytes; `align` is log2 of the alignment.
  i32Const(value: number): this {
    return this.op(0x41, ...signedLeb(value));
  }
  f64Const(value: number): this {
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    return this.op(0x44, ...bytes);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32GtU(): this {
    return this.op(0x4b);
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32And(): this {
    return this.op(0x71);
  }
  /** Loads one byte, zero-extended. */
  i32Load8U(offset = 0): this {
    return this.op(0x2d, 0, ...unsignedLeb(offset));
  }
  i32Store(offset = 0, align = 2): this {
    return this.op(0x36, align, ...unsignedLeb(offset));
  }
  f64Div(): this {
    return this.op(0xa3);
  }
  f64Neg(): this {
    return this.op(0x9a);
  }
  f64Ge(): this {
    return this.op(0x66);
  }
  f64ConvertI32U(): this {
    return this.op(0xb8);
  }
  return(): this {
    return this.op(0x0f);
  }
  f32Load(offset = 0, align = 2): this {
    return this.op(0x2a, align, ...unsignedLeb(offset));
  }
  f64Load(offset = 0, align = 3): this {
    return this.op(0x2b, align, ...unsignedLeb(offset));
  }
  f32Store(offset = 0, align = 2): this {
    return this.op(0x38, align, ...unsignedLeb(offset));
  }
  f64Store(offset = 0, align = 3): this {
    return this.op(0x39, align, ...unsignedLeb(offset));
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  f32Add(): this {
    return this.op(0x92);
  }
  f32Mul(): this {
    return this.op(0x94);
  }
  f64PromoteF32(): this {
    return this.op(0xbb);
  }
  f32DemoteF64(): this {
    return this.op(0xb6);
  }

  // 128-bit SIMD.
  v128Load(offset = 0, align = 4): this {
    return this.simd(0x00, align, ...unsignedLeb(offset));
  }
  v128Load32Splat(offset = 0, align = 2): this {
    return this.simd(0x09, align, ...unsignedLeb(offset));
  }
  v128Load64Splat(offset = 0, align = 3): this {
    return this.simd(0x0a, align, ...unsignedLeb(offset));
  }
  v128Load64Zero(offset = 0, align = 3): this {
    return this.simd(0x5d, align, ...unsignedLeb(offset));
  }
  v128Store(offset = 0, align = 4): this {
    return this.simd(0x0b, align, ...unsignedLeb(offset));
  }
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f64x2Splat(): this {
    return this.simd(0x14);
  }
  f32x4ExtractLane(lane: number): this {
    return this.simd(0x1f, lane);
  }
  f64x2ExtractLane(lane: number): this {
    return this.simd(0x21, lane);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  f64x2PromoteLowF32x4(): this {
    return this.simd(0x5f);
  }
  /** Lanes (a0 a1 a2 a3), (b0 b1 b2 b3) → (a2 a3 b0 b1) … any byte permutation of the two inputs. */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.simd(0x0d, ...lanes);
  }

  /** The function body as the code section wants it (size-prefixed). */
  encode(): number[] {
    if (this.depth !== 0) throw new Error(`wasm function ${this.name}: unbalanced blocks`);
    const body = [...vector(this.localDeclarations()), ...this.code, 0x0b];
    return [...unsignedLeb(body.length), ...body];
  }
}

export interface MemoryImport {
  readonly module: string;
  readonly name: string;
  /** Initial size in 64 KiB pages. */
  readonly minimumPages: number;
  readonly maximumPages?: number;
  readonly shared?: boolean;
}

/** A module with one imported memory and exported functions. */
export class ModuleBuilder {
  private readonly functions: FunctionBuilder[] = [];

  constructor(private readonly memory: MemoryImport) {}

  function(name: string, params: readonly ValueType[], results: readonly ValueType[] = []): FunctionBuilder {
    const builder = new FunctionBuilder(name, params, results);
    this.functions.push(builder);
    return builder;
  }

  encode(): Uint8Array<ArrayBuffer> {
    const section = (id: number, content: number[]): number[] => [id, ...unsignedLeb(content.length), ...content];
    const types = this.functions.map((f) => [
      0x60,
      ...vector(f.params.map((p) => [VALUE_TYPE[p.type]])),
      ...vector(f.results.map((r) => [VALUE_TYPE[r]])),
    ]);
    const { module, name, minimumPages, maximumPages, shared } = this.memory;
    const limitsFlag = (maximumPages !== undefined ? 0x01 : 0x00) | (shared ? 0x02 : 0x00);
    const limits = [limitsFlag, ...unsignedLeb(minimumPages), ...(maximumPages !== undefined ? unsignedLeb(maximumPages) : [])];
    const imports = [[...encodeName(module), ...encodeName(name), 0x02, ...limits]];
    const exports = this.functions.map((f, index) => [...encodeName(f.name), 0x00, ...unsignedLeb(index)]);
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vector(types)),
      ...section(2, vector(imports)),
      ...section(3, vector(this.functions.map((_, index) => unsignedLeb(index)))),
      ...section(7, vector(exports)),
      ...section(10, vector(this.functions.map((f) => f.encode()))),
    ];
    return Uint8Array.from(bytes);
  }
}
