/**
 * The one source of MoE Lab's defaults: every spec field's default (what a `*.moe.json` that leaves the field out
 * gets) and the defaults of the extension's `moeLab.*` settings.
 *
 * Two files repeat them because they cannot import TypeScript: `schema.json` (its `default`s are what VS Code's JSON
 * editor offers and what `resolveSpec` fills in) and `package.json` (`contributes.configuration`, what VS Code shows
 * in the Settings editor). test/unit/defaults.test.ts fails when either disagrees with this module, in a value or in
 * a field that one has and the other has not: change a default here, then there.
 *
 * Browser-safe (the spec editor's webview may read it): no imports.
 */

/** Default of every spec field, shaped like the spec file (`data` holds both the CSV and the synthetic fields). */
export const SPEC_DEFAULTS = {
  name: 'experiment',
  data: {
    /** Placeholders the JSON editor fills in when the field is added; a CSV spec must set both. */
    csv: 'data.csv',
    target: 'target',
    features: null,
    dropInvalidRows: false,
    standardize: true,
    testFraction: 0,
    splitSeed: 0,
    synthetic: { kind: 'linear', experts: 2, dim: 5, samples: 1000, snr: 4, seed: 1, symmetric: true },
  },
  model: { experts: 2, expert: 'auto', gate: 'softmax', ridge: 0, symmetric: false, fixedSigma: null },
  solvers: {
    em: { enabled: true, innerIterations: 0, acceleration: 'none', mStep: 'newton-cg' },
    gem: { enabled: false, learningRate: 0.1, steps: 1 },
    gd: { enabled: true, learningRate: 0.1 },
    adam: { enabled: true, learningRate: 0.01 },
  },
  stopping: {
    maxIterations: 500,
    tolerance: 1e-8,
    gradientTolerance: 1e-3,
    timeBudgetSeconds: 0,
  },
  init: { strategy: 'mixed', seed: 0, restarts: 1, perturbation: 0.1 },
  errorThreshold: 0.01,
  resultsDir: '.moe-lab/runs',
} as const;

/** Default of every `moeLab.*` setting (package.json `contributes.configuration`), by its name without `moeLab.`. */
export const SETTINGS_DEFAULTS = {
  resultsFolder: SPEC_DEFAULTS.resultsDir,
  defaultMaxIterations: SPEC_DEFAULTS.stopping.maxIterations,
  defaultTolerance: SPEC_DEFAULTS.stopping.tolerance,
  defaultRestarts: SPEC_DEFAULTS.init.restarts,
  /** A fit started from a CSV holds out 30 % for test metrics; a spec holds out nothing unless it says so. */
  defaultTestFraction: 0.3,
  panelUpdatesPerSecond: 4,
  openPanelOnRun: true,
} as const;
