/**
 * Warnings said once each. A solver's warning at iteration t (an M-step that floored a collapsed variance, say)
 * usually comes back at every later iteration, with other numbers: one fit printed 125 such lines. Per solver and
 * restart, warnings that differ only in the iteration and in their figures are gathered into one line with their
 * count and iterations, said when that solver's restart ends. Warnings about the whole run are said at once.
 */

export interface WarningEvent {
  readonly message: string;
  readonly solver?: string;
  readonly restart?: number;
}

interface Gathered {
  readonly first: string;
  readonly firstIteration?: number;
  lastIteration?: number;
  count: number;
  /** True when the same warning came with other figures. */
  varied: boolean;
}

/** "…, iteration 12: …" in a solver's warning (runExperiment's wording). */
const ITERATION = /, iteration (\d+): /;
/**
 * Measured figures, as the solvers print them (toExponential, toFixed): what varies between repeats. Whole numbers
 * stay part of the warning: "expert 5" and "expert 6" are two warnings.
 */
const FIGURE = /[-+]?\d+(\.\d+(e[-+]?\d+)?|e[-+]?\d+)/gi;

export class WarningDigest {
  private readonly pending = new Map<string, Map<string, Gathered>>();
  private readonly said: string[] = [];

  constructor(private readonly say: (line: string) => void) {}

  /** Every line said so far, in order (for the JSON document). */
  get lines(): readonly string[] {
    return this.said;
  }

  add(event: WarningEvent): void {
    if (event.solver === undefined) {
      this.emit(event.message);
      return;
    }
    const scope = scopeKey(event.solver, event.restart);
    let gathered = this.pending.get(scope);
    if (!gathered) {
      gathered = new Map();
      this.pending.set(scope, gathered);
    }
    const iterationMatch = ITERATION.exec(event.message);
    const iteration = iterationMatch ? Number(iterationMatch[1]) : undefined;
    const unnumbered = event.message.replace(ITERATION, ': ');
    const key = unnumbered.replace(FIGURE, '#');
    const entry = gathered.get(key);
    if (!entry) {
      gathered.set(key, { first: event.message, firstIteration: iteration, lastIteration: iteration, count: 1, varied: false });
      return;
    }
    entry.count++;
    entry.lastIteration = iteration ?? entry.lastIteration;
    entry.varied ||= unnumbered !== entry.first.replace(ITERATION, ': ');
  }

  /** Says what was gathered for one solver and restart (when it has finished), or for all of them. */
  flush(solver?: string, restart?: number): void {
    const scopes = solver === undefined ? [...this.pending.keys()] : [scopeKey(solver, restart)];
    for (const scope of scopes) {
      for (const entry of this.pending.get(scope)?.values() ?? []) this.emit(describe(entry));
      this.pending.delete(scope);
    }
  }

  private emit(line: string): void {
    this.said.push(line);
    this.say(line);
  }
}

function scopeKey(solver: string, restart: number | undefined): string {
  return `${solver}\u0000${restart ?? ''}`;
}

/** One line: the first occurrence, and when repeated, how often, over which iterations, whose figures are shown. */
function describe(entry: Gathered): string {
  if (entry.count === 1) return entry.first;
  const { firstIteration: from, lastIteration: to } = entry;
  if (from === undefined || to === undefined) return `${entry.first} (×${entry.count})`;
  const figures = entry.varied ? `; figures from iteration ${from}` : '';
  return `${entry.first.replace(ITERATION, `, iterations ${from}–${to}: `)} (×${entry.count}${figures})`;
}
