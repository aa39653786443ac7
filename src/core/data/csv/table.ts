/**
 * What the CSV reader returns: the table's shape, one typed array per column, and a compact map from data rows to
 * the physical lines of the file (for messages).
 *
 * Rows are numbered as the rest of the project numbers them: the header is row 0, data rows are 1-based. Lines are
 * physical lines of the file (1-based); they differ from rows when a quoted cell spans lines or blank lines are
 * skipped, which is why errors name both.
 */

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
