/** The workspace's data files for the pickers (New Experiment, Fit, Select K). */
import * as vscode from 'vscode';
import { readSettings } from './config';
import { isGeneratedCsv, orderDataFiles } from './experiment/dataChoice';
import { configuredResultsRoot, workspaceFolderFor } from './workspace';

export interface DataFile {
  readonly uri: vscode.Uri;
  /** Workspace-relative, with `/`. */
  readonly relativePath: string;
}

/**
 * The workspace's CSV files that are data, not MoE Lab's output (runs, reproductions) or a tool's hidden folders,
 * shallow paths first.
 */
export async function findDataFiles(): Promise<DataFile[]> {
  const files = await vscode.workspace.findFiles('**/*.csv', '**/node_modules/**', 2000);
  const data = files
    .filter((uri) => {
      const folder = workspaceFolderFor(uri);
      if (!folder) return true;
      return !isGeneratedCsv(uri.fsPath, folder.uri.fsPath, configuredResultsRoot(readSettings(folder), folder, folder.uri.fsPath));
    })
    .map((uri) => ({ uri, relativePath: vscode.workspace.asRelativePath(uri, false) }));
  return orderDataFiles(data);
}

/** Quick-pick rows for data files: the file name, and its folder as the description. */
export function dataFileItems(files: readonly DataFile[]): { label: string; description: string; uri: vscode.Uri }[] {
  return files.map((file) => ({ label: file.uri.path.split('/').pop() ?? file.relativePath, description: folderOf(file.relativePath), uri: file.uri }));
}

function folderOf(relativePath: string): string {
  const cut = relativePath.lastIndexOf('/');
  return cut < 0 ? '' : relativePath.slice(0, cut);
}
