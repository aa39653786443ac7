import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCsv } from '../../src/core/data/csv';
import { DecimalScanner, parseStrictNumber } from '../../src/core/data/csv/decimal';

/** What the reader must give for a cell: Number() of a strict decimal, NaN for anything else or an overflow. */
function reference(text: string): number {
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text)) return NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

function assertSame(actual: number, text: string): void {
  const expected = reference(text);
  assert.ok(Object.is(actual, expected), `${JSON.stringify(text)}: got ${actual}, Number() gives ${expected}`);
}

const digits = (max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));

/** Decimal-looking strings: signs incl. '+', '.5', '5.', 0–24 digits per part, exponents near and far. */
const decimal = fc.tuple(
  fc.constantFrom('', '-', '+'),
  digits(24),
  fc.option(digits(24), { nil: undefined }),
  fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 400 }))), { nil: undefined }),
).map(([sign, whole, fraction, exponent]) =>
  `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : exponent.join('')}`);

/** A double written with 15–19 significant digits: the 16–19 digit path and its rounding boundaries. */
const longDecimal = fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 15, max: 21 }))
  .map(([x, precision]) => x.toPrecision(precision));

test('the decimal parser is bit-identical to Number() on random decimal strings', () => {
  fc.assert(fc.property(decimal, (text) => assertSame(parseStrictNumber(text), text)), { numRuns: 20000 });
  fc.assert(fc.property(longDecimal, (text) => assertSame(parseStrictNumber(text), text)), { numRuns: 20000 });
});

test('17-digit values and values right next to a rounding boundary', () => {
  const cases = ['-2.3730617035469965', '0.03357795788114853', '9007199254740993', '9007199254740992.5', '0.1000000000000000055511151231257827',
    '1.7976931348623157e308', '4.9e-324', '2.2250738585072011e-308', '123456789012345678', '1234567890123456789', '12345678901234567890'];
  for (const text of cases) assertSame(parseStrictNumber(text), text);
  // Exact midpoints between neighbouring doubles (ties to even), and 19-digit decimals just below and above them.
  const view = new DataView(new ArrayBuffer(8));
  for (let k = 0; k < 3000; k++) {
    const x = (Math.random() - 0.5) * 10 ** (Math.floor(Math.random() * 12) - 6);
    view.setFloat64(0, x);
    view.setBigUint64(0, view.getBigUint64(0) + 1n);
    const next = view.getFloat64(0);
    for (const text of nearMidpoint(x, next)) assertSame(parseStrictNumber(text), text);
  }
});

/** The midpoint of two doubles in full, and rounded down and up to 19 significant digits. */
function nearMidpoint(a: number, b: number): string[] {
  const scale = 1100n; // decimal places: every double of the magnitudes used is exact with that many
  const exact = (x: number): bigint => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, Math.abs(x));
    const bits = view.getBigUint64(0);
    const biased = Number(bits >> 52n);
    const mantissa = (bits & ((1n << 52n) - 1n)) | (biased === 0 ? 0n : 1n << 52n);
    const exponent = BigInt(Math.max(biased, 1) - 1075); // x = mantissa · 2^exponent
    const value = exponent >= 0n ? (mantissa << exponent) * 10n ** scale : (mantissa * 10n ** scale) >> -exponent;
    return x < 0 ? -value : value;
  };
  const mid = (exact(a) + exact(b)) / 2n;
  const text = (m: bigint): string => {
    const negative = m < 0n;
    const s = (negative ? -m : m).toString().padStart(Number(scale) + 1, '0');
    return `${negative ? '-' : ''}${s.slice(0, s.length - Number(scale))}.${s.slice(s.length - Number(scale))}`;
  };
  const full = text(mid);
  const significant = full.replace(/^-?[0.]*/, '');
  const cut = full.length - significant.length + 20; // 19 digits plus the point
  return [full, full.slice(0, cut), `${full.slice(0, cut - 1)}${String.fromCharCode(full.charCodeAt(cut - 1) === 57 ? 57 : full.charCodeAt(cut - 1) + 1)}`];
}

test('the scanner reads a number in place and stops where the cell ends', () => {
  const scanner = new DecimalScanner();
  fc.assert(fc.property(fc.oneof(decimal, longDecimal), fc.constantFrom(',', ';', '\t', '\n', '\r', ' '), (number, after) => {
    const text = `x,${number}${after}9`;
    const end = scanner.scan(text, 2);
    const expected = reference(number);
    if (Number.isNaN(expected)) assert.ok(end === -1 || end < 2 + number.length, number);
    else {
      assert.equal(end, 2 + number.length, number);
      assert.ok(Object.is(scanner.value, expected), number);
    }
  }), { numRuns: 5000 });
});

test('the byte scanner gives what the text scanner gives, up to the chunk end', () => {
  const scanner = new DecimalScanner();
  fc.assert(fc.property(fc.oneof(decimal, longDecimal), fc.constantFrom('', ',', '\n', ' ', 'x'), fc.nat(3), (number, after, cut) => {
    // `cut` shortens the chunk so that some numbers run into its end, as at a chunk boundary.
    const text = `x,${number}${after}9`.slice(0, Math.max(2, 3 + number.length + after.length - cut));
    const end = scanner.scan(text, 2);
    const value = scanner.value;
    const bytes = Buffer.from(text, 'latin1');
    assert.equal(scanner.scanBytes(bytes, text, 2), end, text);
    if (end >= 0) assert.ok(Object.is(scanner.value, value), text);
  }), { numRuns: 10000 });
});

test('numeric cells read in place give what trimming and parsing each cell gave', () => {
  const padding = fc.constantFrom('', ' ', '  ', '\t', ' \t');
  const cell = fc.oneof(
    fc.tuple(padding, fc.oneof(decimal, longDecimal), padding).map((parts) => parts.join('')),
    fc.constantFrom('', ' ', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', 'abc', '"1.5"', ' "2" ', '1.2.3', '\u00a01', '1\u00a0', '\v3'),
  );
  fc.assert(fc.property(fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 12 }), (rows) => {
    const text = `a,b\n${rows.map(([x, y]) => `${x},${y}`).join('\n')}\n`;
    let table;
    try {
      table = parseCsv(text, 'p.csv');
    } catch {
      return; // a row of two blank cells, etc.: error paths are covered elsewhere
    }
    assert.equal(table.rowCount, rows.length);
    for (let c = 0; c < 2; c++) {
      const column = table.columns[c];
      rows.forEach((row, r) => {
        const raw = row[c].trim();
        const unquoted = /^"(.*)"$/.exec(raw)?.[1] ?? raw;
        const expected = raw === '' ? NaN : reference(unquoted);
        assert.ok(Object.is(column.values[r], expected), `${JSON.stringify(row[c])}: ${column.values[r]} vs ${expected}`);
        if (column.text && Number.isNaN(expected)) assert.equal(column.text[r], unquoted);
      });
    }
  }), { numRuns: 3000 });
});
