/** Flag parsing helpers: every bad value is a UserInputError naming the flag. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserInputError } from '../../core/errors';

/**
 * node:util's parseArgs, except for a flag that takes a value and is followed by something starting with "-".
 * parseArgs calls that "ambiguous" (it could be another flag). A negative number is taken as the value
 * (`--tol -1` as `--tol=-1`), so that the flag's own check says what it accepts ("--tol must be a number ≥ 0");
 * anything else is refused with a message that names the flag.
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  return parseArgs<T>({ ...config, args: attachDashedValues(config.args ?? [], config.options ?? {}) });
}

/** node:util parseArgs reports bad flags with these codes. */
export function isArgumentError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

function attachDashedValues(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    const takesValue = arg.startsWith('--') && !arg.includes('=') && options[arg.slice(2)]?.type === 'string';
    if (!takesValue || (next !== undefined && !next.startsWith('-'))) {
      joined.push(arg);
    } else if (next === undefined || next.startsWith('--')) {
      throw new UserInputError(`${arg} needs a value${next === undefined ? '' : ` (it is followed by ${next})`}`);
    } else if (NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      throw new UserInputError(`${arg} needs a value but is followed by "${next}" (for a value that starts with "-", write ${arg}=${next})`);
    }
  }
  return joined;
}

/** A number as people write it: decimal digits, an optional point and exponent (Number() also takes 0x10, 0b1, 0o7). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function numberFlag(name: string, value: string | undefined, check: (n: number) => boolean = Number.isFinite, expected = 'a number'): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!DECIMAL.test(value.trim())) throw new UserInputError(`--${name} must be ${expected} written in decimal (got "${value}")`);
  if (!Number.isFinite(parsed) || !check(parsed)) throw new UserInputError(`--${name} must be ${expected} (got "${value}")`);
  return parsed;
}

export function integerFlag(name: string, value: string | undefined, min: number): number | undefined {
  return numberFlag(name, value, (n) => Number.isInteger(n) && n >= min, `an integer ≥ ${min}`);
}

export function positiveFlag(name: string, value: string | undefined): number | undefined {
  return numberFlag(name, value, (n) => n > 0, 'a positive number');
}

export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UserInputError(`--${name} must be one of ${choices.join(', ')} (got "${value}")`);
  return value as T;
}

export function requiredFlag(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UserInputError(`--${name} is required`);
  return value;
}
