// src/core/spec/defaults.ts is the one source of MoE Lab's defaults; schema.json and package.json repeat them
// because JSON cannot import. These tests fail when either file disagrees with it: a changed value, or a field
// that has a default on one side only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS_DEFAULTS, SPEC_DEFAULTS } from '../../src/core/spec/defaults';
import schema from '../../src/core/spec/schema.json';
import { resolveSpec } from '../../src/core/spec/validate';

type Node = { default?: unknown; $ref?: string; properties?: Record<string, Node>; oneOf?: Node[] };

const ROOT = path.resolve(__dirname, '../..');

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every leaf of `value` by its dotted path (objects are walked into; arrays and null are leaves). */
function leaves(value: unknown, at: string[] = [], out = new Map<string, unknown>()): Map<string, unknown> {
  if (isPlainObject(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, [...at, key], out);
  } else {
    out.set(at.join('.'), value);
  }
  return out;
}

function resolveRef(ref: string): Node {
  const parts = ref.replace(/^#\//, '').split('/');
  return parts.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], schema) as Node;
}

/** A node's default; one on the node itself wins over one on the schema it refers to. */
function defaultOf(node: Node): unknown {
  if ('default' in node) return node.default;
  return node.$ref ? defaultOf(resolveRef(node.$ref)) : undefined;
}

/**
 * Every default schema.json states, by the spec path it applies to: the `default` of each property (through `$ref`
 * and the `oneOf` branches of `data`), and each field of an object's `default` (the snippet the JSON editor inserts).
 */
function schemaDefaults(): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const record = (at: string[], value: unknown) => {
    for (const [key, leaf] of leaves(value, at)) {
      if (found.has(key)) assert.deepEqual(leaf, found.get(key), `schema.json gives ${key} two different defaults`);
      found.set(key, leaf);
    }
  };
  const walk = (node: Node, at: string[]) => {
    const value = defaultOf(node);
    if (value !== undefined && at.length > 0) record(at, value);
    const target = node.$ref ? resolveRef(node.$ref) : node;
    for (const [key, child] of Object.entries(target.properties ?? {})) walk(child, [...at, key]);
    for (const branch of target.oneOf ?? []) walk(branch, at);
  };
  walk(schema as Node, []);
  found.delete('$schema');
  return found;
}

function assertSameDefaults(actual: Map<string, unknown>, expected: Map<string, unknown>, where: string): void {
  for (const [key, value] of expected) {
    assert.ok(actual.has(key), `${where} has no default for ${key} (defaults.ts: ${JSON.stringify(value)})`);
    assert.deepEqual(actual.get(key), value, `${where} gives ${key} the default ${JSON.stringify(actual.get(key))}, defaults.ts ${JSON.stringify(value)}`);
  }
  for (const key of actual.keys()) assert.ok(expected.has(key), `${where} has a default for ${key} that defaults.ts has not`);
}

test('schema.json states the defaults of defaults.ts, field by field, and no others', () => {
  const expected = leaves(SPEC_DEFAULTS);
  assert.ok(expected.size > 30, `defaults.ts lists ${expected.size} fields`);
  assertSameDefaults(schemaDefaults(), expected, 'schema.json');
});

test("package.json's settings have the defaults of defaults.ts, and no setting is missing there", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
  };
  const settings = new Map(
    Object.entries(manifest.contributes.configuration.properties).map(([key, setting]) => [key.replace(/^moeLab\./, ''), setting.default]),
  );
  assertSameDefaults(settings, new Map(Object.entries(SETTINGS_DEFAULTS)), 'package.json');
});

test('a spec that leaves every optional field out resolves to the defaults of defaults.ts', () => {
  const spec = resolveSpec({ data: { csv: 'x.csv', target: 'y' } });
  const { data, model, solvers, stopping, init } = SPEC_DEFAULTS;
  assert.deepEqual(spec.data, {
    source: { csv: 'x.csv', target: 'y', dropInvalidRows: data.dropInvalidRows },
    standardize: data.standardize,
    testFraction: data.testFraction,
    splitSeed: data.splitSeed,
  });
  assert.deepEqual(spec.model, { experts: model.experts, expert: model.expert, gate: model.gate, ridge: model.ridge, symmetric: model.symmetric });
  assert.deepEqual(spec.solvers, solvers);
  assert.deepEqual(spec.stopping, stopping);
  assert.deepEqual(spec.init, init);
  assert.equal(spec.name, SPEC_DEFAULTS.name);
  assert.equal(spec.errorThreshold, SPEC_DEFAULTS.errorThreshold);
  assert.equal(spec.resultsDir, SPEC_DEFAULTS.resultsDir);
  assert.deepEqual(resolveSpec({ data: { synthetic: {} } }).data.source, { synthetic: data.synthetic });
});
