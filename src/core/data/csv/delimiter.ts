/** Picks the delimiter (comma, semicolon or tab) from the header line. */
import * as charCodes from './charCodes';

// Module constants, not import bindings: see recordParser.ts.
const { CR, LF, QUOTE, SPACE, TAB } = charCodes;
const COMMA = 44;
const SEMICOLON = 59;

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;

/**
 * Counts candidate delimiters outside quotes on the first non-blank line, incrementally, so that a header split
 * across chunks is scanned once.
 */
export class DelimiterDetector {
  private readonly counts = [0, 0, 0];
  private inQuotes = false;
  private sawContent = false;

  /** Returns true once the header line has ended. */
  scan(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.inQuotes = !this.inQuotes;
        this.sawContent = true;
      } else if (this.inQuotes) {
        continue;
      } else if (c === LF || c === CR) {
        if (this.sawContent) return true; // leading blank lines are skipped by the parser too
      } else if (c === COMMA) this.counts[0]++;
      else if (c === SEMICOLON) this.counts[1]++;
      else if (c === TAB) this.counts[2]++;
      else if (c !== SPACE) this.sawContent = true;
    }
    return false;
  }

  /** The most frequent candidate; ties favour comma, then semicolon. */
  delimiter(): string {
    let best = 0;
    for (let k = 1; k < this.counts.length; k++) if (this.counts[k] > this.counts[best]) best = k;
    return CANDIDATE_DELIMITERS[best];
  }
}
