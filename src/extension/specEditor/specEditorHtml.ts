/**
 * The spec editor webview's HTML: a strict Content Security Policy (scripts only with this page's nonce, styles and
 * images only from the extension's `dist/webview` folder, plus the inline styles the toolkit's components set),
 * the toolkit loaded as a module, then the form's script.
 *
 * Pure (no VS Code import) so that the webview tier test renders exactly the page the extension serves.
 */

export interface SpecEditorHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  readonly nonce: string;
  /** `asWebviewUri` of dist/webview/specEditor.js, .css and toolkit.min.js. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly toolkitUri: string;
  readonly title: string;
}

export function specEditorHtml(options: SpecEditorHtmlOptions): string {
  const { cspSource, nonce } = options;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${attr(options.styleUri)}">
  <title>${text(options.title)}</title>
</head>
<body>
  <div id="app" aria-live="polite"><p class="loading">Loading the experiment form…</p></div>
  <script type="module" nonce="${attr(nonce)}" src="${attr(options.toolkitUri)}"></script>
  <script nonce="${attr(nonce)}" src="${attr(options.scriptUri)}"></script>
</body>
</html>`;
}

/** The CSP nonce, from the generator the convergence panel uses too. */
export { createNonce as makeNonce } from '../webviewNonce';

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
