/**
 * The schema given to VS Code's JSON language service helps editing without validating, so each spec problem is
 * reported once (by MoE Lab's diagnostics): no validation keyword is left, every property of the real schema is
 * still there to complete and hover, allowed values are still offered, and a spec the real schema rejects passes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validator } from '@cfworker/json-schema';
import schema from '../../src/core/spec/schema.json';
import { parseSpecText } from '../../src/core/spec/validate';
// @ts-expect-error: a plain .mjs build script without type declarations
import { assistSchema } from '../../scripts/assistSchema.mjs';

const assist = assistSchema(schema) as Record<string, unknown>;

function keywordsOf(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((child) => keywordsOf(child, out));
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'default' || key === 'defaultSnippets' || key === 'examples') continue; // values, not schemas
      if (key === 'properties' || key === '$defs') Object.values(value as object).forEach((child) => keywordsOf(child, out));
      else {
        out.add(key);
        keywordsOf(value, out);
      }
    }
  }
  return out;
}

function propertyPaths(node: unknown, prefix = '', out: string[] = []): string[] {
  if (typeof node !== 'object' || node === null) return out;
  const record = node as Record<string, unknown>;
  for (const [name, child] of Object.entries((record.properties as Record<string, unknown>) ?? {})) {
    out.push(`${prefix}/${name}`);
    propertyPaths(child, `${prefix}/${name}`, out);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const branch of (record[key] as unknown[]) ?? []) propertyPaths(branch, prefix, out);
  for (const [name, child] of Object.entries((record.$defs as Record<string, unknown>) ?? {})) propertyPaths(child, `#${name}`, out);
  return out;
}

test('the assist schema keeps no validation keyword', () => {
  const left = [...keywordsOf(assist)].filter((key) => ['type', 'enum', 'required', 'additionalProperties', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'minLength', 'uniqueItems', 'oneOf'].includes(key));
  assert.deepEqual(left, []);
});

test('every property of the spec schema is still there for completion and hover, with its description', () => {
  assert.deepEqual(propertyPaths(assist).sort(), propertyPaths(schema).sort());
  const experts = (assist.properties as Record<string, { properties: Record<string, { description?: string }> }>).model.properties.experts;
  assert.equal(experts.description, (schema as { properties: { model: { properties: { experts: { description?: string } } } } }).properties.model.properties.experts.description);
});

test('allowed values are offered as value snippets with their descriptions', () => {
  const strategy = (assist.properties as Record<string, { properties: Record<string, { defaultSnippets?: { body: unknown; description?: string }[] }> }>).init.properties.strategy;
  const original = (schema as { properties: { init: { properties: { strategy: { enum: string[]; enumDescriptions?: string[] } } } } }).properties.init.properties.strategy;
  assert.deepEqual(strategy.defaultSnippets?.map((s) => s.body), original.enum);
  if (original.enumDescriptions) assert.deepEqual(strategy.defaultSnippets?.map((s) => s.description), original.enumDescriptions);
});

test('specs the real schema rejects pass the assist schema (so the JSON language service reports nothing twice)', () => {
  // The project's own schema validator, on the assist schema.
  const validator = new Validator(assist as never, '2020-12', false);
  const validate = (value: unknown) => validator.validate(value);
  const bad = path.resolve(__dirname, '../fixtures/bad');
  const files = fs.readdirSync(bad).filter((name) => name.endsWith('.moe.json'));
  let rejected = 0;
  for (const name of files) {
    const text = fs.readFileSync(path.join(bad, name), 'utf8');
    if (!parseSpecText(text, name).ok) rejected++;
    const result = validate(JSON.parse(text));
    assert.ok(result.valid, `${name}: ${JSON.stringify(result.errors)}`);
  }
  assert.ok(rejected >= 3, `the fixtures include specs the real schema rejects (${rejected})`);
  assert.ok(validate({ model: { experts: 0, expert: 'poisson' }, stopping: { tolerance: -1 }, extra: true }).valid);
  assert.equal(new Validator(schema as never, '2020-12', false).validate({ model: { experts: 0 } }).valid, false, 'the real schema rejects it');
});
