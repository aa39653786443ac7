/** What the user is told when a run ends (the output channel has the details). */
import * as vscode from 'vscode';
import { COMMANDS } from '../commands';
import { bestSummary } from './bestSummary';
import { noMaximumFinding, OFFERED_RIDGE, specWithRidge } from './noMaximum';
import type { RunOutcome } from './runManager';

/** What the caller can do again with a ridge: a fit from a CSV re-runs itself; a spec run edits its spec. */
export interface RidgeOffer {
  readonly rerunWithRidge?: (ridge: number) => void;
}

export function announceOutcome(outcome: RunOutcome, what: string, specUri?: vscode.Uri, offer: RidgeOffer = {}): void {
  if (outcome.status === 'failed') {
    const actions = ['Show Log', ...(specUri && outcome.userError ? ['Open Spec'] : [])];
    void vscode.window.showErrorMessage(`MoE Lab: ${what} failed: ${outcome.error ?? 'unknown error'}`, ...actions).then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand(COMMANDS.showLog);
      if (choice === 'Open Spec' && specUri) void vscode.window.showTextDocument(specUri);
    });
    return;
  }
  const summary = bestSummary(outcome.results);
  const text = outcome.status === 'cancelled' ? `${what} stopped; results so far kept${summary}` : `${what} finished${summary}`;
  vscode.window.setStatusBarMessage(`$(check) MoE Lab: ${text}`, 8000);
  const finding = noMaximumFinding(outcome.results);
  if (finding) void offerRidge(`${what}: ${finding}`, specUri, offer);
}

/** Never "iterate longer" when no maximum exists: offer the ridge that gives one (docs/degenerate-fits.md). */
async function offerRidge(message: string, specUri: vscode.Uri | undefined, offer: RidgeOffer): Promise<void> {
  const addToSpec = `Add Ridge λ = ${OFFERED_RIDGE} to the Spec`;
  const fitAgain = `Fit Again with λ = ${OFFERED_RIDGE}`;
  const actions = [...(specUri ? [addToSpec] : []), ...(offer.rerunWithRidge ? [fitAgain] : [])];
  const choice = await vscode.window.showWarningMessage(`MoE Lab: ${message}. A ridge penalty gives it one.`, ...actions);
  if (choice === fitAgain) offer.rerunWithRidge?.(OFFERED_RIDGE);
  if (choice === addToSpec && specUri) await addRidgeToSpec(specUri);
}

async function addRidgeToSpec(specUri: vscode.Uri): Promise<void> {
  const document = await vscode.workspace.openTextDocument(specUri);
  const text = specWithRidge(document.getText());
  if (text === undefined) {
    void vscode.window.showErrorMessage(`MoE Lab: ${vscode.workspace.asRelativePath(specUri)} could not be edited; set "model": { "ridge": ${OFFERED_RIDGE} } by hand.`);
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(specUri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  if (await vscode.workspace.applyEdit(edit)) await document.save();
}
