/**
 * Specs are decoded as strict UTF-8 (issue 15, item 2): bytes in another encoding are a user error naming the file,
 * the line and the byte offset of the first bad byte, instead of U+FFFD characters that silently change the spec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserInputError } from '../../src/core/errors';
import { decodeUtf8Strict } from '../../src/core/utf8File';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));

test('valid UTF-8 decodes as is (multi-byte characters too); a leading BOM is dropped', () => {
  assert.equal(decodeUtf8Strict(bytes('{"name": "café ∑ 😀"}'), 's.moe.json'), '{"name": "café ∑ 😀"}');
  assert.equal(decodeUtf8Strict(bytes([0xef, 0xbb, 0xbf], '{}'), 's.moe.json'), '{}');
});

test('invalid bytes: the file, the line and the offset of the first bad byte', () => {
  const cases: [Buffer, number, number][] = [
    [bytes('{\n  "name": "caf', [0xe9], '"\n}'), 2, 16], // Latin-1 é
    [bytes('{"a":\n\n"', [0xc0, 0xaf], '"}'), 3, 8], // an overlong encoding of "/"
    [bytes('{"a": "', [0xed, 0xa0, 0x80], '"}'), 1, 7], // a UTF-16 surrogate
    [bytes('{"a": "x"}', [0xe2, 0x88]), 1, 10], // the file ends inside a character
  ];
  for (const [input, line, offset] of cases) {
    assert.throws(() => decodeUtf8Strict(input, 'bad.moe.json'), (error: unknown) => {
      assert.ok(error instanceof UserInputError);
      assert.equal(error.message, `bad.moe.json: line ${line}: invalid UTF-8 bytes at byte ${offset}; save the file as UTF-8`);
      assert.equal(error.location.file, 'bad.moe.json');
      return true;
    });
  }
});
