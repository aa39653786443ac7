/**
 * What the spec editor reads from the workspace: the CSV files the data picker offers, the header and first rows
 * of one of them (with the core's CSV reader), and the runs under the spec's results folder.
 *
 * Paths that come from the webview are resolved against the spec's folder and must stay inside a workspace folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseCsv, readCsvFile, type CsvTable } from '../../core/data/csv';
import { isInside } from '../../core/paths';
import type { CsvFileEntry, CsvPreviewMessage } from '../../protocol/specEditorMessages';

export const PREVIEW_ROWS = 8;
/** Files up to this size are read whole (exact column kinds and row count); larger ones only from their head. */
const WHOLE_FILE_BYTES = 16 * 1024 * 1024;
const HEAD_BYTES = 256 * 1024;
const MAX_CSV_FILES = 2000;

/** Path as written in a spec: relative to the spec's folder, `/`-separated. */
export function specRelativePath(specFile: string, file: string): string {
  return path.relative(path.dirname(specFile), file).split(path.sep).join('/');
}

/** The absolute path of a spec-relative path, or undefined when it is outside every workspace folder. */
export function resolveInWorkspace(specFile: string, relative: string): string | undefined {
  const absolute = path.resolve(path.dirname(specFile), relative);
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(absolute));
  if (!folder || folder.uri.scheme !== 'file') return undefined;
  return isInside(folder.uri.fsPath, absolute) ? absolute : undefined;
}

/** The workspace's CSV files (not those inside results folders or node_modules), nearest to the spec first. */
export async function listCsvFiles(specFile: string, resultsFolder: string | undefined): Promise<CsvFileEntry[]> {
  const uris = await vscode.workspace.findFiles('**/*.{csv,CSV}', '{**/node_modules/**,**/.git/**,**/.moe-lab/**}', MAX_CSV_FILES);
  const entries = uris
    .filter((uri) => uri.scheme === 'file')
    .filter((uri) => !resultsFolder || !isInside(resultsFolder, uri.fsPath, { strictly: true }))
    .map((uri) => ({ path: specRelativePath(specFile, uri.fsPath), label: vscode.workspace.asRelativePath(uri, true) }));
  const depth = (entry: CsvFileEntry) => entry.path.split('/').length + (entry.path.startsWith('..') ? 100 : 0);
  entries.sort((a, b) => depth(a) - depth(b) || a.path.localeCompare(b.path));
  return entries;
}

/** Header, column kinds and the first rows of a CSV; an `error` instead when it cannot be read. */
export async function readCsvPreview(specFile: string, relative: string): Promise<CsvPreviewMessage> {
  const empty = { type: 'csvPreview' as const, path: relative, header: [], kinds: [], rows: [] };
  const file = resolveInWorkspace(specFile, relative);
  if (!file) return { ...empty, error: `${relative} is not inside the workspace` };
  try {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile()) return { ...empty, error: `${relative} is not a file` };
    let table: CsvTable;
    let whole = true;
    if (stat.size <= WHOLE_FILE_BYTES) {
      table = await readCsvFile(file, { displayName: relative });
    } else {
      whole = false;
      table = parseCsv(await readHead(file), relative);
    }
    const rows: string[][] = [];
    for (let row = 0; row < Math.min(PREVIEW_ROWS, table.rowCount); row++) {
      rows.push(table.columns.map((column) => cellText(column, row)));
    }
    return {
      type: 'csvPreview',
      path: relative,
      header: [...table.header],
      kinds: table.columns.map((column) => column.kind),
      rows,
      ...(whole ? { rowCount: table.rowCount } : {}),
    };
  } catch (error) {
    return { ...empty, error: (error as Error).message };
  }
}

function cellText(column: CsvTable['columns'][number], row: number): string {
  if (column.text) return column.text[row] ?? '';
  const value = column.values[row];
  return Number.isNaN(value) ? '' : String(value);
}

/** The first bytes of a file, cut after its last complete line. */
async function readHead(file: string): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const lastLine = text.lastIndexOf('\n');
    return lastLine > 0 ? text.slice(0, lastLine + 1) : text;
  } finally {
    await handle.close();
  }
}

export { isRunOfSpec, listRuns, resultsFolderOf, type SpecIdentity } from './specRuns';
