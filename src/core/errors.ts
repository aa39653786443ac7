/**
 * A mistake in the user's input (a file, a column, a spec field, a flag). It carries where the mistake is so
 * that the CLI can print one clear line and the extension can point at the place; it is never a crash.
 */
export interface ErrorLocation {
  readonly file?: string;
  /** 1-based data row (the header is row 0). */
  readonly row?: number;
  readonly column?: string;
  /** JSON pointer into a spec, e.g. `/solvers/gd/learningRate`. */
  readonly pointer?: string;
}

export class UserInputError extends Error {
  override readonly name = 'UserInputError';
  constructor(message: string, readonly location: ErrorLocation = {}) {
    super(message);
  }
}

export function isUserInputError(error: unknown): error is UserInputError {
  return error instanceof UserInputError;
}
