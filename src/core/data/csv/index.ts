/**
 * CSV reading (DESIGN §4–5): a header row, then data rows; RFC-4180 quoting; the delimiter (comma, semicolon or
 * tab) detected from the header line. The result is a {@link CsvTable}: one `Float64Array` per column, and the
 * strings only of the columns that turn out to hold text.
 *
 * The reader streams, one stage per file, each readable on its own:
 *
 *   readCsv.ts       entry points: `parseCsv` (text in memory) and `readCsvFile` (a file, in 1 MiB chunks)
 *   utf8.ts          strict UTF-8 decoding chunk by chunk; an ASCII chunk passes as its bytes
 *   reader.ts        byte-order mark, header buffering and delimiter detection (delimiter.ts), then the parser
 *   recordParser.ts  the grammar: a state machine carried across chunks, with a fast entry for numeric cells
 *     decimal.ts       strict decimal numbers read in place, bit-identical to `Number()`
 *     plainCells.ts    the plainest numeric cells, a row at a time, by a small WebAssembly function
 *   recordSink.ts    what the parser hands cells and records to
 *   tableBuilder.ts  header checks, ragged rows, the row → line map
 *   columnStore.ts   the stage rows are written to, copied into the columns a block at a time; column growth
 *   columnBuilder.ts one column: values, text once it proves to be text, counts of empty and non-numeric cells
 *   table.ts         the result's types and `csvLineOfRow`
 *
 * Speed (docs/wide-data.md): plain numeric cells skip the state machine, rows are staged and copied into the
 * columns a block at a time, and the columns are sized from the file's size. `scripts/benchCsvRead.ts` measures it.
 */
export { parseCsv, readCsvFile, type ReadCsvOptions } from './readCsv';
export { csvLineOfRow, type CsvColumn, type CsvColumnKind, type CsvTable } from './table';
export { MAX_CELL_LENGTH } from './recordParser';
export { parseStrictNumber } from './decimal';
export { firstInvalidUtf8 } from './utf8';
