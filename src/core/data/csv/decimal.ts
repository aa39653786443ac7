/**
 * Strict decimal numbers read straight from text, without a string per number (the CSV reader's hot path).
 *
 * The grammar: optional sign, digits with an optional point (`1`, `.5`, `1.`), optional exponent (`e5`, `E-3`,
 * `e+2`). Every result is bit-identical to `Number()` of the same text: a value is computed here only when it is
 * provably the correctly rounded one, otherwise `Number()` of the slice decides.
 *
 * Three paths, fastest first:
 *  1. Clinger's fast path: an integer mantissa below 2^53 and 10^|scale| with |scale| ≤ 22 are both exact doubles,
 *     so one correctly rounded multiplication or division is exact rounding of the true value.
 *  2. 16–19 significant digits with a negative scale down to −22 (what full-precision data looks like, e.g.
 *     `-2.3730617035469965`): the quotient is computed in double-double arithmetic with a proven error bound far
 *     below half an ulp, and accepted only when every value within that bound rounds to the same double.
 *  3. Anything else (more digits, larger exponents, the rare case right at a rounding boundary): `Number()`.
 */

import * as charCodes from './charCodes';

// Module constants, not import bindings (see recordParser.ts): the scanners read them once per character.
const { DOT, LOWER_E, MINUS, NINE, PLUS, UPPER_E, ZERO } = charCodes;

/** Significant digits that fit the exact integer accumulator (10^15 < 2^53). */
const HIGH_DIGITS = 15;
/** The accumulator takes another digit while below this (then it stays below 10^15). */
const HIGH_LIMIT = 1e14;
/** Significant digits the double-double path takes (10^19 < 2^64, so the mantissa splits into two exact parts). */
const MAX_DIGITS = 19;
const TWO_53 = 2 ** 53;
const TWO_24 = 2 ** 24;
/** Relative width of the interval checked around the double-double result; the proven error is below 2^-100. */
const MARGIN = 2 ** -90;
/** Veltkamp's constant 2^27 + 1: splits a double into two halves whose products are exact. */
const SPLITTER = 134217729;

/** 10^0 … 10^22, all exactly representable. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** The same powers split into high and low halves for Dekker's exact product. */
const POWER_HIGH = POWERS_OF_TEN.map(splitHigh);
const POWER_LOW = POWERS_OF_TEN.map((p, k) => p - POWER_HIGH[k]);

/**
 * Reads one strict decimal number at a position in a text. Reusable: `scan` leaves its result in `value`, so the
 * hot loop allocates nothing.
 */
export class DecimalScanner {
  /** The number read by the last `scan` that did not return −1. */
  value = 0;
  private exponent = 0;

  /**
   * Reads the longest strict number starting exactly at `start` and returns the index just after it, or −1 when
   * there is none (no digits, an exponent without digits) or its value is not finite. Stops at the first character
   * that cannot continue the number; the caller decides whether that character may end the cell.
   */
  scan(text: string, start: number): number {
    let i = start;
    let c = text.charCodeAt(i);
    const negative = c === MINUS;
    if (c === MINUS || c === PLUS) c = text.charCodeAt(++i);
    // high takes the first 15 significant digits exactly (leading zeros leave it 0); later digits go to low.
    let high = 0;
    let low = 0;
    let lowDigits = 0;
    const digitsStart = i;
    for (; c >= ZERO && c <= NINE; c = text.charCodeAt(++i)) {
      if (high < HIGH_LIMIT) high = high * 10 + (c - ZERO);
      else {
        low = low * 10 + (c - ZERO);
        lowDigits++;
      }
    }
    let fractionDigits = 0;
    if (c === DOT) {
      const fractionStart = ++i;
      for (c = text.charCodeAt(i); c >= ZERO && c <= NINE; c = text.charCodeAt(++i)) {
        if (high < HIGH_LIMIT) high = high * 10 + (c - ZERO);
        else {
          low = low * 10 + (c - ZERO);
          lowDigits++;
        }
      }
      fractionDigits = i - fractionStart;
      if (i - digitsStart === 1) return -1; // a lone point
    } else if (i === digitsStart) return -1;
    if (c !== LOWER_E && c !== UPPER_E && lowDigits === 0 && fractionDigits <= 22) {
      // The common case, inline: Clinger's fast path with an exact mantissa below 10^15.
      const value = high / POWERS_OF_TEN[fractionDigits];
      this.value = negative ? -value : value;
      return i;
    }
    return this.finish(text, start, i, negative, high, low, lowDigits, fractionDigits);
  }

  /**
   * `scan` over bytes: the same grammar and results, for the CSV reader's ASCII chunks, where indexing a
   * `Uint8Array` is about twice as fast as `charCodeAt`. `text` must hold the same characters as `bytes` (ASCII):
   * the rare parts (exponents, the `Number()` fallback) read it instead.
   */
  scanBytes(bytes: Uint8Array, text: string, start: number): number {
    const n = bytes.length;
    let i = start;
    let c = i < n ? bytes[i] : -1;
    const negative = c === MINUS;
    if (c === MINUS || c === PLUS) c = ++i < n ? bytes[i] : -1;
    let high = 0;
    let low = 0;
    let lowDigits = 0;
    const digitsStart = i;
    for (; c >= ZERO && c <= NINE; c = ++i < n ? bytes[i] : -1) {
      if (high < HIGH_LIMIT) high = high * 10 + (c - ZERO);
      else {
        low = low * 10 + (c - ZERO);
        lowDigits++;
      }
    }
    let fractionDigits = 0;
    if (c === DOT) {
      const fractionStart = ++i;
      for (c = i < n ? bytes[i] : -1; c >= ZERO && c <= NINE; c = ++i < n ? bytes[i] : -1) {
        if (high < HIGH_LIMIT) high = high * 10 + (c - ZERO);
        else {
          low = low * 10 + (c - ZERO);
          lowDigits++;
        }
      }
      fractionDigits = i - fractionStart;
      if (i - digitsStart === 1) return -1; // a lone point
    } else if (i === digitsStart) return -1;
    if (c !== LOWER_E && c !== UPPER_E && lowDigits === 0 && fractionDigits <= 22) {
      const value = high / POWERS_OF_TEN[fractionDigits];
      this.value = negative ? -value : value;
      return i;
    }
    return this.finish(text, start, i, negative, high, low, lowDigits, fractionDigits);
  }

  /**
   * The less common rest of a scan, after the digits (up to index `i`): the exponent if any, then the exact paths
   * or `Number()`. Returns the index after the number or −1.
   */
  private finish(
    text: string, start: number, i: number, negative: boolean,
    high: number, low: number, lowDigits: number, fractionDigits: number,
  ): number {
    let scale = -fractionDigits;
    const c = text.charCodeAt(i);
    if (c === LOWER_E || c === UPPER_E) {
      i = this.scanExponent(text, i + 1);
      if (i < 0) return -1;
      scale += this.exponent;
    }
    let value = lowDigits > MAX_DIGITS - HIGH_DIGITS ? -1 : exactValue(high, low, lowDigits, scale);
    if (value >= 0) value = negative ? -value : value;
    else {
      value = Number(text.slice(start, i)); // the grammar is checked, so only overflow can make it non-finite
      if (value === Infinity || value === -Infinity) return -1;
    }
    this.value = value;
    return i;
  }

  /** The exponent's digits after `e`; its value goes to `exponent`. Returns the index after it or −1. */
  private scanExponent(text: string, start: number): number {
    let i = start;
    let c = text.charCodeAt(i);
    const negative = c === MINUS;
    if (c === MINUS || c === PLUS) c = text.charCodeAt(++i);
    const digitsStart = i;
    let exponent = 0;
    for (; c >= ZERO && c <= NINE; c = text.charCodeAt(++i)) {
      if (exponent < 1e6) exponent = exponent * 10 + (c - ZERO); // beyond that, Number() decides (0 or ∞)
    }
    this.exponent = negative ? -exponent : exponent;
    return i === digitsStart ? -1 : i;
  }
}

/**
 * `mantissa · 10^scale` correctly rounded, where mantissa = high · 10^lowDigits + low; −1 when this function
 * cannot prove the rounding (the caller then asks `Number()`).
 */
function exactValue(high: number, low: number, lowDigits: number, scale: number): number {
  const mantissa = lowDigits === 0 ? high : high * POWERS_OF_TEN[lowDigits] + low;
  if (mantissa === 0) return 0;
  // Rounding is monotone and 2^53 is a double, so a computed mantissa below 2^53 means the true one is, and exact.
  if (mantissa < TWO_53) {
    if (scale < 0) return scale >= -22 ? mantissa / POWERS_OF_TEN[-scale] : -1;
    return scale <= 22 ? mantissa * POWERS_OF_TEN[scale] : -1;
  }
  return scale < 0 && scale >= -22 ? longQuotient(high, low, POWERS_OF_TEN[lowDigits], -scale) : -1;
}

/**
 * (high · lowScale + low) / 10^k for a mantissa of 2^53 … 10^19 and 1 ≤ k ≤ 22, or −1 when undecided.
 *
 * The mantissa M is held exactly as wh + wl. q = fl(wh / D) is within an ulp or so of M / D; the remainder
 * r = M − q·D is computed from Dekker's exact product q·D (wh − ph is exact by Sterbenz's lemma), and q + r/D
 * approximates M / D with a relative error below 2^-100. Rounding is monotone, so if both ends of the interval
 * q + r/D ± 2^-90·q round to the same double, that double is the correctly rounded M / D (a value exactly halfway
 * between two doubles never passes: its interval straddles the boundary).
 */
function longQuotient(high: number, low: number, lowScale: number, k: number): number {
  // M = x + y with x = a·lowScale·2^24 and y = b·lowScale + low, both exact (a < 2^26, b < 2^24, lowScale ≤ 10^4);
  // M ≥ 2^53 makes a ≥ 1, so x > y and Fast2Sum gives the exact split.
  const a = Math.floor(high / TWO_24);
  const b = high - a * TWO_24;
  const x = a * lowScale * TWO_24;
  const y = b * lowScale + low;
  const wh = x + y;
  const wl = y - (wh - x);
  const divisor = POWERS_OF_TEN[k];
  const q = wh / divisor;
  const ph = q * divisor;
  const qh = splitHigh(q);
  const ql = q - qh;
  const dh = POWER_HIGH[k];
  const dl = POWER_LOW[k];
  const pl = ((qh * dh - ph) + qh * dl + ql * dh) + ql * dl; // q·divisor − ph, exactly (Dekker)
  const correction = ((wh - ph) + wl - pl) / divisor;
  const margin = q * MARGIN;
  const below = q + (correction - margin);
  return below === q + (correction + margin) ? below : -1;
}

/** Veltkamp's split: the high 26 bits of `value`; value − splitHigh(value) holds the rest exactly. */
function splitHigh(value: number): number {
  const scaled = SPLITTER * value;
  return scaled - (scaled - value);
}

const sharedScanner = new DecimalScanner();

/**
 * A strict decimal number (see the module comment). Rejects what `Number()` would wrongly accept in a data file
 * (`0x10`, `Infinity`, ``, surrounding spaces) and what it rejects anyway (`1,2`). Returns NaN when the text is
 * not such a number or overflows.
 */
export function parseStrictNumber(text: string): number {
  return sharedScanner.scan(text, 0) === text.length ? sharedScanner.value : NaN;
}
