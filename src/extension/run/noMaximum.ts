/**
 * After a run whose likelihood turned out to have no finite maximum (separation, a saturated gate:
 * docs/degenerate-fits.md), the extension offers the fix, a ridge. This module holds the parts that need no
 * `vscode`: which run says so, and the spec text with the ridge set (an ordinary, minimal JSON edit).
 */
import { describeNoMaximum } from '../../core/diagnostics/degeneracyKinds';
import type { PanelResult } from '../../protocol/panelMessages';
import { applySpecEdits } from '../specEditor/specEdit';

/** The ridge offered: small enough to leave a well-posed fit almost unchanged, enough to give a maximum. */
export const OFFERED_RIDGE = 0.01;

/** The first finding that means "no finite maximum" among the results, as one sentence, or undefined. */
export function noMaximumFinding(results: readonly PanelResult[]): string | undefined {
  for (const result of results) {
    const found = result.degeneracies?.find((d) => d.kind === 'separation' || d.kind === 'saturatedGate');
    if (found) {
      const what = describeNoMaximum(found);
      return `the likelihood has no finite maximum (${what}, ${result.solver} restart ${result.restart + 1}, iteration ${found.iteration})`;
    }
  }
  return undefined;
}

/** The spec text with `model.ridge` set, everything else as written; undefined when the text cannot be edited. */
export function specWithRidge(text: string, ridge = OFFERED_RIDGE): string | undefined {
  const edited = applySpecEdits(text, [{ op: 'set', pointer: '/model/ridge', value: ridge }]);
  return edited.ok ? edited.text : undefined;
}
