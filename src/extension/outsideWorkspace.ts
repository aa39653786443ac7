/**
 * Writing outside the workspace needs the user's consent (issue 15). A spec's `resultsDir` (or a command argument)
 * is chosen by whoever wrote it, and a cloned repository is routinely trusted, so trust alone is not consent: before a
 * command creates a folder or file outside the workspace folder it asks, in a modal naming the folder. Programmatic
 * callers that cannot answer pass `outsideWorkspace: 'refuse'`. Containment follows links (src/core/paths.ts).
 */
import * as vscode from 'vscode';
import { isInside } from '../core/paths';

/** What a command does with an output location outside the workspace: ask in a modal (default) or refuse. */
export type OutsideWorkspace = 'ask' | 'refuse';

export const WRITE_THERE = 'Write There';

export function outsideWorkspaceOption(options: unknown): OutsideWorkspace {
  const value = typeof options === 'object' && options !== null ? (options as { outsideWorkspace?: unknown }).outsideWorkspace : undefined;
  return value === 'refuse' ? 'refuse' : 'ask';
}

/**
 * True when `target` may be written: it is inside `folder`, or the user chose Write There. Without a workspace folder
 * there is nothing to confine to (an empty window: the user opened the file themselves), so it may be written.
 * `what` names the output in the question ("results", "the dataset").
 */
export async function mayWriteAt(target: string, folder: vscode.WorkspaceFolder | undefined, policy: OutsideWorkspace, what: string): Promise<boolean> {
  if (!folder || folder.uri.scheme !== 'file' || isInside(folder.uri.fsPath, target)) return true;
  if (policy === 'refuse') return false;
  const choice = await vscode.window.showWarningMessage(
    `Write ${what} to ${target}, outside the workspace?`,
    { modal: true, detail: `The workspace folder is ${folder.uri.fsPath}. MoE Lab writes only inside it unless you agree.` },
    WRITE_THERE,
  );
  return choice === WRITE_THERE;
}

/** The message for a refused location, naming the folder and where it came from. */
export function outsideMessage(target: string, source: string): string {
  return `${source} ${target} is outside the workspace folder; MoE Lab writes there only when you agree`;
}
