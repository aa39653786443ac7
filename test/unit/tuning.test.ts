/**
 * Step-size grids of the reproduction (src/core/reproduce/tuning.ts) on score functions whose best step is known:
 * a grid whose best lies at an end grows geometrically on that side until a step on each side of the choice scores
 * lower, and says `hitEdge` when its extensions ran out first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SolverChoice } from '../../src/core/solvers/create';
import { DEFAULT_MAX_EXTENSIONS, choiceNote, tuneLearningRate } from '../../src/core/reproduce/tuning';

/** A score per pilot from a function of η, and the η it was asked for, in order. */
function scorer(of: (learningRate: number) => number) {
  const asked: number[] = [];
  const score = async (choice: SolverChoice) => {
    asked.push(choice.learningRate!);
    return [of(choice.learningRate!), of(choice.learningRate!)];
  };
  return { score, asked };
}

/** Highest at η = peak, falling on both sides on a log scale. */
const peakedAt = (peak: number) => (learningRate: number) => -((Math.log(learningRate) - Math.log(peak)) ** 2);

test('a best step at the upper end of the grid extends the grid upward until the score falls', async () => {
  const { score, asked } = scorer(peakedAt(0.3));
  const tuning = await tuneLearningRate('gd', [0.003, 0.01, 0.03, 0.1], 'test', score);
  // 0.1 · (0.1/0.03) = 0.33 is better than 0.1; 0.33 · 3.3 = 1.1 is worse than 0.33: bracketed.
  assert.deepEqual(asked, [0.003, 0.01, 0.03, 0.1, 0.33, 1.1]);
  assert.equal(tuning.chosen, 0.33);
  assert.equal(tuning.hitEdge, false);
  assert.deepEqual(tuning.extensions, [0.33, 1.1]);
  assert.deepEqual(tuning.grid.map((g) => g.learningRate), [0.003, 0.01, 0.03, 0.1, 0.33, 1.1]);
  const chosen = tuning.grid.findIndex((g) => g.learningRate === tuning.chosen);
  assert.ok(tuning.grid[chosen - 1].score < tuning.grid[chosen].score && tuning.grid[chosen + 1].score < tuning.grid[chosen].score);
});

test('a best step at the lower end extends the grid downward', async () => {
  const { score } = scorer(peakedAt(0.02));
  const tuning = await tuneLearningRate('adam', [0.1, 0.3, 1], 'test', score);
  assert.deepEqual(tuning.extensions, [0.033, 0.011]);
  assert.equal(tuning.chosen, 0.033, 'log 0.033 is nearer log 0.02 than log 0.011 is');
  assert.equal(tuning.hitEdge, false);
});

test('a divergence beyond the choice brackets it (−∞ scores lower)', async () => {
  const { score, asked } = scorer((learningRate) => (learningRate > 0.2 ? -Infinity : learningRate));
  const tuning = await tuneLearningRate('gd', [0.01, 0.03, 0.1], 'test', score);
  assert.deepEqual(asked, [0.01, 0.03, 0.1, 0.33]);
  assert.equal(tuning.chosen, 0.1);
  assert.equal(tuning.hitEdge, false);
  assert.equal(tuning.grid.at(-1)!.diverged, 2);
});

test('a score that keeps rising stops after the stated number of extensions, with hitEdge', async () => {
  const { score } = scorer((learningRate) => learningRate);
  const tuning = await tuneLearningRate('gem', [0.5, 1], 'test', score, 5);
  assert.equal(tuning.extensions!.length, DEFAULT_MAX_EXTENSIONS);
  assert.deepEqual(tuning.extensions, [2, 4, 8, 16]);
  assert.equal(tuning.chosen, 16);
  assert.equal(tuning.hitEdge, true);
  assert.equal(tuning.maxExtensions, DEFAULT_MAX_EXTENSIONS);
  assert.equal(tuning.steps, 5);

  const none = await tuneLearningRate('gem', [0.5, 1], 'test', scorer((learningRate) => learningRate).score, undefined, { maxExtensions: 0 });
  assert.equal(none.chosen, 1);
  assert.equal(none.hitEdge, true);
  assert.deepEqual(none.extensions, []);
});

test('a plateau up to the upper end is an edge: nothing beyond the choice scored lower', async () => {
  const { score } = scorer(() => -1);
  const tuning = await tuneLearningRate('gd', [0.1, 0.3], 'test', score, undefined, { maxExtensions: 2 });
  // Ties go to the smaller step, so the choice is the lowest one, and the grid grows on both sides.
  assert.equal(tuning.chosen, tuning.grid[0].learningRate);
  assert.equal(tuning.hitEdge, true);
});

test('a grid on which every step diverges tries smaller steps, and fails only when they diverge too', async () => {
  const rescued = await tuneLearningRate('gd', [1, 3], 'test', scorer((learningRate) => (learningRate > 0.2 ? -Infinity : -learningRate)).score);
  // −η for η ≤ 0.2: the first finite step is 0.11, and the score keeps rising below it until the extensions run out.
  assert.deepEqual(rescued.extensions, [0.33, 0.11, 0.037, 0.012]);
  assert.equal(rescued.chosen, 0.012);
  assert.equal(rescued.hitEdge, true);

  await assert.rejects(
    tuneLearningRate('gd', [1, 3], 'test', scorer(() => -Infinity).score),
    /gd: every learning rate of the grid 0\.012, 0\.037, 0\.11, 0\.33, 1, 3 diverged/,
  );
});

test('a grid must hold positive finite steps', async () => {
  await assert.rejects(tuneLearningRate('gd', [], 'test', scorer(() => 0).score), /positive finite steps/);
  await assert.rejects(tuneLearningRate('gd', [0.1, -1], 'test', scorer(() => 0).score), /positive finite steps/);
});

test("the report's note: the added steps, and a warning when the choice is at the grid's edge", async () => {
  const bracketed = await tuneLearningRate('gd', [0.003, 0.01, 0.03, 0.1], 'test', scorer(peakedAt(0.3)).score);
  assert.equal(choiceNote(bracketed), ' (grid extended by 0.33, 1.1)');
  const inside = await tuneLearningRate('gd', [0.1, 0.3, 1], 'test', scorer(peakedAt(0.3)).score);
  assert.equal(choiceNote(inside), '');
  const edge = await tuneLearningRate('gd', [0.5, 1], 'test', scorer((learningRate) => learningRate).score);
  assert.match(choiceNote(edge), /at the grid's edge\*\* \(grid extended by 2, 4, 8, 16, the limit of 4 added steps per side\)/);
});

test('results written before grids were extended: the edge is read from the grid, a diverged score read back as null', () => {
  // As in the committed Fashion-MNIST run: GD's best step was the largest of its grid.
  const fmnistGd = { solver: 'gd' as const, criterion: 'ℓ/n', chosen: 0.1, grid: [0.003, 0.01, 0.03, 0.1].map((learningRate, k) => ({ learningRate, score: -2.3 + 0.2 * k, diverged: 0 })) };
  assert.match(choiceNote(fmnistGd), /at the grid's edge\*\* \(a grid that was not extended\)/);
  const fromJson = JSON.parse(JSON.stringify({ ...fmnistGd, chosen: 0.03, grid: [...fmnistGd.grid.slice(0, 3), { learningRate: 0.1, score: -Infinity, diverged: 1 }] }));
  assert.equal(fromJson.grid[3].score, null);
  assert.equal(choiceNote(fromJson), '');
});
