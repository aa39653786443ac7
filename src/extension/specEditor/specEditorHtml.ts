/**
 * The spec editor webview's HTML: the shared webview shell (scripts only with this page's nonce, styles, images and
 * fonts only from the extension's own folders, plus the inline styles the toolkit's components set), the toolkit
 * loaded as a module, then the form's script.
 *
 * Pure (no VS Code import) so that the webview tier test renders exactly the page the extension serves.
 */
import { escapeAttribute, scriptTag, webviewPage } from '../webviewPage';

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
  return webviewPage({
    cspSource: options.cspSource,
    nonce: options.nonce,
    title: options.title,
    styles: 'files',
    images: 'files',
    fonts: true,
    head: `<link rel="stylesheet" href="${escapeAttribute(options.styleUri)}">`,
    body: [
      '<div id="app" aria-live="polite"><p class="loading">Loading the experiment form…</p></div>',
      scriptTag(options.nonce, options.toolkitUri, true),
      scriptTag(options.nonce, options.scriptUri),
    ].join('\n'),
  });
}

/** The CSP nonce, from the generator every MoE Lab webview uses. */
export { createNonce as makeNonce } from '../webviewPage';
