/**
 * A quick look at a CSV for the Fit wizard: the header and the kind of each column, from the first megabyte only
 * (the run itself reads the whole file in the worker). No VS Code import.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseCsv } from '../../core/data/csv';
import type { ExpertFamily } from '../../core/data/dataset';
import { datasetColumnKind } from '../../core/data/select';

export interface ColumnPreview {
  readonly name: string;
  readonly kind: 'numeric' | 'text';
  /** Distinct non-empty values in the sample (counting stops above 50). */
  readonly distinct: number;
  /** Numeric column whose sampled values are all 0 or 1. */
  readonly zeroOne: boolean;
  /** Numeric column whose sampled values are all integers. */
  readonly integers: boolean;
}

export interface CsvPreview {
  readonly file: string;
  readonly columns: readonly ColumnPreview[];
  readonly sampledRows: number;
  /** The sample is the whole file. */
  readonly complete: boolean;
}

const SAMPLE_BYTES = 1024 * 1024;
const DISTINCT_LIMIT = 50;

export async function previewCsv(file: string): Promise<CsvPreview> {
  const handle = await fs.open(file, 'r');
  let text: string;
  let complete: boolean;
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    complete = bytesRead >= size;
    text = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  if (!complete) {
    const cut = text.lastIndexOf('\n');
    if (cut > 0) text = text.slice(0, cut + 1);
  }
  const table = parseCsv(text, path.basename(file));
  const columns = table.columns.map((column): ColumnPreview => {
    const kind = datasetColumnKind(column); // NA, NaN and null in a column of numbers are missing, as in the fit
    const distinct = new Set<string>();
    let zeroOne = kind === 'numeric';
    let integers = kind === 'numeric';
    for (let row = 0; row < table.rowCount; row++) {
      if (kind === 'numeric') {
        const value = column.values[row];
        if (Number.isNaN(value)) continue;
        if (value !== 0 && value !== 1) zeroOne = false;
        if (!Number.isInteger(value)) integers = false;
        if (distinct.size <= DISTINCT_LIMIT) distinct.add(String(value));
      } else {
        const cell = column.text?.[row] ?? '';
        if (cell !== '' && distinct.size <= DISTINCT_LIMIT) distinct.add(cell);
      }
    }
    return { name: column.name, kind, distinct: distinct.size, zeroOne: zeroOne && distinct.size > 0, integers };
  });
  return { file, columns, sampledRows: table.rowCount, complete };
}

/** The family `auto` would choose for this target (the same rule as the core: text or 0/1 → classes, else gaussian). */
export function inferFamily(column: ColumnPreview): ExpertFamily {
  if (column.kind === 'text') return column.distinct === 2 ? 'bernoulli' : 'categorical';
  return column.zeroOne ? 'bernoulli' : 'gaussian';
}

/** Families that make sense for the target, the inferred one first. */
export function compatibleFamilies(column: ColumnPreview): ExpertFamily[] {
  const inferred = inferFamily(column);
  const options: ExpertFamily[] = [inferred];
  const add = (family: ExpertFamily) => {
    if (!options.includes(family)) options.push(family);
  };
  if (column.kind === 'text') {
    add('categorical');
  } else {
    add('gaussian');
    if (column.distinct === 2) add('bernoulli');
    if (column.integers && column.distinct >= 2 && column.distinct <= DISTINCT_LIMIT) add('categorical');
  }
  return options;
}
