/**
 * The one HTML shell of MoE Lab's webviews (convergence panel, spec editor, Number of Experts, Sweep): a strict
 * Content-Security-Policy with the page's nonce — nothing loads that the policy does not name, and only scripts
 * carrying the nonce run — then the page's head and body. Also the escapers every page uses, and the style shared
 * by the two summary pages (Number of Experts, Sweep), which draw their charts as SVG on the host. No VS Code import.
 */
export { createNonce } from './webviewNonce';

export interface WebviewPageOptions {
  /** `webview.cspSource`: where the page's own files (scripts, styles, images, fonts) come from. */
  readonly cspSource: string;
  readonly nonce: string;
  readonly title: string;
  /**
   * Styles: `files` allows stylesheets from `cspSource` plus inline `style` attributes (Chart.js and the toolkit set
   * them); `nonce` allows only `<style>` blocks carrying the nonce.
   */
  readonly styles: 'files' | 'nonce';
  /** Images from `cspSource`, and `data:` URLs too (exported charts) when 'data'. */
  readonly images?: 'files' | 'data';
  /** Fonts from `cspSource` (the toolkit's codicons). */
  readonly fonts?: boolean;
  /** Extra head elements (stylesheet links, a `<style nonce>` block), already escaped. */
  readonly head?: string;
  /** Attributes of `<body>`, already escaped (e.g. `data-status="finished"`). */
  readonly bodyAttributes?: string;
  /** The body's content, already escaped. */
  readonly body: string;
}

export function contentSecurityPolicy(options: Pick<WebviewPageOptions, 'cspSource' | 'nonce' | 'styles' | 'images' | 'fonts'>): string {
  const { cspSource, nonce } = options;
  return [
    "default-src 'none'",
    ...(options.images ? [`img-src ${cspSource}${options.images === 'data' ? ' data:' : ''}`] : []),
    ...(options.fonts ? [`font-src ${cspSource}`] : []),
    options.styles === 'files' ? `style-src ${cspSource} 'unsafe-inline'` : `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function webviewPage(options: WebviewPageOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(options))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(options.title)}</title>
${options.head ?? ''}
</head>
<body${options.bodyAttributes ? ` ${options.bodyAttributes}` : ''}>
${options.body}
</body>
</html>`;
}

/** A `<script>` element allowed by the page's policy. */
export function scriptTag(nonce: string, source: string, module = false): string {
  return `<script${module ? ' type="module"' : ''} nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(source)}"></script>`;
}

export function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The look of the summary pages: title with a status badge, facts, the reason box, SVG charts, the table. */
export const SUMMARY_PAGE_STYLE = `
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 16px; }
  h2 { font-weight: 600; margin: 12px 0 4px; }
  .badge { font-size: 11px; padding: 1px 6px; border-radius: 8px; margin-left: 8px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); vertical-align: middle; }
  .facts { color: var(--vscode-descriptionForeground); margin: 0 0 8px; }
  .reason { margin: 8px 0 12px; padding: 8px 10px; border-left: 3px solid var(--vscode-charts-blue); background: var(--vscode-textBlockQuote-background); }
  .charts { display: flex; flex-wrap: wrap; gap: 16px; }
  .chart { border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 8px; }
  .chart h3 { font-size: 13px; margin: 0 0 4px; font-weight: 600; }
  svg text { fill: var(--vscode-descriptionForeground); font-size: 10px; }
  .axis { stroke: var(--vscode-panel-border); }
  path.series { stroke: var(--series); }
  circle.series { fill: var(--series); }
  table { border-collapse: collapse; margin-top: 16px; font-variant-numeric: tabular-nums; }
  th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid var(--vscode-panel-border); }
  button { margin-top: 4px; background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 5px 12px; border-radius: 2px; cursor: pointer; }
`;
