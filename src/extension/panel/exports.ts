/**
 * Writing what the panel exports (a chart as PNG, the traces as CSV): the webview sends the bytes, the host asks
 * where with a save dialog (browser downloads do not work inside webviews) and writes the file.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A safe file name from a name the webview suggested. */
export function safeFileName(suggested: string, extension: '.png' | '.csv'): string {
  const base = path.basename(suggested.replace(/\\/g, '/')).replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '').slice(0, 120) || 'export';
  return base.toLowerCase().endsWith(extension) ? base : `${base}${extension}`;
}

/** PNG bytes from a `data:image/png;base64,` URL, or undefined when it is not a PNG. */
export function pngBytes(dataUrl: string): Uint8Array | undefined {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) return undefined;
  const body = dataUrl.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((byte, i) => bytes[i] !== byte)) return undefined;
  return bytes;
}

/** Asks where to save (starting in `defaultDir`) and writes; the chosen path, or undefined when dismissed. */
export async function saveWithDialog(bytes: Uint8Array, fileName: string, defaultDir: string | undefined, kind: 'PNG image' | 'CSV'): Promise<string | undefined> {
  const extension = path.extname(fileName).slice(1);
  const defaultUri = defaultDir ? vscode.Uri.file(path.join(defaultDir, fileName)) : undefined;
  const target = await vscode.window.showSaveDialog({
    defaultUri,
    filters: { [kind]: [extension] },
    saveLabel: `Export ${kind}`,
    title: `MoE Lab: export ${fileName}`,
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, bytes);
  return target.fsPath;
}
