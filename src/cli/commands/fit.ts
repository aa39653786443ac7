import * as path from 'node:path';
import { UserInputError } from '../../core/errors';
import { EM_ACCELERATIONS, SOLVER_NAMES, type SolverName } from '../../core/spec/types';
import { validateSpecObject } from '../../core/spec/validate';
import { executeRun } from './execute';
import { fitWording } from './fitWording';
import { prepareFolder } from './resultsFolder';
import { choiceFlag, integerFlag, numberFlag, parseFlags, positiveFlag, requiredFlag } from './options';

/** The flags that describe a fit (data, model, solvers, stopping, starts); `select-k` takes the same. */
export const FIT_FLAGS = {
  target: { type: 'string' },
  features: { type: 'string' },
  experts: { type: 'string' },
  expert: { type: 'string' },
  gate: { type: 'string' },
  solvers: { type: 'string' },
  'lr-gd': { type: 'string' },
  'lr-adam': { type: 'string' },
  'lr-gem': { type: 'string' },
  'gem-steps': { type: 'string' },
  'em-inner': { type: 'string' },
  'em-acceleration': { type: 'string' },
  'em-mstep': { type: 'string' },
  restarts: { type: 'string' },
  seed: { type: 'string' },
  init: { type: 'string' },
  'max-iter': { type: 'string' },
  tol: { type: 'string' },
  'grad-tol': { type: 'string' },
  ridge: { type: 'string' },
  symmetric: { type: 'boolean', default: false },
  'fixed-sigma': { type: 'string' },
  'time-budget': { type: 'string' },
  'no-standardize': { type: 'boolean', default: false },
  'test-fraction': { type: 'string' },
  'drop-invalid-rows': { type: 'boolean', default: false },
} as const;

/** The parsed fit flags: a string for each flag that takes a value, a boolean for each switch. */
export type FitFlagValues = { readonly [F in keyof typeof FIT_FLAGS]?: (typeof FIT_FLAGS)[F]['type'] extends 'string' ? string : boolean };

/** `moe-lab fit DATA.csv --target COL …`: builds a spec from the flags and runs it. */
export async function fitCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: { ...FIT_FLAGS, out: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UserInputError('usage: moe-lab fit DATA.csv --target COL [options]');
  const csv = path.resolve(positionals[0]);
  const wording = fitWording(positionals[0], csv);
  const raw = fitSpecFromFlags(csv, values);
  const validated = validateSpecObject(raw);
  if (!validated.ok) {
    const first = validated.errors[0];
    throw wording.error(new UserInputError(first.message, { pointer: first.pointer }));
  }
  const resultsRoot = values.out ? path.resolve(values.out) : false;
  if (resultsRoot) await prepareFolder(resultsRoot, '--out');
  try {
    return await executeRun(
      validated.spec,
      { baseDir: process.cwd(), resultsRoot, rawSpec: raw },
      values.json === true,
      wording.text,
    );
  } catch (error) {
    throw wording.error(error);
  }
}

/** The spec (as a user would write it) that the fit flags describe, for the data file `csv` (absolute). */
export function fitSpecFromFlags(csv: string, values: FitFlagValues) {
  const solvers = parseSolvers(values.solvers ?? 'em,gd,adam');
  return {
    name: path.basename(csv).replace(/\.csv$/i, ''),
    data: {
      csv,
      target: requiredFlag('target', values.target),
      ...(values.features ? { features: values.features.split(',').map((name) => name.trim()) } : {}),
      dropInvalidRows: values['drop-invalid-rows'],
      standardize: !values['no-standardize'],
      testFraction: numberFlag('test-fraction', values['test-fraction'], (f) => f >= 0 && f < 1, 'a fraction in [0, 1)') ?? 0,
      splitSeed: integerFlag('seed', values.seed, 0) ?? 0,
    },
    model: {
      experts: integerFlag('experts', values.experts, 1) ?? 2,
      expert: choiceFlag('expert', values.expert, ['gaussian', 'bernoulli', 'categorical', 'auto'] as const) ?? 'auto',
      gate: choiceFlag('gate', values.gate, ['softmax', 'constant'] as const) ?? 'softmax',
      ridge: numberFlag('ridge', values.ridge, (r) => r >= 0, 'a number ≥ 0') ?? 0,
      symmetric: values.symmetric,
      ...optional('fixedSigma', positiveFlag('fixed-sigma', values['fixed-sigma'])),
    },
    solvers: {
      em: {
        enabled: solvers.has('em'),
        ...optional('innerIterations', integerFlag('em-inner', values['em-inner'], 0)),
        ...optional('acceleration', choiceFlag('em-acceleration', values['em-acceleration'], EM_ACCELERATIONS)),
        ...optional('mStep', choiceFlag('em-mstep', values['em-mstep'], ['newton-cg', 'lbfgs'] as const)),
      },
      gem: {
        enabled: solvers.has('gem'),
        ...optional('learningRate', positiveFlag('lr-gem', values['lr-gem'])),
        ...optional('steps', integerFlag('gem-steps', values['gem-steps'], 1)),
      },
      gd: { enabled: solvers.has('gd'), ...optional('learningRate', positiveFlag('lr-gd', values['lr-gd'])) },
      adam: { enabled: solvers.has('adam'), ...optional('learningRate', positiveFlag('lr-adam', values['lr-adam'])) },
    },
    stopping: {
      ...optional('maxIterations', integerFlag('max-iter', values['max-iter'], 1)),
      ...optional('tolerance', numberFlag('tol', values.tol, (t) => t >= 0, 'a number ≥ 0')),
      ...optional('gradientTolerance', numberFlag('grad-tol', values['grad-tol'], (t) => t > 0, 'a number > 0')),
      ...optional('timeBudgetSeconds', numberFlag('time-budget', values['time-budget'], (t) => t >= 0, 'a number of seconds ≥ 0')),
    },
    init: {
      strategy: choiceFlag('init', values.init, ['mixed', 'shortEm', 'subsetRegression', 'randomPartition', 'kmeans', 'random', 'nearTruth'] as const) ?? 'mixed',
      seed: integerFlag('seed', values.seed, 0) ?? 0,
      restarts: integerFlag('restarts', values.restarts, 1) ?? 1,
    },
  };
}

function parseSolvers(list: string): Set<SolverName> {
  const names = list.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  for (const name of names) {
    if (!SOLVER_NAMES.includes(name as SolverName)) throw new UserInputError(`--solvers: unknown solver "${name}" (choose from ${SOLVER_NAMES.join(', ')})`);
  }
  if (names.length === 0) throw new UserInputError('--solvers: name at least one solver');
  return new Set(names as SolverName[]);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
