/**
 * Reading and validating `*.moe.json` experiment specs (DESIGN §4).
 *
 * `schema.json` is the single source of truth: validation runs it through @cfworker/json-schema (no eval, so it
 * also runs in a webview), and the defaults filled in by `resolveSpec` are read from it. The validator's raw output
 * names every enclosing node of a problem; it is turned here into one message per problem, with the JSON pointer,
 * what was expected and what was found, and (for text) the line and column.
 *
 * Browser-safe: no Node or VS Code imports.
 */
import { closestName } from '../data/select';
import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';
import schema from './schema.json';
import type { ExperimentSpec, SolverName, SolverSettings, SyntheticDataSpec } from './types';
import { SOLVER_NAMES } from './types';
import { syntheticSizeProblem } from '../synth/generate';
import { combinationCount, MAX_SWEEP_COMBINATIONS, sweepAxes, sweepPoints, type SweepAxis } from './sweep';

export interface SpecIssue {
  /** JSON pointer of the offending value ('' for the whole document). */
  readonly pointer: string;
  /** One sentence that starts with the pointer, e.g. `/solvers/gd/learningRate: must be > 0 (got -1)`. */
  readonly message: string;
  /** 1-based position of the value (or of the key, for unknown fields), when the spec came from text. */
  readonly line?: number;
  readonly column?: number;
  /** 1-based position just after the value. */
  readonly endLine?: number;
  readonly endColumn?: number;
}

export type SpecResult =
  | { readonly ok: true; readonly spec: ExperimentSpec; readonly raw: unknown }
  | { readonly ok: false; readonly errors: SpecIssue[] };

/** The JSON Schema of `*.moe.json` files. */
export const specSchema = schema;

const rootSchema = schema as unknown as Schema;
const validator = new Validator(rootSchema, '2020-12', false);

/** Parses, validates and resolves spec text. `file` only names the file in a syntax-error message. */
export function parseSpecText(text: string, file?: string): SpecResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors hide the BOM, so positions must not count it
  const scan = scanJson(text);
  if (!scan.ok) {
    const at = offsetToPosition(text, scan.offset);
    const where = file ? `${file} is not valid JSON` : 'not valid JSON';
    return {
      ok: false,
      errors: [{ pointer: '', message: `${where}: ${scan.message} (line ${at.line}, column ${at.column})`, ...at }],
    };
  }
  const raw: unknown = JSON.parse(text);
  const issues = specIssues(raw);
  if (issues.length === 0) return { ok: true, spec: resolveSpec(raw), raw };
  return { ok: false, errors: placeIssues(issues, text, scan.nodes) };
}

/** Validates a parsed spec; never throws. */
export function validateSpecObject(value: unknown): SpecResult {
  const issues = specIssues(value);
  if (issues.length === 0) return { ok: true, spec: resolveSpec(value), raw: value };
  return { ok: false, errors: issues.map(plainIssue) };
}

/**
 * Schema problems first; the semantic checks assume a schema-valid spec. A sweep's spec is checked as its
 * combinations, each a full spec: the spec as written is never run, only they are.
 */
function specIssues(value: unknown): KeyedIssue[] {
  const issues = schemaIssues(value);
  if (issues.length > 0) return issues;
  const axes = sweepAxes(value);
  return axes ? sweepIssues(value, axes) : semanticIssues(resolveSpec(value));
}

function plainIssue(issue: KeyedIssue): SpecIssue {
  const { atKey: _atKey, keyword: _keyword, ...plain } = issue;
  return plain;
}

/** `file:line:column: message`, for terminals. */
export function formatSpecIssue(issue: SpecIssue, file?: string): string {
  const position = issue.line === undefined ? '' : `${issue.line}:${issue.column}:`;
  const prefix = file ? `${file}:${position}` : position;
  return prefix ? `${prefix} ${issue.message}` : issue.message;
}

// ---------------------------------------------------------------------------------------------------------------
// Defaults and the resolved spec

type Json = Record<string, unknown>;

/**
 * Fills every default from the schema and returns the typed spec. `raw` must have passed schema validation
 * (`validateSpecObject` does both).
 */
export function resolveSpec(raw: unknown): ExperimentSpec {
  const root = record(raw);
  const field = (value: Json, node: Schema, key: string): unknown =>
    value[key] !== undefined ? value[key] : defaultOf(propertySchema(node, key));
  const section = (key: string): { value: Json; node: Schema } => ({
    value: record(root[key]),
    node: propertySchema(rootSchema, key),
  });

  const model = section('model');
  const stopping = section('stopping');
  const init = section('init');
  const solvers = section('solvers');
  const data = record(root.data);
  const synthetic = data.synthetic !== undefined;
  const dataNode = definition(synthetic ? 'syntheticData' : 'csvData');
  const get = <T>(part: { value: Json; node: Schema }, key: string): T => field(part.value, part.node, key) as T;
  const fixedSigma = get<number | null>(model, 'fixedSigma');
  const sweep = sweepAxes(raw);

  return {
    name: field(root, rootSchema, 'name') as string,
    data: {
      source: synthetic ? { synthetic: resolveSynthetic(record(data.synthetic), propertySchema(dataNode, 'synthetic')) }
        : resolveCsv(data, dataNode),
      standardize: field(data, dataNode, 'standardize') as boolean,
      testFraction: field(data, dataNode, 'testFraction') as number,
      splitSeed: field(data, dataNode, 'splitSeed') as number,
    },
    model: {
      experts: get(model, 'experts'),
      expert: get(model, 'expert'),
      gate: get(model, 'gate'),
      ridge: get(model, 'ridge'),
      symmetric: get(model, 'symmetric'),
      ...(fixedSigma === null ? {} : { fixedSigma }),
    },
    solvers: Object.fromEntries(SOLVER_NAMES.map((name) => [name, resolveSolver(record(solvers.value[name]),
      propertySchema(solvers.node, name))])) as Record<SolverName, SolverSettings>,
    stopping: {
      maxIterations: get(stopping, 'maxIterations'),
      tolerance: get(stopping, 'tolerance'),
      gradientTolerance: get(stopping, 'gradientTolerance'),
      timeBudgetSeconds: get(stopping, 'timeBudgetSeconds'),
    },
    init: {
      strategy: get(init, 'strategy'),
      seed: get(init, 'seed'),
      restarts: get(init, 'restarts'),
      perturbation: get(init, 'perturbation'),
    },
    errorThreshold: field(root, rootSchema, 'errorThreshold') as number,
    resultsDir: field(root, rootSchema, 'resultsDir') as string,
    ...(sweep ? { sweep } : {}),
  };
}

function resolveCsv(data: Json, node: Schema): ExperimentSpec['data']['source'] {
  const features = data.features as string[] | null | undefined;
  return {
    csv: data.csv as string,
    target: data.target as string,
    ...(Array.isArray(features) ? { features: [...features] } : {}),
    dropInvalidRows: (data.dropInvalidRows ?? defaultOf(propertySchema(node, 'dropInvalidRows'))) as boolean,
  };
}

function resolveSynthetic(value: Json, node: Schema): SyntheticDataSpec {
  const keys = ['kind', 'experts', 'dim', 'samples', 'snr', 'seed', 'symmetric'] as const;
  return Object.fromEntries(keys.map((key) => [key, value[key] ?? defaultOf(propertySchema(node, key))])) as
    unknown as SyntheticDataSpec;
}

function resolveSolver(value: Json, node: Schema): SolverSettings {
  const keys = Object.keys(resolved(node).properties ?? {});
  return Object.fromEntries(keys.map((key) => [key, value[key] ?? defaultOf(propertySchema(node, key))])) as
    unknown as SolverSettings;
}

/**
 * A plain object for a new experiment: a CSV (with `target`, a placeholder when not given) or, without a path, the
 * default synthetic data. Values come from the schema's defaults.
 */
export function defaultSpecTemplate(csvPath?: string, target?: string): Record<string, unknown> {
  const solvers = propertySchema(rootSchema, 'solvers');
  const data = csvPath
    ? { csv: csvPath, target: target ?? 'target', standardize: true, testFraction: 0.3, splitSeed: 0 }
    : { synthetic: resolveSynthetic({}, propertySchema(definition('syntheticData'), 'synthetic')), testFraction: 0 };
  return {
    name: csvPath ? baseName(csvPath) : defaultOf(propertySchema(rootSchema, 'name')),
    data,
    model: { experts: 2, expert: 'auto', gate: 'softmax' },
    solvers: Object.fromEntries(SOLVER_NAMES.map((name) => [name, structuredClone(defaultOf(propertySchema(solvers, name)))])),
    stopping: { maxIterations: 500, tolerance: 1e-8 },
    init: { strategy: 'mixed', seed: 0, restarts: 3 },
  };
}

function baseName(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? '';
  return name.replace(/\.[^.]*$/, '') || 'experiment';
}

// ---------------------------------------------------------------------------------------------------------------
// Semantic checks the schema cannot express

function semanticIssues(spec: ExperimentSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const add = (pointer: string, problem: string): void => {
    issues.push({ pointer, message: `${pointer}: ${problem}` });
  };
  if (!SOLVER_NAMES.some((name) => spec.solvers[name].enabled)) {
    add('/solvers', 'at least one solver must be enabled (em, gem, gd or adam)');
  }
  const { model } = spec;
  if (model.symmetric && model.experts !== 2) {
    add('/model/symmetric', `a symmetric model needs exactly 2 experts (model.experts is ${model.experts})`);
  }
  if (model.symmetric && model.expert === 'categorical') {
    add('/model/symmetric', 'a symmetric model needs gaussian or bernoulli experts (model.expert is "categorical")');
  }
  const source = spec.data.source;
  if ('synthetic' in source) {
    if (source.synthetic.symmetric && source.synthetic.experts !== 2) {
      add('/data/synthetic/symmetric',
        `symmetric synthetic data needs exactly 2 experts (data.synthetic.experts is ${source.synthetic.experts})`);
    }
    const tooLarge = syntheticSizeProblem(source.synthetic.dim, source.synthetic.samples);
    if (tooLarge) add('/data/synthetic/samples', tooLarge);
  } else {
    const index = source.features?.indexOf(source.target) ?? -1;
    if (index >= 0) add(`/data/features/${index}`, `the target ${JSON.stringify(source.target)} cannot also be a feature`);
  }
  return issues;
}

/** Combinations whose problems are listed one by one; the rest are counted. */
const LISTED_FAILING_COMBINATIONS = 3;

/**
 * A sweep is valid when it has at most MAX_SWEEP_COMBINATIONS combinations and each is a valid spec. A problem of
 * a combination is placed at the swept field it comes from (or at its own field), and says which values cause it.
 */
function sweepIssues(raw: unknown, axes: readonly SweepAxis[]): KeyedIssue[] {
  const issues: KeyedIssue[] = [];
  const at = (field: string) => `/sweep/${escapePointer(field)}`;
  const csv = !isRecord(record(raw).data) || record(record(raw).data).synthetic === undefined;
  for (const axis of axes) {
    if (csv && axis.field.startsWith('data.synthetic.')) {
      issues.push({ pointer: at(axis.field), message: `${at(axis.field)}: sweeps the synthetic generator, but this spec reads a CSV file` });
    }
  }
  const count = combinationCount(axes);
  if (count > MAX_SWEEP_COMBINATIONS) {
    const product = axes.map((axis) => axis.values.length).join(' × ');
    issues.push({
      pointer: '/sweep',
      message: `/sweep: ${product} = ${count} combinations; a sweep runs at most ${MAX_SWEEP_COMBINATIONS}, each a complete run with every restart (list fewer values)`,
    });
  }
  if (issues.length > 0) return issues;
  const failing: KeyedIssue[] = [];
  let failures = 0;
  for (const point of sweepPoints(raw, axes)) {
    const first = specIssues(point.raw)[0];
    if (!first) continue;
    failures++;
    if (failing.length >= LISTED_FAILING_COMBINATIONS) continue;
    const axis = axes.find((candidate) => {
      const pointer = `/${candidate.field.split('.').join('/')}`;
      return first.pointer === pointer || first.pointer.startsWith(`${pointer}/`);
    });
    const pointer = axis ? at(axis.field) : first.pointer;
    const own = `${label(first.pointer)}: `;
    const problem = pointer === first.pointer && first.message.startsWith(own) ? first.message.slice(own.length) : first.message;
    failing.push({ pointer, message: `${label(pointer)}: with ${point.label}: ${problem}` });
  }
  if (failures > failing.length) {
    failing.push({ pointer: '/sweep', message: `/sweep: ${failures} of ${count} combinations are not valid specs (the first ${failing.length} are listed)` });
  }
  return failing;
}

// ---------------------------------------------------------------------------------------------------------------
// Schema output → one message per problem

interface Unit extends OutputUnit {
  readonly pointer: string;
  /** Title of the oneOf form the unit belongs to, when the form was recognised. */
  form?: string;
}

/** Keywords whose units only say "a child failed": the child's own unit says what. */
const AGGREGATE_KEYWORDS = new Set([
  'properties', '$ref', '$recursiveRef', 'allOf', 'anyOf', 'items', 'prefixItems', 'additionalItems', 'if',
  'dependentSchemas', 'dependencies', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'contains',
  'patternProperties', 'false',
]);

function schemaIssues(value: unknown): KeyedIssue[] {
  const problem = nonJsonValue(value, '', 0);
  if (problem) return [{ pointer: problem.pointer, message: `${label(problem.pointer)}: ${problem.message}` }];
  let units: Unit[];
  try {
    const result = validator.validate(value);
    if (result.valid) return [];
    units = result.errors.map((unit) => ({ ...unit, pointer: instancePointer(unit.instanceLocation) }));
  } catch (error) {
    return [{ pointer: '', message: `(root): cannot be validated: ${(error as Error).message}` }];
  }
  const { kept, issues } = resolveOneOf(units, value);
  for (const unit of kept) {
    const issue = describeUnit(unit, value);
    if (issue) issues.push(issue);
  }
  if (issues.length === 0) {
    return units.map((unit) => ({ pointer: unit.pointer, message: `${label(unit.pointer)}: ${unit.error}` }));
  }
  return dedupe(issues);
}

interface KeyedIssue extends SpecIssue {
  readonly keyword?: string;
  /** Unknown fields are located at their key, not their value. */
  readonly atKey?: boolean;
}

/**
 * For each failed `oneOf`, guess the form the author meant (the branch whose fields the value uses) and keep only
 * that branch's problems; if no form stands out, replace them all by one message listing the forms.
 */
function resolveOneOf(units: Unit[], value: unknown): { kept: Unit[]; issues: KeyedIssue[] } {
  const dropped = new Set<Unit>();
  const issues: KeyedIssue[] = [];
  for (const unit of units) {
    if (unit.keyword !== 'oneOf') continue;
    dropped.add(unit);
    const branches = (schemaAt(unit.keywordLocation) as Schema[]).map(resolved);
    const instance = valueAt(value, unit.pointer);
    const choice = chooseBranch(branches, instance);
    branches.forEach((branch, i) => {
      const prefix = `${unit.keywordLocation}/${i}`;
      for (const other of units) {
        if (other.keywordLocation !== prefix && !other.keywordLocation.startsWith(`${prefix}/`)) continue;
        if (i === choice) other.form = branch.title;
        else dropped.add(other);
      }
    });
    if (choice < 0) issues.push({ pointer: unit.pointer, keyword: 'oneOf', message: oneOfMessage(unit.pointer, branches, instance) });
  }
  return { kept: units.filter((unit) => !dropped.has(unit)), issues };
}

function chooseBranch(branches: Schema[], instance: unknown): number {
  if (!isRecord(instance)) return -1;
  const complete = branches.filter((branch) => (branch.required ?? []).every((key) => key in instance));
  if (complete.length > 1) return -1; // it mixes forms: say so rather than guess
  const keys = Object.keys(instance);
  const scores = branches.map((branch) => {
    const known = keys.filter((key) => branch.properties !== undefined && Object.hasOwn(branch.properties, key)).length;
    const required = (branch.required ?? []).filter((key) => key in instance).length;
    return 4 * required + known - (keys.length - known);
  });
  const best = Math.max(...scores);
  return scores.filter((score) => score === best).length === 1 ? scores.indexOf(best) : -1;
}

function oneOfMessage(pointer: string, branches: Schema[], instance: unknown): string {
  const forms = branches.map((branch) => {
    const required = (branch.required ?? []).map((key) => JSON.stringify(key)).join(' and ');
    return required ? `${branch.title} (with ${required})` : String(branch.title);
  });
  const matching = isRecord(instance)
    ? branches.filter((branch) => (branch.required ?? []).every((key) => key in instance)).length
    : 0;
  const detail = !isRecord(instance) ? ` (got ${describeValue(instance)})` : matching > 1 ? ', not both' : '';
  return `${label(pointer)}: must be either ${forms.join(' or ')}${detail}`;
}

function describeUnit(unit: Unit, value: unknown): KeyedIssue | undefined {
  const at = label(unit.pointer);
  const got = (): string => describeValue(valueAt(value, unit.pointer));
  const limit = (): unknown => schemaAt(unit.keywordLocation);
  const make = (message: string): KeyedIssue => ({ pointer: unit.pointer, keyword: unit.keyword, message: `${at}: ${message}` });
  switch (unit.keyword) {
    case 'type':
      return make(`must be ${typePhrase(limit() as string | string[])} (got ${got()})`);
    case 'enum':
      return make(`must be one of ${(limit() as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${got()})`);
    case 'const':
      return make(`must be ${JSON.stringify(limit())} (got ${got()})`);
    case 'required': {
      const key = /property "([\s\S]*)"\.$/.exec(unit.error)?.[1] ?? '?';
      return make(`missing required field ${JSON.stringify(key)}${unit.form ? ` (${unit.form} form)` : ''}`);
    }
    case 'additionalProperties':
      return unknownField(unit);
    case 'minimum':
      return make(`must be >= ${limit()} (got ${got()})`);
    case 'maximum':
      return make(`must be <= ${limit()} (got ${got()})`);
    case 'exclusiveMinimum':
      return make(`must be > ${limit()} (got ${got()})`);
    case 'exclusiveMaximum':
      return make(`must be < ${limit()} (got ${got()})`);
    case 'minLength':
      return make(limit() === 1 ? 'must not be empty' : `must be at least ${limit()} characters long`);
    case 'maxLength':
      return make(`must be at most ${limit()} characters long`);
    case 'minItems':
      return make(`must list at least ${limit()} item${limit() === 1 ? '' : 's'}`);
    case 'maxItems':
      return make(`must list at most ${limit()} items`);
    case 'maxProperties':
      return make(`must have at most ${limit()} fields (got ${Object.keys(valueAt(value, unit.pointer) ?? {}).length})`);
    case 'minProperties':
      return make(`must have at least ${limit()} field${limit() === 1 ? '' : 's'}`);
    case 'uniqueItems':
      return make(`must not list the same item twice (got ${got()})`);
    default:
      return AGGREGATE_KEYWORDS.has(unit.keyword) ? undefined : make(unit.error);
  }
}

/** `additionalProperties: false` failed: name the unknown key and suggest the closest allowed one. */
function unknownField(unit: Unit): KeyedIssue | undefined {
  if (schemaAt(unit.keywordLocation) !== false) return undefined;
  const key = /^Property "([\s\S]*)" does not match/.exec(unit.error)?.[1];
  if (key === undefined) return undefined;
  const pointer = `${unit.pointer}/${escapePointer(key)}`;
  const parent = resolved(schemaAt(unit.keywordLocation.replace(/\/additionalProperties$/, '')) as Schema);
  const allowed = Object.keys(parent.properties ?? {});
  const suggestion = closestName(key, allowed);
  if (unit.pointer === '/sweep') {
    const hint = suggestion !== undefined ? `did you mean ${JSON.stringify(suggestion)}?` : 'numeric and choice fields such as "model.experts" or "solvers.adam.learningRate" can';
    return { pointer, keyword: 'additionalProperties', atKey: true, message: `${label(pointer)}: not a field that can be swept (${hint})` };
  }
  const where = unit.form ? ` in ${unit.form}` : '';
  const hint = suggestion !== undefined
    ? `did you mean ${JSON.stringify(suggestion)}?`
    : `expected one of ${allowed.map((name) => JSON.stringify(name)).join(', ')}`;
  return { pointer, keyword: 'additionalProperties', atKey: true, message: `${label(pointer)}: unknown field${where} (${hint})` };
}

/** One issue per message; a type error makes other complaints about the same value redundant. */
function dedupe(issues: KeyedIssue[]): KeyedIssue[] {
  const typed = new Set(issues.filter((issue) => issue.keyword === 'type').map((issue) => issue.pointer));
  const seen = new Set<string>();
  const out: KeyedIssue[] = [];
  for (const issue of issues) {
    if (typed.has(issue.pointer) && issue.keyword !== 'type' && !issue.atKey) continue;
    if (seen.has(issue.message)) continue;
    seen.add(issue.message);
    out.push(issue);
  }
  return out;
}

function typePhrase(type: string | string[]): string {
  const words: Record<string, string> = {
    integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false',
    object: 'an object', array: 'an array', null: 'null',
  };
  const list = (Array.isArray(type) ? type : [type]).map((t) => words[t] ?? t);
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (isRecord(value)) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function label(pointer: string): string {
  return pointer === '' ? '(root)' : pointer;
}

/** Values JSON cannot hold (undefined, functions, bigint, cycles) would make the validator throw. */
function nonJsonValue(value: unknown, pointer: string, depth: number): { pointer: string; message: string } | undefined {
  if (depth > 1000) return { pointer, message: 'is nested too deeply' };
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { pointer, message: `is not a JSON number (got ${value})` };
    case 'object': {
      if (value === null) return undefined;
      // Array.from, not map: map skips the holes of a sparse array, leaving them out of the entries.
      const entries = Array.isArray(value) ? Array.from(value, (v, i) => [String(i), v] as const) : Object.entries(value);
      for (const [key, child] of entries) {
        const found = nonJsonValue(child, `${pointer}/${escapePointer(key)}`, depth + 1);
        if (found) return found;
      }
      return undefined;
    }
    default:
      return { pointer, message: value === undefined ? 'is missing (undefined)' : `is not a JSON value (a ${typeof value})` };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Schema navigation

function schemaAt(keywordLocation: string): unknown {
  let node: unknown = rootSchema;
  for (const segment of pointerSegments(keywordLocation.replace(/^#/, ''))) {
    if (segment === '$ref' && isRecord(node) && typeof node.$ref === 'string') node = schemaAt(node.$ref);
    else node = isRecord(node) || Array.isArray(node) ? (node as Json)[segment] : undefined;
  }
  return node;
}

/** Follows `$ref` (this schema only has local refs); siblings of `$ref` are ignored here. */
function resolved(node: Schema): Schema {
  let current = node;
  for (let guard = 0; typeof current.$ref === 'string' && guard < 20; guard++) current = schemaAt(current.$ref) as Schema;
  return current;
}

function propertySchema(node: Schema, key: string): Schema {
  return (resolved(node).properties?.[key] ?? {}) as Schema;
}

function definition(name: string): Schema {
  return (rootSchema.$defs as Record<string, Schema>)[name];
}

/** A default on the node itself wins over one on the schema it refers to. */
function defaultOf(node: Schema): unknown {
  if ('default' in node) return node.default;
  return typeof node.$ref === 'string' ? defaultOf(schemaAt(node.$ref) as Schema) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON pointers

function instancePointer(location: string): string {
  const pointer = location.replace(/^#/, '');
  try {
    return decodeURIComponent(pointer);
  } catch {
    return pointer;
  }
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((segment) => {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // keep the raw segment
    }
    return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
  });
}

function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const segment of pointerSegments(pointer)) {
    node = isRecord(node) || Array.isArray(node) ? (node as Json)[segment] : undefined;
  }
  return node;
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown): Json {
  return isRecord(value) ? value : {};
}

// ---------------------------------------------------------------------------------------------------------------
// Positions: a strict JSON scanner that reports syntax errors with an offset (V8's JSON.parse does not) and records
// where each value and key is, so that issues can point at the text.

interface NodeRange {
  readonly start: number;
  readonly end: number;
  readonly keyStart?: number;
  readonly keyEnd?: number;
}

type ScanResult =
  | { readonly ok: true; readonly nodes: Map<string, NodeRange> }
  | { readonly ok: false; readonly offset: number; readonly message: string };

class JsonSyntaxError extends Error {
  constructor(readonly offset: number, message: string) {
    super(message);
  }
}

const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function scanJson(text: string): ScanResult {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return { ok: true, nodes: scanner.nodes };
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { ok: false, offset: error.offset, message: error.message };
    throw error;
  }
}

class JsonScanner {
  readonly nodes = new Map<string, NodeRange>();
  private i = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.space();
    if (this.i >= this.text.length) this.fail('the file is empty');
    this.value('', undefined, 0);
    this.space();
    if (this.i < this.text.length) this.fail(`unexpected ${this.found()} after the end of the JSON value`);
  }

  private value(pointer: string, key: { keyStart: number; keyEnd: number } | undefined, depth: number): void {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    const start = this.i;
    const c = this.text[this.i];
    if (c === '{') this.object(pointer, depth);
    else if (c === '[') this.array(pointer, depth);
    else if (c === '"') this.string();
    else if (c === '-' || (c >= '0' && c <= '9')) this.number();
    else if (c === 't' || c === 'f' || c === 'n') this.literal();
    else this.fail(`expected a value, found ${this.found()}`);
    this.nodes.set(pointer, { start, end: this.i, ...key });
  }

  private object(pointer: string, depth: number): void {
    this.i++;
    this.space();
    if (this.text[this.i] === '}') { this.i++; return; }
    for (;;) {
      if (this.text[this.i] !== '"') {
        this.fail(this.text[this.i] === '}' ? 'trailing comma before "}"' : `expected a property name in double quotes, found ${this.found()}`);
      }
      const keyStart = this.i;
      this.string();
      const keyEnd = this.i;
      const key = JSON.parse(this.text.slice(keyStart, keyEnd)) as string;
      this.space();
      if (this.text[this.i] !== ':') this.fail(`expected ":" after the property name, found ${this.found()}`);
      this.i++;
      this.space();
      this.value(`${pointer}/${escapePointer(key)}`, { keyStart, keyEnd }, depth + 1);
      this.space();
      const next = this.text[this.i];
      if (next === '}') { this.i++; return; }
      if (next !== ',') this.fail(`expected "," or "}" after the property value, found ${this.found()}`);
      this.i++;
      this.space();
    }
  }

  private array(pointer: string, depth: number): void {
    this.i++;
    this.space();
    if (this.text[this.i] === ']') { this.i++; return; }
    for (let index = 0; ; index++) {
      if (this.text[this.i] === ']') this.fail('trailing comma before "]"');
      this.value(`${pointer}/${index}`, undefined, depth + 1);
      this.space();
      const next = this.text[this.i];
      if (next === ']') { this.i++; return; }
      if (next !== ',') this.fail(`expected "," or "]" after an array item, found ${this.found()}`);
      this.i++;
      this.space();
    }
  }

  private string(): void {
    const text = this.text;
    this.i++;
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === 34) { this.i++; return; }
      if (c === 92) {
        const e = text[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 2, this.i + 6))) this.fail('invalid \\u escape in a string');
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          this.i += 2;
        } else {
          this.fail(`invalid escape "\\${e ?? ''}" in a string`);
        }
        continue;
      }
      if (c < 0x20) this.fail(c === 10 || c === 13 ? 'unterminated string (a line break inside a string)' : 'control character in a string');
      this.i++;
    }
    this.fail('unterminated string');
  }

  private number(): void {
    const start = this.i;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.text);
    const end = match && match[0] !== '-' ? start + match[0].length : start;
    const next = this.text[end];
    if (end === start || (next !== undefined && /[0-9A-Za-z.+-]/.test(next))) {
      const word = /^[-+.0-9A-Za-z]*/.exec(this.text.slice(start, start + 30))![0];
      this.fail(`invalid number '${word}'`); // reported at the number's start, where the reader looks
    }
    this.i = end;
  }

  private literal(): void {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail(`expected a value, found ${this.found()}`);
  }

  private space(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) { this.i++; continue; }
      if (c === 47 && (text[this.i + 1] === '/' || text[this.i + 1] === '*')) this.fail('comments are not allowed in JSON');
      return;
    }
  }

  private found(): string {
    if (this.i >= this.text.length) return 'the end of the file';
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.i, this.i + 20))?.[0];
    return `'${word ?? String.fromCodePoint(this.text.codePointAt(this.i)!)}'`;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(this.i, message);
  }
}

/** 1-based line and column (in UTF-16 units, as editors count) of an offset. */
function offsetToPosition(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Adds positions, pointing at the nearest enclosing value that exists in the text, and sorts by position. */
function placeIssues(issues: KeyedIssue[], text: string, nodes: Map<string, NodeRange>): SpecIssue[] {
  const placed = issues.map((issue, order) => {
    let pointer = issue.pointer;
    let range = nodes.get(pointer);
    while (!range && pointer !== '') {
      pointer = pointer.slice(0, pointer.lastIndexOf('/'));
      range = nodes.get(pointer);
    }
    if (!range) return { issue: plainIssue(issue), order, offset: 0 };
    const atKey = issue.atKey && range.keyStart !== undefined && pointer === issue.pointer;
    const start = atKey ? range.keyStart! : range.start;
    const end = atKey ? range.keyEnd! : range.end;
    const from = offsetToPosition(text, start);
    const to = offsetToPosition(text, end);
    return {
      issue: { ...plainIssue(issue), line: from.line, column: from.column, endLine: to.line, endColumn: to.column },
      order,
      offset: start,
    };
  });
  placed.sort((a, b) => a.offset - b.offset || a.order - b.order);
  return placed.map((entry) => entry.issue);
}
