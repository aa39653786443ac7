/**
 * Quick-pick and input-box steps with a title and step counter, for the multi-step commands. Every step keeps its
 * place when focus moves elsewhere (`ignoreFocusOut`, as the quickinput sample's multi-step helper allows): a webview
 * that finishes loading, or a click to read something, would otherwise close the wizard and lose its answers so far.
 * Escape still cancels.
 */
import * as vscode from 'vscode';

export interface Step {
  readonly title: string;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly placeholder?: string;
}

/**
 * For a wizard whose length depends on an answer: the step count while `chosen` is the active (pickOne) or ticked
 * (pickMany) answer, so the counter never promises a step that will not come.
 */
export interface StepsFor<T> {
  readonly totalStepsFor?: (chosen: readonly T[]) => number;
}

export interface Item<T> extends vscode.QuickPickItem {
  readonly value: T;
}

/** One item; `active` is highlighted first (Enter takes it). Undefined when dismissed. */
export function pickOne<T>(items: readonly Item<T>[], step: Step & StepsFor<T> & { active?: T }): Promise<T | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<Item<T>>();
    Object.assign(pick, { title: step.title, step: step.step, totalSteps: step.totalSteps, placeholder: step.placeholder, matchOnDescription: true, ignoreFocusOut: true });
    pick.items = items;
    const active = items.find((item) => item.value === step.active);
    if (active) pick.activeItems = [active];
    const count = step.totalStepsFor;
    if (count) {
      pick.totalSteps = count(active ? [active.value] : []);
      pick.onDidChangeActive((rows) => (pick.totalSteps = count(rows.map((row) => row.value))));
    }
    let done = false;
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
      if (!chosen) return;
      done = true;
      resolve(chosen.value);
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!done) resolve(undefined);
      pick.dispose();
    });
    pick.show();
    // Set again once shown: the widget can reset the active row to the first while it fills its list.
    if (active) pick.activeItems = [active];
  });
}

/** Several items; `selected` are ticked at first (Enter accepts the ticks). Undefined when dismissed. */
export function pickMany<T>(items: readonly Item<T>[], step: Step & StepsFor<T> & { selected: readonly T[]; atLeastOne?: string }): Promise<T[] | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<Item<T>>();
    Object.assign(pick, { title: step.title, step: step.step, totalSteps: step.totalSteps, placeholder: step.placeholder, canSelectMany: true, matchOnDescription: true, ignoreFocusOut: true });
    pick.items = items;
    pick.selectedItems = items.filter((item) => step.selected.includes(item.value));
    const count = step.totalStepsFor;
    if (count) {
      pick.totalSteps = count(step.selected);
      pick.onDidChangeSelection((rows) => (pick.totalSteps = count(rows.map((row) => row.value))));
    }
    let done = false;
    pick.onDidAccept(() => {
      if (pick.selectedItems.length === 0 && step.atLeastOne) {
        pick.placeholder = step.atLeastOne;
        return;
      }
      done = true;
      resolve(pick.selectedItems.map((item) => item.value));
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!done) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

/** A number typed in an input box, checked by `check` (which returns a problem or undefined). */
export async function inputNumber(step: Step & { prompt: string; value: number; check: (value: number) => string | undefined }): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title: step.totalSteps ? `${step.title} (${step.step}/${step.totalSteps})` : step.title,
    prompt: step.prompt,
    value: String(step.value),
    ignoreFocusOut: true,
    validateInput: (input) => {
      const value = Number(input);
      if (input.trim() === '' || !Number.isFinite(value)) return 'Type a number';
      return step.check(value);
    },
  });
  return text === undefined ? undefined : Number(text);
}
