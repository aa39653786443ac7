/**
 * The chart series' dash patterns (src/core/reproduce/chartStyle.ts), which the panel and the PNG renderer both
 * draw: a solver's continued runs share its colour, so their dashes must differ; baselines too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashesOf, seriesDashes, withDashes } from '../../src/core/reproduce/chartStyle';
import type { ChartSeries, ChartSpec } from '../../src/core/reproduce/types';

const line = (label: string, solver: ChartSeries['solver'], dashed = false): ChartSeries => ({ label, solver, x: [1, 2], y: [1, 2], ...(dashed ? { dashed } : {}) });

const race: ChartSeries[] = [
  line('EM', 'em'),
  line('Adam', 'adam'),
  line('Adam, continued', 'adam', true),
  line('EM + SQUAREM', 'em', true),
  line('EM + DAAREM', 'em', true),
  line('budgeted EM', 'em', true),
  line('EM, continued', 'em', true),
  line('ceiling', 'baseline', true),
  line('single softmax', undefined),
];

test("a solver's mean curve is solid and each of its continued runs has a dash of its own; baselines each their own", () => {
  const dashes = seriesDashes(race);
  const text = dashes.map((d) => JSON.stringify(d));
  assert.deepEqual(dashes[0], [], 'EM solid');
  assert.deepEqual(dashes[1], [], 'Adam solid');
  const em = [3, 4, 5, 6].map((i) => text[i]);
  assert.equal(new Set(em).size, 4, `four continued EM runs, four dashes: ${em.join(' ')}`);
  assert.ok([2, ...[3, 4, 5, 6]].every((i) => dashes[i].length > 0), 'continued runs are dashed');
  assert.equal(text[2], text[3], "each solver counts its own continued runs (Adam's first = EM's first)");
  assert.ok(dashes[7].length > 0 && dashes[8].length > 0, 'baselines dashed, with or without a solver name');
  assert.notEqual(text[7], text[8], 'two baselines, two dashes');
});

test('specs styled as buildCharts styles them carry their dashes, and a spec without them (older results) gets the same', () => {
  const spec: ChartSpec = { id: 'race', experiment: 'equal-time', title: 'race', xLabel: 's', yLabel: '%', yLog: false, series: race };
  const styled = withDashes(spec);
  assert.deepEqual(styled.series.map((s) => s.dash), seriesDashes(race));
  assert.deepEqual(dashesOf(styled), dashesOf(spec), 'with or without dash fields');
  // A spec's own dash wins (a renderer never second-guesses the results it reads).
  const own = { ...spec, series: race.map((s, i) => (i === 0 ? { ...s, dash: [3, 3] } : s)) };
  assert.deepEqual(dashesOf(own)[0], [3, 3]);
});
