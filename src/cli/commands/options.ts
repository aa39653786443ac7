/** Flag parsing helpers: every bad value is a UserInputError naming the flag. */
import { UserInputError } from '../../core/errors';

export function numberFlag(name: string, value: string | undefined, check: (n: number) => boolean = Number.isFinite, expected = 'a number'): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) throw new UserInputError(`--${name} must be ${expected} (got "${value}")`);
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
