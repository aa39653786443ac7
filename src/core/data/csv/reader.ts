/**
 * The reader's front: drops a byte-order mark, holds the text back until the header line is complete (to pick the
 * delimiter), then streams everything into the record parser, which feeds the table builder.
 */
import { UserInputError } from '../../errors';
import { DelimiterDetector } from './delimiter';
import { MAX_CELL_LENGTH, RecordParser } from './recordParser';
import type { CsvTable } from './table';
import { TableBuilder } from './tableBuilder';
import type { DecodedTextSink } from './utf8';

export class CsvReader implements DecodedTextSink {
  private readonly builder: TableBuilder;
  private readonly detector = new DelimiterDetector();
  private parser: RecordParser | undefined;
  private pendingHead = '';
  private first = true;

  /**
   * `expectedLength`: the input's length, about its characters, or 0 when unknown (see TableBuilder).
   * `chunkCapacity`: the longest byte chunk `push` will be given with its bytes (0: text only).
   */
  constructor(private readonly file: string, expectedLength = 0, chunkCapacity = 0) {
    this.builder = new TableBuilder(file, expectedLength, chunkCapacity);
  }

  /** `bytes`: the same characters as `text`, one byte each, when the caller has them (see RecordParser.push). */
  push(text: string, bytes?: Uint8Array): void {
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) {
        text = text.slice(1);
        bytes = undefined;
      }
    }
    if (this.parser) {
      this.parser.push(text, bytes);
      return;
    }
    this.pendingHead += text;
    if (this.detector.scan(text)) this.startParser();
    else if (this.pendingHead.length > MAX_CELL_LENGTH) {
      throw new UserInputError(`${this.file}: the header line is longer than ${MAX_CELL_LENGTH.toLocaleString('en')} characters; is this really a CSV file?`, { file: this.file, row: 0 });
    }
  }

  finish(): CsvTable {
    if (!this.parser) this.startParser();
    this.parser!.finish();
    return this.builder.build(this.detector.delimiter());
  }

  /** Where the reader is, for messages about bytes that could not be decoded. */
  position(): string {
    const line = this.parser ? this.parser.line : 1;
    const row = this.builder.currentRow();
    return row === 0 ? `header (line ${line})` : `row ${row} (line ${line})`;
  }

  private startParser(): void {
    this.parser = new RecordParser(this.detector.delimiter(), this.builder, this.file);
    const head = this.pendingHead;
    this.pendingHead = '';
    this.parser.push(head);
  }
}
