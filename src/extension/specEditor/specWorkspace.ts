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
import type { CsvFileEntry, CsvPreviewMessage, RunEntry } from '../../protocol/specEditorMessages';

export const PREVIEW_ROWS = 8;
/** Files up to this size are read whole (exact column kinds and row count); larger ones only from their head. */
const WHOLE_FILE_BYTES = 16 * 1024 * 1024;
const HEAD_BYTES = 256 * 1024;
const MAX_CSV_FILES = 2000;
const MAX_RUNS = 8;

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

/** The results folder of a spec (its `resultsDir`, relative to the spec's folder). */
export function resultsFolderOf(specFile: string, resultsDir: string): string {
  return path.resolve(path.dirname(specFile), resultsDir);
}

/** Which spec's runs to list: its file, and its name for runs whose folder does not record the file. */
export interface SpecIdentity {
  readonly file: string;
  readonly name?: string;
}

/**
 * Whether a run folder holds a run of this spec: its spec.json names the spec file (relative to the run folder);
 * a folder written before that was recorded (or by a fit from a CSV, which has no spec file) counts when its
 * run name is the spec's name.
 */
export function isRunOfSpec(runDir: string, recordedSpecFile: unknown, runName: unknown, spec: SpecIdentity): boolean {
  if (typeof recordedSpecFile === 'string' && recordedSpecFile.length > 0) {
    return samePath(path.resolve(runDir, recordedSpecFile), spec.file);
  }
  return spec.name !== undefined && runName === spec.name;
}

function samePath(a: string, b: string): boolean {
  const normalize = (p: string) => (process.platform === 'win32' || process.platform === 'darwin' ? path.resolve(p).toLowerCase() : path.resolve(p));
  return normalize(a) === normalize(b);
}

/** Finished runs of `spec` (folders with a summary.json, not `.partial`) under `folder`, newest first. */
export async function listRuns(folder: string, spec: SpecIdentity): Promise<RunEntry[]> {
  let names: string[];
  try {
    names = (await fs.promises.readdir(folder, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !entry.name.endsWith('.partial'))
      .map((entry) => entry.name);
  } catch {
    return [];
  }
  const runs: (RunEntry & { time: number })[] = [];
  for (const name of names) {
    const summaryFile = path.join(folder, name, 'summary.json');
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(summaryFile);
    } catch {
      continue;
    }
    let summary: { startedAt?: unknown; complete?: unknown; cancelled?: unknown; name?: unknown } = {};
    try {
      summary = JSON.parse(await fs.promises.readFile(summaryFile, 'utf8')) as typeof summary;
    } catch {
      /* a summary that cannot be read still marks a run */
    }
    let specJson: { run?: { specFile?: unknown }; resolved?: { name?: unknown } } = {};
    try {
      specJson = JSON.parse(await fs.promises.readFile(path.join(folder, name, 'spec.json'), 'utf8')) as typeof specJson;
    } catch {
      /* no spec.json: the run's name decides */
    }
    if (!isRunOfSpec(path.join(folder, name), specJson.run?.specFile, summary.name ?? specJson.resolved?.name, spec)) continue;
    const startedAt = typeof summary.startedAt === 'string' ? summary.startedAt : undefined;
    const time = startedAt ? Date.parse(startedAt) : stat.mtimeMs;
    runs.push({
      id: name,
      label: name,
      ...(startedAt ? { startedAt } : {}),
      complete: summary.complete !== false,
      cancelled: summary.cancelled === true,
      time: Number.isFinite(time) ? time : stat.mtimeMs,
    });
  }
  runs.sort((a, b) => b.time - a.time || b.id.localeCompare(a.id));
  return runs.slice(0, MAX_RUNS).map(({ time: _time, ...run }) => run);
}
