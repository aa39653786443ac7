/**
 * Messages in the terms of `moe-lab fit`. `fit` builds a spec from flags, and the checks and the loader below it
 * speak in terms of that spec: JSON pointers (`/stopping/tolerance`), field names ("set dropInvalidRows") and
 * the data file's absolute path. A `fit` user wrote none of those, so each is put back as the user typed it: the
 * flag, and the path as given on the command line. (`run SPEC` keeps the spec's words: there the user wrote them.)
 */
import { UserInputError, isUserInputError } from '../../core/errors';

/** Spec pointer → the `fit` flag that sets it; the longest matching prefix wins (see flagFor). */
const FLAG_OF_POINTER: Readonly<Record<string, string>> = {
  '/data/target': '--target',
  '/data/features': '--features',
  '/data/dropInvalidRows': '--drop-invalid-rows',
  '/data/standardize': '--no-standardize',
  '/data/testFraction': '--test-fraction',
  '/data/splitSeed': '--seed',
  '/model/experts': '--experts',
  '/model/expert': '--expert',
  '/model/gate': '--gate',
  '/model/ridge': '--ridge',
  '/model/symmetric': '--symmetric',
  '/model/fixedSigma': '--fixed-sigma',
  '/solvers': '--solvers',
  '/solvers/em/innerIterations': '--em-inner',
  '/solvers/em/acceleration': '--em-acceleration',
  '/solvers/em/mStep': '--em-mstep',
  '/solvers/gem/learningRate': '--lr-gem',
  '/solvers/gem/steps': '--gem-steps',
  '/solvers/gd/learningRate': '--lr-gd',
  '/solvers/adam/learningRate': '--lr-adam',
  '/stopping/maxIterations': '--max-iter',
  '/stopping/tolerance': '--tol',
  '/stopping/gradientTolerance': '--grad-tol',
  '/stopping/timeBudgetSeconds': '--time-budget',
  '/init/strategy': '--init',
  '/init/seed': '--seed',
  '/init/restarts': '--restarts',
};

/** Spec field names that messages use as words, and how a `fit` user says the same. */
const FIELD_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  // The data layer names both ways, since it does not know its caller; a `fit` user has only the flag.
  [/\bdrop those rows with --drop-invalid-rows or, in a spec, data\.dropInvalidRows\b/g, 'pass --drop-invalid-rows to drop those rows'],
  [/\bset dropInvalidRows\b/g, 'pass --drop-invalid-rows'],
  [/\bdropInvalidRows\b/g, '--drop-invalid-rows'],
  [/\btestFraction\b/g, '--test-fraction'],
  [/\bmaxIterations\b/g, '--max-iter'],
  [/\btimeBudgetSeconds\b/g, '--time-budget'],
  [/\bfixedSigma\b/g, '--fixed-sigma'],
];

export interface FitWording {
  /** A warning or message in flag terms. */
  text(message: string): string;
  /** A user mistake in flag terms (anything else is returned unchanged). */
  error(error: unknown): unknown;
}

/**
 * @param typedPath the data file as the user typed it
 * @param resolvedPath the same, resolved: the form in which the loader names it
 */
export function fitWording(typedPath: string, resolvedPath: string): FitWording {
  const text = (message: string): string => {
    let worded = message.split(resolvedPath).join(typedPath);
    for (const [word, flag] of FIELD_WORDS) worded = worded.replace(word, flag);
    return worded;
  };
  return {
    text,
    error(error) {
      if (!isUserInputError(error)) return error;
      const { pointer, ...location } = error.location;
      let message = text(error.message);
      if (pointer !== undefined && pointer !== '') {
        const flag = flagFor(pointer);
        const withoutPointer = message.startsWith(`${pointer}: `) ? message.slice(pointer.length + 2) : message;
        // /data/csv: the message names the file, as typed; a pointer with no flag stays (better than nothing).
        if (pointer === '/data/csv') message = withoutPointer;
        else if (flag === undefined) message = message.startsWith(pointer) ? message : `${pointer}: ${message}`;
        else message = withoutPointer.startsWith(flag) ? withoutPointer : `${flag}: ${withoutPointer}`;
      }
      return new UserInputError(message, location);
    },
  };
}

function flagFor(pointer: string): string | undefined {
  let best: string | undefined;
  for (const prefix of Object.keys(FLAG_OF_POINTER)) {
    const matches = pointer === prefix || pointer.startsWith(`${prefix}/`);
    if (matches && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : FLAG_OF_POINTER[best];
}
