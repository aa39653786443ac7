/**
 * The CSV grammar (RFC 4180): a state machine that turns text into cells and records, and hands them to a
 * {@link RecordSink}. Quoted cells may hold delimiters, `""` and line breaks; spaces around a cell are trimmed; a
 * blank line is skipped; CR, LF and CRLF all end a record.
 *
 * It streams: `push` may cut the text anywhere (inside a quote, between CR and LF, inside a cell), and the state and
 * the partial cell carry over to the next push.
 *
 * Speed: most cells of a numeric file never reach the state machine. At the start of a cell, `readNumberCells`
 * reads plain numbers in place, row after row, straight into the sink's stage (from an ASCII chunk's bytes, a
 * WebAssembly function does the plainest ones, see plainCells.ts). The state machine reads whatever it declines,
 * so every message stays the general path's.
 */
import { UserInputError } from '../../errors';
import * as charCodes from './charCodes';
import { DecimalScanner } from './decimal';
import type { RecordSink } from './recordSink';

// Module constants, not import bindings: where the modules are compiled to CommonJS one by one (tsx: the tests,
// the benchmarks) an imported binding is read through a getter call, which showed in the per-character loops.
// `State` stays in this file for the same reason: a per-file compile inlines only the file's own const enums.
const { CR, LF, QUOTE, SPACE, TAB } = charCodes;

/** Longest cell (and header line) accepted, in characters. */
export const MAX_CELL_LENGTH = 1_000_000;

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

/** The state machine and its fast entry for numeric cells (see the module comment). */
export class RecordParser {
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
  /** The character besides a space that may pad a number: TAB, or SPACE again when TAB is the delimiter. */
  private readonly padding: number;
  private readonly scanner = new DecimalScanner();

  constructor(delimiter: string, private readonly sink: RecordSink, private readonly file: string) {
    this.delimiter = delimiter.charCodeAt(0);
    // A TSV's TAB is never padding: skipping it would swallow the empty cell in `1<TAB><TAB>2`.
    this.padding = this.delimiter === TAB ? SPACE : TAB;
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
   * spaces or tabs around it (never the delimiter), or −1 when the cell is anything else (text, empty, quoted, cut by the chunk's end),
   * which the state machine then reads as text.
   */
  private numberCellEnd(text: string, i: number): number {
    const padding = this.padding;
    let c = text.charCodeAt(i);
    while (c === SPACE || c === padding) c = text.charCodeAt(++i);
    let end = this.scanner.scan(text, i);
    if (end < 0) return -1;
    c = text.charCodeAt(end);
    while (c === SPACE || c === padding) c = text.charCodeAt(++end);
    return c === this.delimiter || c === LF || c === CR ? end : -1;
  }

  /** {@link numberCellEnd} reading the bytes of an ASCII chunk (`text`: the same characters). */
  private numberBytesEnd(bytes: Uint8Array, text: string, i: number): number {
    const n = bytes.length;
    if (i >= n) return -1; // the chunk ended with the previous cell
    const padding = this.padding;
    let c = bytes[i];
    while ((c === SPACE || c === padding) && ++i < n) c = bytes[i];
    let end = this.scanner.scanBytes(bytes, text, i);
    if (end < 0 || end === n) return -1;
    c = bytes[end];
    while ((c === SPACE || c === padding) && ++end < n) c = bytes[end];
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
