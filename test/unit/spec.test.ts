import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  defaultSpecTemplate,
  formatSpecIssue,
  parseSpecText,
  resolveSpec,
  specSchema,
  validateSpecObject,
  type SpecIssue,
} from '../../src/core/spec/validate';
import type { ExperimentSpec } from '../../src/core/spec/types';

function errorsOf(value: unknown): SpecIssue[] {
  const result = typeof value === 'string' ? parseSpecText(value) : validateSpecObject(value);
  assert.equal(result.ok, false, 'expected the spec to be rejected');
  return result.ok ? [] : result.errors;
}

function messagesOf(value: unknown): string[] {
  return errorsOf(value).map((issue) => issue.message);
}

function specOf(value: unknown): ExperimentSpec {
  const result = validateSpecObject(value);
  assert.ok(result.ok, result.ok ? '' : result.errors.map((e) => e.message).join('\n'));
  return result.spec;
}

const synthetic = { data: { synthetic: {} } };

test('a minimal CSV spec resolves with every default', () => {
  const result = parseSpecText('{ "data": { "csv": "data/iris.csv", "target": "species" } }', 'iris.moe.json');
  assert.ok(result.ok);
  const expected: ExperimentSpec = {
    name: 'experiment',
    data: {
      source: { csv: 'data/iris.csv', target: 'species', dropInvalidRows: false },
      standardize: true,
      testFraction: 0,
      splitSeed: 0,
    },
    model: { experts: 2, expert: 'auto', gate: 'softmax', ridge: 0, symmetric: false },
    solvers: {
      em: { enabled: true, innerIterations: 0, acceleration: 'none', mStep: 'newton-cg' },
      gem: { enabled: false, learningRate: 0.1, steps: 1 },
      gd: { enabled: true, learningRate: 0.1 },
      adam: { enabled: true, learningRate: 0.01 },
    },
    stopping: { maxIterations: 500, tolerance: 1e-8, gradientTolerance: 1e-3, timeBudgetSeconds: 0 },
    init: { strategy: 'mixed', seed: 0, restarts: 1, perturbation: 0.1 },
    errorThreshold: 0.01,
    resultsDir: '.moe-lab/runs',
  };
  assert.deepEqual(result.spec, expected);
});

test('a full spec keeps its values; unknown top-level fields are allowed and kept in raw', () => {
  const raw = {
    $schema: './moe.schema.json',
    name: 'iris',
    comment: 'kept by the editor',
    data: { csv: 'data/iris.csv', target: 'species', features: ['a', 'b'], dropInvalidRows: true, standardize: false, testFraction: 0.3, splitSeed: 4 },
    model: { experts: 3, expert: 'categorical', gate: 'constant', ridge: 0.5, symmetric: false, fixedSigma: 1.5 },
    solvers: { em: { enabled: false }, gem: { enabled: true, learningRate: 0.2, steps: 3 }, gd: { enabled: false, learningRate: 0.3 }, adam: { enabled: true, learningRate: 0.001 } },
    stopping: { maxIterations: 20, tolerance: 0, timeBudgetSeconds: 5 },
    init: { strategy: 'kmeans', seed: 9, restarts: 4, perturbation: 0.2 },
    errorThreshold: 0.05,
    resultsDir: 'out',
  };
  const result = validateSpecObject(raw);
  assert.ok(result.ok);
  assert.equal(result.raw, raw);
  const { spec } = result;
  assert.deepEqual(spec.data.source, { csv: 'data/iris.csv', target: 'species', features: ['a', 'b'], dropInvalidRows: true });
  assert.equal(spec.data.splitSeed, 4);
  assert.equal(spec.model.fixedSigma, 1.5);
  assert.deepEqual(spec.solvers.gem, { enabled: true, learningRate: 0.2, steps: 3 });
  assert.equal(spec.init.strategy, 'kmeans');
  assert.equal(spec.resultsDir, 'out');
});

test('synthetic data resolves with the generator defaults', () => {
  const spec = specOf({ data: { synthetic: { kind: 'logistic', symmetric: true }, testFraction: 0.25 }, model: { symmetric: true } });
  assert.deepEqual(spec.data.source, {
    synthetic: { kind: 'logistic', experts: 2, dim: 5, samples: 1000, snr: 4, seed: 1, symmetric: true },
  });
  assert.equal(spec.data.testFraction, 0.25);
  assert.equal(spec.model.fixedSigma, undefined);
  assert.equal(specOf({ ...synthetic, init: { strategy: 'nearTruth' } }).init.strategy, 'nearTruth');
});

test('error messages: wrong type, enum, bounds, unknown fields', () => {
  assert.deepEqual(messagesOf({ ...synthetic, model: { experts: '3' } }), ['/model/experts: must be an integer (got "3")']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { experts: 2.5 } }), ['/model/experts: must be an integer (got 2.5)']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { expert: 'gauss' } }),
    ['/model/expert: must be one of "auto", "gaussian", "bernoulli", "categorical" (got "gauss")']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { expert: 3 } }), ['/model/expert: must be a string (got 3)']);
  assert.deepEqual(messagesOf({ ...synthetic, solvers: { gd: { learningRate: -1 } } }),
    ['/solvers/gd/learningRate: must be > 0 (got -1)']);
  assert.deepEqual(messagesOf({ ...synthetic, solvers: { adam: { learningRate: 0 } } }),
    ['/solvers/adam/learningRate: must be > 0 (got 0)']);
  assert.deepEqual(messagesOf({ ...synthetic, stopping: { maxIter: 10 } }),
    ['/stopping/maxIter: unknown field (did you mean "maxIterations"?)']);
  assert.deepEqual(messagesOf({ ...synthetic, init: { sede: 1 } }), ['/init/sede: unknown field (did you mean "seed"?)']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { colour: 'red' } }),
    ['/model/colour: unknown field (expected one of "experts", "expert", "gate", "ridge", "symmetric", "fixedSigma")']);
  assert.deepEqual(messagesOf({ ...synthetic, solvers: { gd: { enabled: true, lr: 0.1 } } }),
    ['/solvers/gd/lr: unknown field (expected one of "enabled", "learningRate")']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { experts: 0 } }), ['/model/experts: must be >= 1 (got 0)']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { experts: 51 } }), ['/model/experts: must be <= 50 (got 51)']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { fixedSigma: 0 } }), ['/model/fixedSigma: must be > 0 (got 0)']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { fixedSigma: 'x' } }), ['/model/fixedSigma: must be a number or null (got "x")']);
  assert.deepEqual(messagesOf({ ...synthetic, init: { restarts: 101 } }), ['/init/restarts: must be <= 100 (got 101)']);
  assert.deepEqual(messagesOf({ ...synthetic, stopping: { tolerance: -1 } }), ['/stopping/tolerance: must be >= 0 (got -1)']);
  assert.deepEqual(messagesOf({ ...synthetic, name: '' }), ['/name: must not be empty']);
  assert.deepEqual(messagesOf({ ...synthetic, solvers: { em: true } }), ['/solvers/em: must be an object (got true)']);
  assert.deepEqual(messagesOf([]), ['(root): must be an object (got an array)']);
  assert.deepEqual(messagesOf({}), ['(root): missing required field "data"']);
});

test('several problems give one message each, no aggregate noise', () => {
  const messages = messagesOf({
    data: { synthetic: { dim: 0 } },
    model: { experts: 'two', gate: 'soft' },
    solvers: { gd: { learningRate: -1 } },
  });
  assert.deepEqual(messages, [
    '/data/synthetic/dim: must be >= 1 (got 0)',
    '/model/experts: must be an integer (got "two")',
    '/model/gate: must be one of "softmax", "constant" (got "soft")',
    '/solvers/gd/learningRate: must be > 0 (got -1)',
  ]);
});

test('the data oneOf says which form failed and why', () => {
  assert.deepEqual(messagesOf({ data: { csv: 'a.csv' } }), ['/data: missing required field "target" (CSV data form)']);
  assert.deepEqual(messagesOf({ data: { csv: 'a.csv', targt: 'y' } }), [
    '/data: missing required field "target" (CSV data form)',
    '/data/targt: unknown field in CSV data (did you mean "target"?)',
  ]);
  assert.deepEqual(messagesOf({ data: { synthetic: { kind: 'quadratic' } } }),
    ['/data/synthetic/kind: must be one of "linear", "logistic" (got "quadratic")']);
  assert.deepEqual(messagesOf({ data: { csv: 'a.csv', target: 'y', testFraction: 1 } }), ['/data/testFraction: must be < 1 (got 1)']);
  assert.deepEqual(messagesOf({ data: { csv: 'a.csv', target: 'y', synthetic: {} } }),
    ['/data: must be either CSV data (with "csv" and "target") or synthetic data (with "synthetic"), not both']);
  assert.deepEqual(messagesOf({ data: {} }),
    ['/data: must be either CSV data (with "csv" and "target") or synthetic data (with "synthetic")']);
  assert.deepEqual(messagesOf({ data: 'iris.csv' }),
    ['/data: must be either CSV data (with "csv" and "target") or synthetic data (with "synthetic") (got "iris.csv")']);
});

test('semantic checks: a solver must be enabled; symmetric models; target among features', () => {
  const none = { em: { enabled: false }, gd: { enabled: false }, adam: { enabled: false } };
  assert.deepEqual(errorsOf({ ...synthetic, solvers: none }), [
    { pointer: '/solvers', message: '/solvers: at least one solver must be enabled (em, gem, gd or adam)' },
  ]);
  assert.ok(validateSpecObject({ ...synthetic, solvers: { ...none, gem: { enabled: true } } }).ok);
  assert.deepEqual(messagesOf({ ...synthetic, model: { symmetric: true, experts: 3 } }),
    ['/model/symmetric: a symmetric model needs exactly 2 experts (model.experts is 3)']);
  assert.deepEqual(messagesOf({ ...synthetic, model: { symmetric: true, expert: 'categorical' } }),
    ['/model/symmetric: a symmetric model needs gaussian or bernoulli experts (model.expert is "categorical")']);
  assert.deepEqual(messagesOf({ data: { synthetic: { symmetric: true, experts: 3 } } }),
    ['/data/synthetic/symmetric: symmetric synthetic data needs exactly 2 experts (data.synthetic.experts is 3)']);
  assert.deepEqual(messagesOf({ data: { csv: 'a.csv', target: 'y', features: ['x', 'y'] } }),
    ['/data/features/1: the target "y" cannot also be a feature']);
  assert.ok(validateSpecObject({ ...synthetic, model: { symmetric: true, expert: 'bernoulli' } }).ok);
});

test('invalid JSON: one issue at the root with the line and column of the syntax error', () => {
  const cases: Array<[string, string, number, number]> = [
    ['{\n  "data": {\n    "csv": "a.csv",\n  }\n}', 'trailing comma before "}"', 4, 3],
    ['{\n  "data": {"synthetic": {}}\n  "name": "x"\n}', 'expected "," or "}" after the property value, found \'"\'', 3, 3],
    ['{ "data": { "synthetic": { "dim": 01 } } }', "invalid number '01'", 1, 35],
    ['{ "name": "a\nb" }', 'unterminated string (a line break inside a string)', 1, 13],
    ['{ data: 1 }', "expected a property name in double quotes, found 'data'", 1, 3],
    ['{ "a": 1 } x', 'unexpected \'x\' after the end of the JSON value', 1, 12],
    ['// note\n{}', 'comments are not allowed in JSON', 1, 1],
    ['   ', 'the file is empty', 1, 4],
    ['{ "a": tru }', "expected a value, found 'tru'", 1, 8],
    ['{ "a": [1, 2', 'expected "," or "]" after an array item, found the end of the file', 1, 13],
  ];
  for (const [text, problem, line, column] of cases) {
    const result = parseSpecText(text, 'x.moe.json');
    assert.equal(result.ok, false, text);
    if (result.ok) continue;
    assert.deepEqual(result.errors, [
      { pointer: '', message: `x.moe.json is not valid JSON: ${problem} (line ${line}, column ${column})`, line, column },
    ], text);
  }
  assert.deepEqual(messagesOf('{"data": }'), ["not valid JSON: expected a value, found '}' (line 1, column 10)"]);
});

test('schema issues from text carry the position of the value (or of the key for unknown fields)', () => {
  const text = '{\n  "data": { "synthetic": {} },\n  "model": { "experts": 0 },\n  "stopping": { "maxIter": 3 }\n}';
  const errors = errorsOf(text);
  assert.deepEqual(errors, [
    { pointer: '/model/experts', message: '/model/experts: must be >= 1 (got 0)', line: 3, column: 25, endLine: 3, endColumn: 26 },
    {
      pointer: '/stopping/maxIter',
      message: '/stopping/maxIter: unknown field (did you mean "maxIterations"?)',
      line: 4, column: 17, endLine: 4, endColumn: 26,
    },
  ]);
  assert.equal(formatSpecIssue(errors[0], 'a.moe.json'), 'a.moe.json:3:25: /model/experts: must be >= 1 (got 0)');
  // A missing field points at the object that lacks it.
  const missing = errorsOf('{\n  "data": {\n    "csv": "a.csv"\n  }\n}');
  assert.deepEqual([missing[0].line, missing[0].column], [2, 11]);
  // A BOM does not shift columns.
  assert.equal(errorsOf('\uFEFF{"data": {"synthetic": {}}, "name": ""}')[0].column, 37);
});

test('every schema field has a title, a description and a default', () => {
  const optionalDefault = new Set(['/properties/$schema']);
  // A swept field's values are what the user lists: there is no default list (an empty sweep is the default).
  const noDefault = (here: string) => optionalDefault.has(here) || here.startsWith('/properties/sweep/properties/');
  const problems: string[] = [];
  const visit = (node: Record<string, unknown>, path: string): void => {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [key, child] of Object.entries(properties ?? {})) {
      const here = `${path}/properties/${key}`;
      const target = typeof child.$ref === 'string' ? { ...resolve(child.$ref), ...child } : child;
      for (const keyword of ['title', 'description', 'default']) {
        if (!(keyword in target) && !(keyword === 'default' && noDefault(here))) problems.push(`${here} lacks ${keyword}`);
      }
      visit(target, here);
    }
    for (const branch of (node.oneOf as Array<Record<string, unknown>> | undefined) ?? []) {
      visit(typeof branch.$ref === 'string' ? resolve(branch.$ref) : branch, `${path}/oneOf`);
    }
  };
  const resolve = (ref: string): Record<string, unknown> =>
    ref.slice(2).split('/').reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, specSchema as never);
  visit(specSchema as never, '');
  assert.deepEqual(problems, []);
  assert.equal(specSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
});

test('resolveSpec and the template agree with the schema defaults', () => {
  const template = defaultSpecTemplate('data/iris.csv', 'species');
  assert.equal(template.name, 'iris');
  const result = validateSpecObject(template);
  assert.ok(result.ok);
  assert.deepEqual(result.spec.data.source, { csv: 'data/iris.csv', target: 'species', dropInvalidRows: false });
  assert.equal(result.spec.init.restarts, 3);
  const syntheticTemplate = defaultSpecTemplate();
  assert.ok(validateSpecObject(syntheticTemplate).ok);
  assert.deepEqual(resolveSpec({ data: { synthetic: {} } }).data.source,
    { synthetic: { kind: 'linear', experts: 2, dim: 5, samples: 1000, snr: 4, seed: 1, symmetric: true } });
  // The template is a fresh object each time (the editor mutates it).
  (defaultSpecTemplate().solvers as Record<string, { enabled: boolean }>).em.enabled = false;
  assert.equal((defaultSpecTemplate().solvers as Record<string, { enabled: boolean }>).em.enabled, true);
});

test('validateSpecObject never throws, whatever JSON value it gets', () => {
  const check = (value: unknown): void => {
    const result = validateSpecObject(value);
    if (!result.ok) {
      assert.ok(result.errors.length > 0);
      for (const issue of result.errors) {
        assert.equal(typeof issue.message, 'string');
        assert.ok(issue.message.startsWith(issue.pointer === '' ? '(root)' : issue.pointer), issue.message);
      }
    }
  };
  fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 500 });
  // Values shaped like specs reach the deeper checks.
  const field = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('auto', 'gauss', 'random', -1, 0, 1, 2.5, true));
  const section = fc.dictionary(
    fc.constantFrom('experts', 'expert', 'gate', 'ridge', 'symmetric', 'fixedSigma', 'enabled', 'learningRate', 'steps',
      'maxIterations', 'tolerance', 'strategy', 'seed', 'restarts', 'csv', 'target', 'features', 'synthetic', 'maxIter'),
    field,
  );
  const specLike = fc.record({
    data: fc.oneof(section, fc.record({ synthetic: section }), fc.record({ csv: fc.string(), target: fc.string() })),
    model: section,
    solvers: fc.dictionary(fc.constantFrom('em', 'gem', 'gd', 'adam', 'sgd'), section),
    stopping: section,
    init: section,
  }, { requiredKeys: ['data'] });
  fc.assert(fc.property(specLike, check), { numRuns: 1000 });
  fc.assert(fc.property(fc.string(), (text) => { parseSpecText(text); }), { numRuns: 500 });
  for (const odd of [undefined, () => 1, 10n, NaN, { data: undefined }, { data: { synthetic: { dim: Infinity } } }]) check(odd);
});
