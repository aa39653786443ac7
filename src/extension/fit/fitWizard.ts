/**
 * The Fit Mixture of Experts… quick picks: target column (from the header), features (numeric columns ticked),
 * expert family (inferred from the target, confirmable), K, a ridge for classifier experts (0.01 by default: separable
 * classes have no maximum without one), solvers, and a learning rate for each gradient solver.
 * Every step has a sensible default, so Enter through the whole wizard fits the suggested target (a class column, or
 * the last column; experiment/dataChoice.ts) with EM, GD and Adam.
 */
import * as path from 'node:path';
import type { ExpertFamily } from '../../core/data/dataset';
import { SOLVER_LABELS } from '../../core/solvers/labels';
import type { SolverName } from '../../core/spec/types';
import type { MoeLabSettings } from '../config';
import { inputNumber, pickMany, pickOne, type Item } from '../ui/picks';
import { suggestTarget } from '../experiment/dataChoice';
import { compatibleFamilies, inferFamily, type CsvPreview } from './csvPreview';
import { DEFAULT_FIT_SOLVERS, DEFAULT_LEARNING_RATES, type FitOptions } from './fitSpec';

const FAMILY_TEXT: Record<ExpertFamily, string> = {
  gaussian: 'linear regression, a variance per expert',
  bernoulli: 'logistic regression, two classes',
  categorical: 'softmax regression, two or more classes',
};

const SOLVER_ITEMS: readonly Item<SolverName>[] = [
  { label: SOLVER_LABELS.em, description: 'M-steps solved to tolerance, no step size', value: 'em' },
  { label: SOLVER_LABELS.gem, description: 'gradient steps on Q(·|θᵗ)', value: 'gem' },
  { label: SOLVER_LABELS.gd, description: 'fixed learning rate', value: 'gd' },
  { label: SOLVER_LABELS.adam, description: 'Adam on the same gradient', value: 'adam' },
];

/** Classifier families get a ridge step: separable classes have no maximum without one (docs/degenerate-fits.md). */
const RIDGE_ITEMS: readonly Item<number>[] = [
  { label: '0.01', description: 'recommended for classes', detail: 'keeps a maximum when the classes are separable', value: 0.01 },
  { label: '0', description: 'plain maximum likelihood', detail: 'no maximum exists if the classes are separable', value: 0 },
  { label: '0.1', description: 'a stronger penalty', value: 0.1 },
  { label: '1', description: 'a strong penalty', value: 1 },
];

const STEPS = 6;

export async function askFitOptions(preview: CsvPreview, settings: MoeLabSettings): Promise<FitOptions | undefined> {
  const title = `Fit Mixture of Experts: ${path.basename(preview.file)}`;
  const columns = preview.columns;
  if (columns.length < 2) throw new Error(`${path.basename(preview.file)} has ${columns.length} column(s); a fit needs a target and at least one feature`);

  const suggested = suggestTarget(columns, preview.sampledRows);
  const target = await pickOne(
    columns.map((c) => ({
      label: c.name,
      description: [c.kind === 'text' ? `text · ${c.distinct > 50 ? 'more than 50' : c.distinct} classes` : c.zeroOne ? 'numeric · 0/1' : 'numeric', c.name === suggested ? 'suggested' : undefined]
        .filter(Boolean)
        .join(' · '),
      value: c.name,
    })),
    { title, step: 1, totalSteps: STEPS, placeholder: 'Target column: the one to predict', active: suggested },
  );
  if (target === undefined) return undefined;
  const targetColumn = columns.find((c) => c.name === target)!;

  const candidates = columns.filter((c) => c.name !== target);
  const numeric = candidates.filter((c) => c.kind === 'numeric');
  if (numeric.length === 0) throw new Error(`${path.basename(preview.file)} has no numeric column besides "${target}" to use as a feature`);
  const skipped = candidates.length - numeric.length;
  const features = await pickMany(
    numeric.map((c) => ({ label: c.name, value: c.name })),
    {
      title,
      step: 2,
      totalSteps: STEPS,
      placeholder: `Features (numeric columns${skipped > 0 ? `; ${skipped} text column${skipped > 1 ? 's' : ''} left out` : ''})`,
      selected: numeric.map((c) => c.name),
      atLeastOne: 'Pick at least one feature',
    },
  );
  if (features === undefined) return undefined;

  const inferred = inferFamily(targetColumn);
  const family = await pickOne(
    compatibleFamilies(targetColumn).map((f) => ({
      label: f === inferred ? `${f} (inferred)` : f,
      description: FAMILY_TEXT[f],
      value: f,
    })),
    { title, step: 3, totalSteps: STEPS, placeholder: `Expert family — inferred from "${target}": ${inferred}`, active: inferred },
  );
  if (family === undefined) return undefined;

  const experts = await pickOne(
    [1, 2, 3, 4, 5, 6, 8, 10].map((k) => ({ label: String(k), description: k === 1 ? 'a single expert (no mixture)' : undefined, value: k })),
    { title, step: 4, totalSteps: STEPS, placeholder: 'Number of experts K', active: 2 },
  );
  if (experts === undefined) return undefined;

  let ridge = 0;
  if (family !== 'gaussian') {
    const chosen = await pickOne(RIDGE_ITEMS, { title, step: 5, totalSteps: STEPS, placeholder: 'Ridge penalty λ on the coefficients (λ/2·‖θ‖²)', active: 0.01 });
    if (chosen === undefined) return undefined;
    ridge = chosen;
  }

  // Gaussian experts skip the ridge step: the counter then ends at 5/5, not 6/6 after 4/6.
  const solverStep = family === 'gaussian' ? STEPS - 1 : STEPS;
  const solvers = await pickMany(SOLVER_ITEMS, {
    title,
    step: solverStep,
    totalSteps: solverStep,
    placeholder: 'Solvers to compare (all start from the same initial parameters)',
    selected: DEFAULT_FIT_SOLVERS,
    atLeastOne: 'Pick at least one solver',
  });
  if (solvers === undefined) return undefined;

  const learningRates: Partial<Record<'gd' | 'adam' | 'gem', number>> = {};
  for (const solver of ['gem', 'gd', 'adam'] as const) {
    if (!solvers.includes(solver)) continue;
    const name = SOLVER_ITEMS.find((item) => item.value === solver)!.label;
    const rate = await inputNumber({
      title,
      prompt: `Learning rate for ${name}${solver === 'adam' ? ' (α)' : ' (η, on the per-row average log-likelihood)'}`,
      value: DEFAULT_LEARNING_RATES[solver],
      check: (value) => (value > 0 ? undefined : 'The learning rate must be greater than 0'),
    });
    if (rate === undefined) return undefined;
    learningRates[solver] = rate;
  }

  return {
    target,
    features,
    expert: family,
    experts,
    solvers,
    learningRates,
    ...(ridge > 0 ? { ridge } : {}),
    maxIterations: settings.defaultMaxIterations,
    tolerance: settings.defaultTolerance,
    restarts: settings.defaultRestarts,
    testFraction: settings.defaultTestFraction,
  };
}
