/**
 * IDX files (the MNIST / Fashion-MNIST container, http://yann.lecun.com/exdb/mnist/): a big-endian header
 * `0x00 0x00 <type> <dims>`, then one 32-bit big-endian size per dimension, then the values in row-major order.
 * Only unsigned bytes (type 0x08) are read here, which is what image and label files hold. Files may be gzip
 * compressed (recognized by their first two bytes, not their name).
 *
 * Every defect — a truncated or corrupt gzip stream, a wrong magic number, a size that disagrees with the file's
 * length — is a `UserInputError` that names the file and says what is wrong.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserInputError } from '../errors';

export interface IdxArray {
  /** Sizes of the dimensions, e.g. [60000, 28, 28]. */
  readonly dims: readonly number[];
  /** The values, row-major (a view into the decompressed file). */
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Reads an IDX file of unsigned bytes with `expectedDims` dimensions. */
export function readIdxFile(file: string, expectedDims: number): IdxArray {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new UserInputError(`${file}: ${why}`, { file });
  }
  return parseIdx(decompress(raw, file), file, expectedDims);
}

function decompress(raw: Buffer, file: string): Uint8Array {
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (error) {
      const message = (error as Error).message;
      const why = /unexpected end/i.test(message) ? 'the gzip stream is truncated (the file is incomplete)' : `the gzip stream is damaged (${message})`;
      throw new UserInputError(`${file}: ${why}; reinstall the data or download it again`, { file });
    }
  }
  return raw;
}

/** Parses IDX bytes (already decompressed). `file` is used in messages only. */
export function parseIdx(bytes: Uint8Array, file: string, expectedDims: number): IdxArray {
  const fail = (why: string): never => {
    throw new UserInputError(`${file}: ${why}`, { file });
  };
  if (bytes.length < 4) fail(`too short for an IDX file (${bytes.length} bytes)`);
  const magic = hex(bytes, 0, 4);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`not an IDX file (magic number ${magic}; expected 0x0000…)`);
  if (bytes[2] !== UNSIGNED_BYTE) fail(`IDX value type 0x${bytes[2].toString(16).padStart(2, '0')} is not unsigned bytes (0x08); magic number ${magic}`);
  const dimCount = bytes[3];
  if (dimCount !== expectedDims) {
    const expected = `0x000008${expectedDims.toString(16).padStart(2, '0')}`;
    fail(`magic number ${magic} says ${dimCount} dimension(s); expected ${expectedDims} (magic ${expected})`);
  }
  const headerLength = 4 + 4 * dimCount;
  if (bytes.length < headerLength) fail(`truncated header (${bytes.length} bytes, the header alone needs ${headerLength})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < dimCount; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const count = dims.reduce((product, size) => product * size, 1);
  const expectedLength = headerLength + count;
  if (bytes.length < expectedLength) {
    fail(`truncated: the header announces ${dims.join(' × ')} values (${expectedLength} bytes) but the file holds ${bytes.length} bytes`);
  }
  if (bytes.length > expectedLength) {
    fail(`${bytes.length - expectedLength} unexpected bytes after the ${dims.join(' × ')} values the header announces`);
  }
  return { dims, data: bytes.subarray(headerLength, expectedLength) };
}

function hex(bytes: Uint8Array, from: number, to: number): string {
  let text = '0x';
  for (let j = from; j < Math.min(to, bytes.length); j++) text += bytes[j].toString(16).padStart(2, '0');
  return text;
}
