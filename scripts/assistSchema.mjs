/**
 * The spec schema as VS Code's JSON language service gets it (`contributes.jsonValidation`): everything that helps
 * editing a `*.moe.json` as text — properties, titles, descriptions, defaults, snippets, value suggestions — and
 * nothing that validates. MoE Lab's own diagnostics (src/extension/specEditor/specDiagnostics.ts) report every
 * problem, once, with a message that names the field; with the full schema the JSON language service reported
 * each schema problem a second time (issue 17).
 *
 * Allowed values (`enum`) become value snippets with their descriptions, so completion still offers them; a
 * `oneOf` becomes an `anyOf` (without constraints every branch matches, and `oneOf` would then complain).
 */
const VALIDATION_KEYWORDS = new Set([
  'type',
  'enum',
  'const',
  'required',
  'additionalProperties',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'dependencies',
  'dependentRequired',
  'not',
]);

/** Keywords whose value is a map of names to schemas. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'patternProperties']);
/** Keywords whose value is a schema or a list of schemas. */
const SCHEMA_VALUES = new Set(['items', 'anyOf', 'allOf', 'oneOf', 'if', 'then', 'else']);

export function assistSchema(schema) {
  if (Array.isArray(schema)) return schema.map(assistSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (VALIDATION_KEYWORDS.has(key) || key === 'enumDescriptions') continue;
    if (SCHEMA_MAPS.has(key)) out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, assistSchema(child)]));
    else if (SCHEMA_VALUES.has(key)) out[key === 'oneOf' ? 'anyOf' : key] = assistSchema(value);
    else out[key] = value;
  }
  const values = Array.isArray(schema.enum) ? schema.enum : schema.const !== undefined ? [schema.const] : [];
  const booleans = values.length === 0 && (schema.type === 'boolean' || (Array.isArray(schema.type) && schema.type.includes('boolean'))) ? [true, false] : [];
  const suggested = [...values, ...booleans];
  if (suggested.length > 0) {
    const descriptions = Array.isArray(schema.enumDescriptions) ? schema.enumDescriptions : [];
    const snippets = suggested.map((value, i) => ({ label: JSON.stringify(value), ...(descriptions[i] ? { description: descriptions[i] } : {}), body: value }));
    out.defaultSnippets = [...snippets, ...(Array.isArray(schema.defaultSnippets) ? schema.defaultSnippets : [])];
  }
  return out;
}
