/**
 * The numeric fields of an iteration report, in the order of every traces CSV (the results folder's `traces.csv`
 * and the panel's export) and as the panel's message check reads them. Types only: safe in the browser.
 */
import type { IterationReport } from './types';

/** The metrics of a report: a number (null on the wire when non-finite) or absent. */
export const TRACE_METRICS = [
  'logLik',
  'objective',
  'testLogLik',
  'trainAccuracy',
  'testAccuracy',
  'trainRmse',
  'testRmse',
  'parameterError',
  'gateError',
  'truthGap',
  'gradientNorm',
  'klStep',
  'rate',
  'rateFromObjective',
  'snr',
  'responsibilityEntropy',
  'aic',
  'bic',
] as const satisfies readonly (keyof IterationReport)[];

/** Columns of a traces CSV after `solver` and `restart`. */
export const TRACE_COLUMNS = ['iteration', 'seconds', ...TRACE_METRICS] as const satisfies readonly (keyof IterationReport)[];
