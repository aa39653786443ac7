/**
 * Messages between the spec editor's host (`src/extension/specEditor`) and its webview (`webview/specEditor`).
 *
 * One interface per message with a `type` discriminant, grouped "to webview" and "from webview" and exported as
 * two unions. The webview is untrusted input: `parseWebviewMessage` checks every message from it (shape, sizes,
 * that an edit names a field of the schema and carries a value of that field's type) before the host uses it.
 *
 * Browser-safe: no Node or VS Code imports.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------------------------------
// Form fields, derived from schema.json by the host (src/extension/specEditor/specFields.ts)

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'stringList' | 'object';

export interface FieldOption {
  readonly value: string;
  readonly description?: string;
}

/** One editable value of the spec, at a JSON pointer; labels, help, default and options come from the schema. */
export interface FieldDescriptor {
  readonly pointer: string;
  readonly kind: FieldKind;
  readonly title: string;
  readonly description: string;
  /** The schema's default (absent when the schema has none). */
  readonly default?: JsonValue;
  /** `null` is a valid value (e.g. model.fixedSigma, data.features). */
  readonly nullable: boolean;
  readonly options?: readonly FieldOption[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Edits

/** Set a value at a JSON pointer (intermediate objects are created), or remove the key (the default applies). */
export type SpecEditOp =
  | { readonly op: 'set'; readonly pointer: string; readonly value: JsonValue }
  | { readonly op: 'remove'; readonly pointer: string };

/** A problem of the document, as shown in the banner and as a diagnostic. */
export interface SpecProblem {
  readonly pointer: string;
  readonly message: string;
  /** 1-based, when known. */
  readonly line?: number;
  readonly column?: number;
}

export interface CsvFileEntry {
  /** Path as written in the spec: relative to the spec's folder, `/`-separated. */
  readonly path: string;
  /** Path relative to its workspace folder, for display. */
  readonly label: string;
}

export interface RunEntry {
  /** Folder name under the results folder (the run id); `<sweep folder>/<run folder>` for a run of a sweep. */
  readonly id: string;
  readonly label: string;
  readonly startedAt?: string;
  readonly complete: boolean;
  readonly cancelled: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// To the webview

/** Static setup, sent once after `ready`. */
export interface InitMessage {
  readonly type: 'init';
  readonly fields: readonly FieldDescriptor[];
  /** Spec file name, for the title. */
  readonly fileName: string;
  /** False for files outside a local workspace (no CSV listing, previews or runs). */
  readonly local: boolean;
}

/** The document's current state; sent after `ready` and after every change of the text. */
export interface DocumentMessage {
  readonly type: 'document';
  readonly version: number;
  /** The parsed JSON when the text is a JSON object; absent when it is not (syntax error or not an object). */
  readonly value?: JsonObject;
  /** True when the spec is valid (schema and semantic checks). */
  readonly valid: boolean;
  readonly problems: readonly SpecProblem[];
  readonly dirty: boolean;
}

/** The workspace CSV files the data picker offers. */
export interface CsvFilesMessage {
  readonly type: 'csvFiles';
  readonly files: readonly CsvFileEntry[];
}

/** Header, column kinds and first rows of a CSV file (answer to `requestCsvPreview`). */
export interface CsvPreviewMessage {
  readonly type: 'csvPreview';
  /** The path as requested. */
  readonly path: string;
  readonly header: readonly string[];
  readonly kinds: readonly ('numeric' | 'text')[];
  readonly rows: readonly (readonly string[])[];
  /** Total data rows, when the whole file was read. */
  readonly rowCount?: number;
  readonly error?: string;
}

/** The runs found under the spec's results folder, newest first. */
export interface RunsMessage {
  readonly type: 'runs';
  readonly folder: string;
  readonly runs: readonly RunEntry[];
}

/** Outcome of an edit or an action (shown briefly in the form when it failed). */
export interface NoticeMessage {
  readonly type: 'notice';
  readonly requestId?: number;
  readonly ok: boolean;
  readonly message?: string;
}

/** Whether a run of this spec is in progress. */
export interface RunStateMessage {
  readonly type: 'runState';
  readonly running: boolean;
}

export type ToWebviewMessage =
  | InitMessage
  | DocumentMessage
  | CsvFilesMessage
  | CsvPreviewMessage
  | RunsMessage
  | NoticeMessage
  | RunStateMessage;

// ---------------------------------------------------------------------------------------------------------------
// From the webview

/** The webview has loaded and listens. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** Apply these operations to the document, as one undoable edit. */
export interface EditMessage {
  readonly type: 'edit';
  readonly requestId: number;
  readonly ops: readonly SpecEditOp[];
}

/** Switch the data section between a CSV file and the synthetic generator (the host fills sensible values). */
export interface SwitchSourceMessage {
  readonly type: 'switchSource';
  readonly requestId: number;
  readonly to: 'csv' | 'synthetic';
}

/** Read the header and first rows of a CSV (a path as written in the spec). */
export interface RequestCsvPreviewMessage {
  readonly type: 'requestCsvPreview';
  readonly path: string;
}

/** Run the document (as it is in the editor, saved or not) with `moeLab.runExperiment`. */
export interface RunMessage {
  readonly type: 'run';
}

/** Open the results of a run listed in the last `runs` message. */
export interface OpenRunMessage {
  readonly type: 'openRun';
  readonly id: string;
}

/** Open the text of the spec beside the form, at a problem's pointer when given. */
export interface ShowTextMessage {
  readonly type: 'showText';
  readonly pointer?: string;
}

export type FromWebviewMessage =
  | ReadyMessage
  | EditMessage
  | SwitchSourceMessage
  | RequestCsvPreviewMessage
  | RunMessage
  | OpenRunMessage
  | ShowTextMessage;

// ---------------------------------------------------------------------------------------------------------------
// Validation of messages from the webview

export const MAX_OPS_PER_EDIT = 64;
const MAX_STRING = 4096;
const MAX_LIST = 10_000;

export type Checked<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

/**
 * Checks a message from the webview. `fields` maps each editable pointer to its descriptor; an edit must name one
 * of them and carry a value of its kind (ranges are not checked here: an out-of-range value is a spec problem the
 * form and the diagnostics show, like one typed in the text).
 */
export function parseWebviewMessage(raw: unknown, fields: ReadonlyMap<string, FieldDescriptor>): Checked<FromWebviewMessage> {
  if (!isPlainObject(raw)) return fail('not an object');
  const type = raw.type;
  switch (type) {
    case 'ready':
    case 'run':
      return onlyKeys(raw, ['type']) ?? { ok: true, message: { type } };
    case 'edit': {
      const extra = onlyKeys(raw, ['type', 'requestId', 'ops']);
      if (extra) return extra;
      if (!isRequestId(raw.requestId)) return fail('edit.requestId must be a non-negative integer');
      if (!Array.isArray(raw.ops) || raw.ops.length === 0 || raw.ops.length > MAX_OPS_PER_EDIT) {
        return fail(`edit.ops must be a list of 1 to ${MAX_OPS_PER_EDIT} operations`);
      }
      const ops: SpecEditOp[] = [];
      for (const candidate of raw.ops as unknown[]) {
        const op = checkOp(candidate, fields);
        if (!op.ok) return op;
        ops.push(op.message);
      }
      return { ok: true, message: { type, requestId: raw.requestId, ops } };
    }
    case 'switchSource': {
      const extra = onlyKeys(raw, ['type', 'requestId', 'to']);
      if (extra) return extra;
      if (!isRequestId(raw.requestId)) return fail('switchSource.requestId must be a non-negative integer');
      if (raw.to !== 'csv' && raw.to !== 'synthetic') return fail('switchSource.to must be "csv" or "synthetic"');
      return { ok: true, message: { type, requestId: raw.requestId, to: raw.to } };
    }
    case 'requestCsvPreview': {
      const extra = onlyKeys(raw, ['type', 'path']);
      if (extra) return extra;
      if (!isShortString(raw.path) || raw.path.length === 0) return fail('requestCsvPreview.path must be a non-empty string');
      return { ok: true, message: { type, path: raw.path } };
    }
    case 'openRun': {
      const extra = onlyKeys(raw, ['type', 'id']);
      if (extra) return extra;
      if (!isShortString(raw.id) || !isRunFolderId(raw.id)) {
        return fail('openRun.id must be a run folder name, or a sweep folder and run folder name joined by "/"');
      }
      return { ok: true, message: { type, id: raw.id } };
    }
    case 'showText': {
      const extra = onlyKeys(raw, ['type', 'pointer']);
      if (extra) return extra;
      if (raw.pointer !== undefined && !(isShortString(raw.pointer) && isPointer(raw.pointer))) {
        return fail('showText.pointer must be a JSON pointer');
      }
      return { ok: true, message: raw.pointer === undefined ? { type } : { type, pointer: raw.pointer as string } };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(String(type)).slice(0, 60)}`);
  }
}

function checkOp(raw: unknown, fields: ReadonlyMap<string, FieldDescriptor>): Checked<SpecEditOp> {
  if (!isPlainObject(raw)) return fail('an edit operation must be an object');
  if (!isShortString(raw.pointer)) return fail('an edit operation needs a string pointer');
  const field = fields.get(raw.pointer);
  if (!field) return fail(`${raw.pointer.slice(0, 200)} is not an editable field of the spec`);
  if (raw.op === 'remove') {
    return onlyKeys(raw, ['op', 'pointer']) ?? { ok: true, message: { op: 'remove', pointer: raw.pointer } };
  }
  if (raw.op !== 'set') return fail('an edit operation is "set" or "remove"');
  const extra = onlyKeys(raw, ['op', 'pointer', 'value']);
  if (extra) return extra;
  const problem = valueProblem(field, raw.value, fields);
  if (problem) return fail(`${raw.pointer}: ${problem}`);
  return { ok: true, message: { op: 'set', pointer: raw.pointer, value: raw.value as JsonValue } };
}

/** Why `value` cannot be stored in `field` (its kind, not its range), or undefined when it can. */
export function valueProblem(field: FieldDescriptor, value: unknown, fields: ReadonlyMap<string, FieldDescriptor>): string | undefined {
  if (value === null) return field.nullable ? undefined : 'cannot be null';
  switch (field.kind) {
    case 'string':
      return isShortString(value) ? undefined : `must be a string of at most ${MAX_STRING} characters`;
    case 'enum':
      return typeof value === 'string' && field.options?.some((option) => option.value === value)
        ? undefined
        : `must be one of ${(field.options ?? []).map((option) => JSON.stringify(option.value)).join(', ')}`;
    case 'integer':
      return Number.isSafeInteger(value) ? undefined : 'must be an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'stringList':
      return Array.isArray(value) && value.length <= MAX_LIST && value.every(isShortString)
        ? undefined
        : 'must be a list of strings';
    case 'object': {
      if (!isPlainObject(value)) return 'must be an object';
      for (const [key, child] of Object.entries(value)) {
        const childField = fields.get(`${field.pointer}/${escapePointerToken(key)}`);
        if (!childField) return `has no field ${JSON.stringify(key.slice(0, 100))}`;
        const problem = valueProblem(childField, child, fields);
        if (problem) return `${key} ${problem}`;
      }
      return undefined;
    }
  }
}

function onlyKeys(raw: Record<string, unknown>, allowed: readonly string[]): { ok: false; reason: string } | undefined {
  const extra = Object.keys(raw).find((key) => !allowed.includes(key));
  return extra === undefined ? undefined : fail(`unexpected field ${JSON.stringify(extra.slice(0, 60))} in a ${String(raw.type)} message`);
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isShortString(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_STRING;
}

function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPointer(value: string): boolean {
  return value === '' || (value.startsWith('/') && !/~[^01]|~$/.test(value));
}

// ---------------------------------------------------------------------------------------------------------------
// JSON pointers (RFC 6901)

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${pointer}`);
  return pointer.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function joinPointer(parent: string, key: string): string {
  return `${parent}/${escapePointerToken(key)}`;
}

/** The value at `pointer` inside `root` (own properties and array items only). */
export function valueAtPointer(root: unknown, pointer: string): JsonValue | undefined {
  let node: unknown = root;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (typeof node === 'object' && node !== null && Object.prototype.hasOwnProperty.call(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return node as JsonValue | undefined;
}

/** A run folder's name, or a sweep folder's and its run folder's joined by `/` (never `.`, `..`, empty or a backslash). */
function isRunFolderId(id: string): boolean {
  const parts = id.split('/');
  return parts.length <= 2 && parts.every((part) => part.length > 0 && part !== '.' && part !== '..' && !part.includes('\\'));
}
