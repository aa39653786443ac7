/**
 * A deliberately simple CSV reader, written for the fuzz harness only, to check the real one against (issue 15).
 * It reads the whole text at once, character by character, with no fast paths, no chunks and no column store, and
 * states the format as the reader documents it (DESIGN §4–5, src/core/data/csv/):
 *   - a leading byte-order mark is dropped; the delimiter is the most frequent of `,` `;` TAB (ties: that order)
 *     outside quotes on the first line holding anything but spaces and candidate delimiters;
 *   - RFC 4180 quoting: spaces and TABs (not the delimiter) may precede the opening quote and follow the closing
 *     one; `""` is a quote; quoted cells may hold delimiters and line breaks; anything else after a closing quote is
 *     an error; a quote inside an unquoted cell is a plain character; an unclosed quote is an error;
 *   - unquoted cells are trimmed (String.prototype.trim); CR, LF and CRLF end a record; a record of one blank
 *     unquoted cell is a blank line and is skipped;
 *   - the first record is the header: no empty or duplicate names; every later record has the header's width;
 *     at least one data row.
 */

export type ReferenceResult =
  | { ok: true; delimiter: string; header: string[]; rows: string[][] }
  | { ok: false; reason: string };

interface Cell { text: string; quoted: boolean }

export function referenceReadCsv(input: string): ReferenceResult {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const delimiter = detectDelimiter(text);
  const records = splitRecords(text, delimiter);
  if (!Array.isArray(records)) return records;
  const kept = records.filter((record) => !(record.length === 1 && !record[0].quoted && record[0].text.trim() === ''));
  const cells = kept.map((record) => record.map((cell) => (cell.quoted ? cell.text : cell.text.trim())));
  if (cells.length === 0) return { ok: false, reason: 'empty file' };
  const [header, ...rows] = cells;
  if (header.some((name) => name === '')) return { ok: false, reason: 'a header name is empty' };
  if (new Set(header).size !== header.length) return { ok: false, reason: 'duplicate header names' };
  const ragged = rows.findIndex((row) => row.length !== header.length);
  if (ragged >= 0) return { ok: false, reason: `row ${ragged + 1} has ${rows[ragged].length} cells, not ${header.length}` };
  if (rows.length === 0) return { ok: false, reason: 'no data rows' };
  return { ok: true, delimiter, header, rows };
}

function detectDelimiter(text: string): string {
  const candidates = [',', ';', '\t'];
  const counts = [0, 0, 0];
  let inQuotes = false;
  let content = false;
  for (const c of text) {
    if (c === '"') {
      inQuotes = !inQuotes;
      content = true;
    } else if (inQuotes) {
      continue;
    } else if (c === '\n' || c === '\r') {
      if (content) break;
    } else if (candidates.includes(c)) {
      counts[candidates.indexOf(c)]++;
    } else if (c !== ' ') {
      content = true;
    }
  }
  let best = 0;
  for (let k = 1; k < 3; k++) if (counts[k] > counts[best]) best = k;
  return candidates[best];
}

function splitRecords(text: string, delimiter: string): Cell[][] | { ok: false; reason: string } {
  const records: Cell[][] = [];
  let record: Cell[] = [];
  let i = 0;
  const n = text.length;
  const endOfRecord = (): void => {
    records.push(record);
    record = [];
  };
  for (;;) {
    // One cell starting at i.
    let j = i;
    while (j < n && (text[j] === ' ' || text[j] === '\t') && text[j] !== delimiter) j++;
    let cell: Cell;
    if (j < n && text[j] === '"') {
      let value = '';
      let k = j + 1;
      for (;;) {
        if (k >= n) return { ok: false, reason: 'unterminated quoted cell' };
        if (text[k] === '"') {
          if (text[k + 1] === '"') { value += '"'; k += 2; continue; }
          k++;
          break;
        }
        value += text[k++];
      }
      while (k < n && (text[k] === ' ' || text[k] === '\t') && text[k] !== delimiter) k++;
      if (k < n && text[k] !== delimiter && text[k] !== '\n' && text[k] !== '\r') {
        return { ok: false, reason: 'text after a closing quote' };
      }
      cell = { text: value, quoted: true };
      i = k;
    } else {
      let k = i;
      while (k < n && text[k] !== delimiter && text[k] !== '\n' && text[k] !== '\r') k++;
      cell = { text: text.slice(i, k), quoted: false };
      i = k;
    }
    record.push(cell);
    if (i >= n) {
      // The end of the text ends the last record, unless nothing at all was in it.
      if (record.length > 1 || cell.quoted || cell.text !== '') endOfRecord();
      return records;
    }
    if (text[i] === delimiter) { i++; continue; }
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    endOfRecord();
    if (i >= n) return records;
  }
}

/**
 * The strict number grammar the reader documents: sign, digits with an optional point, optional exponent; and a
 * finite value (an overflow such as `1e400` is text, not Infinity).
 */
export function isStrictNumber(text: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) && Number.isFinite(Number(text));
}
