/**
 * Small structural checks for messages that cross a trust boundary (webview → host, worker → host, host → webview).
 * Browser-safe: no Node or VS Code imports. Every check returns a boolean and never throws.
 */
import { SOLVER_NAMES, type SolverName } from '../core/spec/types';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isString(value: unknown, maxLength = 10_000): value is string {
  return typeof value === 'string' && value.length <= maxLength;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A number as JSON can carry it: finite, or null / absent where the runner had none. */
export function isOptionalNumber(value: unknown): boolean {
  return value === undefined || typeof value === 'number';
}

export function isNonNegativeInteger(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

export function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

export function isSolverName(value: unknown): value is SolverName {
  return typeof value === 'string' && (SOLVER_NAMES as readonly string[]).includes(value);
}

export function isStringArray(value: unknown, maxItems = 100_000, maxLength = 10_000): value is string[] {
  return Array.isArray(value) && value.length <= maxItems && value.every((item) => isString(item, maxLength));
}

export function isArrayOf<T>(value: unknown, check: (item: unknown) => item is T, maxItems = 1_000_000): value is T[] {
  return Array.isArray(value) && value.length <= maxItems && value.every((item) => check(item));
}

/** Numbers that JSON turns into null (NaN, ±Infinity) are accepted where a number may be missing. */
export function isNumberOrNull(value: unknown): boolean {
  return value === null || typeof value === 'number';
}
