/** Generated and mutated inputs for the fuzz harness: CSV texts (as bytes) and spec texts and values. */
import type { Random } from './random';

const NUMBERS = [
  '0', '-0', '1', '-12.5', '.5', '5.', '+3', '1e5', '1E-3', '2.5e+2', '1e400', '-1e-400', '123456789012345678901',
  '0.1', '0.30000000000000004', '-2.3730617035469965', '9007199254740993', '4.9e-324', '1.7976931348623157e308',
  '00012', '1.2.3', '1e', 'e5', '-', '.', '0x10', 'NaN', 'Infinity', '-Infinity', '1_000', '١٢', '1,5',
];
const WORDS = ['a', 'setosa', 'x y', 'naïve', '😀', 'ÿ', '\uFEFF1', '\u00A01', '__proto__', 'constructor', 'prototype', 'toString'];
const NOISE = ['"', ',', ';', '\t', '\n', '\r', '\r\n', ' ', '0', '9', 'e', '-', '.', '+', '\uFEFF', 'é', '😀', '\u2028', '\v', '\0'];

function randomNumber(random: Random, oddities = 0.5): string {
  if (random.chance(oddities)) return random.pick(NUMBERS);
  const digits = (count: number): string => Array.from({ length: count }, () => random.int(0, 9)).join('');
  let text = (random.chance(0.3) ? '-' : '') + digits(random.int(0, 20));
  if (random.chance(0.6)) text += `.${digits(random.int(0, 25))}`;
  if (random.chance(0.3)) text += `${random.pick(['e', 'E'])}${random.pick(['', '+', '-'])}${random.int(0, 330)}`;
  return text === '' || text === '-' ? '7' : text;
}

/** A cell; in a `numeric` column mostly plain numbers (so that most columns stay numeric and are checked). */
function randomCell(random: Random, delimiter: string, numeric: boolean): string {
  const kind = numeric ? (random.chance(0.97) ? 0 : 6) : random.int(0, 9);
  let value: string;
  if (kind <= 5) value = randomNumber(random, numeric ? 0.03 : 0.5);
  else if (kind === 6) value = '';
  else value = random.pick(WORDS);
  if (random.chance(0.1)) value = `${random.pick([' ', '  '])}${value}${random.pick(['', ' '])}`;
  if (delimiter !== '\t' && random.chance(0.05)) value = `\t${value}`;
  const mustQuote = value.includes(delimiter) || value.includes('"') || /[\r\n]/.test(value);
  if (mustQuote || random.chance(0.1)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** A CSV text in the shape of a data file: a header, rows of numbers, text and empty cells. */
export function generateCsvText(random: Random): string {
  const delimiter = random.pick([',', ';', '\t']);
  const lineEnd = random.pick(['\n', '\r\n', '\r']);
  const width = random.int(1, 6);
  const names = Array.from({ length: width }, (_, k) => (random.chance(0.1) ? random.pick(WORDS) : `c${k}`));
  const header = names.map((name) => (random.chance(0.1) || name.includes(delimiter) ? `"${name}"` : name));
  const numeric = names.map(() => random.chance(0.7));
  const lines = [header.join(delimiter)];
  const rows = random.chance(0.2) ? random.int(0, 3) : random.int(4, 30);
  for (let r = 0; r < rows; r++) {
    if (random.chance(0.05)) lines.push(random.pick(['', ' ', '\t']));
    const cells = numeric.map((isNumeric) => randomCell(random, delimiter, isNumeric));
    if (random.chance(0.01)) cells.push(randomCell(random, delimiter, true)); // a ragged row
    if (random.chance(0.01)) cells.pop();
    lines.push(cells.join(delimiter));
  }
  const text = lines.join(lineEnd) + (random.chance(0.8) ? lineEnd : '');
  return (random.chance(0.05) ? '\uFEFF' : '') + text;
}

/** A few random edits of a text: characters deleted, inserted (from the grammar's sensitive ones), a slice repeated. */
export function mutateText(random: Random, text: string, noise: readonly string[] = NOISE): string {
  let out = text;
  const edits = random.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const at = random.int(0, out.length);
    switch (random.int(0, 3)) {
      case 0: out = out.slice(0, at) + out.slice(at + random.int(1, 3)); break;
      case 1: out = out.slice(0, at) + random.pick(noise) + out.slice(at); break;
      case 2: {
        const end = Math.min(out.length, at + random.int(1, 40));
        out = out.slice(0, end) + out.slice(at, end) + out.slice(end);
        break;
      }
      default: out = out.slice(0, at) + random.pick(noise).repeat(random.int(2, 5)) + out.slice(at);
    }
  }
  return out;
}

/** The UTF-8 bytes of `text`, now and then with a byte corrupted or cut (invalid UTF-8 must be refused cleanly). */
export function csvBytes(random: Random, text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0 || !random.chance(0.05)) return bytes;
  const at = random.int(0, bytes.length - 1);
  bytes[at] = random.pick([0x80, 0xc3, 0xe2, 0xf0, 0xff, 0xed]);
  return bytes;
}

const BASE_SPEC = {
  name: 'fuzz',
  data: { csv: 'data/iris.csv', target: 'species', standardize: true, testFraction: 0.3, splitSeed: 0 },
  model: { experts: 2, expert: 'categorical', gate: 'softmax', ridge: 0.01 },
  solvers: {
    em: { enabled: true },
    gem: { enabled: true, learningRate: 0.5, steps: 1 },
    gd: { enabled: true, learningRate: 0.5 },
    adam: { enabled: true, learningRate: 0.05 },
  },
  stopping: { maxIterations: 300, tolerance: 1e-9 },
  init: { strategy: 'random', seed: 0, restarts: 3 },
};

const SPEC_NOISE = ['{', '}', '[', ']', '"', ',', ':', '\\', '\\u', '1e999', '-', 'null', 'true', '\uFEFF', '\uD800', '😀', '\n', ' '];

/** Spec text: the example spec, its values replaced at random, printed, then perhaps edited as text. */
export function generateSpecText(random: Random): string {
  const value = mutateValue(random, structuredClone(BASE_SPEC), 0);
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), random.chance(0.5) ? 2 : undefined) ?? '';
  return random.chance(0.5) ? mutateText(random, text, SPEC_NOISE) : text;
}

/** A spec value as a programmatic caller might pass it: any JavaScript value, holes and prototypes included. */
export function generateSpecValue(random: Random): unknown {
  return mutateValue(random, structuredClone(BASE_SPEC), 0);
}

function randomValue(random: Random, depth: number): unknown {
  switch (random.int(0, 13)) {
    case 0: return null;
    case 1: return undefined;
    case 2: return random.pick([0, -1, 1.5, 1e300, -1e-300, NaN, Infinity, -Infinity, 2 ** 53 + 2, 1e6]);
    case 3: return random.pick(['', 'em', 'random', 'kmeans', 'softmax', 'categorical', 'gaussian', '__proto__', '../x.csv']);
    case 4: return random.chance(0.5);
    case 5: return [];
    case 6: return depth < 4 ? [randomValue(random, depth + 1), , randomValue(random, depth + 1)] : []; // sparse
    case 7: return {};
    case 8: return JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
    case 9: return Object.create(null);
    case 10: return 10n;
    case 11: return () => 1;
    case 12: return Symbol('s');
    default: return random.int(-3, 1000);
  }
}

function mutateValue(random: Random, value: unknown, depth: number): unknown {
  if (random.chance(depth === 0 ? 0.02 : 0.08)) return randomValue(random, depth);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (random.chance(0.05)) delete record[key];
    else record[key] = mutateValue(random, record[key], depth + 1);
  }
  if (random.chance(0.05)) record[random.pick(['extra', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])] = randomValue(random, depth + 1);
  return value;
}
