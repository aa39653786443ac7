/**
 * Sweeps in the form: an "Add sweep" link under every field the schema lets a sweep name (the keys of
 * `/sweep`'s properties, e.g. `model.experts` for the field at `/model/experts`), and the Sweep section, which lists
 * the swept fields with their values as comma-separated text (numbers, choices, or null where the field allows it),
 * a Remove button each, and the number of runs the sweep makes.
 *
 * "Add sweep" starts the sweep with the field's current value and puts the cursor in its row: the user types the
 * other values there. Edits are ordinary edit operations at `/sweep/<field>`; the text stays the truth.
 */
import { joinPointer, valueAtPointer, type FieldDescriptor, type JsonValue } from '../../src/protocol/specEditorMessages';
import { problemsAt, section } from './fields';
import { el, isObject, type FormContext, type RenderState } from './formContext';
import * as ui from './toolkit';

const SWEEP = '/sweep';

/** `/model/experts` → `model.experts`. */
function sweepKeyOf(pointer: string): string {
  return pointer.slice(1).split('/').join('.');
}

/** `model.experts` → `/model/experts`. */
function fieldPointerOf(key: string): string {
  return `/${key.split('.').join('/')}`;
}

/** Whether a sweep may name the field at `pointer`. */
export function isSweepable(context: FormContext, pointer: string): boolean {
  return context.fields.has(joinPointer(SWEEP, sweepKeyOf(pointer)));
}

function sweepOf(state: RenderState): Record<string, JsonValue> {
  const sweep = valueAtPointer(state.value, SWEEP);
  return isObject(sweep) ? sweep : {};
}

/** Focus requests from "Add sweep", served once the new row exists. */
let focusWhenShown: string | undefined;

/** The "Add sweep" link under a sweepable field (registered as a view, so it follows the document). */
export function addSweepControl(context: FormContext, field: FieldDescriptor, container: HTMLElement): void {
  const key = sweepKeyOf(field.pointer);
  const line = el('div', 'sweep-control');
  const add = ui.link('Add sweep', () => {
    const current = valueAtPointer(context.state().value, field.pointer) ?? field.default ?? null;
    focusWhenShown = key;
    context.edit([{ op: 'set', pointer: joinPointer(SWEEP, key), value: [current] }]);
  }, `Run the experiment once per value of ${key} (the values are listed in the Sweep section)`);
  const swept = el('span', 'caption');
  line.append(add, swept);
  container.append(line);
  context.register({
    pointer: field.pointer,
    update: (state) => {
      const values = sweepOf(state)[key];
      const isSwept = Array.isArray(values);
      add.hidden = isSwept || state.frozen;
      swept.textContent = isSwept ? `Swept over ${values.map((v) => JSON.stringify(v)).join(', ')} (see Sweep); this value is not used.` : '';
      container.classList.toggle('swept', isSwept);
    },
  });
}

/** The Sweep section. */
export function sweepSection(context: FormContext): HTMLElement {
  const element = section('sweep', context.fields.get(SWEEP)?.title ?? 'Sweep', context.fields.get(SWEEP)?.description);
  const rowsBox = el('div', 'sweep-rows');
  const summary = el('p', 'caption');
  const problems = el('div', 'field-error');
  element.append(rowsBox, summary, problems);
  const rows = new Map<string, SweepRow>();
  context.register({
    pointer: SWEEP,
    update: (state) => {
      const sweep = sweepOf(state);
      const keys = Object.keys(sweep);
      for (const [key, row] of rows) {
        if (!keys.includes(key)) {
          row.element.remove();
          rows.delete(key);
        }
      }
      for (const key of keys) {
        let row = rows.get(key);
        if (!row) {
          row = sweepRow(context, key);
          rows.set(key, row);
        }
        rowsBox.append(row.element); // in the text's order: the first field is the summary chart's x axis
        row.update(state, sweep[key]);
      }
      if (focusWhenShown && rows.has(focusWhenShown)) {
        rows.get(focusWhenShown)!.focus();
        focusWhenShown = undefined;
      }
      const counts = keys.map((key) => (Array.isArray(sweep[key]) ? (sweep[key] as JsonValue[]).length : 0));
      const runs = counts.reduce((a, b) => a * b, 1);
      summary.textContent = keys.length === 0
        ? 'No sweep: the spec runs once. "Add sweep" under a field runs it once per value you list.'
        : `${counts.join(' × ')} = ${runs} run${runs === 1 ? '' : 's'}, each with every restart, into one results folder. The first field is the x axis of the sweep's summary chart.`;
      const own = problemsAt(SWEEP, state).filter((problem) => !keys.some((key) => problem.pointer.startsWith(joinPointer(SWEEP, key))));
      problems.textContent = own.map((problem) => problem.message).join(' ');
      problems.hidden = own.length === 0;
    },
  });
  return element;
}

interface SweepRow {
  readonly element: HTMLElement;
  update(state: RenderState, values: JsonValue): void;
  focus(): void;
}

function sweepRow(context: FormContext, key: string): SweepRow {
  const field = context.fields.get(fieldPointerOf(key));
  const element = el('div', 'field sweep-row');
  element.dataset.sweep = key;
  const label = el('label', 'field-label', field ? `${field.title} (${key})` : key);
  const numeric = field?.kind === 'integer' || field?.kind === 'number';
  const parse = (text: string): { ok: true; values: JsonValue[] } | { ok: false; message: string } => {
    const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
    const values: JsonValue[] = [];
    for (const part of parts) {
      if (part === 'null' && field?.nullable) values.push(null);
      else if (!numeric) values.push(part.replace(/^"(.*)"$/, '$1'));
      else if (Number.isFinite(Number(part))) values.push(Number(part));
      else return { ok: false, message: `"${part}" is not a number: list numbers separated by commas.` };
    }
    return { ok: true, values };
  };
  const local = el('div', 'field-error local');
  local.hidden = true;
  const commit = (text: string) => {
    const parsed = parse(text);
    local.textContent = parsed.ok ? '' : parsed.message;
    local.hidden = parsed.ok;
    if (!parsed.ok) return;
    const pointer = joinPointer(SWEEP, key);
    if (JSON.stringify(valueAtPointer(context.state().value, pointer)) === JSON.stringify(parsed.values)) return;
    context.edit([{ op: 'set', pointer, value: parsed.values }]);
  };
  const input = ui.textField({ label: `Values of ${key}`, placeholder: numeric ? 'e.g. 1, 2, 3' : 'values, separated by commas' }, () => undefined, commit);
  const remove = ui.button('Remove', () => context.edit([{ op: 'remove', pointer: joinPointer(SWEEP, key) }]), { secondary: true, title: `Stop sweeping ${key}` });
  const line = el('div', 'sweep-line');
  line.append(input.element, remove.element);
  const help = el('div', 'field-help', field?.options ? `One of: ${field.options.map((o) => o.value).join(', ')}.` : 'Values separated by commas; one run per value.');
  const error = el('div', 'field-error');
  element.append(label, line, help, local, error);
  return {
    element,
    update: (state, values) => {
      const text = Array.isArray(values) ? values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ') : JSON.stringify(values);
      if (!input.hasFocus()) input.show(text);
      input.setReadOnly(state.frozen);
      remove.setDisabled(state.frozen);
      const messages = problemsAt(joinPointer(SWEEP, key), state).map((problem) => problem.message);
      error.textContent = messages.join(' ');
      error.hidden = messages.length === 0;
      input.setInvalid(messages.length > 0 || !local.hidden);
    },
    focus: () => {
      (input.element as HTMLElement).focus();
    },
  };
}
