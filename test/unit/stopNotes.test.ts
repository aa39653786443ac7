/**
 * The summary table writes a stop clause that several rows share once, as a note: on a real Iris run (12 rows,
 * many of them sharing the advice of their stop sentence; how many depends on the solvers' paths), no clause is written twice, and each row's sentence can
 * be put back together from its text and its notes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { runExperiment } from '../../src/core/runner/runExperiment';
import { validateSpecObject } from '../../src/core/spec/validate';
import { clausesOf, groupStopSentences } from '../../webview/panel/stopNotes';

test('shared stop clauses are written once, as notes; every sentence can be rebuilt from its row and notes', async () => {
  const validated = validateSpecObject({
    name: 'iris',
    data: { csv: 'iris.csv', target: 'species', testFraction: 0.3 },
    model: { experts: 2, expert: 'categorical' },
    solvers: { em: { enabled: true }, gd: { enabled: true }, adam: { enabled: true }, gem: { enabled: false } },
    stopping: { maxIterations: 60 },
    init: { strategy: 'mixed', seed: 0, restarts: 4 },
  });
  if (!validated.ok) throw new Error(validated.errors[0].message);
  const sentences: string[] = [];
  for await (const event of runExperiment(validated.spec, { baseDir: path.resolve(__dirname, '../../examples/data'), resultsRoot: false })) {
    if (event.type === 'runFinished') sentences.push(...event.results.map((r) => r.stopMessage));
  }
  assert.equal(sentences.length, 12);
  const { rows, notes } = groupStopSentences(sentences);
  assert.ok(notes.length > 0, 'the run has shared clauses');
  const shown = [...rows.map((r) => r.text), ...notes].join('\n');
  for (const note of notes) {
    assert.equal(shown.split(note).length - 1, 1, `"${note}" is written once`);
    assert.ok(sentences.filter((s) => clausesOf(s).some((c) => c.text === note)).length >= 2, 'a note is shared by two rows or more');
  }
  rows.forEach((row, i) => {
    // Put the sentence back: the row's clauses in order, a note's text where the row points to it.
    const rebuilt = clausesOf(sentences[i])
      .map((clause, k) => {
        const note = notes.indexOf(clause.text) + 1;
        if (k > 0 && note > 0) assert.ok(row.notes.includes(note) && row.text.includes(`[${note}]`));
        else assert.ok(row.text.includes(clause.text));
        return clause.joiner + clause.text;
      })
      .join('');
    assert.equal(rebuilt, sentences[i]);
  });
  const words = (text: string) => text.split(/\s+/).length;
  assert.ok(rows.reduce((n, r) => n + words(r.text), 0) + notes.reduce((n, t) => n + words(t), 0) < sentences.reduce((n, s) => n + words(s), 0), 'the table is shorter');
});

test('a clause used by one row stays in it; the first clause always stays', () => {
  const { rows, notes } = groupStopSentences(['stalled after 3 iterations: no move; try X', 'stalled after 3 iterations: no move; try Y']);
  assert.deepEqual(notes, ['no move']);
  assert.deepEqual(rows.map((r) => r.text), ['stalled after 3 iterations; try X [1]', 'stalled after 3 iterations; try Y [1]']);
});
