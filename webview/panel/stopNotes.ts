/**
 * The summary table's stop sentences without repeats: each sentence is split into its clauses (the runner joins
 * them with "; ", and puts the advice after the first ": "), and a clause that two or more rows share is written
 * once, as a numbered note under the table, the rows pointing to it. A row's own clauses (its iteration count, its
 * last Δℓ) stay in the row. No DOM here (tested in plain Node).
 */

export interface RowStop {
  /** What the row shows: its own clauses, then `[n]` for each shared one. */
  readonly text: string;
  /** The notes it points to (1-based). */
  readonly notes: readonly number[];
}

export interface GroupedStops {
  readonly rows: readonly RowStop[];
  /** The shared clauses, note n at index n − 1, in order of first use. */
  readonly notes: readonly string[];
}

interface Clause {
  readonly text: string;
  /** What joins it to the clause before: '' for the first, ': ' or '; '. */
  readonly joiner: string;
}

export function clausesOf(sentence: string): Clause[] {
  const clauses: Clause[] = [];
  sentence.split('; ').forEach((part, i) => {
    const colon = i === 0 ? part.indexOf(': ') : -1;
    if (colon > 0) {
      clauses.push({ text: part.slice(0, colon), joiner: '' }, { text: part.slice(colon + 2), joiner: ': ' });
    } else {
      clauses.push({ text: part, joiner: i === 0 ? '' : '; ' });
    }
  });
  return clauses;
}

export function groupStopSentences(sentences: readonly string[]): GroupedStops {
  const split = sentences.map(clausesOf);
  const rowsWith = new Map<string, number>();
  for (const clauses of split) for (const text of new Set(clauses.slice(1).map((c) => c.text))) rowsWith.set(text, (rowsWith.get(text) ?? 0) + 1);
  const notes: string[] = [];
  const rows = split.map((clauses): RowStop => {
    let text = '';
    const pointers: number[] = [];
    clauses.forEach((clause, i) => {
      // The first clause says what happened to this row (with its numbers): it always stays.
      if (i > 0 && (rowsWith.get(clause.text) ?? 0) > 1) {
        let note = notes.indexOf(clause.text) + 1;
        if (note === 0) note = notes.push(clause.text);
        if (!pointers.includes(note)) pointers.push(note);
        return;
      }
      text += clause.joiner + clause.text;
    });
    const marks = pointers.map((n) => `[${n}]`).join(' ');
    return { text: marks ? `${text} ${marks}` : text, notes: pointers };
  });
  return { rows, notes };
}
