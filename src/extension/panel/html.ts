/**
 * The convergence panel's HTML shell: a strict Content-Security-Policy with a per-load nonce, the bundled script
 * (`dist/webview/panel.js`, which builds the page) and the stylesheet (`media/panel.css`). No VS Code import.
 */
import { createNonce } from '../webviewNonce';

export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** `asWebviewUri` of dist/webview/panel.js and media/panel.css. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce?: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `img-src ${cspSource} data:`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource} 'unsafe-inline'`].join('; ');
}

export function panelHtml({ cspSource, scriptUri, styleUri, nonce = createNonce() }: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(styleUri)}">
<title>MoE Lab: Convergence</title>
</head>
<body>
<div id="app" role="main"><p class="empty">Loading…</p></div>
<script nonce="${nonce}" src="${escapeAttribute(scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
