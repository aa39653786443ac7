/**
 * Text files that must be UTF-8 (experiment specs): decoded strictly, so that bytes in another encoding are a clear
 * error naming the file, the byte offset and the line, instead of U+FFFD characters that silently change a name or
 * a path in the spec.
 */
import { promises as fs } from 'node:fs';
import { firstInvalidUtf8 } from './data/csv/utf8';
import { UserInputError } from './errors';

/** The text of `bytes`, or a UserInputError naming `file`, the first invalid byte's offset and its line. */
export function decodeUtf8Strict(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    throw new UserInputError(`${file}: line ${line}: invalid UTF-8 bytes at byte ${offset}; save the file as UTF-8`, { file });
  }
}

/** Reads `file` as strict UTF-8 (a leading BOM is dropped); a missing file rejects with Node's error. */
export async function readUtf8File(file: string, shownAs = file): Promise<string> {
  return decodeUtf8Strict(await fs.readFile(file), shownAs);
}
