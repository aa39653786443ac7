/**
 * Streaming strict UTF-8 decoding for the CSV reader, with a row number for invalid bytes.
 *
 * An ASCII chunk (the usual numeric file) is not decoded at all: its bytes are its characters, and the reader reads
 * its numbers from the bytes. Anything else goes through a fatal `TextDecoder`; when it rejects a chunk, the valid
 * prefix is still parsed so that the message can say which row holds the bad bytes.
 */
import { isAscii } from 'node:buffer';
import { UserInputError } from '../../errors';

/** Where the decoded text goes (the CSV reader), and where it is, for messages about bytes that cannot be decoded. */
export interface DecodedTextSink {
  push(text: string): void;
  /** "header (line 1)" or "row 12 (line 13)". */
  position(): string;
}

export class Utf8ChunkDecoder {
  // ignoreBOM: ASCII chunks bypass the decoder, so its first chunk may be far into the file, where a U+FEFF is a
  // character of a cell; the reader strips the file's leading BOM itself.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** Trailing bytes of an incomplete sequence that the decoder is holding. */
  private carry: Uint8Array = new Uint8Array(0);
  private bytesRead = 0;
  /** The last chunk decoded was ASCII with nothing pending: its text is its bytes, one character each. */
  wasAscii = false;

  constructor(private readonly file: string, private readonly sink: DecodedTextSink) {}

  decode(chunk: Buffer): string {
    this.wasAscii = this.carry.length === 0 && isAscii(chunk);
    if (this.wasAscii) {
      // Nothing pending in the decoder and nothing to validate: one byte is one character, copied as is.
      this.bytesRead += chunk.length;
      return chunk.toString('latin1');
    }
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      this.failInside(chunk);
    }
    this.carry = incompleteTail(this.carry, chunk);
    this.bytesRead += chunk.length;
    return text;
  }

  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      this.fail(this.bytesRead - this.carry.length, 'the file ends inside a multi-byte character');
    }
  }

  private failInside(chunk: Uint8Array): never {
    const bytes = concatBytes(this.carry, chunk);
    const bad = firstInvalidUtf8(bytes);
    this.sink.push(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, bad)));
    this.fail(this.bytesRead - this.carry.length + bad, 'invalid UTF-8 bytes');
  }

  private fail(offset: number, problem: string): never {
    throw new UserInputError(
      `${this.file}: ${this.sink.position()}: ${problem} at byte ${offset}; save the file as UTF-8`,
      { file: this.file },
    );
  }
}

/** Index of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629), or the length. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) { i++; continue; }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + need >= n) return i; // truncated at the end
    const second = bytes[i + 1];
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return n;
}

/** The bytes at the end of `previous ++ chunk` that start a multi-byte sequence not yet complete. */
function incompleteTail(previous: Uint8Array, chunk: Uint8Array): Uint8Array {
  const bytes = chunk.length >= 3 ? chunk : concatBytes(previous, chunk);
  const n = bytes.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const b = bytes[n - k];
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? bytes.slice(n - k) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
