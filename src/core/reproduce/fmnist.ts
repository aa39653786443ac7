/**
 * Random-Invert Fashion-MNIST, as the paper's Table 2 and Figure 3: a mixture of 2 softmax experts (10 classes)
 * with a softmax gate, trained by EM, Gradient EM, GD and Adam from the same start for a fixed number of
 * iterations; test accuracy and test cross entropy per iteration (and per second, for the equal-time view), with
 * two baselines: one softmax regression (K = 1), and the polarity-gated pair (each polarity's rows get their own
 * softmax regression and the true polarity routes a test image — the ceiling a 2-expert gate can aim for).
 *
 * Data: the IDX files through the Fashion-MNIST loader (`../data/fmnist.ts`): pixels byte/255, each image inverted
 * (x → 1 − x) with probability 1/2 by the loader's seeded mask — the same images and polarity files that
 * `moe-lab data fmnist --seed S` writes (its CSV rounds pixels to 4 decimals; here they are exact).
 */
import type { Dataset } from '../data/dataset';
import { FMNIST_CLASSES, FMNIST_PIXELS, findFmnistSource, inversionMask, readFmnistSplit, type FmnistImages } from '../data/fmnist';
import { predictionQuality } from '../diagnostics/metrics';
import { initialParameters } from '../init';
import { evaluate } from '../model/evaluate';
import { ParamLayout } from '../model/layout';
import type { IterationReport } from '../runner/types';
import { createSolver, type SolverChoice } from '../solvers/create';
import { SOLVER_LABELS, solverLabel } from '../solvers/labels';
import type { SolverName } from '../spec/types';
import { band, iterationCurve, type Band, type Curve } from './aggregate';
import { ExperimentContext, divergence, monotoneSummary, pick, runSolver, seconds, type MonotoneSummary } from './common';
import { PAPER_TABLE_2 } from './paperFigures';
import { chosenRates, reproductionSolvers, tuneGradientSolvers, type Tuning } from './tuning';
import type { ExperimentResult, ReproduceOptions } from './types';

export interface FmnistSettings {
  readonly trainRows: number;
  readonly testRows: number;
  readonly instances: number;
  readonly iterations: number;
  readonly invertProbability: number;
  /** λ of λ/2‖coefficients‖² on the total log-likelihood. */
  readonly ridge: number;
  readonly gemSteps: number;
  /** Fixed step sizes (quick), or a grid tuned on a pilot slice (full). */
  readonly rates: { readonly gd: number; readonly gem: number; readonly adam: number } | undefined;
  readonly tuning: { readonly rows: number; readonly iterations: number; readonly grids: { readonly gd: number[]; readonly gem: number[]; readonly adam: number[] } };
  readonly baselineIterations: number;
  /** Equal time: GD and Adam of instance 1 continued until they have used EM's time (at most `extendCapSeconds`). */
  readonly extendFastSolvers: boolean;
  readonly extendCapSeconds: number;
}

export function fmnistSettings(options: ReproduceOptions): FmnistSettings {
  const quick = options.quick;
  return {
    trainRows: options.fmnistTrainRows ?? (quick ? 200 : 60_000),
    testRows: quick ? 200 : 10_000,
    instances: options.fmnistInstances ?? (quick ? 1 : 25),
    iterations: quick ? 3 : 100,
    invertProbability: 0.5,
    ridge: 1,
    gemSteps: 5,
    rates: quick ? { gd: 0.03, gem: 0.03, adam: 0.01 } : undefined,
    tuning: { rows: 2000, iterations: 20, grids: { gd: [0.003, 0.01, 0.03, 0.1], gem: [0.003, 0.01, 0.03, 0.1], adam: [0.001, 0.003, 0.01, 0.03] } },
    baselineIterations: quick ? 2 : 30,
    extendFastSolvers: !quick,
    extendCapSeconds: options.fmnistExtendCapSeconds ?? 1200,
  };
}

export const FMNIST_METRICS = ['testAccuracy', 'testCrossEntropy', 'trainCrossEntropy'] as const;
export type FmnistMetric = (typeof FMNIST_METRICS)[number];

export interface TimedCurve {
  readonly seconds: number[];
  readonly values: Record<FmnistMetric, number[]>;
  /** The iteration of each point when the curve was thinned (else point t is iteration t). */
  readonly iterations?: number[];
}

export interface FmnistSolverSummary {
  readonly solver: SolverName;
  readonly label: string;
  readonly choice: SolverChoice;
  readonly curves: Record<FmnistMetric, Curve>;
  /** Per instance, for the equal-time view. */
  readonly timed: TimedCurve[];
  readonly final: Record<FmnistMetric, Band | null>;
  readonly secondsPerIteration: Band | null;
  readonly diverged: number;
  /** EM: inner iterations per M-step (L-BFGS / Newton), over all iterations and instances. */
  readonly innerIterations?: Band | null;
  /** EM: passes over X per M-step, over all iterations and instances. */
  readonly innerPasses?: Band | null;
  /** EM: M-steps whose every block met its tolerance, of all M-steps, and the blocks' inner solvers. */
  readonly mSteps?: MStepTally;
}

/** How EM's M-steps went over a run: every block at its tolerance (`met`) or not (`capped`), by which inner solvers. */
export interface MStepTally {
  readonly met: number;
  readonly capped: number;
  readonly methods: string[];
}

export interface BaselineResult {
  readonly label: string;
  readonly testAccuracy: Band | null;
  readonly testCrossEntropy: Band | null;
  readonly trainCrossEntropy: Band | null;
  readonly seconds: Band | null;
}

export interface FmnistResult extends ExperimentResult {
  readonly name: 'fmnist';
  readonly solvers: FmnistSolverSummary[];
  readonly baselines: BaselineResult[];
  readonly tuning: Tuning[];
  readonly emMonotone: MonotoneSummary;
  /** Instance 1's GD and Adam continued to EM's time (equal time). */
  readonly extended: { readonly solver: SolverName; readonly label: string; readonly budgetSeconds: number; readonly iterations: number; readonly timed: TimedCurve }[];
  readonly instanceSeconds: number[];
  readonly parameterCount: number;
  readonly extendCapSeconds: number;
  /** Instances (1-based) read back from an earlier sitting's checkpoint (`--resume`). */
  readonly restoredInstances?: number[];
}

const SOLVER_ORDER: SolverName[] = ['em', 'gem', 'gd', 'adam'];

/** One split as a Dataset: pixels byte/255, inverted where `mask` is 1, the intercept last. */
export function fmnistDataset(images: FmnistImages, mask: Uint8Array): Dataset {
  const p = FMNIST_PIXELS + 1;
  const X = new Float64Array(images.n * p);
  const y = new Float64Array(images.n);
  for (let i = 0; i < images.n; i++) {
    const flip = mask[i] === 1 ? 255 : 0;
    const from = i * FMNIST_PIXELS;
    const to = i * p;
    for (let j = 0; j < FMNIST_PIXELS; j++) X[to + j] = (images.pixels[from + j] ^ flip) / 255;
    X[to + FMNIST_PIXELS] = 1;
    y[i] = images.labels[i];
  }
  return { X, y, n: images.n, p, featureNames: Array.from({ length: FMNIST_PIXELS }, (_, j) => `p${j + 1}`), targetName: 'label', classes: FMNIST_CLASSES };
}

export interface Split {
  readonly data: Dataset;
  readonly mask: Uint8Array;
}

/** Instance `seed`'s training and test rows, each image inverted by that seed's mask (instance k has seed k − 1). */
export function loadSplits(source: string, settings: FmnistSettings, seed: number, trainRows = settings.trainRows): { train: Split; test: Split } {
  const trainImages = readFmnistSplit(source, 'train', trainRows);
  const testImages = readFmnistSplit(source, 'test', settings.testRows);
  const trainMask = inversionMask(seed, 'train', trainImages.n, settings.invertProbability);
  const testMask = inversionMask(seed, 'test', testImages.n, settings.invertProbability);
  return { train: { data: fmnistDataset(trainImages, trainMask), mask: trainMask }, test: { data: fmnistDataset(testImages, testMask), mask: testMask } };
}

export function moeLayout(settings: FmnistSettings, K: number): ParamLayout {
  return new ParamLayout({ family: 'categorical', K, p: FMNIST_PIXELS + 1, C: FMNIST_CLASSES.length, gate: 'softmax', symmetric: false, ridge: settings.ridge });
}

/** Long continued runs are stored (and drawn) at this many iterations at most, evenly spaced, the last kept. */
const EXTENDED_POINTS = 600;

function pilotCriterion(settings: FmnistSettings): string {
  return `ℓ(θ^${settings.tuning.iterations})/n on a pilot slice of ${settings.tuning.rows} training rows (inversion seed 999, start seed 999), higher is better`;
}

/** GD's, Gradient EM's and Adam's step sizes from their grids (extended past an edge), on a pilot slice of the training rows. */
export async function tunePilotStepSizes(context: ExperimentContext, source: string, settings: FmnistSettings): Promise<Tuning[]> {
  const layout = moeLayout(settings, 2);
  const pilot = loadSplits(source, settings, 999, settings.tuning.rows);
  const theta0 = initialParameters(layout, pilot.train.data, { strategy: 'random', seed: 999, perturbation: 0 });
  const score = async (choice: SolverChoice) => {
    const { result } = await runSolver(context, createSolver(choice), {
      layout,
      train: pilot.train.data,
      theta0,
      stopping: { maxIterations: settings.tuning.iterations, tolerance: 0, timeBudgetSeconds: 0 },
      restart: 0,
      errorThreshold: 0.01,
    });
    context.advance(`tuning ${SOLVER_LABELS[choice.solver]} η = ${choice.learningRate}`);
    return [divergence(result).diverged ? -Infinity : result.objective / pilot.train.data.n];
  };
  const criterion = pilotCriterion(settings);
  return tuneGradientSolvers(settings.tuning.grids, settings.gemSteps, criterion, score);
}

export function thin(curve: TimedCurve, points: number): TimedCurve {
  const length = curve.seconds.length;
  if (length <= points) return curve;
  const keep = Array.from({ length: points }, (_, k) => Math.round((k * (length - 1)) / (points - 1)));
  const pick = (values: number[]) => keep.map((t) => values[t]);
  return {
    seconds: pick(curve.seconds),
    values: { testAccuracy: pick(curve.values.testAccuracy), testCrossEntropy: pick(curve.values.testCrossEntropy), trainCrossEntropy: pick(curve.values.trainCrossEntropy) },
    iterations: keep.map((t) => curve.iterations?.[t] ?? t),
  };
}

/**
 * The compute time at which a run's test accuracy first reached `target` (the seconds of that iteration), or
 * undefined when it never did. For the equal-time race: who reaches 80 %, 82 %, the ceiling, and how fast.
 */
export function secondsToAccuracy(curve: TimedCurve, target: number): number | undefined {
  const accuracy = curve.values.testAccuracy;
  for (let t = 0; t < accuracy.length; t++) if (accuracy[t] >= target) return curve.seconds[t];
  return undefined;
}

function timedOf(trace: readonly IterationReport[], testRows: number, trainRows: number): TimedCurve {
  // Accelerated EM reports one point per cycle at its EM-map evaluation count: keep those counts.
  const counted = trace.some((r, t) => r.iteration !== t);
  return {
    ...(counted ? { iterations: trace.map((r) => r.iteration) } : {}),
    seconds: trace.map((r) => r.seconds),
    values: {
      testAccuracy: trace.map((r) => r.testAccuracy ?? Number.NaN),
      testCrossEntropy: trace.map((r) => (r.testLogLik === undefined ? Number.NaN : -r.testLogLik / testRows)),
      trainCrossEntropy: trace.map((r) => -r.logLik / trainRows),
    },
  };
}

/**
 * EM variants raced in the equal-time view (instance 1, from EM's start, for EM's compute time): accelerated EM
 * (its iterations are EM-map evaluations) and the budgeted EM, whose L-BFGS blocks get 5 + 5·t inner iterations.
 */
export const EQUAL_TIME_EM_VARIANTS: readonly SolverChoice[] = [
  { solver: 'em', acceleration: 'squarem' },
  { solver: 'em', acceleration: 'daarem' },
  { solver: 'em', innerIterations: 5 },
];

function equalTimeLabel(choice: SolverChoice): string {
  const label = solverLabel(choice.solver, undefined, choice.acceleration);
  return choice.innerIterations ? `${label} (budgeted M-steps, ${choice.innerIterations} + ${choice.innerIterations}·t inner iterations)` : label;
}

export async function runFmnist(options: ReproduceOptions, extendForEqualTime: boolean): Promise<FmnistResult> {
  const started = performance.now();
  const settings = fmnistSettings(options);
  const source = findFmnistSource(options.fmnistSource);
  const context = new ExperimentContext('fmnist', options, 1);
  const layout = moeLayout(settings, 2);
  const single = moeLayout(settings, 1);
  const gridRuns = settings.rates ? 0 : settings.tuning.grids.gd.length + settings.tuning.grids.gem.length + settings.tuning.grids.adam.length;
  context.setTotal(gridRuns + settings.instances * (4 * settings.iterations + 3) + (extendForEqualTime && settings.extendFastSolvers ? 2 + EQUAL_TIME_EM_VARIANTS.length : 0));

  // Step sizes: fixed (quick) or tuned on a pilot slice with its own inversion seed.
  let tuning: Tuning[] = [];
  let rates = settings.rates;
  const criterion = pilotCriterion(settings);
  if (!rates) {
    const fingerprint = settingsFingerprint(settings);
    const stored = await options.checkpoint?.load<Tuning[]>('fmnist-tuning', fingerprint);
    if (stored) context.advance('step sizes restored from the checkpoint', gridRuns);
    tuning = stored ?? (await tunePilotStepSizes(context, source, settings));
    if (!stored) await options.checkpoint?.save('fmnist-tuning', fingerprint, tuning);
    rates = chosenRates(tuning);
  }
  const choices = reproductionSolvers(rates, settings.gemSteps);

  const timed: Record<SolverName, TimedCurve[]> = { em: [], gem: [], gd: [], adam: [] };
  const emObjectives: { objective: number }[][] = [];
  const diverged: Record<SolverName, number> = { em: 0, gem: 0, gd: 0, adam: 0 };
  const secondsPerIteration: Record<SolverName, number[]> = { em: [], gem: [], gd: [], adam: [] };
  const inner: number[] = [];
  const innerPasses: number[] = [];
  const mSteps = { met: 0, capped: 0, methods: new Set<string>() };
  const baselines = { single: [] as BaselineMetrics[], polarity: [] as BaselineMetrics[] };
  const extended: FmnistResult['extended'] = [];
  const instanceSeconds: number[] = [];
  const restoredInstances: number[] = [];
  let trainRows = 0;
  let testRows = 0;
  const setup: InstanceSetup = { context, settings, source, layout, single, choices, extendForEqualTime };
  for (let instance = 0; instance < settings.instances; instance++) {
    const key = `fmnist-instance-${instance + 1}`;
    const fingerprint = instanceFingerprint(setup, instance);
    let record = await options.checkpoint?.load<InstanceRecord>(key, fingerprint);
    if (record) {
      restoredInstances.push(instance + 1);
      context.advance(`instance ${instance + 1}/${settings.instances}: restored from the checkpoint`, instanceUnits(setup, instance));
    } else {
      record = await runInstance(setup, instance);
      await options.checkpoint?.save(key, fingerprint, record);
    }
    trainRows = record.trainRows;
    testRows = record.testRows;
    for (const choice of choices) {
      const run = record.solvers[choice.solver];
      timed[choice.solver].push(run.timed);
      if (run.diverged) diverged[choice.solver]++;
      if (run.secondsPerIteration !== undefined) secondsPerIteration[choice.solver].push(run.secondsPerIteration);
    }
    emObjectives.push(record.emObjectives.map((objective) => ({ objective })));
    inner.push(...record.emInnerIterations);
    // Absent from instances checkpointed before they were recorded.
    innerPasses.push(...(record.emInnerPasses ?? []));
    if (record.emMSteps) {
      mSteps.met += record.emMSteps.met;
      mSteps.capped += record.emMSteps.capped;
      for (const method of record.emMSteps.methods) mSteps.methods.add(method);
    }
    baselines.single.push(record.single);
    baselines.polarity.push(record.polarity);
    extended.push(...record.extended);
    instanceSeconds.push(record.seconds);
  }

  const solvers = choices.map((choice): FmnistSolverSummary => {
    const perInstance = timed[choice.solver];
    const curveLength = settings.iterations + 1;
    const curves = Object.fromEntries(FMNIST_METRICS.map((metric) => [metric, iterationCurve(perInstance.map((t) => t.values[metric]), curveLength)])) as Record<FmnistMetric, Curve>;
    const final = Object.fromEntries(
      FMNIST_METRICS.map((metric) => [metric, band(perInstance.map((t) => (t.values[metric].length === curveLength ? t.values[metric][curveLength - 1] : Number.NaN)))]),
    ) as Record<FmnistMetric, Band | null>;
    return {
      solver: choice.solver,
      label: solverLabel(choice.solver, choice.steps),
      choice,
      curves,
      timed: perInstance,
      final,
      secondsPerIteration: band(secondsPerIteration[choice.solver]),
      diverged: diverged[choice.solver],
      ...(choice.solver === 'em'
        ? { innerIterations: band(inner), innerPasses: band(innerPasses), mSteps: { met: mSteps.met, capped: mSteps.capped, methods: [...mSteps.methods].sort() } }
        : {}),
    };
  });
  const summarize = (label: string, list: BaselineMetrics[]): BaselineResult => ({
    label,
    testAccuracy: band(list.map((b) => b.testAccuracy)),
    testCrossEntropy: band(list.map((b) => b.testCrossEntropy)),
    trainCrossEntropy: band(list.map((b) => b.trainCrossEntropy)),
    seconds: band(list.map((b) => b.seconds)),
  });

  const baselineResults = [summarize('single softmax regression (K = 1)', baselines.single), summarize('polarity-gated pair (ceiling)', baselines.polarity)];
  return {
    name: 'fmnist',
    title: 'Random-Invert Fashion-MNIST (paper Table 2, Fig. 3)',
    seconds: seconds(started),
    settings: {
      data: `Fashion-MNIST IDX files from ${source} (Debian dataset-fashion-mnist), read by the project's loader; pixels byte/255; each image inverted (x → 1 − x) with probability ${settings.invertProbability} by the loader's seeded mask (inversion seed = instance index), no standardization, intercept added`,
      'training rows': trainRows,
      'test rows': testRows,
      model: `mixture of 2 softmax experts (10 classes) with a softmax gate: ${layout.size} free parameters; ridge λ = ${settings.ridge} on the total log-likelihood (λ/n = ${(settings.ridge / Math.max(trainRows, 1)).toExponential(1)} per row)`,
      instances: settings.instances,
      iterations: settings.iterations,
      start: "random, shared by the four solvers of an instance (MoE Lab 'random' init: gate and experts ~ N(0, I/p)), start seed 100 + instance",
      'η': choices.filter((c) => c.solver !== 'em').map((c) => `${SOLVER_LABELS[c.solver]} ${c.learningRate}`),
      'η choice': rates === settings.rates ? "fixed for --quick (the full run tunes them)" : criterion,
      'Gradient EM steps m': settings.gemSteps,
      'cross entropy': '−ℓ/n (natural log) of the mixture\'s predictive distribution, on the test rows (and on the training rows)',
      baselines: `single softmax regression (K = 1) and the polarity-gated pair (one softmax regression per true polarity, routed by the true polarity), each fitted by EM (= exact softmax-regression M-steps) to |Δℓ| ≤ 1e-9·(1 + |ℓ|) or ${settings.baselineIterations} iterations, same ridge`,
    },
    differences: [
      'The paper states neither the flip probability (1/2 used), the initialization, the step sizes, a regularization, nor whether cross entropy is on training or test rows; both are shown.',
      `Gradient EM is our definition (m = ${settings.gemSteps} gradient steps on Q(·|θᵗ) per iteration).`,
      'Adam is not in the paper\'s Table 2; its row has no reference.',
      `EM's M-steps are solved by the engine's large-block solver (${mStepSolverText(mSteps.methods)}, warm-started at θᵗ, to the tolerance of docs/solvers.md), whose passes over X and met or capped M-steps are reported; the paper's M-step solver is not stated.`,
      ...(settings.instances < 25 ? [`${settings.instances} instance(s) instead of the paper's 25 (see the run's time per instance).`] : []),
      ...(trainRows < 60_000 ? [`A slice of ${trainRows} training and ${testRows} test rows instead of 60 000 and 10 000.`] : []),
      ...(settings.iterations < 100 ? [`${settings.iterations} iterations instead of 100.`] : []),
    ],
    notes: fmnistNotes(solvers, baselineResults, settings.iterations),
    solvers,
    baselines: baselineResults,
    tuning,
    emMonotone: monotoneSummary(emObjectives),
    extended,
    instanceSeconds,
    parameterCount: layout.size,
    extendCapSeconds: settings.extendCapSeconds,
    ...(restoredInstances.length > 0 ? { restoredInstances } : {}),
  };
}

/** What one instance needs, shared by all instances. */
interface InstanceSetup {
  readonly context: ExperimentContext;
  readonly settings: FmnistSettings;
  readonly source: string;
  readonly layout: ParamLayout;
  readonly single: ParamLayout;
  readonly choices: readonly SolverChoice[];
  readonly extendForEqualTime: boolean;
}

/** What a finished instance contributes to the result: written to the checkpoint as soon as it finishes. */
interface InstanceRecord {
  readonly trainRows: number;
  readonly testRows: number;
  readonly solvers: Record<SolverName, { readonly timed: TimedCurve; readonly diverged: boolean; readonly secondsPerIteration?: number }>;
  /** EM's objective per iteration, for the monotonicity check. */
  readonly emObjectives: number[];
  readonly emInnerIterations: number[];
  readonly emInnerPasses?: number[];
  readonly emMSteps?: MStepTally;
  readonly single: BaselineMetrics;
  readonly polarity: BaselineMetrics;
  readonly extended: FmnistResult['extended'];
  readonly seconds: number;
}

/** The settings every instance depends on (the number of instances is not one: a resumed run may ask for more). */
function settingsFingerprint(settings: FmnistSettings): Record<string, unknown> {
  const { instances: _instances, ...rest } = settings;
  return { ...rest };
}

function extendsInstance(setup: InstanceSetup, instance: number): boolean {
  return instance === 0 && setup.extendForEqualTime && setup.settings.extendFastSolvers;
}

function instanceFingerprint(setup: InstanceSetup, instance: number): Record<string, unknown> {
  return { ...settingsFingerprint(setup.settings), choices: setup.choices, equalTimeExtension: extendsInstance(setup, instance) };
}

/** Progress units of one instance: every solver iteration, the two baselines (three fits), the equal-time runs. */
function instanceUnits(setup: InstanceSetup, instance: number): number {
  return setup.choices.length * setup.settings.iterations + 3 + (extendsInstance(setup, instance) ? 2 + EQUAL_TIME_EM_VARIANTS.length : 0);
}

async function runInstance(setup: InstanceSetup, instance: number): Promise<InstanceRecord> {
  const { context, settings, source, layout, choices } = setup;
  const instanceStarted = performance.now();
  context.note(`instance ${instance + 1}/${settings.instances}: reading Fashion-MNIST`);
  const { train, test } = loadSplits(source, settings, instance);
  const theta0 = initialParameters(layout, train.data, { strategy: 'random', seed: 100 + instance, perturbation: 0 });
  const solvers = {} as InstanceRecord['solvers'];
  let emSeconds = 0;
  let emObjectives: number[] = [];
  const emInnerIterations: number[] = [];
  const emInnerPasses: number[] = [];
  const emMSteps = { met: 0, capped: 0, methods: new Set<string>() };
  for (const choice of choices) {
    const outcome = await runSolver(
      context,
      createSolver(choice),
      { layout, train: train.data, test: test.data, theta0, stopping: { maxIterations: settings.iterations, tolerance: 0, timeBudgetSeconds: 0 }, restart: instance, errorThreshold: 0.01 },
      {
        onIteration: (report) =>
          context.advance(
            `instance ${instance + 1}/${settings.instances}, ${SOLVER_LABELS[choice.solver]} iteration ${report.iteration}: test accuracy ${((report.testAccuracy ?? 0) * 100).toFixed(1)} %`,
          ),
      },
    );
    const { result } = outcome;
    solvers[choice.solver] = {
      timed: timedOf(result.trace, test.data.n, train.data.n),
      diverged: divergence(result).diverged,
      ...(result.iterations > 0 ? { secondsPerIteration: result.seconds / result.iterations } : {}),
    };
    if (choice.solver === 'em') {
      emSeconds = result.seconds;
      emObjectives = result.trace.map((report) => report.objective);
      for (const report of result.trace) {
        if (!report.inner) continue;
        emInnerIterations.push(report.inner.iterations);
        if (report.inner.passes !== undefined) emInnerPasses.push(report.inner.passes);
        if ((report.inner.cappedBlocks ?? 0) > 0) emMSteps.capped++;
        else emMSteps.met++;
        for (const block of report.inner.blocks ?? []) emMSteps.methods.add(block.method);
      }
    }
  }
  const single = await fitSingle(context, setup.single, settings, train.data, test.data);
  context.advance(`instance ${instance + 1}: single softmax regression`);
  const polarity = await fitPolarityPair(context, setup.single, settings, train, test);
  context.advance(`instance ${instance + 1}: polarity-gated pair`, 2);
  const extended: FmnistResult['extended'] = [];
  if (extendsInstance(setup, instance)) {
    for (const choice of [...choices.filter((c) => c.solver === 'gd' || c.solver === 'adam'), ...EQUAL_TIME_EM_VARIANTS]) {
      const budget = Math.min(emSeconds, settings.extendCapSeconds);
      const outcome = await runSolver(context, createSolver(choice), {
        layout,
        train: train.data,
        test: test.data,
        theta0,
        stopping: { maxIterations: 1_000_000, tolerance: 0, timeBudgetSeconds: budget },
        restart: 0,
        errorThreshold: 0.01,
      });
      const label = equalTimeLabel(choice);
      context.advance(`equal time: ${label} given ${budget.toFixed(1)} s (${outcome.result.iterations} iterations)`);
      extended.push({
        solver: choice.solver,
        label: `${label}, ${choice.solver === 'em' ? 'run' : 'continued'} for ${budget < emSeconds ? `${budget.toFixed(0)} s` : "EM's time"}`,
        budgetSeconds: budget,
        iterations: outcome.result.iterations,
        timed: thin(timedOf(outcome.result.trace, test.data.n, train.data.n), EXTENDED_POINTS),
      });
    }
  }
  return {
    trainRows: train.data.n,
    testRows: test.data.n,
    solvers,
    emObjectives,
    emInnerIterations,
    emInnerPasses,
    emMSteps: { met: emMSteps.met, capped: emMSteps.capped, methods: [...emMSteps.methods].sort() },
    single,
    polarity,
    extended,
    seconds: seconds(instanceStarted),
  };
}

/** What the numbers say against the paper's Table 2, in sentences for the report. */
function fmnistNotes(solvers: FmnistSolverSummary[], baselines: BaselineResult[], iterations: number): string[] {
  const accuracy = (solver: SolverName) => solvers.find((s) => s.solver === solver)?.final.testAccuracy?.mean ?? Number.NaN;
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const [em, gem, gd, adam] = (['em', 'gem', 'gd', 'adam'] as const).map(accuracy);
  const notes: string[] = [];
  const ordered = em > gem && gem > gd;
  const paper = (['em', 'gem', 'gd'] as const).map((solver) => pct(PAPER_TABLE_2[solver]!.accuracy)).join(', ');
  notes.push(
    `Test accuracy at iteration ${iterations}: EM ${pct(em)}, Gradient EM ${pct(gem)}, GD ${pct(gd)}, Adam ${pct(adam)} — ` +
      `the paper's order EM > Gradient EM > GD (${paper}) ${ordered ? 'holds' : 'does not hold here'}.`,
  );
  const [single, pair] = baselines;
  if (single?.testAccuracy && pair?.testAccuracy) {
    notes.push(
      `Baselines: one softmax regression reaches ${pct(single.testAccuracy.mean)} (a linear classifier cannot serve both polarities), the polarity-gated pair ${pct(pair.testAccuracy.mean)} — ` +
        `EM's mixture ${em >= pair.testAccuracy.mean - 0.01 ? 'comes within a point of' : `stays ${((pair.testAccuracy.mean - em) * 100).toFixed(1)} points below`} that ceiling.`,
    );
  }
  return notes;
}

interface BaselineMetrics {
  readonly testAccuracy: number;
  readonly testCrossEntropy: number;
  readonly trainCrossEntropy: number;
  readonly seconds: number;
}

async function fitSoftmax(context: ExperimentContext, layout: ParamLayout, settings: FmnistSettings, train: Dataset): Promise<Float64Array> {
  const theta0 = new Float64Array(layout.size);
  const outcome = await runSolver(context, createSolver({ solver: 'em' }), {
    layout,
    train,
    theta0,
    stopping: { maxIterations: settings.baselineIterations, tolerance: 1e-9, timeBudgetSeconds: 0 },
    restart: 0,
    errorThreshold: 0.01,
  });
  return outcome.theta;
}

async function fitSingle(context: ExperimentContext, layout: ParamLayout, settings: FmnistSettings, train: Dataset, test: Dataset): Promise<BaselineMetrics> {
  const started = performance.now();
  const theta = await fitSoftmax(context, layout, settings, train);
  const testEv = evaluate(layout, test, theta);
  return {
    testAccuracy: predictionQuality(layout, test, testEv).accuracy ?? Number.NaN,
    testCrossEntropy: -testEv.logLik / test.n,
    trainCrossEntropy: -evaluate(layout, train, theta).logLik / train.n,
    seconds: seconds(started),
  };
}

async function fitPolarityPair(context: ExperimentContext, layout: ParamLayout, settings: FmnistSettings, train: Split, test: Split): Promise<BaselineMetrics> {
  const started = performance.now();
  let correct = 0;
  let testLogLik = 0;
  let trainLogLik = 0;
  for (const polarity of [0, 1]) {
    const rowsOf = (split: Split) => Array.from(split.mask.keys()).filter((i) => split.mask[i] === polarity);
    const trainPart = pick(train.data, rowsOf(train));
    const testPart = pick(test.data, rowsOf(test));
    const theta = await fitSoftmax(context, layout, settings, trainPart);
    trainLogLik += evaluate(layout, trainPart, theta).logLik;
    if (testPart.n > 0) {
      const ev = evaluate(layout, testPart, theta);
      testLogLik += ev.logLik;
      correct += (predictionQuality(layout, testPart, ev).accuracy ?? 0) * testPart.n;
    }
  }
  return { testAccuracy: correct / test.data.n, testCrossEntropy: -testLogLik / test.data.n, trainCrossEntropy: -trainLogLik / train.data.n, seconds: seconds(started) };
}

/** The inner solvers of EM's blocks, in words. */
/** The inner solvers of EM's M-steps in words (`newton-cg` → truncated Newton (Newton-CG)), for the report. */
export function mStepSolverText(methods: Iterable<string>): string {
  const names: Record<string, string> = { 'newton-cg': 'truncated Newton (Newton-CG)', newton: 'Newton', lbfgs: 'L-BFGS', 'closed-form': 'closed form', gradient: 'gradient steps' };
  const list = [...methods].sort().map((method) => names[method] ?? method);
  return list.length > 0 ? list.join(', ') : 'not recorded';
}
