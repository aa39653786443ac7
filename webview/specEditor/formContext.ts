/**
 * What the form's sections share: the state they render, the view they register for each field, and the context
 * the form shell hands to every section (field descriptors, the current state, edits, messages).
 */
import type {
  FieldDescriptor,
  FromWebviewMessage,
  JsonObject,
  SpecEditOp,
  SpecProblem,
} from '../../src/protocol/specEditorMessages';

export type Send = (message: FromWebviewMessage) => void;

export interface RenderState {
  /** What the form shows: the document's value, or the last readable one when the text is not JSON. */
  readonly value: JsonObject;
  /** The last schema-valid value (for broken parts). */
  readonly lastValid: JsonObject;
  /** True when the text could not be read at all: everything is read-only. */
  readonly frozen: boolean;
  readonly problems: readonly SpecProblem[];
}

/** A rendered part of the form: updates itself from the document. */
export interface FieldView {
  readonly pointer: string;
  update(state: RenderState): void;
}

/** What the form shell gives each section. */
export interface FormContext {
  readonly fields: ReadonlyMap<string, FieldDescriptor>;
  /** The state last shown (handlers read the current document from it). */
  state(): RenderState;
  /** Sends edit operations to the host, unless the text is unreadable (then the form is read-only). */
  edit(ops: SpecEditOp[]): void;
  send: Send;
  /** Ids for the requests the host answers with a notice (edits, source switches). */
  nextRequestId(): number;
  /** Adds a view to those the shell updates, in order, on every change. */
  register(view: FieldView): void;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
