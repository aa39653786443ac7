/**
 * The fuzz harness (issue 15): seeded cases through the CSV reader and the spec parser and validator, each checked
 * against invariants. Used by test/unit/fuzz.test.ts (a few thousand cases) and scripts/fuzz.ts (any number).
 *
 * Invariants:
 *  - CSV: `parseCsv` and `readCsvFile` (at a random chunk size) accept exactly what the reference reader accepts
 *    (referenceCsv.ts) and refuse the rest with a UserInputError; an accepted table has the reference's delimiter,
 *    header, rows and cells, and every numeric cell is `Number()` of its text;
 *  - spec: `parseSpecText` and `validateSpecObject` never throw (they report problems in their result);
 *  - no case changes Object.prototype or Array.prototype, and none takes longer than the time bound.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, readCsvFile, type CsvTable } from '../../src/core/data/csv';
import { UserInputError } from '../../src/core/errors';
import { parseSpecText, validateSpecObject } from '../../src/core/spec/validate';
import { csvBytes, generateCsvText, generateSpecText, generateSpecValue, mutateText } from './generators';
import { caseSeed, Random } from './random';
import { isStrictNumber, referenceReadCsv, type ReferenceResult } from './referenceCsv';

export interface FuzzOptions {
  readonly cases: number;
  readonly seed: number;
  /** A case slower than this (ms) is a failure (a hang shows as one, or as the run never ending). */
  readonly timeBoundMs?: number;
  /** Called every 1000 cases. */
  readonly progress?: (done: number) => void;
  /** Called as each case starts (a watchdog in another thread can then name a case that never ends). */
  readonly onCase?: (index: number) => void;
}

export interface FuzzFailure {
  readonly index: number;
  /** Replays the case alone: `runFuzzCase(seed, dir)`. */
  readonly caseSeed: number;
  readonly message: string;
  readonly input?: string;
}

export interface FuzzReport {
  readonly cases: number;
  readonly failures: FuzzFailure[];
  readonly numericCells: number;
  readonly slowestMs: number;
  readonly elapsedMs: number;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), 'moe-fuzz-'));
  const failures: FuzzFailure[] = [];
  const bound = options.timeBoundMs ?? 5000;
  const prototypes = prototypeSnapshot();
  let numericCells = 0;
  let slowestMs = 0;
  const started = performance.now();
  try {
    for (let index = 0; index < options.cases; index++) {
      const seed = caseSeed(options.seed, index);
      options.onCase?.(index);
      const caseStart = performance.now();
      const outcome = await runFuzzCase(seed, dir);
      const ms = performance.now() - caseStart;
      slowestMs = Math.max(slowestMs, ms);
      numericCells += outcome.numericCells;
      const problems = [...outcome.problems];
      if (ms > bound) problems.push(`took ${ms.toFixed(0)} ms (bound ${bound} ms)`);
      const changed = prototypeSnapshot();
      if (changed !== prototypes) problems.push(`a prototype changed: ${changed}`);
      if (problems.length > 0) failures.push({ index, caseSeed: seed, message: problems.join('; '), input: outcome.input });
      if ((index + 1) % 1000 === 0) options.progress?.(index + 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { cases: options.cases, failures, numericCells, slowestMs, elapsedMs: performance.now() - started };
}

interface CaseOutcome {
  problems: string[];
  numericCells: number;
  input?: string;
}

/** One case from its seed: three in four are CSV files, the rest spec texts or values. */
export async function runFuzzCase(seed: number, dir: string): Promise<CaseOutcome> {
  const random = new Random(seed);
  const kind = random.int(0, 7);
  if (kind === 6) return specTextCase(generateSpecText(random));
  if (kind === 7) return specValueCase(generateSpecValue(random));
  let text = generateCsvText(random);
  if (random.chance(0.5)) text = mutateText(random, text);
  const bytes = csvBytes(random, text);
  const chunkSize = random.chance(0.5) ? random.pick([1, 2, 3, 4, 5, 7, 16, 64, 4096, 1 << 20]) : random.int(1, 300);
  return csvCase(bytes, chunkSize, join(dir, 'case.csv'));
}

type Attempt = { table: CsvTable } | { error: unknown };

async function csvCase(bytes: Uint8Array, chunkSize: number, path: string): Promise<CaseOutcome> {
  const decoded = decodeStrict(bytes);
  const input = JSON.stringify(decoded ?? Buffer.from(bytes).toString('latin1'));
  const expected: ReferenceResult = decoded === undefined ? { ok: false, reason: 'invalid UTF-8' } : referenceReadCsv(decoded);
  const problems: string[] = [];
  let numericCells = 0;
  const attempts: Array<[string, Attempt]> = [];
  if (decoded !== undefined) attempts.push(['parseCsv', attempt(() => parseCsv(decoded, 'fuzz.csv'))]);
  writeFileSync(path, bytes);
  attempts.push([`readCsvFile (chunks of ${chunkSize} B)`, await attemptAsync(() => readCsvFile(path, { chunkSize }))]);
  for (const [name, result] of attempts) {
    if ('error' in result) {
      if (!(result.error instanceof UserInputError)) problems.push(`${name} crashed: ${describe(result.error)}`);
      else if (expected.ok) problems.push(`${name} refused a valid file: ${result.error.message}`);
    } else if (!expected.ok) {
      problems.push(`${name} accepted a file the reference refuses (${expected.reason})`);
    } else {
      const found = tableProblems(result.table, expected);
      problems.push(...found.problems.map((p) => `${name}: ${p}`));
      numericCells += found.numericCells;
    }
  }
  return { problems, numericCells, input };
}

function tableProblems(table: CsvTable, expected: Extract<ReferenceResult, { ok: true }>): { problems: string[]; numericCells: number } {
  const problems: string[] = [];
  let numericCells = 0;
  if (table.delimiter !== expected.delimiter) problems.push(`delimiter ${JSON.stringify(table.delimiter)}, expected ${JSON.stringify(expected.delimiter)}`);
  if (JSON.stringify(table.header) !== JSON.stringify(expected.header)) problems.push(`header ${JSON.stringify(table.header)}, expected ${JSON.stringify(expected.header)}`);
  if (table.rowCount !== expected.rows.length) problems.push(`${table.rowCount} rows, expected ${expected.rows.length}`);
  if (problems.length > 0) return { problems, numericCells };
  table.columns.forEach((column, k) => {
    const cells = expected.rows.map((row) => row[k]);
    const numeric = cells.every((cell) => cell === '' || isStrictNumber(cell));
    if ((column.kind === 'numeric') !== numeric) {
      problems.push(`column ${k} is ${column.kind}, expected ${numeric ? 'numeric' : 'text'}`);
      return;
    }
    cells.forEach((cell, r) => {
      const where = `row ${r + 1}, column ${k}`;
      if (column.kind === 'numeric') {
        const want = cell === '' ? NaN : Number(cell);
        if (cell !== '') numericCells++;
        if (!Object.is(column.values[r], want)) problems.push(`${where}: ${column.values[r]}, expected Number(${JSON.stringify(cell)}) = ${want}`);
      } else {
        // Cells read before the column proved to be text are kept as their values' text.
        const got = column.text![r];
        const same = got === cell || (isStrictNumber(cell) && got === String(Number(cell)));
        if (!same) problems.push(`${where}: ${JSON.stringify(got)}, expected ${JSON.stringify(cell)}`);
      }
    });
    const empties = cells.filter((cell) => cell === '').length;
    if (column.emptyCount !== empties) problems.push(`column ${k}: ${column.emptyCount} empty cells, expected ${empties}`);
  });
  return { problems, numericCells };
}

function specTextCase(text: string): CaseOutcome {
  const result = attempt(() => parseSpecText(text, 'fuzz.moe.json'));
  const problems = 'error' in result ? [`parseSpecText threw: ${describe(result.error)}`] : [];
  return { problems, numericCells: 0, input: JSON.stringify(text) };
}

function specValueCase(value: unknown): CaseOutcome {
  const result = attempt(() => validateSpecObject(value));
  const problems = 'error' in result ? [`validateSpecObject threw: ${describe(result.error)}`] : [];
  return { problems, numericCells: 0, input: safeJson(value) };
}

function attempt<T>(fn: () => T): { table: T } | { error: unknown } {
  try {
    return { table: fn() };
  } catch (error) {
    return { error };
  }
}

async function attemptAsync<T>(fn: () => Promise<T>): Promise<{ table: T } | { error: unknown }> {
  try {
    return { table: await fn() };
  } catch (error) {
    return { error };
  }
}

function decodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The own properties of the shared prototypes, and whether a plain object sees a stray one. */
function prototypeSnapshot(): string {
  const probe = {} as Record<string, unknown>;
  return JSON.stringify([
    Object.getOwnPropertyNames(Object.prototype).sort(),
    Object.getOwnPropertyNames(Array.prototype).sort(),
    probe.polluted === undefined,
  ]);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol' ? String(v) : v)) ?? String(value);
  } catch {
    return '(unprintable)';
  }
}
