/** Workspace helpers shared by the commands: folders, trust, results roots, argument coercion. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MoeLabSettings } from './config';

/** The workspace folder holding `uri`, else the only/first folder. */
export function workspaceFolderFor(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) || vscode.workspace.workspaceFolders?.[0];
}

/** Absolute results folder for a workspace folder (the `moeLab.resultsFolder` setting, workspace-relative). */
export function configuredResultsRoot(settings: MoeLabSettings, folder: vscode.WorkspaceFolder | undefined, fallbackDir: string): string {
  const base = folder?.uri.fsPath ?? fallbackDir;
  return path.resolve(base, settings.resultsFolder);
}

/**
 * Runs need a trusted workspace (they read and write files); in an untrusted one says so, offers to manage trust and
 * returns false at once (the command ends; the offer stays in the notification).
 */
export async function ensureTrusted(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window
    .showWarningMessage(`MoE Lab: ${action} is disabled in an untrusted workspace (runs read and write files in it). Trust the workspace to enable it.`, manage)
    .then((choice) => {
      if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  return false;
}

/** A command argument that names a file: a Uri, a path string or a `{ fsPath }`-like object. */
export function asUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value.length > 0) {
    if (/^[a-z][\w+.-]*:\/\//i.test(value)) return vscode.Uri.parse(value);
    const folder = vscode.workspace.workspaceFolders?.[0];
    return vscode.Uri.file(path.isAbsolute(value) || !folder ? value : path.join(folder.uri.fsPath, value));
  }
  if (typeof value === 'object' && value !== null && typeof (value as { fsPath?: unknown }).fsPath === 'string') {
    return vscode.Uri.file((value as { fsPath: string }).fsPath);
  }
  return undefined;
}

/** `dir/name.ext`, or `dir/name-2.ext`, … : the first name not taken. */
export async function freeFileName(dir: string, stem: string, extension: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const candidate = path.join(dir, attempt === 1 ? `${stem}${extension}` : `${stem}-${attempt}${extension}`);
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(candidate));
    } catch {
      return candidate;
    }
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
