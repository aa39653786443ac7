/**
 * Learning rates from a grid, chosen on pilot instances that are not among the reported ones: for each η, run the
 * solver from the pilots' starts and score it (higher is better; a diverged run scores −∞). EM has nothing to tune.
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
  readonly grid: GridPoint[];
  readonly chosen: number;
}

/**
 * Scores every η of `grid` with `score(choice)` (which returns one score per pilot, −∞ for a divergence) and
 * returns the best; ties go to the smaller η.
 */
export async function tuneLearningRate(
  solver: Exclude<SolverName, 'em'>,
  grid: readonly number[],
  criterion: string,
  score: (choice: SolverChoice) => Promise<number[]>,
  steps?: number,
): Promise<Tuning> {
  const points: GridPoint[] = [];
  for (const learningRate of grid) {
    const scores = await score({ solver, learningRate, steps });
    const diverged = scores.filter((s) => !Number.isFinite(s)).length;
    const mean = diverged > 0 ? -Infinity : scores.reduce((a, b) => a + b, 0) / scores.length;
    points.push({ learningRate, score: mean, diverged });
  }
  let best = points[0];
  for (const point of points) if (point.score > best.score || (point.score === best.score && point.learningRate < best.learningRate)) best = point;
  if (!Number.isFinite(best.score)) throw new Error(`${solver}: every learning rate of the grid ${grid.join(', ')} diverged`);
  return { solver, ...(steps !== undefined ? { steps } : {}), criterion, grid: points, chosen: best.learningRate };
}
