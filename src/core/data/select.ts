/**
 * From a CSV table to the numeric `Dataset` the solvers use: column selection, row checks, the target's family and
 * classes, a seeded train/test split and standardization with training statistics only (so that nothing about the
 * test rows leaks into the fit).
 *
 * Browser-safe: from `csv/` only types and the resizable-buffer helpers (growableValues.ts, no Node API).
 */
import { UserInputError } from '../errors';
import { throwIfInterrupted } from '../interrupt';
import { canShrinkInPlace, shrinkValues } from './csv/growableValues';
import { Random } from '../random';
import type { Dataset, ExpertFamily, Standardization } from './dataset';
import type { CsvColumn, CsvColumnKind, CsvTable } from './csv';

export interface SplitOptions {
  /** Standardize the features with training-row mean and population sd (default true). */
  readonly standardize?: boolean;
  /** Fraction of rows held out, in [0, 1) (default 0: no test set). */
  readonly testFraction?: number;
  readonly splitSeed?: number;
}

export interface BuildDatasetOptions extends SplitOptions {
  readonly target: string;
  /** Default: every numeric (or mostly numeric) column except the target. */
  readonly features?: readonly string[];
  readonly family?: ExpertFamily | 'auto';
  /**
   * Drop rows with a missing or non-numeric feature or target cell instead of failing (for a text target, only an
   * empty cell is missing). Missing: empty, or one of {@link MISSING_MARKERS} in a column of numbers.
   */
  readonly dropInvalidRows?: boolean;
  /**
   * The caller reads the table only to build the dataset: each feature column's values are released (the column
   * is left with 0 values) once copied into X, so the reader's columns and X are not both kept through the fit.
   * Default false: the table stays usable.
   */
  readonly releaseColumns?: boolean;
}

export interface SplitDatasets {
  readonly train: Dataset;
  readonly test?: Dataset;
  /** For each training row, its 0-based index in the source (for a CSV, data row = index + 1). */
  readonly trainIndex: Int32Array;
  readonly testIndex?: Int32Array;
  readonly warnings: string[];
}

export interface BuiltDataset extends SplitDatasets {
  readonly family: ExpertFamily;
  readonly droppedRows: number;
}

export interface DatasetNames {
  readonly features: readonly string[];
  readonly target: string;
  readonly classes?: readonly string[];
}

/** Above this many classes a categorical target is probably a mistake (an id or a real-valued column). */
const MANY_CLASSES = 50;

/**
 * Cells that mean "no value" in a column of numbers, as an empty cell does: R writes `NA` (and `NaN`), JSON-minded
 * exports write `null`. Without this, one `NA` made a numeric target a text column with an "NA" class. In a target
 * that holds text they stay text (a class may be called "NA"); features are always numbers.
 */
const MISSING_MARKERS: ReadonlySet<string> = new Set(['', 'NA', 'NaN', 'null']);

export function buildDataset(table: CsvTable, options: BuildDatasetOptions): BuiltDataset {
  const target = findColumn(table, options.target, 'target');
  const warnings: string[] = [];
  const features = selectFeatures(table, target, options.features, warnings);
  const requested = options.family ?? 'auto';
  if (requested === 'gaussian' && target.emptyCount + target.nonNumericCount === table.rowCount) {
    rejectNonNumericColumn(table, target, 'be the target of gaussian experts');
  }
  const numericTarget = requested === 'gaussian' || cellsOf(target).numeric;
  const { keep, dropped, firstProblem } = checkRows(table, features, target, numericTarget);
  if (dropped > 0) {
    if (!options.dropInvalidRows) throw withDropHint(firstProblem!, dropped);
    if (dropped === table.rowCount) {
      throw new UserInputError(`${table.file}: every row has a missing or non-numeric value; no rows are left`, {
        file: table.file,
      });
    }
    warnings.push(`dropped ${dropped} of ${table.rowCount} rows with missing or non-numeric values ` +
      `(first: ${firstProblem!.message.replace(`${table.file}: `, '')})`);
  }
  rejectHugeValues(table, numericTarget ? [...features, target] : features);
  const encoded = encodeTarget(table, target, keep, requested, numericTarget);
  const release = options.releaseColumns ? (j: number) => releaseValues(features[j]) : undefined;
  const split = splitAndAssemble(
    features.map((column) => column.values),
    encoded.y,
    keep,
    { features: features.map((column) => column.name), target: target.name, classes: encoded.classes },
    options,
    release,
  );
  if (options.releaseColumns) releaseValues(target);
  return { ...split, warnings: [...warnings, ...encoded.warnings, ...split.warnings], family: encoded.family, droppedRows: dropped };
}

/**
 * The same split and standardization for data given as arrays (the synthetic generator).
 * `X` is n × d row-major without the intercept; `y` is already encoded.
 */
export function datasetFromArrays(
  X: Float64Array,
  y: Float64Array,
  names: DatasetNames,
  options: SplitOptions = {},
): SplitDatasets {
  const n = y.length;
  const d = names.features.length;
  if (X.length !== n * d) throw new Error(`datasetFromArrays: X has ${X.length} values, expected ${n} × ${d}`);
  const columns = Array.from({ length: d }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const base = i * d;
    for (let j = 0; j < d; j++) columns[j][i] = X[base + j];
  }
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  return splitAndAssemble(columns, y, all, names, options, (j) => (columns[j] = RELEASED)); // these are ours: free them as copied
}

/** Mean and population sd of each column over `rows`; a constant column gets scale 1 (it stays constant). */
export function computeStandardization(columns: readonly Float64Array[], rows: Int32Array): Standardization {
  const d = columns.length;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const { mean: m, sd } = columnMoments(columns[j], rows);
    mean[j] = m;
    scale[j] = sd > 0 && Number.isFinite(sd) ? sd : 1;
  }
  return { mean, scale };
}

/**
 * Design matrix for raw rows (n × d, row-major, no intercept): standardized with `standardization` when given,
 * the intercept 1 appended last. For predicting on new data with a fitted dataset's statistics.
 */
export function standardizeRows(raw: Float64Array, d: number, standardization?: Standardization): Float64Array {
  const n = d === 0 ? 0 : raw.length / d;
  const p = d + 1;
  const X = new Float64Array(n * p);
  const { mean, inverseScale } = affine(d, standardization);
  for (let i = 0; i < n; i++) {
    const from = i * d;
    const to = i * p;
    for (let j = 0; j < d; j++) X[to + j] = (raw[from + j] - mean[j]) * inverseScale[j];
    X[to + d] = 1;
  }
  return X;
}

/** Classes in a stable natural order: `item2` before `item10`, independent of the machine's locale. */
export function naturalCompare(a: string, b: string): number {
  const order = a.localeCompare(b, 'en', { numeric: true });
  if (order !== 0) return order;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The candidate closest to `name` by edit distance, if it is close enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const distance = other.startsWith(lower) || lower.startsWith(other) ? 0.5 : editDistance(lower, other);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Columns

function findColumn(table: CsvTable, name: string, role: 'target' | 'feature'): CsvColumn {
  const column = table.columns.find((c) => c.name === name);
  if (column) return column;
  const suggestion = closestName(name, table.header);
  const hint = suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`;
  throw new UserInputError(
    `${table.file}: unknown ${role} column ${JSON.stringify(name)}${hint}; ` +
      `the columns are ${table.header.map((h) => JSON.stringify(h)).join(', ')}`,
    { file: table.file, column: name },
  );
}

/** Numbers and missing cells only, or more than half of its non-missing cells are numbers. */
export function isMostlyNumeric(column: CsvColumn, rowCount: number): boolean {
  const cells = cellsOf(column);
  return cells.numeric || cells.textCount * 2 < rowCount - cells.missingCount;
}

/**
 * The column's kind as {@link buildDataset} sees it: `numeric` when every cell is a number or missing (the reader's
 * `kind` calls a column with one `NA` text). For previews that must agree with the fit.
 */
export function datasetColumnKind(column: CsvColumn): CsvColumnKind {
  return cellsOf(column).numeric ? 'numeric' : 'text';
}

/** A column's cells as the dataset sees them: numbers, missing ones, and text. */
interface ColumnCells {
  /** Every cell is a number or missing: a column of numbers with missing values. */
  readonly numeric: boolean;
  /** Empty cells and the other {@link MISSING_MARKERS}. */
  readonly missingCount: number;
  /** Cells that are neither numbers nor missing. */
  readonly textCount: number;
  /** First data row (1-based) of such a cell. */
  readonly firstTextRow?: number;
}

const columnCells = new WeakMap<CsvColumn, ColumnCells>();

/**
 * The reader types a column by its cells alone (one `NA` makes it text); here the missing markers are told apart
 * from text. Only the reader's text columns are scanned, once each.
 */
function cellsOf(column: CsvColumn): ColumnCells {
  if (column.kind === 'numeric') return { numeric: true, missingCount: column.emptyCount, textCount: 0 };
  let cells = columnCells.get(column);
  if (!cells) {
    const { values, text } = column;
    let markers = 0;
    let textCount = 0;
    let firstTextRow: number | undefined;
    for (let r = 0; r < values.length; r++) {
      if (values[r] === values[r]) continue;
      if (MISSING_MARKERS.has(text![r])) markers++;
      else if (textCount++ === 0) firstTextRow = r + 1;
    }
    cells = { numeric: textCount === 0, missingCount: markers, textCount, firstTextRow };
    columnCells.set(column, cells);
  }
  return cells;
}

/**
 * Spellings of non-finite numbers that `Number()` or other tools write: they look like numbers, so a column of them
 * left out of the features is worth a word (a column of names is left out without one).
 */
const NON_FINITE_SPELLING = /^\s*[+-]?(?:inf(?:inity)?|nan)\s*$/i;

/**
 * Why a column that looks numeric is not a usable feature, or undefined: every cell missing, or every cell that is
 * not missing spells a non-finite number (`Infinity`, `-inf`, `nan`).
 */
function unusableNumericLook(table: CsvTable, column: CsvColumn): string | undefined {
  const cells = cellsOf(column);
  if (cells.missingCount === table.rowCount) return 'every cell is missing (empty, NA, NaN or null)';
  if (cells.numeric || column.text === undefined) return undefined;
  const { values, text } = column;
  let example: string | undefined;
  for (let r = 0; r < values.length; r++) {
    if (values[r] === values[r]) return undefined; // a number: the column is a feature with some bad cells
    if (MISSING_MARKERS.has(text[r])) continue;
    if (!NON_FINITE_SPELLING.test(text[r])) return undefined;
    example ??= text[r];
  }
  return `its cells are ${JSON.stringify(example)} or missing, and features must be finite numbers`;
}

function selectFeatures(
  table: CsvTable,
  target: CsvColumn,
  names: readonly string[] | undefined,
  warnings: string[],
): CsvColumn[] {
  if (names === undefined) {
    // A column that is mostly numbers with a few bad cells is still meant as a feature: select it, so the bad
    // cells are reported by row and column instead of the column silently disappearing from the model. A column
    // with no usable number at all is left out, with a warning when it looks numeric (all NaN, all Infinity).
    const numeric: CsvColumn[] = [];
    for (const column of table.columns) {
      if (column === target) continue;
      const unusable = unusableNumericLook(table, column);
      if (unusable !== undefined) {
        warnings.push(`${table.file}: column ${JSON.stringify(column.name)} is left out of the features: ${unusable}`);
      } else if (isMostlyNumeric(column, table.rowCount)) numeric.push(column);
    }
    if (numeric.length === 0) {
      throw new UserInputError(
        `${table.file}: no numeric feature columns besides the target ${JSON.stringify(target.name)}` +
          warnings.map((warning) => `; ${warning.replace(`${table.file}: `, '')}`).join('') +
          '; list the features explicitly or fix the non-numeric cells',
        { file: table.file },
      );
    }
    return numeric;
  }
  const seen = new Set<string>();
  return names.map((name) => {
    const column = findColumn(table, name, 'feature');
    if (column === target) {
      throw new UserInputError(`${table.file}: column ${JSON.stringify(name)} is the target; it cannot also be a feature`, {
        file: table.file,
        column: name,
      });
    }
    if (seen.has(name)) {
      throw new UserInputError(`${table.file}: feature column ${JSON.stringify(name)} is listed twice`, {
        file: table.file,
        column: name,
      });
    }
    seen.add(name);
    if (column.emptyCount + column.nonNumericCount === table.rowCount) rejectNonNumericColumn(table, column);
    return column;
  });
}

/** A column with no number at all: dropping rows cannot help, so say so whatever dropInvalidRows is. */
function rejectNonNumericColumn(table: CsvTable, column: CsvColumn, role = 'be a feature'): never {
  const row = cellsOf(column).firstTextRow;
  const detail = row !== undefined
    ? `it holds text (row ${row}: ${JSON.stringify(column.text![row - 1])})`
    : column.emptyCount === table.rowCount ? 'every cell is empty' : 'every cell is missing (empty, NA, NaN or null)';
  throw new UserInputError(`${table.file}: column ${JSON.stringify(column.name)} cannot ${role}: ${detail}`, {
    file: table.file,
    column: column.name,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Rows

interface RowCheck {
  /** Source rows kept, 0-based, ascending. */
  readonly keep: Int32Array;
  readonly dropped: number;
  readonly firstProblem?: UserInputError;
}

/**
 * Marks rows with a missing or non-numeric feature, or a missing target: any cell that is not a number when the
 * target is numeric (a column of numbers and missing cells, or gaussian experts asked for), an empty one otherwise.
 */
function checkRows(table: CsvTable, features: CsvColumn[], target: CsvColumn, numericTarget: boolean): RowCheck {
  const n = table.rowCount;
  const bad = new Uint8Array(n);
  for (const column of features) {
    throwIfInterrupted();
    markNaN(column.values, bad);
  }
  if (numericTarget) markNaN(target.values, bad);
  else if (target.emptyCount > 0) markEmpty(target, bad);
  let dropped = 0;
  let first = -1;
  for (let r = 0; r < n; r++) {
    if (bad[r]) {
      dropped++;
      if (first < 0) first = r;
    }
  }
  const keep = new Int32Array(n - dropped);
  for (let r = 0, k = 0; r < n; r++) if (!bad[r]) keep[k++] = r;
  if (first < 0) return { keep, dropped };
  return { keep, dropped, firstProblem: describeBadRow(table, first, features, target, numericTarget) };
}

/** The first problem, plus what to do about all of them. */
function withDropHint(problem: UserInputError, dropped: number): UserInputError {
  const rows = dropped === 1 ? '1 row has' : `${dropped} rows have`;
  return new UserInputError(
    `${problem.message} (${rows} missing or non-numeric values; fix them, or drop those rows with --drop-invalid-rows or, ` +
      'in a spec, data.dropInvalidRows)',
    problem.location,
  );
}

/**
 * Above this magnitude a cell is refused: squares and sums of squares (variances, X'WX, residuals) would overflow to
 * Infinity somewhere in the fit, which then fails far from the cause. No measured quantity needs more in its units.
 */
export const MAX_ABS_VALUE = 1e100;

/** A user error at the first cell whose magnitude exceeds {@link MAX_ABS_VALUE}, suggesting a scale for its column. */
function rejectHugeValues(table: CsvTable, columns: readonly CsvColumn[]): void {
  for (const column of columns) {
    const { values } = column;
    for (let r = 0; r < values.length; r++) {
      if (!(Math.abs(values[r]) > MAX_ABS_VALUE)) continue; // NaN (a dropped row) passes
      const row = r + 1;
      const divisor = `1e${Math.floor(Math.log10(Math.abs(values[r])))}`;
      throw new UserInputError(
        `${table.file}: ${rowLabel(table, row)}, column ${JSON.stringify(column.name)}: ${column.text?.[r] ?? values[r]} is too ` +
          `large to fit (magnitudes above ${MAX_ABS_VALUE} overflow); scale the column, e.g. divide it by ${divisor}`,
        { file: table.file, row, column: column.name },
      );
    }
  }
}

function markNaN(values: Float64Array, bad: Uint8Array): void {
  for (let r = 0; r < values.length; r++) if (values[r] !== values[r]) bad[r] = 1;
}

function markEmpty(column: CsvColumn, bad: Uint8Array): void {
  const { values, text } = column;
  for (let r = 0; r < values.length; r++) {
    if (values[r] !== values[r] && (!text || text[r] === '')) bad[r] = 1;
  }
}

function describeBadRow(
  table: CsvTable,
  r: number,
  features: CsvColumn[],
  target: CsvColumn,
  numericTarget: boolean,
): UserInputError {
  const row = r + 1;
  const candidates = numericTarget ? [...features, target] : features;
  const column = candidates.find((c) => c.values[r] !== c.values[r]) ?? target;
  const cell = column.text?.[r] ?? '';
  const marker = cell === '' ? 'empty cell' : cell;
  const problem = MISSING_MARKERS.has(cell)
    ? (column === target ? `the target is missing (${marker})` : `missing value (${marker})`)
    : `${JSON.stringify(cell)} is not a number`;
  return new UserInputError(
    `${table.file}: ${rowLabel(table, row)}, column ${JSON.stringify(column.name)}: ${problem}`,
    { file: table.file, row, column: column.name },
  );
}

/** "row 12", plus the physical line when a multi-line cell or a blank line makes it differ from row + 1. */
function rowLabel(table: CsvTable, row: number): string {
  const anchors = table.lineAnchors;
  let line = row + table.headerLine;
  for (let k = 0; k + 1 < anchors.length && anchors[k] <= row; k += 2) line = anchors[k + 1] + (row - anchors[k]);
  return line === row + 1 ? `row ${row}` : `row ${row} (line ${line})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Target

interface EncodedTarget {
  /** Per source row (only kept rows are meaningful): the real value or the class index. */
  readonly y: Float64Array;
  readonly family: ExpertFamily;
  readonly classes?: readonly string[];
  readonly warnings: string[];
}

function encodeTarget(
  table: CsvTable,
  target: CsvColumn,
  keep: Int32Array,
  requested: ExpertFamily | 'auto',
  numericTarget: boolean,
): EncodedTarget {
  if (requested === 'gaussian') return { y: target.values, family: 'gaussian', warnings: [] };
  if (!numericTarget) return encodeTextClasses(table, target, keep, requested);
  if (requested === 'auto' && !isZeroOne(target.values, keep)) {
    return { y: target.values, family: 'gaussian', warnings: classCodeWarning(target, keep) };
  }
  return encodeNumericClasses(table, target, keep, requested === 'auto' ? 'bernoulli' : requested);
}

/** At most this many distinct integer values in a numeric target look like class codes. */
const CLASS_CODE_LIMIT = 10;

/**
 * A numeric target with a handful of distinct integers (0/1/2 for three classes, as scikit-learn ships Wine) is
 * fitted as a regression when nothing says otherwise; say so, and how to fit classes instead.
 */
function classCodeWarning(target: CsvColumn, keep: Int32Array): string[] {
  const distinct = new Set<number>();
  for (let k = 0; k < keep.length; k++) {
    const v = target.values[keep[k]];
    if (!Number.isInteger(v)) return [];
    distinct.add(v);
    if (distinct.size > CLASS_CODE_LIMIT) return [];
  }
  if (distinct.size < 2 || keep.length < 3 * distinct.size) return [];
  const values = [...distinct].sort((a, b) => a - b);
  return [
    `the target "${target.name}" has only ${values.length} distinct values, all integers (${values.join(', ')}): if they are class codes, fit classifier experts with --expert categorical (in a spec, "model": { "expert": "categorical" }); they are fitted as numbers with gaussian experts now`,
  ];
}

function isZeroOne(values: Float64Array, keep: Int32Array): boolean {
  for (let k = 0; k < keep.length; k++) {
    const v = values[keep[k]];
    if (v !== 0 && v !== 1) return false;
  }
  return true;
}

function encodeTextClasses(
  table: CsvTable,
  target: CsvColumn,
  keep: Int32Array,
  requested: 'bernoulli' | 'categorical' | 'auto',
): EncodedTarget {
  const text = target.text!;
  const distinct = new Set<string>();
  for (let k = 0; k < keep.length; k++) distinct.add(text[keep[k]]);
  const classes = [...distinct].sort(naturalCompare);
  const family = checkClassCount(table, target, classes, requested);
  const index = new Map(classes.map((name, i) => [name, i]));
  const y = new Float64Array(table.rowCount);
  for (let k = 0; k < keep.length; k++) y[keep[k]] = index.get(text[keep[k]])!;
  return { y, family, classes, warnings: classWarnings(target, classes) };
}

/** An explicit classification family on a numeric column: its distinct values are the classes, in numeric order. */
function encodeNumericClasses(
  table: CsvTable,
  target: CsvColumn,
  keep: Int32Array,
  requested: 'bernoulli' | 'categorical',
): EncodedTarget {
  const values = target.values;
  const distinct = new Set<number>();
  for (let k = 0; k < keep.length; k++) distinct.add(values[keep[k]]);
  const sorted = [...distinct].sort((a, b) => a - b);
  const classes = sorted.map((v) => String(v));
  const family = checkClassCount(table, target, classes, requested);
  const index = new Map(sorted.map((v, i) => [v, i]));
  const y = new Float64Array(table.rowCount);
  for (let k = 0; k < keep.length; k++) y[keep[k]] = index.get(values[keep[k]])!;
  return { y, family, classes, warnings: classWarnings(target, classes) };
}

function checkClassCount(
  table: CsvTable,
  target: CsvColumn,
  classes: string[],
  requested: 'bernoulli' | 'categorical' | 'auto',
): ExpertFamily {
  const name = JSON.stringify(target.name);
  const listed = classes.slice(0, 10).map((c) => JSON.stringify(c)).join(', ') + (classes.length > 10 ? ', …' : '');
  const fail = (message: string): never => {
    throw new UserInputError(`${table.file}: target ${name} ${message}`, { file: table.file, column: target.name });
  };
  if (classes.length < 2) fail(`has a single class (${listed}); a classifier needs at least 2`);
  if (requested === 'bernoulli' && classes.length !== 2) {
    fail(`has ${classes.length} classes (${listed}); bernoulli experts need exactly 2 — use categorical`);
  }
  if (requested === 'auto') return classes.length === 2 ? 'bernoulli' : 'categorical';
  return requested;
}

function classWarnings(target: CsvColumn, classes: readonly string[]): string[] {
  if (classes.length <= MANY_CLASSES) return [];
  return [`target ${JSON.stringify(target.name)} has ${classes.length} classes; if it is a real-valued quantity, ` +
    'choose gaussian experts'];
}

// ---------------------------------------------------------------------------------------------------------------
// Split and standardization

/** The values of a column that has been copied into a dataset and released ({@link BuildDatasetOptions.releaseColumns}). */
const RELEASED = new Float64Array(0);

/** Drops the column's values; the reader's resizable buffers give their memory back at once (growableValues.ts). */
function releaseValues(column: CsvColumn): void {
  shrinkValues(column.values, 0);
  (column as { values: Float64Array }).values = RELEASED;
}

/** Source rows per block when X is filled from the end while the columns shrink behind it. */
const RELEASE_BLOCK_ROWS = 1 << 16;

/**
 * Fills the design matrices from the last source row to the first, a block of rows at a time, shrinking every column
 * to the rows not yet copied after each block: the columns' memory goes back as fast as X's is written, so the two
 * are never both whole (X's pages become resident only as they are written). `parts[part][i]` is the source row of
 * row i of `matrices[part]`, ascending. Afterwards the columns are empty.
 */
function fillFromEnd(
  matrices: Float64Array[],
  parts: readonly Int32Array[],
  columns: Float64Array[],
  mean: Float64Array,
  inverseScale: Float64Array,
): void {
  const d = columns.length;
  const p = d + 1;
  const next = parts.map((index) => index.length - 1);
  for (let end = d === 0 ? 0 : columns[0].length; end > 0; ) {
    throwIfInterrupted();
    const start = Math.max(0, end - RELEASE_BLOCK_ROWS);
    parts.forEach((index, part) => {
      const X = matrices[part];
      let i = next[part];
      for (; i >= 0 && index[i] >= start; i--) {
        const source = index[i];
        const to = i * p;
        for (let j = 0; j < d; j++) X[to + j] = (columns[j][source] - mean[j]) * inverseScale[j];
        X[to + d] = 1;
      }
      next[part] = i;
    });
    for (let j = 0; j < d; j++) columns[j] = shrinkValues(columns[j], start);
    end = start;
  }
  // Without feature columns (d = 0) only the intercept is left to write.
  if (d === 0) matrices.forEach((X) => X.fill(1));
}

/**
 * `release(j)`, when given, is called once column j is in every dataset: the caller drops its own reference, and
 * `columns` (a copy) drops this one, so the column can be collected before the next one is copied.
 */
function splitAndAssemble(
  columnsIn: readonly Float64Array[],
  y: Float64Array,
  rows: Int32Array,
  names: DatasetNames,
  options: SplitOptions,
  release?: (j: number) => void,
): SplitDatasets {
  const columns = [...columnsIn];
  const testFraction = options.testFraction ?? 0;
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new UserInputError(`testFraction must be in [0, 1) (got ${testFraction})`);
  }
  const warnings: string[] = [];
  const { trainIndex, testIndex } = splitRows(rows, testFraction, options.splitSeed ?? 0);
  if (trainIndex.length === 0) {
    throw new UserInputError(`no training rows: testFraction ${testFraction} holds out all ${rows.length} rows`);
  }
  if (testFraction > 0 && testIndex.length === 0) {
    warnings.push(`testFraction ${testFraction} of ${rows.length} rows rounds to 0 rows: there is no test set`);
  }
  const moments = columns.map((column) => columnMoments(column, trainIndex));
  moments.forEach((m, j) => {
    if (!(m.sd > 0)) warnings.push(`feature ${JSON.stringify(names.features[j])} is constant on the training rows`);
  });
  const standardization = (options.standardize ?? true) ? computeStandardization(columns, trainIndex) : undefined;
  const parts = testIndex.length > 0 ? [trainIndex, testIndex] : [trainIndex];
  const { mean, inverseScale } = affine(columns.length, standardization);
  if (release && columns.length > 0 && columns.every(canShrinkInPlace)) {
    // The reader's columns, ours to release: X grows as they shrink (the peak is about one copy of the numbers).
    const matrices = parts.map((index) => new Float64Array(index.length * (columns.length + 1)));
    fillFromEnd(matrices, parts, columns, mean, inverseScale);
    columns.forEach((_, j) => release(j));
    const [train, test] = parts.map((index, part) => dataset(matrices[part], y, index, names, standardization));
    return { train, ...(test ? { test, testIndex } : {}), trainIndex, warnings };
  }
  const matrices = parts.map((index) => designMatrix(index.length, columns.length));
  for (let j = 0; j < columns.length; j++) {
    throwIfInterrupted(); // one column of a large table takes a while: Ctrl-C is seen between columns
    parts.forEach((index, part) => copyColumn(matrices[part], columns.length + 1, j, columns[j], index, mean[j], inverseScale[j]));
    columns[j] = RELEASED;
    release?.(j);
  }
  const [train, test] = parts.map((index, part) => dataset(matrices[part], y, index, names, standardization));
  return {
    train,
    ...(test ? { test, testIndex } : {}),
    trainIndex,
    warnings,
  };
}

/** Seeded shuffle; the first round(f·n) shuffled rows are the test set. Each part keeps the source's row order. */
function splitRows(rows: Int32Array, testFraction: number, seed: number): { trainIndex: Int32Array; testIndex: Int32Array } {
  const nTest = Math.round(testFraction * rows.length);
  if (nTest === 0) return { trainIndex: rows.slice(), testIndex: new Int32Array(0) };
  const shuffled = rows.slice();
  new Random(seed).shuffle(shuffled);
  return { trainIndex: shuffled.slice(nTest).sort(), testIndex: shuffled.slice(0, nTest).sort() };
}

/** n × (d + 1) row-major, the intercept column (last) already 1. */
function designMatrix(n: number, d: number): Float64Array {
  const p = d + 1;
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) X[i * p + d] = 1;
  return X;
}

function copyColumn(X: Float64Array, p: number, j: number, column: Float64Array, index: Int32Array, mean: number, inverseScale: number): void {
  for (let i = 0; i < index.length; i++) X[i * p + j] = (column[index[i]] - mean) * inverseScale;
}

function dataset(
  X: Float64Array,
  yAll: Float64Array,
  index: Int32Array,
  names: DatasetNames,
  standardization: Standardization | undefined,
): Dataset {
  const n = index.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = yAll[index[i]];
  return {
    X,
    y,
    n,
    p: names.features.length + 1,
    featureNames: [...names.features],
    targetName: names.target,
    ...(names.classes ? { classes: [...names.classes] } : {}),
    ...(standardization ? { standardization } : {}),
  };
}

function affine(d: number, standardization?: Standardization): { mean: Float64Array; inverseScale: Float64Array } {
  const mean = new Float64Array(d);
  const inverseScale = new Float64Array(d).fill(1);
  if (standardization) {
    mean.set(standardization.mean);
    for (let j = 0; j < d; j++) inverseScale[j] = 1 / standardization.scale[j];
  }
  return { mean, inverseScale };
}

/** Two-pass mean and population sd (the second pass avoids the cancellation of Σx² − n·mean²). */
function columnMoments(column: Float64Array, rows: Int32Array): { mean: number; sd: number } {
  const n = rows.length;
  if (n === 0) return { mean: 0, sd: 0 };
  let sum = 0;
  for (let k = 0; k < n; k++) sum += column[rows[k]];
  const mean = sum / n;
  let squares = 0;
  for (let k = 0; k < n; k++) {
    const delta = column[rows[k]] - mean;
    squares += delta * delta;
  }
  return { mean, sd: Math.sqrt(squares / n) };
}

/** Edit distance where swapping two neighbours counts as one edit (typos like "sede" for "seed"). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j], before[j - 2] + 1);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length];
}
