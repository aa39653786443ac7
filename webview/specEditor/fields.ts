/**
 * Schema fields: one view per field kind (checkbox, dropdown, text input, read-only value), each showing the value
 * at its pointer and posting an edit at that pointer; what a field shows when the text's value there is broken;
 * how a field shows its problems; and the builders the sections use to lay fields out.
 */
import {
  joinPointer,
  valueAtPointer,
  type FieldDescriptor,
  type JsonObject,
  type JsonValue,
  type SpecEditOp,
  type SpecProblem,
} from '../../src/protocol/specEditorMessages';
import { el, isObject, type FieldView, type FormContext, type RenderState } from './formContext';
import { addSweepControl, isSweepable } from './sweepSection';
import * as ui from './toolkit';

/** How long typing pauses before a text field sends its value. */
const INPUT_DELAY_MS = 400;

/** A field view with the element that holds it. */
export interface FieldElement extends FieldView {
  readonly container: HTMLElement;
}

/** A titled section of the form, with its help under the title. */
export function section(id: string, title: string, help: string | undefined): HTMLElement {
  const element = el('section');
  element.id = `section-${id}`;
  element.append(el('h2', undefined, title));
  if (help) element.append(el('p', 'caption', help));
  return element;
}

/** A section showing the fields at `pointers` in a grid. */
export function fieldsSection(context: FormContext, id: string, title: string, help: string | undefined, pointers: readonly string[]): HTMLElement {
  const element = section(id, title, help);
  const grid = el('div', 'grid');
  element.append(grid);
  addFields(context, grid, pointers);
  return element;
}

/** A section for the schema object at `pointer`, showing its direct children in schema order. */
export function objectSection(context: FormContext, id: string, pointer: string, fallbackTitle: string): HTMLElement {
  return fieldsSection(context, id, titleOf(context, pointer, fallbackTitle), helpOf(context, pointer), childPointers(context, pointer));
}

/** Appends the views of the fields at `pointers` (those the schema has) to `parent`. */
export function addFields(context: FormContext, parent: HTMLElement, pointers: readonly string[]): void {
  for (const pointer of pointers) {
    const field = context.fields.get(pointer);
    if (!field) continue;
    const view = fieldView(context, field);
    parent.append(view.container);
    context.register(view);
    if (isSweepable(context, pointer)) addSweepControl(context, field, view.container);
  }
}

export function titleOf(context: FormContext, pointer: string, fallback: string): string {
  return context.fields.get(pointer)?.title ?? fallback;
}

export function helpOf(context: FormContext, pointer: string): string | undefined {
  return context.fields.get(pointer)?.description || undefined;
}

/** Direct children of an object pointer, in schema order. */
export function childPointers(context: FormContext, parent: string): string[] {
  return [...context.fields.keys()].filter((pointer) => pointer.startsWith(`${parent}/`) && !pointer.slice(parent.length + 1).includes('/'));
}

// ---------------------------------------------------------------------------------------------------------------
// One view per field kind

export function fieldView(context: FormContext, field: FieldDescriptor): FieldElement {
  switch (field.kind) {
    case 'boolean':
      return booleanField(context, field);
    case 'enum':
      return enumField(context, field);
    case 'integer':
    case 'number':
    case 'string':
      return textInputField(context, field);
    default:
      return readOnlyField(field);
  }
}

/** A field's frame: label, control, help and the line its problems go in. */
export function frame(field: FieldDescriptor, control: HTMLElement, options: { label?: boolean } = {}): { container: HTMLElement; help: HTMLElement; error: HTMLElement } {
  const container = el('div', 'field');
  container.dataset.pointer = field.pointer;
  if (options.label !== false) container.append(el('label', 'field-label', field.title));
  const help = el('div', 'field-help', field.description);
  const error = el('div', 'field-error');
  error.hidden = true;
  container.append(control, help, error);
  return { container, help, error };
}

function booleanField(context: FormContext, field: FieldDescriptor): FieldElement {
  const box = ui.checkbox(field.title, (checked) => context.edit([{ op: 'set', pointer: field.pointer, value: checked }]), field.description);
  const { container, error } = frame(field, box.element, { label: false });
  return {
    pointer: field.pointer,
    container,
    update: (state) => {
      const { value, broken } = display(field, state);
      box.show(Boolean(value ?? field.default ?? false));
      box.setDisabled(state.frozen || broken);
      showFieldProblems(container, error, field, state, broken);
    },
  };
}

function enumField(context: FormContext, field: FieldDescriptor): FieldElement {
  const menu = ui.dropdown(field.title, (value) => context.edit([{ op: 'set', pointer: field.pointer, value }]));
  const { container, help, error } = frame(field, menu.element);
  return {
    pointer: field.pointer,
    container,
    update: (state) => {
      const { value, broken } = display(field, state);
      const current = typeof value === 'string' ? value : String(field.default ?? field.options?.[0]?.value ?? '');
      const options = (field.options ?? []).map((option) => ({
        value: option.value,
        label: option.value === field.default ? `${option.value} (default)` : option.value,
        ...(option.description ? { title: option.description } : {}),
      }));
      if (!options.some((option) => option.value === current)) options.push({ value: current, label: `${current} (not allowed)` });
      menu.show(options, current);
      menu.setDisabled(state.frozen || broken);
      const chosen = field.options?.find((option) => option.value === current)?.description;
      help.textContent = chosen ? `${field.description} — ${chosen}` : field.description;
      menu.setInvalid(problemsAt(field.pointer, state).length > 0);
      showFieldProblems(container, error, field, state, broken);
    },
  };
}

type Parsed = { ok: true; op: SpecEditOp } | { ok: false; message: string };

function textInputField(context: FormContext, field: FieldDescriptor): FieldElement {
  const numeric = field.kind === 'integer' || field.kind === 'number';
  const parse = (text: string): Parsed => {
    const trimmed = text.trim();
    if (trimmed === '') return { ok: true, op: { op: 'remove', pointer: field.pointer } };
    if (!numeric) return { ok: true, op: { op: 'set', pointer: field.pointer, value: text } };
    const number = Number(trimmed);
    if (!Number.isFinite(number)) return { ok: false, message: 'Enter a number.' };
    if (field.kind === 'integer' && !Number.isSafeInteger(number)) return { ok: false, message: 'Enter a whole number.' };
    return { ok: true, op: { op: 'set', pointer: field.pointer, value: number } };
  };
  // Typing sends after a pause; Enter or leaving the field sends at once.
  let pending: ReturnType<typeof setTimeout> | undefined;
  const cancelPending = () => {
    if (pending !== undefined) clearTimeout(pending);
    pending = undefined;
  };
  // Enter fires both a keydown and a change: the same operation is sent once per document state.
  let lastSent: string | undefined;
  let rendered: RenderState | undefined;
  const sameAsDocument = (op: SpecEditOp): boolean => {
    const current = valueAtPointer(context.state().value, field.pointer);
    return op.op === 'remove' ? current === undefined : JSON.stringify(current) === JSON.stringify(op.value);
  };
  const send = (op: SpecEditOp) => {
    const key = JSON.stringify(op);
    if (key === lastSent || sameAsDocument(op)) return;
    lastSent = key;
    context.edit([op]);
  };
  const input = ui.textField(
    { label: field.title, placeholder: placeholderOf(field) },
    (text) => {
      cancelPending();
      const parsed = parse(text);
      localError(parsed.ok ? undefined : parsed.message);
      if (!parsed.ok) return;
      pending = setTimeout(() => {
        pending = undefined;
        send(parsed.op);
      }, INPUT_DELAY_MS);
    },
    (text) => {
      cancelPending();
      const parsed = parse(text);
      localError(parsed.ok ? undefined : parsed.message);
      if (parsed.ok) send(parsed.op);
    },
  );
  const { container, error } = frame(field, input.element);
  const local = el('div', 'field-error local');
  local.hidden = true;
  container.insertBefore(local, error);
  const localError = (message: string | undefined) => {
    local.textContent = message ?? '';
    local.hidden = !message;
    input.setInvalid(Boolean(message) || problemsAt(field.pointer, context.state()).length > 0);
  };
  return {
    pointer: field.pointer,
    container,
    update: (state) => {
      if (state !== rendered) lastSent = undefined;
      rendered = state;
      const { value, broken } = display(field, state);
      const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
      // Do not fight the user: a field being typed in keeps its text while it means the same value.
      const typing = pending !== undefined || (input.hasFocus() && sameValueText(parse(input.text()), value));
      if (!typing) {
        input.show(text);
        local.hidden = true;
      }
      input.setReadOnly(state.frozen || broken);
      input.setInvalid(!local.hidden || problemsAt(field.pointer, state).length > 0);
      showFieldProblems(container, error, field, state, broken);
    },
  };
}

function readOnlyField(field: FieldDescriptor): FieldElement {
  const box = el('code', 'readonly-value');
  const { container, error } = frame(field, box);
  return {
    pointer: field.pointer,
    container,
    update: (state) => {
      const { value, broken } = display(field, state);
      box.textContent = value === undefined ? `default: ${JSON.stringify(field.default ?? null)}` : JSON.stringify(value);
      showFieldProblems(container, error, field, state, broken);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What a field shows, and its problems

/** What a field shows, and whether the text's value there is unusable (then: the last valid value, read-only). */
export function display(field: FieldDescriptor, state: RenderState): { value: JsonValue | undefined; broken: boolean } {
  if (!parentsAreObjects(state.value, field.pointer)) return { value: valueAtPointer(state.lastValid, field.pointer), broken: true };
  const value = valueAtPointer(state.value, field.pointer);
  if (value !== undefined && !fits(field, value)) return { value: valueAtPointer(state.lastValid, field.pointer), broken: true };
  return { value, broken: false };
}

export function problemsAt(pointer: string, state: RenderState): SpecProblem[] {
  return state.problems.filter((problem) => problem.pointer === pointer || problem.pointer.startsWith(`${pointer}/`));
}

export function showFieldProblems(container: HTMLElement, error: HTMLElement, field: FieldDescriptor, state: RenderState, broken: boolean): void {
  const problems = problemsAt(field.pointer, state);
  const messages = problems.map((problem) => problem.message);
  if (broken && !state.frozen) messages.push('The form shows the last valid value; fix this one in the text.');
  error.textContent = messages.join(' ');
  error.hidden = messages.length === 0;
  container.classList.toggle('has-problem', messages.length > 0);
  container.classList.toggle('broken', broken || state.frozen);
}

function parentsAreObjects(root: JsonObject, pointer: string): boolean {
  const parts = pointer.split('/').slice(1, -1);
  let at = '';
  for (const part of parts) {
    at = joinPointer(at, part.replace(/~1/g, '/').replace(/~0/g, '~'));
    const value = valueAtPointer(root, at);
    if (value === undefined) return true; // created on edit
    if (!isObject(value)) return false;
  }
  return true;
}

/** Whether the form can show `value` in `field`. */
function fits(field: FieldDescriptor, value: JsonValue): boolean {
  if (value === null) return field.nullable;
  switch (field.kind) {
    case 'string':
    case 'enum':
      return typeof value === 'string';
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'stringList':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'object':
      return isObject(value);
  }
}

function placeholderOf(field: FieldDescriptor): string {
  if (field.default === undefined) return '';
  if (field.default === null) return field.nullable ? 'not set (default)' : '';
  return `${typeof field.default === 'string' ? field.default : JSON.stringify(field.default)} (default)`;
}

function sameValueText(parsed: Parsed, value: JsonValue | undefined): boolean {
  if (!parsed.ok) return true; // the user is mid-way through typing something that is not a number yet
  const op = parsed.op;
  return op.op === 'remove' ? value === undefined || value === null : JSON.stringify(op.value) === JSON.stringify(value);
}
