/**
 * What New Experiment (and Fit Mixture of Experts…) offer first: the workspace's own data files, not the CSVs that
 * MoE Lab wrote (a run's traces.csv is not data to fit), in an order a person scans (shallow paths first, then by
 * name), and a target column that is most likely the one to predict. No VS Code import (tested in plain Node).
 */
import * as path from 'node:path';
import type { ColumnPreview } from '../fit/csvPreview';

/**
 * True for a CSV that MoE Lab or a tool wrote, not data: anything inside the results folder (absolute), in a
 * hidden folder of the workspace (`.moe-lab/`, `.git/`, `.venv/`) or in node_modules.
 */
export function isGeneratedCsv(file: string, workspaceRoot: string, resultsRoot: string): boolean {
  if (isInside(file, resultsRoot)) return true;
  const relative = path.relative(workspaceRoot, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const folders = relative.split(path.sep).slice(0, -1);
  return folders.some((folder) => folder.startsWith('.') || folder === 'node_modules');
}

/** Data files in the order they are offered: fewer folders deep first, then by path (numbers in natural order). */
export function orderDataFiles<T extends { readonly relativePath: string }>(files: readonly T[]): T[] {
  const depth = (file: T) => file.relativePath.split(/[\\/]/).length;
  return [...files].sort((a, b) => depth(a) - depth(b) || a.relativePath.localeCompare(b.relativePath, undefined, { numeric: true, sensitivity: 'base' }));
}

/** Column names that say "this is what to predict" (compared without case, spaces, `_` or `-`). */
const TARGET_NAMES = ['class', 'target', 'label', 'species', 'y', 'outcome', 'response', 'cultivar', 'category'];

/**
 * The column to offer as the target: the last one named like a target (class, label, species, y, …); else the last
 * text column with few distinct values (a class column, not an identifier such as a country name on every row);
 * else the last numeric column; else the last column.
 */
export function suggestTarget(columns: readonly ColumnPreview[], sampledRows: number): string | undefined {
  const normalized = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '');
  const last = <C>(items: readonly C[], keep: (item: C) => boolean) => [...items].reverse().find(keep);
  const named = last(columns, (column) => TARGET_NAMES.includes(normalized(column.name)));
  const classes = last(columns, (column) => column.kind === 'text' && column.distinct >= 2 && column.distinct <= Math.min(50, Math.max(2, sampledRows / 2)));
  const numeric = last(columns, (column) => column.kind === 'numeric');
  return (named ?? classes ?? numeric ?? columns[columns.length - 1])?.name;
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
