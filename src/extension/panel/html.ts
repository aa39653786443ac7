/**
 * The convergence panel's HTML: the shared webview shell (strict CSP, per-load nonce) with the bundled script
 * (`dist/webview/panel.js`, which builds the page) and the stylesheet (`media/panel.css`). No VS Code import.
 */
import { createNonce, escapeAttribute, scriptTag, webviewPage } from '../webviewPage';

export interface PanelHtmlOptions {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** `asWebviewUri` of dist/webview/panel.js and media/panel.css. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce?: string;
}

export function panelHtml({ cspSource, scriptUri, styleUri, nonce = createNonce() }: PanelHtmlOptions): string {
  return webviewPage({
    cspSource,
    nonce,
    title: 'MoE Lab: Convergence',
    styles: 'files',
    // data: for the charts' PNG export previews.
    images: 'data',
    head: `<link rel="stylesheet" href="${escapeAttribute(styleUri)}">`,
    body: `<div id="app" role="main"><p class="empty">Loading…</p></div>\n${scriptTag(nonce, scriptUri)}`,
  });
}
