/**
 * A fit's choices (from the Fit wizard or the `moeLab.fitCsv` command's options) as an experiment spec: the same
 * object is run and, if the user wants, saved as `<csv-name>.moe.json` beside the data. No VS Code import.
 */
import type { ExpertFamily } from '../../core/data/dataset';
import { SPEC_DEFAULTS } from '../../core/spec/defaults';
import { INIT_STRATEGIES, SOLVER_NAMES, type GateKind, type InitStrategy, type SolverName } from '../../core/spec/types';
import { isWhenBusy, type WhenBusy } from '../run/whenBusy';

/** Options of `moeLab.fitCsv` (every field but `target` optional; defaults from the settings and the schema). */
export interface FitOptions {
  readonly target: string;
  /** Default: every numeric column except the target. */
  readonly features?: readonly string[];
  readonly expert?: ExpertFamily | 'auto';
  readonly experts?: number;
  readonly gate?: GateKind;
  /** Default: em, gd, adam. */
  readonly solvers?: readonly SolverName[];
  readonly learningRates?: Partial<Record<'gd' | 'adam' | 'gem', number>>;
  readonly gemSteps?: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
  readonly timeBudgetSeconds?: number;
  readonly restarts?: number;
  readonly seed?: number;
  readonly init?: InitStrategy;
  readonly testFraction?: number;
  readonly standardize?: boolean;
  readonly ridge?: number;
  readonly dropInvalidRows?: boolean;
  readonly name?: string;
  /** Save the choices as a spec: `true` (`<csv-name>.moe.json` beside the CSV) or a path; default: ask (wizard) / no. */
  readonly saveSpec?: boolean | string;
  /** Open the convergence panel for the run (default: the `moeLab.openPanelOnRun` setting). */
  readonly showPanel?: boolean;
  /** If a run is active: ask the user (default), stop it, or keep it and start nothing. */
  readonly whenBusy?: WhenBusy;
  /** When the `moeLab.resultsFolder` setting points outside the workspace: ask the user (default) or refuse. */
  readonly outsideWorkspace?: 'ask' | 'refuse';
}

export interface FitDefaults {
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly restarts: number;
  readonly testFraction: number;
}

export const DEFAULT_FIT_SOLVERS: readonly SolverName[] = ['em', 'gd', 'adam'];
export const DEFAULT_LEARNING_RATES: Readonly<Record<'gd' | 'adam' | 'gem', number>> = {
  gd: SPEC_DEFAULTS.solvers.gd.learningRate,
  adam: SPEC_DEFAULTS.solvers.adam.learningRate,
  gem: SPEC_DEFAULTS.solvers.gem.learningRate,
};

/**
 * The raw spec (as it would be written to a file) for fitting `csv` (a path relative to the spec's folder).
 * `resultsDir`, when given, is relative to the spec's folder too.
 */
export function fitSpecObject(csv: string, options: FitOptions, defaults: FitDefaults, resultsDir?: string): Record<string, unknown> {
  const solvers = new Set(options.solvers && options.solvers.length > 0 ? options.solvers : DEFAULT_FIT_SOLVERS);
  const rate = (name: 'gd' | 'adam' | 'gem') => options.learningRates?.[name] ?? DEFAULT_LEARNING_RATES[name];
  const name = options.name ?? csv.split(/[\\/]/).pop()!.replace(/\.csv$/i, '');
  const { data, model, solvers: solverDefaults, init } = SPEC_DEFAULTS;
  return {
    name,
    data: {
      csv,
      target: options.target,
      ...(options.features && options.features.length > 0 ? { features: [...options.features] } : {}),
      ...(options.dropInvalidRows ? { dropInvalidRows: true } : {}),
      standardize: options.standardize ?? data.standardize,
      testFraction: options.testFraction ?? defaults.testFraction,
      splitSeed: options.seed ?? data.splitSeed,
    },
    model: {
      experts: options.experts ?? model.experts,
      expert: options.expert ?? model.expert,
      gate: options.gate ?? model.gate,
      ...(options.ridge ? { ridge: options.ridge } : {}),
    },
    solvers: Object.fromEntries(
      SOLVER_NAMES.map((solver) => {
        const enabled = solvers.has(solver);
        if (solver === 'em') return [solver, { enabled }];
        if (solver === 'gem') return [solver, { enabled, learningRate: rate('gem'), steps: options.gemSteps ?? solverDefaults.gem.steps }];
        return [solver, { enabled, learningRate: rate(solver) }];
      }),
    ),
    stopping: {
      maxIterations: options.maxIterations ?? defaults.maxIterations,
      tolerance: options.tolerance ?? defaults.tolerance,
      ...(options.timeBudgetSeconds ? { timeBudgetSeconds: options.timeBudgetSeconds } : {}),
    },
    init: { strategy: options.init ?? init.strategy, seed: options.seed ?? init.seed, restarts: options.restarts ?? defaults.restarts },
    ...(resultsDir ? { resultsDir } : {}),
  };
}

/**
 * `moeLab.fitCsv`'s options from an untrusted value: known keys of the right primitive type are kept (the spec
 * schema then checks ranges); anything else is a problem named in the returned message.
 */
export function parseFitOptions(value: unknown): { ok: true; options: FitOptions } | { ok: false; message: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'fit options must be an object with at least "target"' };
  const input = value as Record<string, unknown>;
  if (typeof input.target !== 'string' || input.target === '') return { ok: false, message: 'fit options need "target": the name of the column to predict' };
  const problems: string[] = [];
  const out: Record<string, unknown> = { target: input.target };
  const keep = (key: string, check: (v: unknown) => boolean, expected: string) => {
    if (input[key] === undefined) return;
    if (check(input[key])) out[key] = input[key];
    else problems.push(`"${key}" must be ${expected}`);
  };
  const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const isStrings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  keep('features', isStrings, 'a list of column names');
  keep('expert', (v) => ['auto', 'gaussian', 'bernoulli', 'categorical'].includes(v as string), 'auto, gaussian, bernoulli or categorical');
  keep('experts', isNumber, 'a number');
  keep('gate', (v) => v === 'softmax' || v === 'constant', 'softmax or constant');
  keep('solvers', (v) => isStrings(v) && (v as string[]).every((s) => (SOLVER_NAMES as readonly string[]).includes(s)), `a list of ${SOLVER_NAMES.join(', ')}`);
  keep('learningRates', (v) => typeof v === 'object' && v !== null && Object.entries(v).every(([k, r]) => ['gd', 'adam', 'gem'].includes(k) && isNumber(r)), 'an object like { "gd": 0.1, "adam": 0.01 }');
  for (const key of ['gemSteps', 'maxIterations', 'tolerance', 'timeBudgetSeconds', 'restarts', 'seed', 'testFraction', 'ridge']) keep(key, isNumber, 'a number');
  keep('init', (v) => (INIT_STRATEGIES as readonly unknown[]).includes(v), INIT_STRATEGIES.join(', '));
  for (const key of ['standardize', 'dropInvalidRows', 'showPanel']) keep(key, (v) => typeof v === 'boolean', 'true or false');
  keep('name', (v) => typeof v === 'string' && v !== '', 'a non-empty string');
  keep('whenBusy', isWhenBusy, 'ask, stop or keep');
  keep('outsideWorkspace', (v) => v === 'ask' || v === 'refuse', 'ask or refuse');
  keep('saveSpec', (v) => typeof v === 'boolean' || (typeof v === 'string' && v.endsWith('.moe.json')), 'true, false or a path ending in .moe.json');
  const unknown = Object.keys(input).filter((key) => !(key in out) && !problems.some((p) => p.startsWith(`"${key}"`)));
  if (unknown.length > 0) problems.push(`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`);
  return problems.length > 0 ? { ok: false, message: `fit options: ${problems.join('; ')}` } : { ok: true, options: out as unknown as FitOptions };
}
