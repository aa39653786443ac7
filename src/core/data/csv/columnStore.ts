/**
 * The columns of a table being read, and the stage in front of them.
 *
 * Values arrive row by row (the file's order) and are kept column by column (one `Float64Array` each, the order the
 * dataset wants). Writing each cell straight into its column's array would touch one cache line and one page per
 * column for every row; on wide files (Fashion-MNIST: 785 columns) that alone halved the read rate. So the latest
 * rows are written row-major into a small stage (every column, text columns too), and copied into the columns a
 * block at a time.
 *
 * The columns grow together, at a row boundary, sized from the input's length when it is known.
 */
import { ColumnBuilder } from './columnBuilder';
import { PlainCellReader } from './plainCells';
import type { CsvColumn } from './table';

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

export class ColumnStore {
  /** The staged rows, row after row; the current row follows the complete ones. */
  readonly stage: Float64Array;
  /** 1 for each column that has held no text (see RecordSink.numericColumns). */
  readonly numeric: Uint8Array;
  /** The WebAssembly reader of plain cells, whose memory holds the stage and the flags; none for text input. */
  readonly plainCells: PlainCellReader | undefined;
  private readonly columns: ColumnBuilder[];
  private readonly width: number;
  /** Rows the stage holds. */
  private readonly stageCapacity: number;
  /** Complete rows in the stage. */
  private stagedRows = 0;
  /** Complete rows, staged or not. */
  private rows = 0;
  /** Rows every column array can hold. */
  private capacity = INITIAL_ROWS;
  /** Characters read up to the end of the latest row, for the growth estimate. */
  private lastOffset = 0;

  /**
   * `expectedLength`: the whole input's length in characters (about its bytes), or 0 when unknown.
   * `headerEnd`: characters read when the header ended (the rows' average length is measured from there).
   * `chunkCapacity`: the longest byte chunk the parser will read numbers from (0: text only, no WebAssembly reader).
   */
  constructor(
    names: readonly string[],
    private readonly expectedLength: number,
    private readonly headerEnd: number,
    chunkCapacity: number,
  ) {
    this.width = names.length;
    // Every row has at least one character per column (its delimiters and line end): the most rows the input can
    // hold, which the columns may grow into in place (address space only: unwritten pages are not resident).
    const maxRows = expectedLength > 0 ? Math.ceil(expectedLength / names.length) + INITIAL_ROWS : 0;
    this.columns = names.map((name, index) => new ColumnBuilder(name, index, this.capacity, maxRows));
    this.stageCapacity = Math.max(1, Math.min(MAX_STAGE_ROWS, Math.floor(STAGE_VALUES / names.length)));
    const stageValues = this.stageCapacity * names.length;
    this.plainCells = chunkCapacity > 0 ? PlainCellReader.create(chunkCapacity, stageValues, names.length) : undefined;
    this.stage = this.plainCells?.stage ?? new Float64Array(stageValues);
    this.numeric = this.plainCells?.numeric ?? new Uint8Array(names.length).fill(1);
  }

  /** Complete rows held. */
  rowCount(): number {
    return this.rows;
  }

  /** Index in the stage of the current row's first value. */
  stageOffset(): number {
    return this.stagedRows * this.width;
  }

  /** Cell `index` of the current row, as text (the general path; plain numbers are written into the stage). */
  addCell(index: number, cell: string): void {
    const column = this.columns[index];
    this.stage[this.stageOffset() + index] = column.add(cell, this.rows, this.valueOf);
    if (!column.isNumeric()) this.numeric[index] = 0;
  }

  /** The current row is complete. `offset`: characters read up to its end. */
  endRow(offset: number): void {
    this.rows++;
    this.lastOffset = offset;
    if (++this.stagedRows === this.stageCapacity) this.flushStage();
  }

  build(): CsvColumn[] {
    this.flushStage();
    return this.columns.map((column) => column.build(this.rows));
  }

  /** The value of column `k` in the data row with 0-based index `rowIndex`, wherever it is now. */
  private readonly valueOf = (k: number, rowIndex: number): number => {
    const flushed = this.rows - this.stagedRows;
    return rowIndex < flushed ? this.columns[k].valuesArray()[rowIndex] : this.stage[(rowIndex - flushed) * this.width + k];
  };

  /** Copies the staged rows into their columns, a column at a time (reads stride through the stage, which is small). */
  private flushStage(): void {
    const rows = this.stagedRows;
    if (rows === 0) return;
    const first = this.rows - rows;
    while (this.rows > this.capacity) this.grow(this.lastOffset);
    const stage = this.stage;
    const width = this.width;
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
      const rowLength = (offset - this.headerEnd) / this.rows;
      const expected = this.rows + (this.expectedLength - offset) / rowLength;
      const estimated = Math.min(Math.ceil(expected * ESTIMATE_MARGIN), this.capacity * MAX_ESTIMATED_GROWTH);
      capacity = Math.max(estimated, Math.ceil(this.capacity * BACKUP_GROWTH));
    }
    this.capacity = capacity;
    for (const column of this.columns) column.resize(capacity);
  }
}
