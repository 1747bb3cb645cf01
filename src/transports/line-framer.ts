import { Transform, type TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;

/**
 * Hands a byte stream on in whole lines, in linear time. The SDK's stdio read buffer joins every
 * incoming chunk onto all it holds and searches the whole of it for a newline again: a line of n
 * bytes arriving in k chunks costs about n·k (a 24 MiB upload took minutes over stdio, and every
 * message behind it waited). Put in front of it, this keeps a line's chunks in a list and joins
 * them once, when the newline arrives, so the SDK sees each line in one piece.
 *
 * A line growing past `maxLineBytes` is passed on as it is, so the SDK refuses it exactly as it
 * did (its own limit), and this never holds more than that.
 */
export class LineFramer extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      this.keep(chunk);
      if (this.pendingBytes > this.maxLineBytes) this.release();
      return done();
    }
    this.keep(chunk.subarray(0, lastNewline + 1));
    this.release();
    if (lastNewline + 1 < chunk.length) this.keep(chunk.subarray(lastNewline + 1));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.release();
    done();
  }

  private keep(part: Buffer) {
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private release() {
    if (this.pending.length === 0) return;
    const joined = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.push(joined);
  }
}
