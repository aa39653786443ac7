/**
 * The spec editor's edit logic, pure (no VS Code, no Node): apply form operations to the spec's text and locate
 * JSON pointers in it.
 *
 * A form edit changes the spec at the edited JSON pointer only: keys keep their order, unknown fields are kept,
 * and a new key goes where the schema puts it among its siblings. Two steps:
 *  1. the reference result: the text is parsed, the parsed object edited at the pointer (`setAt` / `removeAt`);
 *  2. the text: the same change made in place, at the value's range in the text (a new key after its preceding
 *     sibling, in the style of its object: one line or one key per line), so that the rest of the file, its
 *     formatting included, stays byte for byte what the user wrote and a diff shows only the edited value.
 * If the text of step 2 does not parse to exactly the object of step 1, the object is serialized instead (2-space
 * indentation unless the file clearly uses tabs or 4 spaces; line ending and final newline kept): the result is
 * always the reference object. Text that is not a JSON object is never rewritten. The caller applies the result as
 * one `WorkspaceEdit` (see `minimalReplacement`), so undo, redo, dirty state and save behave as in any editor.
 *
 * Why not Microsoft's `jsonc-parser` (`modify`, `applyEdits`, `findNodeAtLocation`; 3.3.1 read in December 2026)?
 * It keeps unknown fields, takes a key order (`getInsertionIndex`, though it is not told which key it inserts when
 * it creates missing parents) and refuses a path through a non-object. But it does not keep the user's layout:
 * with `formattingOptions`, `modify` reformats every line its edit touches (a key added to or removed from a
 * one-line object turns it into one key per line, and a one-line neighbour is expanded too); without them, it
 * inserts compact `JSON.stringify` text. Five of eight layout cases taken from test/unit/specEdit.test.ts come
 * out different, with formatting options or without. Its parser is lenient (it edits an unclosed object, and
 * text with comments or trailing commas), so the strict check stays, and so does `scanJson`, which validate.ts
 * needs for line and column anyway. It would replace the ~70 lines of `editInPlace`, `insertMember` and
 * `membersOf` only, for 17 kB (minified) more in the extension.
 */
import { scanJson } from '../../core/spec/validate';
import { pointerTokens, type JsonObject, type JsonValue, type SpecEditOp } from '../../protocol/specEditorMessages';

/** For an object at a pointer, the key orders the schema gives (see specFields.ts). */
export type KeyOrders = ReadonlyMap<string, readonly (readonly string[])[]>;

export type EditResult =
  | { readonly ok: true; readonly text: string; readonly changed: boolean }
  | { readonly ok: false; readonly message: string };

export interface TextFormat {
  readonly indent: string;
  readonly eol: '\n' | '\r\n';
  readonly finalNewline: boolean;
}

/** Parses `text` as a JSON object; a message (with line and column) when it is not one. */
export function parseJsonObject(text: string): { ok: true; value: JsonObject } | { ok: false; message: string } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const scan = scanJson(body);
  if (!scan.ok) {
    const { line, column } = offsetToLineColumn(body, scan.offset);
    return { ok: false, message: `the text is not valid JSON (${scan.message}, line ${line}, column ${column})` };
  }
  const value = JSON.parse(body) as JsonValue;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'the text is not a JSON object' };
  }
  return { ok: true, value };
}

/**
 * Applies `ops` in order to the JSON object in `text`. Fails, leaving the text alone, when the text is not a JSON
 * object or an operation would have to replace a non-object value on its path (that part is broken in the text,
 * and the form does not overwrite what the user wrote there).
 */
export function applySpecEdits(text: string, ops: readonly SpecEditOp[], keyOrders: KeyOrders = new Map()): EditResult {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) return { ok: false, message: `The form cannot edit this file while ${parsed.message}; fix it in the text editor.` };
  const root = parsed.value;
  const before = JSON.stringify(root);
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  let body: string | undefined = bom ? text.slice(1) : text;
  const format = detectFormat(body);
  for (const op of ops) {
    const problem = op.op === 'set' ? setAt(root, op.pointer, op.value, keyOrders) : removeAt(root, op.pointer);
    if (problem) return { ok: false, message: problem };
    if (body !== undefined) body = editInPlace(body, op, keyOrders, format);
  }
  const after = JSON.stringify(root);
  if (after === before) return { ok: true, text, changed: false };
  if (body !== undefined && sameJson(body, after)) return { ok: true, text: bom + body, changed: true };
  return { ok: true, text: serializeSpec(root, format, bom !== ''), changed: true };
}

function sameJson(text: string, expected: string): boolean {
  const scan = scanJson(text);
  return scan.ok && JSON.stringify(JSON.parse(text)) === expected;
}

/** Serializes a spec object in the given format. */
export function serializeSpec(value: JsonValue, format: TextFormat, bom = false): string {
  let out = JSON.stringify(value, null, format.indent);
  if (format.eol === '\r\n') out = out.replace(/\n/g, '\r\n');
  if (format.finalNewline) out += format.eol;
  return bom ? `\ufeff${out}` : out;
}

/** The indentation, line ending and final newline of a text (2 spaces, LF and a final newline by default). */
export function detectFormat(text: string): TextFormat {
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const finalNewline = text.length === 0 || /\n$/.test(text);
  const first = /\n([ \t]+)\S/.exec(text)?.[1];
  let indent = '  ';
  if (first?.startsWith('\t')) indent = '\t';
  else if (first && first.length === 4) indent = '    ';
  return { indent, eol, finalNewline };
}

function setAt(root: JsonObject, pointer: string, value: JsonValue, keyOrders: KeyOrders): string | undefined {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return 'the whole document cannot be replaced from the form';
  let node: JsonObject = root;
  let at = '';
  for (const token of tokens.slice(0, -1)) {
    const next = ownValue(node, token);
    const childPointer = `${at}/${escape(token)}`;
    if (next === undefined) {
      const created: JsonObject = {};
      insertKey(node, token, created, keyOrders.get(at));
      node = created;
    } else if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next;
    } else {
      return `Cannot set ${pointer}: ${childPointer} is ${describe(next)} in the text, not an object; fix it in the text editor.`;
    }
    at = childPointer;
  }
  const key = tokens[tokens.length - 1];
  if (Object.prototype.hasOwnProperty.call(node, key)) defineOwn(node, key, clone(value));
  else insertKey(node, key, clone(value), keyOrders.get(at));
  return undefined;
}

function removeAt(root: JsonObject, pointer: string): string | undefined {
  const tokens = pointerTokens(pointer);
  if (tokens.length === 0) return 'the whole document cannot be removed from the form';
  let node: JsonValue = root;
  for (const token of tokens.slice(0, -1)) {
    const next: JsonValue | undefined = typeof node === 'object' && node !== null && !Array.isArray(node) ? ownValue(node, token) : undefined;
    if (next === undefined) return undefined; // nothing to remove
    node = next;
  }
  if (typeof node === 'object' && node !== null && !Array.isArray(node)) delete node[tokens[tokens.length - 1]];
  return undefined;
}

/** Adds a key that `node` does not have, where `insertionIndex` says. */
function insertKey(node: JsonObject, key: string, value: JsonValue, orders: readonly (readonly string[])[] | undefined): void {
  const keys = Object.keys(node);
  const index = insertionIndex(keys, key, orders);
  if (index === keys.length) {
    defineOwn(node, key, value);
    return;
  }
  const entries = Object.entries(node);
  for (const existing of keys) delete node[existing];
  entries.splice(index, 0, [key, value]);
  for (const [k, v] of entries) defineOwn(node, k, v);
}

/**
 * Where a new key goes among `keys`: after the last present sibling that the schema puts before it, else before
 * the first present sibling the schema puts after it, else at the end. Keys the schema does not know stay where
 * they are.
 */
function insertionIndex(keys: readonly string[], key: string, orders: readonly (readonly string[])[] | undefined): number {
  const order = orders?.find((candidate) => candidate.includes(key));
  if (!order) return keys.length;
  const rank = order.indexOf(key);
  let after = -1;
  let before = -1;
  keys.forEach((existing, i) => {
    const r = order.indexOf(existing);
    if (r < 0) return;
    if (r < rank) after = i;
    else if (before < 0) before = i;
  });
  if (after >= 0) return after + 1;
  if (before >= 0) return before;
  return keys.length;
}

function ownValue(node: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
}

/** Assignment that also works for a key named `__proto__` (as JSON.parse creates it): an own data property. */
function defineOwn(node: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

function clone(value: JsonValue): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function escape(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function describe(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------------------------
// In-place text edits

interface Member {
  readonly key: string;
  readonly keyStart: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The text with one operation made in place, or undefined when that is not possible (the caller then serializes
 * the reference object). Mirrors `setAt` / `removeAt` and `insertKey`.
 */
function editInPlace(text: string, op: SpecEditOp, keyOrders: KeyOrders, format: TextFormat): string | undefined {
  const scan = scanJson(text);
  if (!scan.ok) return undefined;
  const tokens = pointerTokens(op.pointer);
  if (tokens.length === 0) return undefined;
  const node = scan.nodes.get(op.pointer);
  if (op.op === 'remove') {
    if (!node) return text;
    const parent = op.pointer.slice(0, op.pointer.lastIndexOf('/'));
    const members = membersOf(scan.nodes, parent);
    const index = members.findIndex((member) => member.start === node.start);
    if (index < 0) return undefined;
    const parentNode = scan.nodes.get(parent)!;
    if (members.length === 1) return splice(text, parentNode.start, parentNode.end, '{}');
    if (index > 0) return splice(text, members[index - 1].end, node.end, '');
    return splice(text, members[0].keyStart, members[1].keyStart, '');
  }
  if (node) {
    const multiline = text.slice(node.start, node.end).includes('\n');
    return splice(text, node.start, node.end, formatValue(op.value, multiline, lineIndent(text, node.start), format));
  }
  // Missing: insert the nearest missing ancestor into the nearest existing one, holding the rest of the path.
  let depth = tokens.length - 1;
  while (depth > 0 && !scan.nodes.has(pointerOf(tokens.slice(0, depth)))) depth--;
  const parentPointer = pointerOf(tokens.slice(0, depth));
  const parentNode = scan.nodes.get(parentPointer);
  if (!parentNode || text[parentNode.start] !== '{') return undefined;
  let value: JsonValue = op.value;
  for (let i = tokens.length - 1; i > depth; i--) value = { [tokens[i]]: value };
  return insertMember(text, scan.nodes, parentPointer, tokens[depth], value, keyOrders.get(parentPointer), format);
}

function insertMember(
  text: string,
  nodes: NodeMap,
  parentPointer: string,
  key: string,
  value: JsonValue,
  orders: readonly (readonly string[])[] | undefined,
  format: TextFormat,
): string | undefined {
  const parent = nodes.get(parentPointer)!;
  const members = membersOf(nodes, parentPointer);
  const parentIndent = lineIndent(text, parent.start);
  const multiline = text.slice(parent.start, parent.end).includes('\n') || (parentPointer === '' && members.length === 0);
  if (members.length === 0) {
    const inner = `${parentIndent}${format.indent}`;
    const member = `${JSON.stringify(key)}: ${formatValue(value, multiline, inner, format)}`;
    return splice(text, parent.start, parent.end, multiline ? `{${format.eol}${inner}${member}${format.eol}${parentIndent}}` : `{ ${member} }`);
  }
  const indent = multiline ? lineIndent(text, members[0].keyStart) : '';
  const member = `${JSON.stringify(key)}: ${formatValue(value, multiline, indent, format)}`;
  const separator = multiline ? `,${format.eol}${indent}` : ', ';
  const index = insertionIndex(members.map((m) => m.key), key, orders);
  if (index === 0) return splice(text, members[0].keyStart, members[0].keyStart, `${member}${separator}`);
  const previous = members[index - 1];
  return splice(text, previous.end, previous.end, `${separator}${member}`);
}

type NodeMap = ReadonlyMap<string, { readonly start: number; readonly end: number; readonly keyStart?: number }>;

/** The members of the object at `pointer`, in text order. */
function membersOf(nodes: NodeMap, pointer: string): Member[] {
  const members: Member[] = [];
  const prefix = `${pointer}/`;
  for (const [at, node] of nodes) {
    if (!at.startsWith(prefix) || at.indexOf('/', prefix.length) >= 0 || node.keyStart === undefined) continue;
    members.push({ key: pointerTokens(at).pop()!, keyStart: node.keyStart, start: node.start, end: node.end });
  }
  return members.sort((a, b) => a.start - b.start);
}

/** A value's text: one line (`{ "a": 1, "b": [1, 2] }`), or indented one entry per line below `indent`. */
function formatValue(value: JsonValue, multiline: boolean, indent: string, format: TextFormat): string {
  const container = typeof value === 'object' && value !== null;
  const empty = container && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0);
  if (multiline && container && !empty) {
    return JSON.stringify(value, null, format.indent).split('\n').join(`${format.eol}${indent}`);
  }
  return inline(value);
}

function inline(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

/** The whitespace that starts the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

function pointerOf(tokens: readonly string[]): string {
  return tokens.map((token) => `/${escape(token)}`).join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Positions

export interface TextRange {
  /** Offsets into the text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/**
 * Where the value at `pointer` is in `text` (its key with `atKey`), or, when the pointer does not exist, the
 * nearest enclosing value that does. Undefined when the text is not valid JSON.
 */
export function pointerRange(text: string, pointer: string, { atKey = false } = {}): (TextRange & { readonly pointer: string }) | undefined {
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const scan = scanJson(bom ? text.slice(1) : text);
  if (!scan.ok) return undefined;
  let at = pointer;
  let node = scan.nodes.get(at);
  while (!node && at !== '') {
    at = at.slice(0, at.lastIndexOf('/'));
    node = scan.nodes.get(at);
  }
  if (!node) return undefined;
  const useKey = atKey && at === pointer && node.keyStart !== undefined && node.keyEnd !== undefined;
  const start = (useKey ? node.keyStart! : node.start) + bom;
  const end = (useKey ? node.keyEnd! : node.end) + bom;
  return { pointer: at, start, end };
}

/** 1-based line and column of an offset (columns in UTF-16 units, as editors count). */
export function offsetToLineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * The smallest single replacement turning `before` into `after`: the common prefix and suffix are left alone, so
 * an edit of one value does not move the cursor of a text editor open on the same document.
 */
export function minimalReplacement(before: string, after: string): { start: number; end: number; text: string } {
  let prefix = 0;
  const limit = Math.min(before.length, after.length);
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < limit - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  // Do not split a surrogate pair or a CRLF.
  while (prefix > 0 && (splitsPair(before, prefix) || splitsPair(after, prefix))) prefix--;
  while (suffix > 0 && (splitsPair(before, before.length - suffix) || splitsPair(after, after.length - suffix))) suffix--;
  return { start: prefix, end: before.length - suffix, text: after.slice(prefix, after.length - suffix) };
}

/** Whether a cut before `index` separates a surrogate pair or a CR from its LF. */
function splitsPair(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  const previous = text.charCodeAt(index - 1);
  return (code >= 0xdc00 && code <= 0xdfff && previous >= 0xd800 && previous <= 0xdbff) || (code === 10 && previous === 13);
}
