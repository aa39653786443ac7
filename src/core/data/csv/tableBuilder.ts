/**
 * The records the parser reads, as a table: the first record is the header (every column named, no name twice),
 * every later record must have as many cells as the header, and the values go to the column store. Keeps the
 * row → line map that messages use.
 */
import { UserInputError } from '../../errors';
import { ColumnStore } from './columnStore';
import type { PlainCellReader } from './plainCells';
import type { RecordSink } from './recordSink';
import type { CsvTable } from './table';

/** The stage and the numeric flags before the header: no columns, so the parser's fast path writes nothing. */
const NO_STAGE = new Float64Array(0);
const NO_COLUMNS = new Uint8Array(0);

export class TableBuilder implements RecordSink {
  private headerCells: string[] = [];
  private headerLine = 1;
  /** Created with the header. */
  private store: ColumnStore | undefined;
  private cellIndex = 0;
  private readonly lineAnchors: number[] = [];
  /** line − row for the latest anchor. */
  private lineOffset = Number.NaN;

  /**
   * `expectedLength`: the whole input's length in characters (about its bytes), or 0 when unknown.
   * `chunkCapacity`: the longest byte chunk the parser will read numbers from (0: text only, no WebAssembly reader).
   */
  constructor(private readonly file: string, private readonly expectedLength = 0, private readonly chunkCapacity = 0) {}

  currentRow(): number {
    return this.store ? this.store.rowCount() + 1 : 0;
  }

  columnName(cellIndex: number): string | undefined {
    return this.store ? this.headerCells[cellIndex] : undefined;
  }

  numberStage(): Float64Array {
    return this.store ? this.store.stage : NO_STAGE;
  }

  stageOffset(): number {
    return this.store ? this.store.stageOffset() : 0;
  }

  numericColumns(): Uint8Array {
    return this.store ? this.store.numeric : NO_COLUMNS;
  }

  plainCells(): PlainCellReader | undefined {
    return this.store?.plainCells;
  }

  numbersWritten(count: number): void {
    this.cellIndex += count;
  }

  cell(value: string): void {
    if (!this.store) {
      this.headerCells.push(value);
      return;
    }
    // Cells beyond the header are only counted: the row is reported as ragged when it ends.
    const index = this.cellIndex++;
    if (index < this.headerCells.length) this.store.addCell(index, value);
  }

  endRecord(line: number, offset: number): void {
    if (!this.store) {
      this.acceptHeader(line, offset);
      return;
    }
    const row = this.store.rowCount() + 1;
    const columns = this.headerCells.length;
    if (this.cellIndex !== columns) {
      const cells = this.cellIndex === 1 ? '1 cell' : `${this.cellIndex} cells`;
      throw new UserInputError(
        `${this.file}: row ${row} (line ${line}) has ${cells}, but the header has ${columns} columns`,
        { file: this.file, row },
      );
    }
    if (line - row !== this.lineOffset) {
      this.lineOffset = line - row;
      this.lineAnchors.push(row, line);
    }
    this.cellIndex = 0;
    this.store.endRow(offset);
  }

  build(delimiter: string): CsvTable {
    if (!this.store) {
      throw new UserInputError(`${this.file}: the file is empty (a header row and data rows are needed)`, {
        file: this.file,
      });
    }
    const rowCount = this.store.rowCount();
    if (rowCount === 0) {
      throw new UserInputError(`${this.file}: the file has a header row but no data rows`, { file: this.file, row: 0 });
    }
    return {
      file: this.file,
      delimiter,
      header: this.headerCells,
      rowCount,
      columns: this.store.build(),
      headerLine: this.headerLine,
      lineAnchors: this.lineAnchors,
    };
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
    this.headerLine = line;
    this.store = new ColumnStore(names, this.expectedLength, offset, this.chunkCapacity);
  }
}
