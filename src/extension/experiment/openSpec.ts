/** Opening a `*.moe.json`: in the spec editor (custom editor) when the extension contributes it, else as text. */
import * as vscode from 'vscode';
import { SPEC_EDITOR_VIEW_TYPE } from '../commands';

/** True when package.json contributes the custom editor for specs. */
export function specEditorContributed(context: vscode.ExtensionContext): boolean {
  const editors = (context.extension.packageJSON as { contributes?: { customEditors?: { viewType?: string }[] } })?.contributes?.customEditors;
  return Array.isArray(editors) && editors.some((editor) => editor?.viewType === SPEC_EDITOR_VIEW_TYPE);
}

export async function openSpec(context: vscode.ExtensionContext, uri: vscode.Uri, options: { preserveFocus?: boolean } = {}): Promise<void> {
  if (specEditorContributed(context)) {
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, SPEC_EDITOR_VIEW_TYPE, { preserveFocus: options.preserveFocus ?? false, preview: false });
      return;
    } catch {
      // fall through to the text editor
    }
  }
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document, { preserveFocus: options.preserveFocus ?? false, preview: false });
}
