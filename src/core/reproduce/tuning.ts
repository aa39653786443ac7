/**
 * Learning rates from a grid, chosen on pilot instances that are not among the reported ones: for each η, run the
 * solver from the pilots' starts and score it (higher is better; a diverged run scores −∞). EM has nothing to tune.
 *
 * A choice at the end of a grid says nothing about the steps beyond it, so the grid grows geometrically on the side
 * of the choice until a step on each side scores lower than the choice (a diverged step counts as lower), or until
 * `maxExtensions` steps were added on that side; then the tuning records `hitEdge`, and the report says so.
 */
import type { SolverChoice } from '../solvers/create';
import type { SolverName } from '../spec/types';

export interface GridPoint {
  readonly learningRate: number;
  /** Mean score over the pilots (−∞ when any diverged). */
  readonly score: number;
  readonly diverged: number;
}

export interface Tuning {
  readonly solver: SolverName;
  readonly steps?: number;
  readonly criterion: string;
  /** Every η scored, the given grid and its extensions, in increasing η. */
  readonly grid: GridPoint[];
  readonly chosen: number;
  /**
   * True when no step on one side of the choice scored lower, even after `maxExtensions` added steps on that side:
   * the best step may lie beyond the grid. Absent in results written before grids were extended.
   */
  readonly hitEdge?: boolean;
  /** The steps added beyond the given grid, in the order they were tried. */
  readonly extensions?: number[];
  /** The most steps added on each side of the given grid. */
  readonly maxExtensions?: number;
}

export interface TuneOptions {
  /** The most steps added beyond each end of the grid (default `DEFAULT_MAX_EXTENSIONS`). */
  readonly maxExtensions?: number;
}

export const DEFAULT_MAX_EXTENSIONS = 4;

/** A learning-rate grid for each solver that has one. */
export interface StepGrids {
  readonly gd: readonly number[];
  readonly gem: readonly number[];
  readonly adam: readonly number[];
}

/** The chosen learning rates of the tuned solvers. */
export interface StepRates {
  readonly gd: number;
  readonly gem: number;
  readonly adam: number;
}

/**
 * Tunes GD, Gradient EM (with `gemSteps` gradient steps per E-step) and Adam on their grids with one criterion, in
 * the order every report lists them: GD, Gradient EM, Adam.
 */
export async function tuneGradientSolvers(
  grids: StepGrids,
  gemSteps: number,
  criterion: string,
  score: (choice: SolverChoice) => Promise<number[]>,
): Promise<Tuning[]> {
  return [
    await tuneLearningRate('gd', grids.gd, criterion, score),
    await tuneLearningRate('gem', grids.gem, criterion, score, gemSteps),
    await tuneLearningRate('adam', grids.adam, criterion, score),
  ];
}

/** The chosen rates of `tuneGradientSolvers`' result. */
export function chosenRates(tuning: readonly Tuning[]): StepRates {
  return { gd: tuning[0].chosen, gem: tuning[1].chosen, adam: tuning[2].chosen };
}

/** The four solvers a reproduction compares: EM, which has nothing to tune, then Gradient EM, GD and Adam at `rates`. */
export function reproductionSolvers(rates: StepRates, gemSteps: number): SolverChoice[] {
  return [
    { solver: 'em' },
    { solver: 'gem', learningRate: rates.gem, steps: gemSteps },
    { solver: 'gd', learningRate: rates.gd },
    { solver: 'adam', learningRate: rates.adam },
  ];
}

/**
 * Scores every η of `grid` with `score(choice)` (which returns one score per pilot, −∞ for a divergence), extends
 * the grid while the best lies at an end of it (each new η is the end times the ratio of the last two η on that
 * side, the grid's own spacing), and returns the best; ties go to the smaller η.
 */
export async function tuneLearningRate(
  solver: Exclude<SolverName, 'em'>,
  grid: readonly number[],
  criterion: string,
  score: (choice: SolverChoice) => Promise<number[]>,
  steps?: number,
  { maxExtensions = DEFAULT_MAX_EXTENSIONS }: TuneOptions = {},
): Promise<Tuning> {
  const rates = [...new Set(grid)].sort((a, b) => a - b);
  if (rates.length === 0 || rates.some((rate) => !(rate > 0) || !Number.isFinite(rate))) {
    throw new Error(`${solver}: a learning-rate grid needs positive finite steps, got ${grid.join(', ') || 'none'}`);
  }
  const points: GridPoint[] = [];
  const scoreAt = async (learningRate: number) => {
    const scores = await score({ solver, learningRate, steps });
    const diverged = scores.filter((s) => !Number.isFinite(s)).length;
    const mean = diverged > 0 ? -Infinity : scores.reduce((a, b) => a + b, 0) / scores.length;
    points.push({ learningRate, score: mean, diverged });
    points.sort((a, b) => a.learningRate - b.learningRate);
  };
  for (const learningRate of rates) await scoreAt(learningRate);

  const extensions: number[] = [];
  const added = { lower: 0, upper: 0 };
  for (;;) {
    const side = openSides(points).find((open) => added[open] < maxExtensions);
    if (side === undefined) break;
    const next = beyond(points, side);
    extensions.push(next);
    added[side]++;
    await scoreAt(next);
  }
  const best = bestPoint(points);
  if (!Number.isFinite(best.score)) throw new Error(`${solver}: every learning rate of the grid ${points.map((p) => p.learningRate).join(', ')} diverged`);
  return {
    solver,
    ...(steps !== undefined ? { steps } : {}),
    criterion,
    grid: points,
    chosen: best.learningRate,
    hitEdge: openSides(points).length > 0,
    extensions,
    maxExtensions,
  };
}

/**
 * What the report writes after the chosen η: the steps added to the grid, and a warning when the choice is still at
 * an edge (for results written before `hitEdge`, read from the grid).
 */
export function choiceNote(t: Tuning): string {
  const added = t.extensions?.length ? `grid extended by ${t.extensions.join(', ')}` : '';
  if (!(t.hitEdge ?? openSides(t.grid).length > 0)) return added ? ` (${added})` : '';
  const limit = t.maxExtensions === undefined ? 'a grid that was not extended' : `the limit of ${t.maxExtensions} added steps per side`;
  return ` — **at the grid's edge** (${added ? `${added}, ` : ''}${limit}): no step on one side scored lower, a better one may lie beyond`;
}

/** The best point, the smallest η among ties. `points` are in increasing η. */
function bestPoint(points: readonly GridPoint[]): GridPoint {
  let best = points[0];
  for (const point of points) if (scoreOf(point) > scoreOf(best)) best = point;
  return best;
}

/** The score, −∞ for a divergence (also when read back from JSON, which writes −∞ as null). */
function scoreOf(point: GridPoint): number {
  return Number.isFinite(point.score) ? point.score : -Infinity;
}

/**
 * The sides of the choice on which no step scores lower than it (points in increasing η). When every step
 * diverged, the lower side: a smaller step is the only hope.
 */
export function openSides(points: readonly GridPoint[]): ('lower' | 'upper')[] {
  const best = bestPoint(points);
  if (!Number.isFinite(best.score)) return ['lower'];
  const index = points.indexOf(best);
  const sides: ('lower' | 'upper')[] = [];
  // The best is the first of its ties, so every smaller η scores lower: the lower side is open only at the end.
  if (index === 0) sides.push('lower');
  if (!points.slice(index + 1).some((point) => scoreOf(point) < best.score)) sides.push('upper');
  return sides;
}

/**
 * The next η beyond the grid's end on `side`: the end times the ratio of the two outermost η on that side (at
 * least 1.5; 3 for a grid of one η), to two significant digits.
 */
function beyond(points: readonly GridPoint[], side: 'lower' | 'upper'): number {
  const rates = points.map((point) => point.learningRate);
  const last = rates.length - 1;
  const spacing = last > 0 ? (side === 'upper' ? rates[last] / rates[last - 1] : rates[1] / rates[0]) : 3;
  const ratio = Math.max(spacing, 1.5);
  return Number((side === 'upper' ? rates[last] * ratio : rates[0] / ratio).toPrecision(2));
}
