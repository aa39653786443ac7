/**
 * The spec's editable fields, read from schema.json (the single source of truth, DESIGN §4): for every value the
 * form can edit, its JSON pointer, kind, title, description, default and options; and for every object, the order
 * of its keys in the schema (new keys are inserted in that order, see specEdit.ts).
 *
 * `$ref`s are followed, with the referring node's own keywords (title, description, default) taking precedence; a
 * `oneOf` contributes the fields of all its branches under the same pointer (data is either CSV or synthetic).
 *
 * Pure: no VS Code or Node imports.
 */
import { specSchema } from '../../core/spec/validate';
import {
  joinPointer,
  type FieldDescriptor,
  type FieldKind,
  type FieldOption,
  type JsonValue,
} from '../../protocol/specEditorMessages';

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  title?: string;
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  enumDescriptions?: string[];
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  items?: SchemaNode;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export interface SpecFieldModel {
  readonly fields: readonly FieldDescriptor[];
  readonly byPointer: ReadonlyMap<string, FieldDescriptor>;
  /**
   * For each object pointer, the key orders the schema gives (one per `oneOf` branch that has properties there).
   */
  readonly keyOrders: ReadonlyMap<string, readonly (readonly string[])[]>;
}

/** Keys that are not form fields even though the schema lists them. */
const SKIPPED = new Set(['/$schema']);

let cached: SpecFieldModel | undefined;

/** The field model of schema.json (computed once). */
export function specFieldModel(): SpecFieldModel {
  cached ??= buildFieldModel(specSchema as unknown as SchemaNode);
  return cached;
}

export function buildFieldModel(root: SchemaNode): SpecFieldModel {
  const fields: FieldDescriptor[] = [];
  const byPointer = new Map<string, FieldDescriptor>();
  const keyOrders = new Map<string, string[][]>();

  const resolve = (node: SchemaNode, depth = 0): SchemaNode => {
    if (!node.$ref) return node;
    if (depth > 32) throw new Error(`schema $ref chain too deep at ${node.$ref}`);
    const { $ref, ...own } = node;
    return { ...resolve(lookup(root, $ref), depth + 1), ...own };
  };

  const visitObject = (node: SchemaNode, pointer: string): void => {
    const branches = node.oneOf ?? node.anyOf ?? [node];
    for (const branch of branches.map((b) => resolve(b))) {
      if (!branch.properties) continue;
      const order = Object.keys(branch.properties);
      const orders = keyOrders.get(pointer) ?? [];
      orders.push(order);
      keyOrders.set(pointer, orders);
      for (const key of order) {
        const childPointer = joinPointer(pointer, key);
        if (SKIPPED.has(childPointer) || byPointer.has(childPointer)) continue;
        const child = resolve(branch.properties[key]);
        const field = describe(child, childPointer, key);
        fields.push(field);
        byPointer.set(childPointer, field);
        if (child.properties || child.oneOf || child.anyOf) visitObject(child, childPointer);
      }
    }
  };

  visitObject(resolve(root), '');
  return { fields, byPointer, keyOrders };
}

function describe(node: SchemaNode, pointer: string, key: string): FieldDescriptor {
  const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
  const nullable = types.includes('null');
  const main = types.filter((type) => type !== 'null');
  let kind: FieldKind;
  let options: FieldOption[] | undefined;
  if (node.enum) {
    kind = 'enum';
    options = node.enum
      .filter((value): value is string => typeof value === 'string')
      .map((value, i) => ({ value, ...(node.enumDescriptions?.[i] ? { description: node.enumDescriptions[i] } : {}) }));
  } else if (main.includes('array')) {
    kind = 'stringList';
  } else if (main.length === 1 && ['string', 'integer', 'number', 'boolean'].includes(main[0])) {
    kind = main[0] as FieldKind;
  } else {
    kind = 'object'; // objects, and `data` (a oneOf without a type)
  }
  const numeric = (name: 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum') =>
    typeof node[name] === 'number' ? { [name]: node[name] } : {};
  return {
    pointer,
    kind,
    title: node.title ?? key,
    description: node.description ?? '',
    ...(node.default !== undefined ? { default: node.default } : {}),
    nullable,
    ...(options ? { options } : {}),
    ...numeric('minimum'),
    ...numeric('maximum'),
    ...numeric('exclusiveMinimum'),
    ...numeric('exclusiveMaximum'),
  };
}

function lookup(root: SchemaNode, ref: string): SchemaNode {
  if (!ref.startsWith('#')) throw new Error(`only local $refs are supported (${ref})`);
  let node: unknown = root;
  for (const token of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  if (typeof node !== 'object' || node === null) throw new Error(`unresolved $ref ${ref}`);
  return node as SchemaNode;
}
