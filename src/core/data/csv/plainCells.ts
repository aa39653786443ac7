/**
 * The CSV reader's fastest path: plain numeric cells read by a small WebAssembly function, row by row.
 *
 * A numeric data file is mostly cells like `0`, `0.0039` or `-12.5` followed by the delimiter. Reading them in
 * JavaScript costs about 25 ns a cell; this function, generated at run time with the kernels' assembler (no
 * toolchain, no binary in the bundle), takes about half that, which on Fashion-MNIST's 47 million cells is most of
 * the difference between 70 and 100+ MB/s.
 *
 * It takes exactly the cells whose value one division gives correctly rounded (Clinger's fast path, the same test
 * as the JavaScript reader): an optional minus, digits with an optional point (at least one digit), no exponent, an
 * integer mantissa below 2^53 and at most 22 digits after the point, followed at once by the delimiter or a line
 * end. It stops at any other cell (spaces, a plus sign, an exponent, text, a quote, the chunk's end) and the
 * JavaScript reader takes that cell, so every value and every message stays the general path's.
 *
 * Memory layout (bytes): powers of ten 10^0…10^22 | two result slots | the chunk, then a 0 byte that stops every
 * scan at its end | the stage (rows × columns float64, see columnStore.ts) | one flag per column (1: numeric).
 */
import { ModuleBuilder } from '../../kernels/wasm/assembler';
import { CR, DOT, LF, MINUS, ZERO } from './charCodes';

const POWERS = 0;
const STOPPED_CELL = 184; // i32: the index of the next cell of the row when the function returns
const ROW_ENDED = 188; // i32: 1 when it stopped at the row's line end, 0 at a cell it does not take
const INPUT = 192;
const MEMORY_MODULE = 'csv';
const MEMORY_NAME = 'memory';
const PAGE = 65536;


let compiled: WebAssembly.Module | undefined | null;

/** The compiled module, or undefined where WebAssembly is missing (the JavaScript reader then does everything). */
function plainCellsModule(): WebAssembly.Module | undefined {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(buildModule());
    } catch {
      compiled = null;
    }
  }
  return compiled ?? undefined;
}

/**
 * One table's plain-cell reader: its memory holds the current chunk, the column store's stage and the numeric
 * flags, so the function writes values where the column store copies them from.
 */
export class PlainCellReader {
  /** The staged rows (see ColumnStore): a view on this reader's memory. */
  readonly stage: Float64Array;
  /** 1 for each column that has held no text; the column store clears a column's flag when it turns to text. */
  readonly numeric: Uint8Array;
  private readonly bytes: Uint8Array;
  private readonly results: Int32Array;
  private readonly readRow: (position: number, stage: number, cell: number, columns: number, numeric: number, delimiter: number) => number;
  private readonly stageAddress: number;
  private readonly numericAddress: number;
  private loaded: Uint8Array | undefined;

  /** Undefined where WebAssembly is missing. `chunkCapacity`: the longest chunk it will be given (bytes). */
  static create(chunkCapacity: number, stageValues: number, columns: number): PlainCellReader | undefined {
    const module = plainCellsModule();
    return module && new PlainCellReader(module, chunkCapacity, stageValues, columns);
  }

  private constructor(module: WebAssembly.Module, private readonly chunkCapacity: number, stageValues: number, private readonly columns: number) {
    this.stageAddress = align8(INPUT + chunkCapacity + 1);
    this.numericAddress = this.stageAddress + 8 * stageValues;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((this.numericAddress + columns) / PAGE) });
    const exports = new WebAssembly.Instance(module, { [MEMORY_MODULE]: { [MEMORY_NAME]: memory } }).exports;
    this.readRow = exports.readRow as PlainCellReader['readRow'];
    this.bytes = new Uint8Array(memory.buffer);
    this.results = new Int32Array(memory.buffer, STOPPED_CELL, 2);
    new Float64Array(memory.buffer, POWERS, 23).set(Array.from({ length: 23 }, (_, k) => Number(`1e${k}`)));
    this.stage = new Float64Array(memory.buffer, this.stageAddress, stageValues);
    this.numeric = new Uint8Array(memory.buffer, this.numericAddress, columns).fill(1);
  }

  /** Copies `chunk` into the reader (once per chunk); false when it is longer than the reader was made for. */
  load(chunk: Uint8Array): boolean {
    if (this.loaded === chunk) return true;
    if (chunk.length > this.chunkCapacity) return false;
    this.bytes.set(chunk, INPUT);
    this.bytes[INPUT + chunk.length] = 0;
    this.loaded = chunk;
    return true;
  }

  /** Forgets the loaded chunk, so that the next `load` copies even a buffer that was reused with new bytes. */
  release(): void {
    this.loaded = undefined;
  }

  /**
   * Reads the plain cells of one row of the loaded chunk from index `position` (cell `cell` of the row), writing
   * cell k's value to `stage[stageOffset + k]`. Returns where it stopped: the index of the row's line end when
   * {@link rowEnded}, else of the first cell it did not take; {@link nextCell} is that cell's index in the row.
   */
  read(position: number, stageOffset: number, cell: number, delimiter: number): number {
    const stop = this.readRow(INPUT + position, this.stageAddress + 8 * stageOffset, cell, this.columns, this.numericAddress, delimiter);
    return stop - INPUT;
  }

  get nextCell(): number {
    return this.results[0];
  }

  get rowEnded(): boolean {
    return this.results[1] === 1;
  }
}

function align8(address: number): number {
  return Math.ceil(address / 8) * 8;
}

/**
 * `readRow(position, stage, cell, columns, numeric, delimiter) → stop`: see {@link PlainCellReader.read}. The loop
 * per cell: remember where it starts; stop unless the column is numeric; sign, digits, point, digits; stop unless
 * a digit was read, the next byte ends the cell, and the mantissa and scale allow the exact division; store; go on
 * after a delimiter, return at a line end.
 */
function buildModule(): Uint8Array<ArrayBuffer> {
  const module = new ModuleBuilder({ module: MEMORY_MODULE, name: MEMORY_NAME, minimumPages: 1 });
  const f = module.function('readRow', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], ['i32']);
  const [position, stage, cell, columns, numeric, delimiter] = f.params;
  const start = f.local('i32');
  const c = f.local('i32');
  const negative = f.local('i32');
  const digits = f.local('i32');
  const fractionStart = f.local('i32');
  const fractionDigits = f.local('i32');
  const mantissa = f.local('f64');
  const value = f.local('f64');
  const advance = (): void => {
    f.get(position).i32Const(1).i32Add().tee(position).i32Load8U().set(c);
  };
  const readDigits = (): void => {
    f.block(() =>
      f.loop(() => {
        f.get(c).i32Const(ZERO).i32Sub().i32Const(10).i32GeU().brIf(1);
        f.get(mantissa).f64Const(10).f64Mul().get(c).i32Const(ZERO).i32Sub().f64ConvertI32U().f64Add().set(mantissa);
        advance();
        f.br(0);
      }),
    );
  };
  const finish = (rowEnded: number, returned: typeof position): void => {
    f.i32Const(STOPPED_CELL).get(cell).i32Store();
    f.i32Const(ROW_ENDED).i32Const(rowEnded).i32Store();
    f.get(returned).return();
  };
  f.block(() => {
    f.loop(() => {
      f.get(position).set(start);
      f.get(cell).get(columns).i32GeU().brIf(1);
      f.get(numeric).get(cell).i32Add().i32Load8U().i32Eqz().brIf(1);
      f.get(position).i32Load8U().tee(c).i32Const(MINUS).i32Eq().tee(negative).if(advance);
      f.f64Const(0).set(mantissa);
      readDigits();
      f.get(position).get(start).i32Sub().get(negative).i32Sub().set(digits);
      f.i32Const(0).set(fractionDigits);
      f.get(c).i32Const(DOT).i32Eq().if(() => {
        f.get(position).i32Const(1).i32Add().tee(position).set(fractionStart);
        f.get(position).i32Load8U().set(c);
        readDigits();
        f.get(position).get(fractionStart).i32Sub().tee(fractionDigits).get(digits).i32Add().set(digits);
      });
      f.get(digits).i32Eqz().brIf(1);
      f.get(c).get(delimiter).i32Ne().get(c).i32Const(LF).i32Ne().i32And().get(c).i32Const(CR).i32Ne().i32And().brIf(1);
      f.get(mantissa).f64Const(2 ** 53).f64Ge().brIf(1);
      f.get(fractionDigits).i32Const(22).i32GtU().brIf(1);
      f.get(mantissa).get(fractionDigits).i32Const(3).i32Shl().f64Load(POWERS).f64Div().set(value);
      f.get(negative).if(() => f.get(value).f64Neg().set(value));
      f.get(stage).get(cell).i32Const(3).i32Shl().i32Add().get(value).f64Store();
      f.get(cell).i32Const(1).i32Add().set(cell);
      f.get(c).get(delimiter).i32Eq().if(() => {
        f.get(position).i32Const(1).i32Add().set(position);
        f.br(1); // the next cell
      });
      finish(1, position);
    });
  });
  finish(0, start);
  return module.encode();
}
