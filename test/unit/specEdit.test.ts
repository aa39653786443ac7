/** The spec editor's edit logic (src/extension/specEditor/specEdit.ts) and field model, without VS Code. */
import { test } from 'node:test';
import fc from 'fast-check';
import * as assert from 'node:assert/strict';
import {
  applySpecEdits,
  detectFormat,
  minimalReplacement,
  offsetToLineColumn,
  pointerRange,
} from '../../src/extension/specEditor/specEdit';
import { specFieldModel } from '../../src/extension/specEditor/specFields';
import { parseWebviewMessage, type JsonValue, type SpecEditOp } from '../../src/protocol/specEditorMessages';
import { parseSpecText } from '../../src/core/spec/validate';

const { keyOrders, byPointer } = specFieldModel();

const SPEC = `{
  "name": "iris",
  "x-notes": { "owner": "ana", "tags": [1, 2] },
  "data": {
    "csv": "iris.csv",
    "target": "species",
    "testFraction": 0.3
  },
  "model": {
    "gate": "softmax",
    "experts": 3
  },
  "zz-unknown": true
}
`;

function edit(text: string, ...ops: SpecEditOp[]): string {
  const result = applySpecEdits(text, ops, keyOrders);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.text;
}

test('setting a value at a pointer keeps unknown fields and the order of keys', () => {
  const out = edit(SPEC, { op: 'set', pointer: '/model/experts', value: 4 });
  const parsed = JSON.parse(out);
  assert.equal(parsed.model.experts, 4);
  assert.deepEqual(Object.keys(parsed), ['name', 'x-notes', 'data', 'model', 'zz-unknown']);
  assert.deepEqual(Object.keys(parsed.model), ['gate', 'experts'], 'existing keys stay where the user put them');
  assert.deepEqual(parsed['x-notes'], { owner: 'ana', tags: [1, 2] });
  assert.equal(parsed['zz-unknown'], true);
  // Everything but the edited value is the same JSON.
  parsed.model.experts = 3;
  assert.deepEqual(parsed, JSON.parse(SPEC));
});

test('an edit changes only the edited value in the text: the rest keeps its formatting', () => {
  const out = edit(SPEC, { op: 'set', pointer: '/name', value: 'iris-2' });
  assert.equal(out, SPEC.replace('"iris"', '"iris-2"'));
  const compact = '{\n  "name": "iris",\n  "model": { "experts": 2, "expert": "categorical", "gate": "softmax" },\n  "init": { "seed": 0 }\n}\n';
  assert.equal(edit(compact, { op: 'set', pointer: '/model/experts', value: 3 }), compact.replace('"experts": 2', '"experts": 3'));
  assert.equal(
    edit(compact, { op: 'set', pointer: '/model/ridge', value: 0.5 }),
    compact.replace('"gate": "softmax" }', '"gate": "softmax", "ridge": 0.5 }'),
    'a new key in a one-line object stays on that line',
  );
  assert.equal(
    edit(compact, { op: 'set', pointer: '/stopping/maxIterations', value: 100 }),
    compact.replace('},\n  "init"', '},\n  "stopping": {\n    "maxIterations": 100\n  },\n  "init"'),
    'a new object in a one-key-per-line object is laid out the same way',
  );
  assert.equal(
    edit(compact, { op: 'remove', pointer: '/model/expert' }),
    compact.replace('"experts": 2, "expert": "categorical", ', '"experts": 2, '),
  );
  assert.equal(edit(compact, { op: 'remove', pointer: '/model/experts' }), compact.replace('"experts": 2, ', ''));
  assert.equal(edit(compact, { op: 'remove', pointer: '/model/gate' }), compact.replace(', "gate": "softmax"', ''));
  assert.equal(edit(compact, { op: 'remove', pointer: '/init/seed' }), compact.replace('{ "seed": 0 }', '{}'));
  assert.equal(edit(compact, { op: 'remove', pointer: '/name' }), compact.replace('  "name": "iris",\n', ''));
  assert.equal(edit(compact, { op: 'set', pointer: '/init/seed', value: 9 }), compact.replace('"seed": 0', '"seed": 9'));
  assert.equal(edit('{}', { op: 'set', pointer: '/name', value: 'a' }), '{\n  "name": "a"\n}');
  assert.equal(edit('{ }\n', { op: 'set', pointer: '/model/experts', value: 2 }), '{\n  "model": {\n    "experts": 2\n  }\n}\n');
});

test('replacing a multi-line value keeps it multi-line at its indentation', () => {
  const text = '{\n  "data": {\n    "csv": "a.csv",\n    "target": "y",\n    "features": [\n      "x1"\n    ]\n  }\n}\n';
  const out = edit(text, { op: 'set', pointer: '/data/features', value: ['x1', 'x2'] });
  assert.equal(out, text.replace('[\n      "x1"\n    ]', '[\n      "x1",\n      "x2"\n    ]'));
  // Switching the data source (as the host does it: set the new form first, then remove the old one's fields).
  const synthetic = edit(
    text,
    { op: 'set', pointer: '/data/synthetic', value: { kind: 'linear', experts: 2 } },
    { op: 'remove', pointer: '/data/csv' },
    { op: 'remove', pointer: '/data/target' },
    { op: 'remove', pointer: '/data/features' },
  );
  assert.equal(synthetic, '{\n  "data": {\n    "synthetic": {\n      "kind": "linear",\n      "experts": 2\n    }\n  }\n}\n');
});

test('a new key goes where the schema puts it among its siblings', () => {
  const ridge = JSON.parse(edit(SPEC, { op: 'set', pointer: '/model/ridge', value: 0.5 }));
  // schema order: experts, expert, gate, ridge, ... → after the last present sibling that comes before it
  assert.deepEqual(Object.keys(ridge.model), ['gate', 'experts', 'ridge']);
  const expert = JSON.parse(edit(SPEC, { op: 'set', pointer: '/model/expert', value: 'categorical' }));
  assert.deepEqual(Object.keys(expert.model), ['gate', 'experts', 'expert']);
  const split = JSON.parse(edit(SPEC, { op: 'set', pointer: '/data/features', value: ['a', 'b'] }));
  assert.deepEqual(Object.keys(split.data), ['csv', 'target', 'features', 'testFraction']);
  const top = JSON.parse(edit(SPEC, { op: 'set', pointer: '/resultsDir', value: 'out' }));
  assert.deepEqual(Object.keys(top), ['name', 'x-notes', 'data', 'model', 'resultsDir', 'zz-unknown']);
});

test('missing parent objects are created, in schema order', () => {
  const out = JSON.parse(edit(SPEC, { op: 'set', pointer: '/solvers/gd/learningRate', value: 0.05 }));
  assert.deepEqual(out.solvers, { gd: { learningRate: 0.05 } });
  assert.deepEqual(Object.keys(out), ['name', 'x-notes', 'data', 'model', 'solvers', 'zz-unknown']);
  const init = JSON.parse(edit('{}', { op: 'set', pointer: '/init/seed', value: 7 }, { op: 'set', pointer: '/model/gate', value: 'constant' }));
  assert.deepEqual(Object.keys(init), ['model', 'init']);
});

test('switching the data source in one edit (remove + set) keeps the shared fields', () => {
  const out = JSON.parse(
    edit(
      SPEC,
      { op: 'remove', pointer: '/data/csv' },
      { op: 'remove', pointer: '/data/target' },
      { op: 'set', pointer: '/data/synthetic', value: { kind: 'linear', experts: 2 } },
    ),
  );
  assert.deepEqual(out.data, { synthetic: { kind: 'linear', experts: 2 }, testFraction: 0.3 });
});

test('removing a key falls back to the default; removing a missing key changes nothing', () => {
  const out = applySpecEdits(SPEC, [{ op: 'remove', pointer: '/model/experts' }], keyOrders);
  assert.ok(out.ok && out.changed);
  assert.deepEqual(JSON.parse(out.text).model, { gate: 'softmax' });
  const same = applySpecEdits(SPEC, [{ op: 'remove', pointer: '/stopping/tolerance' }], keyOrders);
  assert.ok(same.ok);
  assert.equal(same.changed, false);
  assert.equal(same.text, SPEC, 'a no-op does not reformat the text');
});

test('text that is not a JSON object, or a broken parent, is never rewritten', () => {
  const broken = '{ "model": { "experts": 3, } }';
  const result = applySpecEdits(broken, [{ op: 'set', pointer: '/model/experts', value: 4 }], keyOrders);
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.message, /not valid JSON.*line 1, column 28/);
  const wrongParent = applySpecEdits('{ "model": [1] }', [{ op: 'set', pointer: '/model/experts', value: 4 }], keyOrders);
  assert.equal(wrongParent.ok, false);
  assert.match(wrongParent.ok ? '' : wrongParent.message, /\/model is a list/);
  assert.equal(applySpecEdits('[1, 2]', [{ op: 'set', pointer: '/name', value: 'x' }], keyOrders).ok, false);
});

test('indentation, CRLF line endings and a missing final newline are kept', () => {
  const tabbed = '{\r\n\t"name": "a",\r\n\t"model": {\r\n\t\t"experts": 2\r\n\t}\r\n}';
  assert.deepEqual(detectFormat(tabbed), { indent: '\t', eol: '\r\n', finalNewline: false });
  const out = edit(tabbed, { op: 'set', pointer: '/model/experts', value: 5 });
  assert.equal(out, '{\r\n\t"name": "a",\r\n\t"model": {\r\n\t\t"experts": 5\r\n\t}\r\n}');
  assert.equal(detectFormat('{\n    "a": 1\n}\n').indent, '    ');
  assert.equal(detectFormat('{"a":1}').indent, '  ');
});

test('a key named __proto__ stays an ordinary field', () => {
  const text = '{ "__proto__": { "polluted": true }, "name": "p" }';
  const out = edit(text, { op: 'set', pointer: '/model/experts', value: 2 });
  const parsed = JSON.parse(out);
  assert.ok(Object.prototype.hasOwnProperty.call(parsed, '__proto__'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(parsed), ['__proto__', 'name', 'model']);
});

test('pointer → range: values, keys, and the nearest existing parent', () => {
  const valueRange = pointerRange(SPEC, '/model/experts');
  assert.ok(valueRange);
  assert.equal(SPEC.slice(valueRange.start, valueRange.end), '3');
  assert.deepEqual(offsetToLineColumn(SPEC, valueRange.start), { line: 11, column: 16 });
  const keyRange = pointerRange(SPEC, '/data/target', { atKey: true });
  assert.ok(keyRange);
  assert.equal(SPEC.slice(keyRange.start, keyRange.end), '"target"');
  const objectRange = pointerRange(SPEC, '/x-notes');
  assert.ok(objectRange);
  assert.equal(SPEC.slice(objectRange.start, objectRange.end), '{ "owner": "ana", "tags": [1, 2] }');
  const arrayItem = pointerRange(SPEC, '/x-notes/tags/1');
  assert.ok(arrayItem);
  assert.equal(SPEC.slice(arrayItem.start, arrayItem.end), '2');
  const missing = pointerRange(SPEC, '/solvers/gd/learningRate');
  assert.deepEqual(missing && { pointer: missing.pointer, start: missing.start }, { pointer: '', start: 0 });
  const escaped = '{ "a/b": { "c~d": 1 } }';
  const tricky = pointerRange(escaped, '/a~1b/c~0d');
  assert.ok(tricky);
  assert.equal(escaped.slice(tricky.start, tricky.end), '1');
  assert.equal(pointerRange('{ "a": ', '/a'), undefined, 'no ranges in text that is not JSON');
  const bom = '\ufeff{ "a": 12 }';
  const withBom = pointerRange(bom, '/a');
  assert.ok(withBom);
  assert.equal(bom.slice(withBom.start, withBom.end), '12');
});

test('pointer ranges agree with the positions parseSpecText reports', () => {
  const text = SPEC.replace('"experts": 3', '"experts": 0');
  const result = parseSpecText(text);
  assert.equal(result.ok, false);
  const issue = !result.ok ? result.errors.find((e) => e.pointer === '/model/experts') : undefined;
  assert.ok(issue, 'an issue at /model/experts');
  const range = pointerRange(text, '/model/experts');
  assert.ok(range);
  assert.deepEqual(offsetToLineColumn(text, range.start), { line: issue.line, column: issue.column });
});

test('minimal replacement covers only what changed', () => {
  const before = edit(SPEC, { op: 'set', pointer: '/name', value: 'iris-b' }); // reformatted once
  const after = edit(before, { op: 'set', pointer: '/model/experts', value: 12 });
  const r = minimalReplacement(before, after);
  assert.equal(before.slice(r.start, r.end), '3');
  assert.equal(r.text, '12');
  assert.equal(before.slice(0, r.start) + r.text + before.slice(r.end), after);
  const crlf = minimalReplacement('a\r\nb', 'a\nb');
  assert.equal('a\r\nb'.slice(0, crlf.start) + crlf.text + 'a\r\nb'.slice(crlf.end), 'a\nb');
  const emoji = minimalReplacement('x😀y', 'x😃y');
  assert.equal(emoji.text, '😃');
});

test('the field model comes from schema.json', () => {
  const experts = byPointer.get('/model/experts');
  assert.deepEqual(
    experts && { kind: experts.kind, title: experts.title, default: experts.default, min: experts.minimum, max: experts.maximum },
    { kind: 'integer', title: 'Experts (K)', default: 2, min: 1, max: 50 },
  );
  assert.deepEqual(byPointer.get('/model/gate')?.options?.map((o) => o.value), ['softmax', 'constant']);
  assert.equal(byPointer.get('/model/fixedSigma')?.nullable, true);
  assert.equal(byPointer.get('/data/features')?.kind, 'stringList');
  // $refs are followed, with the referring node's title winning
  assert.equal(byPointer.get('/data/splitSeed')?.title, 'Split seed');
  assert.equal(byPointer.get('/data/splitSeed')?.kind, 'integer');
  assert.equal(byPointer.get('/init/seed')?.maximum, 4294967295);
  // both data forms
  assert.equal(byPointer.get('/data/synthetic/snr')?.kind, 'number');
  assert.equal(byPointer.get('/data/csv')?.kind, 'string');
  assert.equal(byPointer.has('/$schema'), false);
});

test('messages from the webview are checked before use', () => {
  const ok = parseWebviewMessage({ type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/model/experts', value: 3 }] }, byPointer);
  assert.ok(ok.ok);
  const reject = (raw: unknown, pattern: RegExp) => {
    const result = parseWebviewMessage(raw, byPointer);
    assert.equal(result.ok, false, JSON.stringify(raw));
    assert.match(result.ok ? '' : result.reason, pattern);
  };
  reject(null, /not an object/);
  reject({ type: 'nope' }, /unknown message type/);
  reject({ type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/__proto__/x', value: 1 }] }, /not an editable field/);
  reject({ type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/model/experts', value: '3' }] }, /must be an integer/);
  reject({ type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/model/gate', value: 'relu' }] }, /must be one of/);
  reject({ type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/model/ridge', value: Infinity }] }, /finite number/);
  reject({ type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/model/experts', value: null }] }, /cannot be null/);
  reject({ type: 'edit', requestId: 1, ops: [] }, /1 to 64/);
  reject({ type: 'edit', requestId: -1, ops: [{ op: 'remove', pointer: '/name' }] }, /requestId/);
  reject({ type: 'edit', requestId: 1, ops: [{ op: 'set', pointer: '/data/synthetic', value: { kind: 'linear', evil: 1 } }] }, /no field "evil"/);
  reject({ type: 'ready', extra: 1 }, /unexpected field/);
  reject({ type: 'openRun', id: '../etc' }, /folder name/);
  reject({ type: 'openRun', id: '..' }, /folder name/);
  // A run of a sweep is `sweep folder/run folder`: two names, no more, never a way out of the results folder.
  reject({ type: 'openRun', id: 'a-sweep/01-k-2/x' }, /folder name/);
  reject({ type: 'openRun', id: 'a-sweep/..' }, /folder name/);
  reject({ type: 'openRun', id: 'a-sweep\\01' }, /folder name/);
  reject({ type: 'openRun', id: '/01-k-2' }, /folder name/);
  assert.ok(parseWebviewMessage({ type: 'openRun', id: '20260101-000000-a-sweep/01-experts-2' }, byPointer).ok);
  assert.ok(parseWebviewMessage({ type: 'edit', requestId: 2, ops: [{ op: 'set', pointer: '/model/fixedSigma', value: null }] }, byPointer).ok);
  assert.ok(parseWebviewMessage({ type: 'edit', requestId: 3, ops: [{ op: 'set', pointer: '/data/synthetic', value: { kind: 'logistic', seed: 3 } }] }, byPointer).ok);
});

test('property: any sequence of form edits on any layout keeps everything else and parses', () => {
  const editable = [...byPointer.values()].filter((field) => field.kind !== 'object');
  const valueFor = (kind: string): fc.Arbitrary<JsonValue> =>
    kind === 'boolean' ? fc.boolean()
      : kind === 'integer' ? fc.integer({ min: 0, max: 1000 })
        : kind === 'number' ? fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
          : kind === 'stringList' ? fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 })
            : fc.string({ maxLength: 8 });
  const op: fc.Arbitrary<SpecEditOp> = fc.constantFrom(...editable).chain((field) =>
    fc.oneof(
      valueFor(field.kind).map((value): SpecEditOp => ({ op: 'set', pointer: field.pointer, value })),
      fc.constant<SpecEditOp>({ op: 'remove', pointer: field.pointer }),
    ),
  );
  const base = { name: 'x', 'x-extra': { keep: [1, { deep: true }] }, data: { csv: 'a.csv', target: 'y', testFraction: 0.2 }, model: { gate: 'softmax' }, solvers: { gd: { enabled: true } } };
  const layouts = [
    JSON.stringify(base, null, 2),
    JSON.stringify(base),
    JSON.stringify(base, null, '\t').replace(/\n/g, '\r\n') + '\r\n',
    '{\n  "name": "x", "x-extra": { "keep": [1, { "deep": true }] },\n  "data": { "csv": "a.csv", "target": "y", "testFraction": 0.2 },\n  "model": {"gate":"softmax"}, "solvers": { "gd": { "enabled": true } }\n}\n',
  ];
  fc.assert(
    fc.property(fc.constantFrom(...layouts), fc.array(op, { minLength: 1, maxLength: 6 }), (text, ops) => {
      const result = applySpecEdits(text, ops, keyOrders);
      assert.ok(result.ok);
      const out = JSON.parse(result.text) as Record<string, unknown>;
      // The unknown field is untouched and stays before "data" (which no edit removes).
      assert.deepEqual(out['x-extra'], base['x-extra']);
      assert.ok(Object.keys(out).indexOf('x-extra') < Object.keys(out).indexOf('data'));
      // The last operation on each pointer wins.
      const last = new Map(ops.map((o) => [o.pointer, o]));
      for (const [pointer, o] of last) {
        const tokens = pointer.slice(1).split('/');
        let node: unknown = out;
        for (const token of tokens) node = (node as Record<string, unknown> | undefined)?.[token];
        if (o.op === 'set') assert.deepEqual(node, JSON.parse(JSON.stringify(o.value)), pointer); // as JSON has it (-0 is 0)
        else assert.equal(node, undefined, pointer);
      }
      // Line endings are kept.
      if (text.includes('\r\n')) assert.ok(!/[^\r]\n/.test(result.text), 'LF only where the file had CRLF');
    }),
    { numRuns: 300 },
  );
});
