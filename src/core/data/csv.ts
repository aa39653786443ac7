/**
 * CSV reading (DESIGN §4–5): a header row, then data rows; RFC-4180 quoting; the delimiter (comma, semicolon or
 * tab) detected from the header line.
 *
 * The reader streams: bytes are decoded chunk by chunk and fed to a state machine that carries its state (inside a
 * quote, a pending CR, a half-read cell) across chunks, and every cell goes straight into a per-column
 * `Float64Array`. Only columns that turn out to hold text keep their strings, so a large numeric file costs about
 * the size of its numbers. Speed: plain numeric cells skip the state machine (a row-at-once loop reads them in
 * place; from an ASCII chunk's bytes, a small WebAssembly function does, see plainCells.ts), rows are staged and
 * copied into the columns a block at a time, and the columns are sized from the file's size.
 *
 * Rows are numbered as the rest of the project numbers them: the header is row 0, data rows are 1-based. Lines are
 * physical lines of the file (1-based); they differ from rows when a quoted cell spans lines or blank lines are
 * skipped, which is why errors name both.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAscii } from 'node:buffer';
import { UserInputError } from '../errors';
import * as charCodes from './charCodes';
import { DecimalScanner, parseStrictNumber } from './decimal';
import { PlainCellReader } from './plainCells';

export { parseStrictNumber };

// Module constants, not import bindings: where the modules are compiled to CommonJS one by one (tsx: the tests,
// the benchmarks) an imported binding is read through a getter call, which showed in the per-character loops.
const { CR, LF, QUOTE, SPACE, TAB } = charCodes;

export type CsvColumnKind = 'numeric' | 'text';

export interface CsvColumn {
  readonly name: string;
  /** Position in the header, 0-based. */
  readonly index: number;
  /** `numeric` when every non-empty cell is a finite number, else `text`. */
  readonly kind: CsvColumnKind;
  /** One number per row; NaN where the cell is empty or not a number. */
  readonly values: Float64Array;
  /**
   * Text columns only: the cell of every row ('' when empty). Cells read before the column's first non-numeric
   * cell are kept as their number's canonical text (`1.50` becomes `1.5`): the reader does not keep strings for
   * columns that look numeric.
   */
  readonly text?: readonly string[];
  readonly emptyCount: number;
  /** First data row (1-based) with an empty cell. */
  readonly firstEmptyRow?: number;
  readonly nonNumericCount: number;
  /** First data row (1-based) whose cell is not a number. */
  readonly firstNonNumericRow?: number;
}

export interface CsvTable {
  /** The file name used in messages. */
  readonly file: string;
  readonly delimiter: string;
  readonly header: string[];
  readonly rowCount: number;
  readonly columns: CsvColumn[];
  /** Physical line of the header row. */
  readonly headerLine: number;
  /**
   * Sparse row → line map as flat pairs `[row, line, row, line, …]`: from each listed row on, line advances with the
   * row. Read it with {@link csvLineOfRow}.
   */
  readonly lineAnchors: readonly number[];
}

export interface ReadCsvOptions {
  /** Bytes per read; default 1 MiB (measured: on wide files 64 KiB reads cost a fifth more time). */
  readonly chunkSize?: number;
  /** Name used in messages instead of the path. */
  readonly displayName?: string;
}

const DEFAULT_CHUNK_SIZE = 1024 * 1024;
const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;


/** Parses CSV text held in memory. `file` is only used in messages. */
export function parseCsv(text: string, file: string): CsvTable {
  const reader = new CsvReader(file);
  reader.push(text);
  return reader.finish();
}

/** Reads a UTF-8 CSV file in chunks (see the module comment for why). */
export async function readCsvFile(path: string, options: ReadCsvOptions = {}): Promise<CsvTable> {
  const file = options.displayName ?? path;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const reader = new CsvReader(file, await fileSize(path), chunkSize);
  const decoder = new Utf8ChunkDecoder(file, reader);
  // Created after the await: a stream's open error with no listener yet would be an uncaught exception.
  const stream = createReadStream(path, { highWaterMark: chunkSize });
  try {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk as Buffer);
      // An ASCII chunk is its own text, one byte a character: the parser reads its numbers from the bytes, which is
      // about twice as fast as from the string.
      reader.push(text, decoder.wasAscii ? (chunk as Buffer) : undefined);
    }
    reader.push(decoder.end());
    return reader.finish();
  } catch (error) {
    throw asUserInputError(error, file);
  } finally {
    stream.destroy();
  }
}

/** The file's size in bytes, to size the columns up front; 0 when unknown (a pipe, or not a file at all). */
async function fileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : 0;
  } catch {
    return 0; // the stream reports why the file cannot be read
  }
}

/** Physical line (1-based) of a data row (1-based; 0 is the header). */
export function csvLineOfRow(table: CsvTable, row: number): number {
  if (row <= 0) return table.headerLine;
  const anchors = table.lineAnchors;
  let lo = 0;
  let hi = anchors.length / 2 - 1;
  if (hi < 0) return row + table.headerLine;
  // Last anchor whose row is ≤ the requested row.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (anchors[2 * mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return anchors[2 * lo + 1] + (row - anchors[2 * lo]);
}

// ---------------------------------------------------------------------------------------------------------------
// Reader: delimiter detection, then the record parser feeding the table builder.

/** Longest cell (and header line) accepted, in characters. */
export const MAX_CELL_LENGTH = 1_000_000;

/** Buffers text until the header line is complete (to pick the delimiter), then streams into the parser. */
class CsvReader {
  private readonly builder: TableBuilder;
  private readonly detector = new DelimiterDetector();
  private parser: RecordParser | undefined;
  private pendingHead = '';
  private first = true;

  /**
   * `expectedLength`: the input's length, about its characters, or 0 when unknown (see TableBuilder).
   * `chunkCapacity`: the longest byte chunk `push` will be given with its bytes (0: text only).
   */
  constructor(private readonly file: string, expectedLength = 0, chunkCapacity = 0) {
    this.builder = new TableBuilder(file, expectedLength, chunkCapacity);
  }

  /** `bytes`: the same characters as `text`, one byte each, when the caller has them (see RecordParser.push). */
  push(text: string, bytes?: Uint8Array): void {
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        bytes = undefined;
      }
    }
    if (this.parser) {
      this.parser.push(text, bytes);
      return;
    }
    this.pendingHead += text;
    if (this.detector.scan(text)) this.startParser();
    else if (this.pendingHead.length > MAX_CELL_LENGTH) {
      throw new UserInputError(`${this.file}: the header line is longer than ${MAX_CELL_LENGTH.toLocaleString('en')} characters; is this really a CSV file?`, { file: this.file, row: 0 });
    }
  }

  finish(): CsvTable {
    if (!this.parser) this.startParser();
    this.parser!.finish();
    return this.builder.build(this.detector.delimiter());
  }

  /** Where the reader is, for messages about bytes that could not be decoded. */
  position(): string {
    const line = this.parser ? this.parser.line : 1;
    const row = this.builder.currentRow();
    return row === 0 ? `header (line ${line})` : `row ${row} (line ${line})`;
  }

  private startParser(): void {
    this.parser = new RecordParser(this.detector.delimiter(), this.builder, this.file);
    const head = this.pendingHead;
    this.pendingHead = '';
    this.parser.push(head);
  }
}

/**
 * Counts candidate delimiters outside quotes on the first non-blank line, incrementally, so that a header split
 * across chunks is scanned once.
 */
class DelimiterDetector {
  private readonly counts = [0, 0, 0];
  private inQuotes = false;
  private sawContent = false;

  /** Returns true once the header line has ended. */
  scan(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.inQuotes = !this.inQuotes;
        this.sawContent = true;
      } else if (this.inQuotes) {
        continue;
      } else if (c === LF || c === CR) {
        if (this.sawContent) return true; // leading blank lines are skipped by the parser too
      } else if (c === 44) this.counts[0]++;
      else if (c === 59) this.counts[1]++;
      else if (c === TAB) this.counts[2]++;
      else if (c !== SPACE) this.sawContent = true;
    }
    return false;
  }

  /** The most frequent candidate; ties favour comma, then semicolon. */
  delimiter(): string {
    let best = 0;
    for (let k = 1; k < this.counts.length; k++) if (this.counts[k] > this.counts[best]) best = k;
    return CANDIDATE_DELIMITERS[best];
  }
}

/** Receives cells and record ends from the parser. */
interface RecordSink {
  cell(value: string): void;
  /**
   * Where the parser may write numeric cells of the current row itself (the hot path: no call per cell): a finite
   * strict number for column k goes to `numberStage()[stageOffset() + k]`, for the columns k whose
   * `numericColumns()[k]` is 1 (the columns that have held no text; none before the header). Valid until the next
   * call into the sink.
   */
  numberStage(): Float64Array;
  stageOffset(): number;
  numericColumns(): Uint8Array;
  /** The WebAssembly reader of plain numeric cells, whose memory holds the stage and the flags; none for text input. */
  plainCells(): PlainCellReader | undefined;
  /** Accounts for the `count` cells just written into the stage, in column order from the current cell. */
  numbersWritten(count: number): void;
  /** `offset`: characters read up to the end of this record, to size the columns for the rest of the file. */
  endRecord(line: number, offset: number): void;
  currentRow(): number;
  columnName(cellIndex: number): string | undefined;
}

const enum State {
  /** Nothing but spaces read in this cell yet: a quote here opens a quoted cell. */
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted cell: either the first half of `""` or the closing quote. */
  QuoteInQuoted,
  /** After the closing quote: only spaces may follow before the delimiter or line end. */
  AfterQuoted,
}

/**
 * The RFC-4180 state machine. `push` may cut the text anywhere (inside a quote, between CR and LF, inside a cell);
 * the state and the partial cell carry over to the next push.
 */
class RecordParser {
  /** Physical line being read, 1-based. */
  line = 1;
  private state = State.FieldStart;
  private partial = '';
  private pendingCr = false;
  private recordLine = 1;
  private quoteLine = 1;
  private cellIndex = 0;
  /** Characters of the earlier pushes. */
  private consumed = 0;
  private readonly delimiter: number;
  private readonly scanner = new DecimalScanner();

  constructor(delimiter: string, private readonly sink: RecordSink, private readonly file: string) {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /**
   * `bytes`, when given, holds the same characters as `text`, one byte each (an ASCII chunk): numeric cells are
   * then read from the bytes.
   */
  push(text: string, bytes?: Uint8Array): void {
    const n = text.length;
    let i = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (n > 0 && text.charCodeAt(0) === LF) i = 1;
    }
    let start = i;
    const delimiter = this.delimiter;
    // The state lives in a local while scanning (a field access per character is measurably slower); it is written
    // back before anything that may read it (emitCell, fail) and at the end.
    let state = this.state;
    while (i < n) {
      if (state === State.FieldStart && i === start && this.partial === '') {
        // Only at a cell's first character: retrying after each leading space would be quadratic.
        start = i = this.readNumberCells(text, bytes, i);
        if (i === n) break;
      }
      if (state === State.Unquoted) {
        // Hot path (most characters of a numeric file): only the delimiter and line ends matter here.
        let c = text.charCodeAt(i);
        while (c !== delimiter && c !== LF && c !== CR && ++i < n) c = text.charCodeAt(i);
        if (i === n) break;
      }
      const c = text.charCodeAt(i);
      if (state === State.Unquoted || state === State.FieldStart) {
        if (c === delimiter) {
          this.emitCell(this.partial + text.slice(start, i), false);
          state = State.FieldStart;
          start = i + 1;
        } else if (c === LF || c === CR) {
          this.emitLastCell(this.partial + text.slice(start, i), false);
          state = State.FieldStart;
          i = this.endRecordAt(text, i, c);
          start = i + 1;
        } else if (c === QUOTE && state === State.FieldStart) {
          state = State.Quoted;
          this.partial = '';
          this.quoteLine = this.line;
          start = i + 1;
        } else if (c !== SPACE && c !== TAB) {
          state = State.Unquoted;
        }
      } else if (state === State.Quoted) {
        if (c === QUOTE) {
          this.partial += text.slice(start, i);
          state = State.QuoteInQuoted;
          start = i + 1;
        } else if (c === LF) {
          this.line++;
        }
      } else if (state === State.QuoteInQuoted) {
        if (c === QUOTE) { // "" inside quotes: a literal quote
          this.partial += '"';
          state = State.Quoted;
          start = i + 1;
        } else {
          state = State.AfterQuoted;
          continue; // that quote closed the cell; look at this character again
        }
      } else if (c === delimiter) { // AfterQuoted
        this.emitCell(this.partial, true);
        state = State.FieldStart;
        start = i + 1;
      } else if (c === LF || c === CR) {
        this.emitLastCell(this.partial, true);
        state = State.FieldStart;
        i = this.endRecordAt(text, i, c);
        start = i + 1;
      } else if (c === SPACE || c === TAB) {
        start = i + 1;
      } else {
        this.state = state;
        this.fail(`unexpected ${JSON.stringify(text[i])} after the closing quote of a quoted cell`);
      }
      i++;
    }
    if (state === State.FieldStart || state === State.Unquoted || state === State.Quoted) {
      this.partial += text.slice(start, n);
    }
    this.state = state;
    this.consumed += n;
    if (bytes) this.sink.plainCells()?.release(); // the next push brings other bytes, perhaps in the same buffer
    // A binary or corrupt file would otherwise grow one "cell" until the string limit crashes the reader.
    if (this.partial.length > MAX_CELL_LENGTH) this.fail(`a cell is longer than ${MAX_CELL_LENGTH.toLocaleString('en')} characters; is this really a CSV file?`);
  }

  finish(): void {
    switch (this.state) {
      case State.Quoted:
        this.line = this.quoteLine;
        this.fail(`unterminated quoted cell: the quote opened on line ${this.quoteLine} is never closed`);
        break;
      case State.QuoteInQuoted:
      case State.AfterQuoted:
        this.emitLastCell(this.partial, true);
        this.state = State.FieldStart;
        this.endRecord(this.consumed);
        break;
      default:
        if (this.cellIndex > 0 || this.partial.length > 0) {
          this.emitLastCell(this.partial, false);
          this.endRecord(this.consumed);
        }
    }
  }

  /**
   * Reads consecutive numeric cells in place, row after row (most cells of a numeric file end here): no string and
   * no call into the sink per cell, each number goes straight into the sink's stage. From an ASCII chunk's `bytes`
   * (the same characters as `text`) the plain cells go through the WebAssembly reader a row at a time (see
   * plainCells.ts), and a cell it declines is read here with the full grammar. Stops at the first cell that is not
   * a number for a numeric column (text, empty, quoted, cut by the chunk's end, a text column, a cell beyond the
   * header), which the state machine then reads, so that every message stays the general path's. Returns that
   * cell's index, or the text's length.
   */
  private readNumberCells(text: string, bytes: Uint8Array | undefined, i: number): number {
    const sink = this.sink;
    const delimiter = this.delimiter;
    let k = this.cellIndex;
    for (;;) {
      const base = sink.stageOffset();
      const plain = bytes && sink.plainCells();
      if (plain?.load(bytes!)) {
        const stop = plain.read(i, base, k, delimiter);
        k = plain.nextCell;
        if (plain.rowEnded) {
          this.wroteNumbers(k);
          i = this.endRecordAt(text, stop, bytes![stop]) + 1;
          k = 0;
          continue;
        }
        i = stop;
      }
      const numeric = sink.numericColumns();
      if (k >= numeric.length || numeric[k] !== 1) break;
      const end = bytes ? this.numberBytesEnd(bytes, text, i) : this.numberCellEnd(text, i);
      if (end < 0) break;
      sink.numberStage()[base + k] = this.scanner.value;
      k++;
      const c = bytes ? bytes[end] : text.charCodeAt(end);
      i = end + 1;
      if (c !== delimiter) {
        this.wroteNumbers(k);
        i = this.endRecordAt(text, end, c) + 1; // the header may end here: the next turn reads the new stage
        k = 0;
      }
    }
    this.wroteNumbers(k);
    return i;
  }

  /** Tells the sink about the cells the fast path wrote since the last call; `k`: the next cell's index. */
  private wroteNumbers(k: number): void {
    if (k === this.cellIndex) return;
    this.sink.numbersWritten(k - this.cellIndex);
    this.cellIndex = k;
  }

  /**
   * Where a numeric cell starting at `i` ends: the index of the delimiter or line end after the number and any
   * spaces or tabs around it, or −1 when the cell is anything else (text, empty, quoted, cut by the chunk's end),
   * which the state machine then reads as text.
   */
  private numberCellEnd(text: string, i: number): number {
    let c = text.charCodeAt(i);
    while (c === SPACE || c === TAB) c = text.charCodeAt(++i);
    let end = this.scanner.scan(text, i);
    if (end < 0) return -1;
    c = text.charCodeAt(end);
    while (c === SPACE || c === TAB) c = text.charCodeAt(++end);
    return c === this.delimiter || c === LF || c === CR ? end : -1;
  }

  /** {@link numberCellEnd} reading the bytes of an ASCII chunk (`text`: the same characters). */
  private numberBytesEnd(bytes: Uint8Array, text: string, i: number): number {
    const n = bytes.length;
    if (i >= n) return -1; // the chunk ended with the previous cell
    let c = bytes[i];
    while ((c === SPACE || c === TAB) && ++i < n) c = bytes[i];
    let end = this.scanner.scanBytes(bytes, text, i);
    if (end < 0 || end === n) return -1;
    c = bytes[end];
    while ((c === SPACE || c === TAB) && ++end < n) c = bytes[end];
    return end < n && (c === this.delimiter || c === LF || c === CR) ? end : -1;
  }

  /** Ends the record at the line end `c` at index `i`; returns the index of the last character consumed. */
  private endRecordAt(text: string, i: number, c: number): number {
    this.endRecord(this.consumed + i + 1);
    return this.skipLf(text, i, c);
  }

  /** After a CR, swallow the LF of a CRLF, even when it arrives in the next chunk. Returns the index consumed. */
  private skipLf(text: string, i: number, c: number): number {
    if (c !== CR) return i;
    if (i + 1 < text.length) return text.charCodeAt(i + 1) === LF ? i + 1 : i;
    this.pendingCr = true;
    return i;
  }

  private emitCell(raw: string, quoted: boolean): void {
    this.partial = '';
    this.sink.cell(quoted ? raw : raw.trim());
    this.cellIndex++;
  }

  /**
   * The cell that a line end closes. A blank line (a record of one empty unquoted cell) is not passed on: with
   * cellIndex still 0, endRecord skips it.
   */
  private emitLastCell(raw: string, quoted: boolean): void {
    if (this.cellIndex === 0 && !quoted && raw.trim() === '') this.partial = '';
    else this.emitCell(raw, quoted);
  }

  /** `offset`: characters read up to the end of the record (the sink sizes its columns from it). */
  private endRecord(offset: number): void {
    if (this.cellIndex > 0) this.sink.endRecord(this.recordLine, offset);
    this.cellIndex = 0;
    this.line++;
    this.recordLine = this.line;
  }

  private fail(problem: string): never {
    const row = this.sink.currentRow();
    const name = this.sink.columnName(this.cellIndex);
    const where = row === 0 ? `header (line ${this.line})` : `row ${row} (line ${this.line})`;
    const column = name === undefined ? '' : `, column ${JSON.stringify(name)}`;
    throw new UserInputError(`${this.file}: ${where}${column}: ${problem}`, {
      file: this.file,
      row,
      ...(name === undefined ? {} : { column: name }),
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Table builder: header checks, ragged rows, per-column typed storage.

class TableBuilder implements RecordSink {
  private header: string[] | undefined;
  private headerCells: string[] = [];
  private headerLine = 1;
  private columns: ColumnBuilder[] = [];
  /**
   * The latest rows, row after row (every column, text columns too), copied into the columns a block at a time.
   * Writing each cell straight into its column's array would touch one cache line and one page per column for every
   * row; on wide files (Fashion-MNIST: 785 columns) that alone halved the read rate.
   */
  private stage: Float64Array = new Float64Array(0);
  /** Rows the stage holds. */
  private stageCapacity = 0;
  /** Complete rows in the stage; the current row follows them. */
  private stagedRows = 0;
  /** 1 for each column that has held no text (see {@link RecordSink.numericColumns}). */
  private numeric: Uint8Array = new Uint8Array(0);
  private plainCellReader: PlainCellReader | undefined;
  /** Rows every column array can hold; all columns grow together, at a row boundary. */
  private capacity = INITIAL_ROWS;
  private rowCount = 0;
  /** Characters read up to the end of the latest row, for the growth estimate. */
  private lastOffset = 0;
  private cellIndex = 0;
  /** Characters read when the header ended: the rows' average length is measured from here. */
  private headerEnd = 0;
  private readonly lineAnchors: number[] = [];
  /** line − row for the latest anchor. */
  private lineOffset = Number.NaN;

  /**
   * `expectedLength`: the whole input's length in characters (about its bytes), or 0 when unknown.
   * `chunkCapacity`: the longest byte chunk the parser will read numbers from (0: text only, no WebAssembly reader).
   */
  constructor(private readonly file: string, private readonly expectedLength = 0, private readonly chunkCapacity = 0) {}

  currentRow(): number {
    return this.header ? this.rowCount + 1 : 0;
  }

  columnName(cellIndex: number): string | undefined {
    return this.header?.[cellIndex];
  }

  numberStage(): Float64Array {
    return this.stage;
  }

  stageOffset(): number {
    return this.stagedRows * this.columns.length;
  }

  numericColumns(): Uint8Array {
    return this.numeric;
  }

  plainCells(): PlainCellReader | undefined {
    return this.plainCellReader;
  }

  numbersWritten(count: number): void {
    this.cellIndex += count;
  }

  cell(value: string): void {
    if (!this.header) {
      this.headerCells.push(value);
      return;
    }
    // Cells beyond the header are only counted: the row is reported as ragged when it ends.
    const index = this.cellIndex++;
    if (index >= this.columns.length) return;
    const column = this.columns[index];
    this.stage[this.stageOffset() + index] = column.add(value, this.rowCount, this.valueOf);
    if (!column.isNumeric()) this.numeric[index] = 0;
  }

  /** The value of column `k` in the data row with 0-based index `rowIndex`, wherever it is now. */
  private readonly valueOf = (k: number, rowIndex: number): number => {
    const flushed = this.rowCount - this.stagedRows;
    return rowIndex < flushed ? this.columns[k].valuesArray()[rowIndex] : this.stage[(rowIndex - flushed) * this.columns.length + k];
  };

  endRecord(line: number, offset: number): void {
    if (!this.header) {
      this.acceptHeader(line, offset);
      return;
    }
    const row = this.rowCount + 1;
    if (this.cellIndex !== this.columns.length) {
      const cells = this.cellIndex === 1 ? '1 cell' : `${this.cellIndex} cells`;
      throw new UserInputError(
        `${this.file}: row ${row} (line ${line}) has ${cells}, but the header has ${this.columns.length} columns`,
        { file: this.file, row },
      );
    }
    if (line - row !== this.lineOffset) {
      this.lineOffset = line - row;
      this.lineAnchors.push(row, line);
    }
    this.rowCount = row;
    this.cellIndex = 0;
    this.lastOffset = offset;
    if (++this.stagedRows === this.stageCapacity) this.flushStage();
  }

  build(delimiter: string): CsvTable {
    if (!this.header) {
      throw new UserInputError(`${this.file}: the file is empty (a header row and data rows are needed)`, {
        file: this.file,
      });
    }
    if (this.rowCount === 0) {
      throw new UserInputError(`${this.file}: the file has a header row but no data rows`, { file: this.file, row: 0 });
    }
    this.flushStage();
    return {
      file: this.file,
      delimiter,
      header: this.header,
      rowCount: this.rowCount,
      columns: this.columns.map((column) => column.build(this.rowCount)),
      headerLine: this.headerLine,
      lineAnchors: this.lineAnchors,
    };
  }

  /** Copies the staged rows into their columns, a column at a time (reads stride through the stage, which is small). */
  private flushStage(): void {
    const rows = this.stagedRows;
    if (rows === 0) return;
    const first = this.rowCount - rows;
    while (this.rowCount > this.capacity) this.grow(this.lastOffset);
    const stage = this.stage;
    const width = this.columns.length;
    // Four columns at a time: each cache line of the stage is then read once for four of its values.
    let k = 0;
    for (; k + 4 <= width; k += 4) {
      const a = this.columns[k].valuesArray();
      const b = this.columns[k + 1].valuesArray();
      const c = this.columns[k + 2].valuesArray();
      const d = this.columns[k + 3].valuesArray();
      for (let r = 0, at = k, to = first; r < rows; r++, at += width, to++) {
        a[to] = stage[at];
        b[to] = stage[at + 1];
        c[to] = stage[at + 2];
        d[to] = stage[at + 3];
      }
    }
    for (; k < width; k++) {
      const values = this.columns[k].valuesArray();
      for (let r = 0, at = k; r < rows; r++, at += width) values[first + r] = stage[at];
    }
    this.stagedRows = 0;
  }

  /**
   * Makes room for more rows in every column. With the input's length known, the rows still to come are estimated
   * from the average length of the rows read so far, so that a large file needs one or two allocations instead of
   * a dozen doublings (each of which touches all the memory again); doubling remains the backup.
   */
  private grow(offset: number): void {
    let capacity = this.capacity * 2;
    if (this.expectedLength > offset) {
      const rowLength = (offset - this.headerEnd) / this.rowCount;
      const expected = this.rowCount + (this.expectedLength - offset) / rowLength;
      const estimated = Math.min(Math.ceil(expected * ESTIMATE_MARGIN), this.capacity * MAX_ESTIMATED_GROWTH);
      capacity = Math.max(estimated, Math.ceil(this.capacity * BACKUP_GROWTH));
    }
    this.capacity = capacity;
    for (const column of this.columns) column.resize(capacity);
  }

  private acceptHeader(line: number, offset: number): void {
    const names = this.headerCells;
    const seen = new Map<string, number>();
    names.forEach((name, index) => {
      if (name === '') {
        throw new UserInputError(
          `${this.file}: header (line ${line}): column ${index + 1} has no name (every column needs a name)`,
          { file: this.file, row: 0 },
        );
      }
      const previous = seen.get(name);
      if (previous !== undefined) {
        throw new UserInputError(
          `${this.file}: header (line ${line}): duplicate column name ${JSON.stringify(name)} ` +
            `(columns ${previous + 1} and ${index + 1})`,
          { file: this.file, row: 0, column: name },
        );
      }
      seen.set(name, index);
    });
    this.header = names;
    this.headerLine = line;
    this.headerEnd = offset;
    this.columns = names.map((name, index) => new ColumnBuilder(name, index, this.capacity));
    this.stageCapacity = Math.max(1, Math.min(MAX_STAGE_ROWS, Math.floor(STAGE_VALUES / names.length)));
    const stageValues = this.stageCapacity * names.length;
    this.plainCellReader = this.chunkCapacity > 0 ? PlainCellReader.create(this.chunkCapacity, stageValues, names.length) : undefined;
    this.stage = this.plainCellReader?.stage ?? new Float64Array(stageValues);
    this.numeric = this.plainCellReader?.numeric ?? new Uint8Array(names.length).fill(1);
  }
}

/** Values the stage holds (256 KiB: it stays in the L2 cache while it is copied out column by column). */
const STAGE_VALUES = 32 * 1024;
/** Rows the stage holds at most (narrow files). */
const MAX_STAGE_ROWS = 256;
/** Rows allocated before the first growth. */
const INITIAL_ROWS = 1024;
/** Head room over the estimated row count (rows vary in length). */
const ESTIMATE_MARGIN = 1.02;
/**
 * The most one estimate may grow the columns: the first rows may be much shorter than the rest, and then the
 * estimate is far too high. From 1024 rows this still reaches 65 536 rows at once, and any size at the next growth.
 */
const MAX_ESTIMATED_GROWTH = 64;
/** Growth once past the estimate: small, since by then the file is nearly read. */
const BACKUP_GROWTH = 1.25;

/** One column's values (grown by the table builder); keeps strings only once the column proves to be text. */
class ColumnBuilder {
  private values: Float64Array;
  private text: string[] | undefined;
  private emptyCount = 0;
  private firstEmptyRow = 0;
  private nonNumericCount = 0;
  private firstNonNumericRow = 0;

  constructor(private readonly name: string, private readonly index: number, capacity: number) {
    this.values = new Float64Array(capacity);
  }

  /** True while no cell has made the column text (it keeps no strings yet). */
  isNumeric(): boolean {
    return this.text === undefined;
  }

  valuesArray(): Float64Array {
    return this.values;
  }

  /**
   * The cell of the data row with 0-based index `rowIndex`, as text; returns its value (the table builder stores
   * it). `valueOf(column, row)` gives the earlier rows' values when the first non-numeric cell makes the column text.
   */
  add(cell: string, rowIndex: number, valueOf: (column: number, rowIndex: number) => number): number {
    let value = Number.NaN;
    if (cell === '') {
      if (this.emptyCount++ === 0) this.firstEmptyRow = rowIndex + 1;
    } else {
      value = parseStrictNumber(cell);
      if (value !== value) {
        if (this.nonNumericCount++ === 0) this.firstNonNumericRow = rowIndex + 1;
        if (!this.text) this.startText(rowIndex, valueOf);
      }
    }
    if (this.text) this.text.push(cell);
    return value;
  }

  resize(capacity: number): void {
    const bigger = new Float64Array(capacity);
    bigger.set(this.values);
    this.values = bigger;
  }

  build(rowCount: number): CsvColumn {
    // A view when little capacity is wasted (no copy at the peak); a copy when much would be kept alive for nothing.
    const wasted = this.values.length - rowCount;
    const values = wasted <= this.values.length / 8 ? this.values.subarray(0, rowCount) : this.values.slice(0, rowCount);
    this.values = new Float64Array(0); // release the oversized buffer early
    return {
      name: this.name,
      index: this.index,
      kind: this.text ? 'text' : 'numeric',
      values,
      ...(this.text ? { text: this.text } : {}),
      emptyCount: this.emptyCount,
      ...(this.emptyCount > 0 ? { firstEmptyRow: this.firstEmptyRow } : {}),
      nonNumericCount: this.nonNumericCount,
      ...(this.nonNumericCount > 0 ? { firstNonNumericRow: this.firstNonNumericRow } : {}),
    };
  }

  /** Back-fills the `rows` rows read so far (all numbers or empty) as text. */
  private startText(rows: number, valueOf: (column: number, rowIndex: number) => number): void {
    const text = new Array<string>(rows);
    for (let i = 0; i < rows; i++) {
      const v = valueOf(this.index, i);
      text[i] = v === v ? String(v) : '';
    }
    this.text = text;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// UTF-8 decoding with a row number for invalid bytes.

/**
 * Streaming strict UTF-8 decoding. When the decoder rejects a chunk, the valid prefix is still parsed so that the
 * message can say which row holds the bad bytes.
 */
class Utf8ChunkDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Trailing bytes of an incomplete sequence that the decoder is holding. */
  private carry: Uint8Array = new Uint8Array(0);
  private bytesRead = 0;
  /** The last chunk decoded was ASCII with nothing pending: its text is its bytes, one character each. */
  wasAscii = false;

  constructor(private readonly file: string, private readonly reader: CsvReader) {}

  decode(chunk: Buffer): string {
    this.wasAscii = this.carry.length === 0 && isAscii(chunk);
    if (this.wasAscii) {
      // Nothing pending in the decoder and nothing to validate: one byte is one character, copied as is.
      this.bytesRead += chunk.length;
      return chunk.toString('latin1');
    }
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      this.failInside(chunk);
    }
    this.carry = incompleteTail(this.carry, chunk);
    this.bytesRead += chunk.length;
    return text;
  }

  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      this.fail(this.bytesRead - this.carry.length, 'the file ends inside a multi-byte character');
    }
  }

  private failInside(chunk: Uint8Array): never {
    const bytes = concatBytes(this.carry, chunk);
    const bad = firstInvalidUtf8(bytes);
    this.reader.push(new TextDecoder('utf-8').decode(bytes.subarray(0, bad)));
    this.fail(this.bytesRead - this.carry.length + bad, 'invalid UTF-8 bytes');
  }

  private fail(offset: number, problem: string): never {
    throw new UserInputError(
      `${this.file}: ${this.reader.position()}: ${problem} at byte ${offset}; save the file as UTF-8`,
      { file: this.file },
    );
  }
}

/** The bytes at the end of `previous ++ chunk` that start a multi-byte sequence not yet complete. */
function incompleteTail(previous: Uint8Array, chunk: Uint8Array): Uint8Array {
  const bytes = chunk.length >= 3 ? chunk : concatBytes(previous, chunk);
  const n = bytes.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const b = bytes[n - k];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? bytes.slice(n - k) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Index of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629), or the length. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) { i++; continue; }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + need >= n) return i; // truncated at the end
    const second = bytes[i + 1];
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return n;
}

function asUserInputError(error: unknown, file: string): Error {
  if (error instanceof UserInputError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a folder, not a file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
  };
  if (code && reasons[code]) return new UserInputError(`${file}: cannot read the file: ${reasons[code]}`, { file });
  return error instanceof Error ? error : new Error(String(error));
}
