/**
 * One column of a table being read: its values, and its strings only once a cell proves it to be text (a large
 * numeric file then costs about the size of its numbers). Counts the empty and non-numeric cells for the messages
 * of the dataset builder (select.ts).
 */
import { parseStrictNumber } from './decimal';
import { canShrinkInPlace, growableValues, resizeValues, shrinkValues } from './growableValues';
import type { CsvColumn } from './table';

/** The value of column `column` in the data row with 0-based index `rowIndex`, wherever the store keeps it now. */
export type ValueOf = (column: number, rowIndex: number) => number;

/** Grown by the column store (all columns together); see the module comment. */
export class ColumnBuilder {
  private values: Float64Array;
  private text: string[] | undefined;
  private emptyCount = 0;
  private firstEmptyRow = 0;
  private nonNumericCount = 0;
  private firstNonNumericRow = 0;

  /** `maxCapacity`: the most rows the input can have (0: unknown), room the values may grow into in place. */
  constructor(private readonly name: string, private readonly index: number, capacity: number, maxCapacity = 0) {
    this.values = growableValues(capacity, maxCapacity);
  }

  /** True while no cell has made the column text (it keeps no strings yet). */
  isNumeric(): boolean {
    return this.text === undefined;
  }

  valuesArray(): Float64Array {
    return this.values;
  }

  /**
   * The cell of the data row with 0-based index `rowIndex`, as text; returns its value (the column store stages
   * it). `valueOf(column, row)` gives the earlier rows' values when the first non-numeric cell makes the column text.
   */
  add(cell: string, rowIndex: number, valueOf: ValueOf): number {
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
    this.values = resizeValues(this.values, capacity);
  }

  build(rowCount: number): CsvColumn {
    // In place when the buffer can shrink (the unused room is given back); else a view when little capacity is
    // wasted (no copy at the peak), a copy when much would be kept alive for nothing.
    const wasted = this.values.length - rowCount;
    const values = canShrinkInPlace(this.values) ? shrinkValues(this.values, rowCount)
      : wasted <= this.values.length / 8 ? this.values.subarray(0, rowCount) : this.values.slice(0, rowCount);
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
  private startText(rows: number, valueOf: ValueOf): void {
    const text = new Array<string>(rows);
    for (let i = 0; i < rows; i++) {
      const v = valueOf(this.index, i);
      text[i] = v === v ? String(v) : '';
    }
    this.text = text;
  }
}
