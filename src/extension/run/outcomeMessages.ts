/** What the user is told when a run ends (the output channel has the details). */
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';
import type { RunOutcome } from './runManager';

export function announceOutcome(outcome: RunOutcome, what: string, specUri?: vscode.Uri): void {
  if (outcome.status === 'failed') {
    const actions = ['Show Log', ...(specUri && outcome.userError ? ['Open Spec'] : [])];
    void vscode.window.showErrorMessage(`MoE Lab: ${what} failed: ${outcome.error ?? 'unknown error'}`, ...actions).then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand(COMMANDS.showLog);
      if (choice === 'Open Spec' && specUri) void vscode.window.showTextDocument(specUri);
    });
    return;
  }
  const best = [...outcome.results].filter((r) => r.best).sort((a, b) => b.logLik - a.logLik)[0];
  const summary = best ? ` — best ℓ = ${Number(best.logLik.toPrecision(6))} (${best.solver}, restart ${best.restart + 1})` : '';
  const text = outcome.status === 'cancelled' ? `${what} stopped; results so far kept${summary}` : `${what} finished${summary}`;
  vscode.window.setStatusBarMessage(`$(check) MoE Lab: ${text}`, 8000);
}
