/**
 * The seam between the grammar (recordParser.ts) and the storage (tableBuilder.ts). Cells reach the storage in two
 * ways: a string per cell through `cell` (the general path), or, for plain numbers, written by the parser straight
 * into the sink's stage, with one `numbersWritten` call for the run of cells (the hot path).
 */
import type { PlainCellReader } from './plainCells';

/** Receives cells and record ends from the parser. */
export interface RecordSink {
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
