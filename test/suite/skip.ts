// Skips with a reason, for the integration suite (bundled into the files that import it; not a test file itself).
/** Why a test or suite was skipped, kept on the mocha object (read by index.ts into results.json). */
export const SKIP_REASON = 'moeLabSkipReason';

/**
 * Skips the running test, or all the tests of the suite when called from a suite hook, and records why: the reason
 * goes into results.json, where `npm test` lists it (mocha's own `this.skip()` takes none).
 */
export function skipBecause(context: Mocha.Context, reason: string): never {
  const runnable = context.runnable() as Mocha.Runnable & { type?: string };
  const target = runnable.type === 'hook' && runnable.parent ? runnable.parent : runnable;
  (target as unknown as Record<string, string>)[SKIP_REASON] = reason;
  context.skip();
}
