/**
 * The "Number of Experts" panel's page, drawn on the host from a `SelectKResult`: the reason for the choice, two
 * charts against K (AIC and BIC, lower is better; the held-out log-likelihood, higher is better) with the chosen K
 * marked, and the table of the CLI's `select-k`. The charts are static SVG, so the page needs no chart library;
 * its one script sends the Save button's click to the host. No VS Code import: the page is plain data.
 */
import type { KCandidate, SelectKResult } from '../../core/runner/selectK';
import { escapeHtml, SUMMARY_PAGE_STYLE, webviewPage } from '../webviewPage';

export interface SelectKPage {
  readonly title: string;
  readonly result: SelectKResult;
  readonly restarts: number;
  readonly nonce: string;
  readonly cspSource: string;
}

interface Series {
  readonly label: string;
  /** CSS class that colours its line, points and swatch (presentation attributes cannot read theme variables). */
  readonly cls: 'bic' | 'aic' | 'held-out';
  readonly dashed?: boolean;
  readonly points: readonly { readonly K: number; readonly value: number }[];
}

const NOTES: Readonly<Record<KCandidate['status'], string>> = {
  ok: '',
  allDegenerate: 'every restart degenerate: not compared',
  notConverged: 'no restart converged to a genuine optimum: not compared',
  cancelled: 'cancelled',
};

export function selectKHtml(page: SelectKPage): string {
  const { result } = page;
  const ok = result.candidates.filter((c) => c.best !== undefined);
  const ks = result.candidates.map((c) => c.K);
  const criteria: Series[] = [
    { label: 'BIC', cls: 'bic', points: ok.map((c) => ({ K: c.K, value: c.best!.bic })) },
    { label: 'AIC', cls: 'aic', dashed: true, points: ok.map((c) => ({ K: c.K, value: c.best!.aic })) },
  ];
  const heldOut: Series[] = [
    { label: 'held-out ℓ', cls: 'held-out', points: ok.filter((c) => c.best!.testLogLik !== undefined).map((c) => ({ K: c.K, value: c.best!.testLogLik! })) },
  ];
  const { holdOut, dataset } = result;
  const facts = [
    `${dataset.source.split(/[\\/]/).pop()}: ${dataset.rows} training rows, ${dataset.features.length} features → ${dataset.target} (${dataset.family})`,
    `${result.solvers.join(', ')} × ${page.restarts} restarts per K`,
    holdOut.added ? `held out: ${holdOut.rows} rows (a seeded ${Math.round(holdOut.fraction * 100)} % added for this comparison)` : `held out: ${holdOut.rows} rows`,
    `${result.seconds.toFixed(1)} s`,
  ];
  const save = result.chosen === undefined ? '' : `<button id="save" data-action="save-spec">Save Spec for K = ${result.chosen}…</button>`;
  const style = `<style nonce="${page.nonce}">${SUMMARY_PAGE_STYLE}
  .chart { flex: 1 1 340px; max-width: 560px; border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 8px; }
  .chosen-line { stroke: var(--vscode-charts-yellow); stroke-dasharray: 4 3; }
  .legend span { margin-right: 12px; font-size: 12px; }
  .swatch { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 4px; }
  .bic { --series: var(--vscode-charts-blue); }
  .aic { --series: var(--vscode-charts-orange); }
  .held-out { --series: var(--vscode-charts-green); }
  .swatch { background: var(--series); }
  th:last-child, td:last-child { text-align: left; }
  tr.chosen td { font-weight: 600; background: var(--vscode-list-inactiveSelectionBackground); }
</style>`;
  return webviewPage({
    cspSource: page.cspSource,
    nonce: page.nonce,
    title: page.title,
    styles: 'nonce',
    head: style,
    bodyAttributes: `data-chosen="${result.chosen ?? ''}" data-candidates="${result.candidates.length}"`,
    body: `<h2>${escapeHtml(page.title)}<span class="badge">${result.cancelled ? 'cancelled' : 'finished'}</span></h2>
<p class="facts">${escapeHtml(facts.join(' · '))}</p>
<p class="reason" id="reason">${result.chosen !== undefined ? `<strong>K = ${result.chosen}.</strong> ` : ''}${escapeHtml(result.reason)}</p>
${save}
<div class="charts">
  ${chartSvg('AIC and BIC (lower is better)', 'criteria', ks, criteria, result.chosen)}
  ${chartSvg('Held-out log-likelihood (higher is better)', 'held-out', ks, heldOut, result.chosen)}
</div>
${candidateTable(result)}
<script nonce="${page.nonce}">
  const vscode = acquireVsCodeApi();
  const save = document.getElementById('save');
  if (save) save.addEventListener('click', () => vscode.postMessage({ type: 'saveSpec' }));
</script>`,
  });
}

function candidateTable(result: SelectKResult): string {
  const cell = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(2));
  const rows = result.candidates.map((c) => {
    const chosen = c.K === result.chosen;
    return `<tr data-k="${c.K}" data-status="${c.status}"${chosen ? ' class="chosen"' : ''}><td>${c.K}${chosen ? ' ★' : ''}</td><td>${cell(c.best?.logLik)}</td><td>${c.parameters}</td><td>${cell(c.best?.aic)}</td><td>${cell(c.best?.bic)}</td><td>${cell(c.best?.testLogLik)}</td><td>${c.converged}/${c.restarts}</td><td>${c.degenerate}/${c.restarts}</td><td>${escapeHtml(NOTES[c.status])}</td></tr>`;
  });
  return `<table id="candidates"><thead><tr><th>K</th><th>ℓ</th><th>parameters</th><th>AIC</th><th>BIC</th><th>held-out ℓ</th><th>converged</th><th>degenerate</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A line chart of `series` against K with the chosen K marked; empty series draw nothing. */
function chartSvg(title: string, id: string, ks: readonly number[], series: readonly Series[], chosen: number | undefined): string {
  const width = 520;
  const height = 240;
  const margin = { left: 64, right: 12, top: 10, bottom: 28 };
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  const legend = series.map((s) => `<span><span class="swatch ${s.cls}"></span>${escapeHtml(s.label)}</span>`).join('');
  if (values.length === 0 || ks.length === 0) {
    return `<section class="chart" data-chart="${id}"><h3>${escapeHtml(title)}</h3><p class="facts">No K to show.</p></section>`;
  }
  const [kMin, kMax] = [Math.min(...ks), Math.max(...ks)];
  let [yMin, yMax] = [Math.min(...values), Math.max(...values)];
  if (yMax === yMin) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.08;
  [yMin, yMax] = [yMin - pad, yMax + pad];
  const x = (K: number) => margin.left + (kMax === kMin ? 0.5 : (K - kMin) / (kMax - kMin)) * (width - margin.left - margin.right);
  const y = (v: number) => margin.top + (1 - (v - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom);
  const parts: string[] = [];
  parts.push(`<line class="axis" x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}"/>`);
  parts.push(`<line class="axis" x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}"/>`);
  for (const K of ks) parts.push(`<text x="${x(K)}" y="${height - margin.bottom + 14}" text-anchor="middle">${K}</text>`);
  parts.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 2}" text-anchor="middle">K (experts)</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    parts.push(`<text x="${margin.left - 6}" y="${y(v) + 3}" text-anchor="end">${formatTick(v)}</text>`);
  }
  if (chosen !== undefined) parts.push(`<line class="chosen-line" data-chosen="${chosen}" x1="${x(chosen)}" y1="${margin.top}" x2="${x(chosen)}" y2="${height - margin.bottom}"/>`);
  for (const s of series) {
    if (s.points.length === 0) continue;
    const path = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.K).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" class="series ${s.cls}" fill="none" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of s.points) {
      const r = p.K === chosen ? 5 : 3;
      parts.push(`<circle data-series="${escapeHtml(s.label)}" data-k="${p.K}" cx="${x(p.K).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="${r}" class="series ${s.cls}"/>`);
    }
  }
  return `<section class="chart" data-chart="${id}"><h3>${escapeHtml(title)}</h3><div class="legend">${legend}</div><svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(title)}">${parts.join('')}</svg></section>`;
}

function formatTick(value: number): string {
  const magnitude = Math.abs(value);
  return magnitude >= 1e4 || (magnitude > 0 && magnitude < 1e-2) ? value.toExponential(1) : value.toFixed(magnitude >= 100 ? 0 : 1);
}

