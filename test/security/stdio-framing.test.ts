import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { createStdioTransport } from '../../src/transports/stdio.js';
import { TestServer } from '../helpers/server.js';

const MB = 1024 * 1024;

/** Bytes the buffer operations touch while `run` goes: joins, and newline searches. */
async function bytesTouched(run: () => Promise<void>): Promise<number> {
  const concat = Buffer.concat;
  const { indexOf, lastIndexOf } = Buffer.prototype;
  let touched = 0;
  Buffer.concat = (list: readonly Uint8Array[], length?: number) => {
    touched += list.reduce((sum, b) => sum + b.length, 0);
    return concat(list, length);
  };
  Buffer.prototype.indexOf = function (this: Buffer, ...args: Parameters<Buffer['indexOf']>) {
    touched += this.length;
    return indexOf.apply(this, args);
  };
  Buffer.prototype.lastIndexOf = function (this: Buffer, ...args: Parameters<Buffer['lastIndexOf']>) {
    touched += this.length;
    return lastIndexOf.apply(this, args);
  };
  try {
    await run();
  } finally {
    Buffer.concat = concat;
    Object.assign(Buffer.prototype, { indexOf, lastIndexOf });
  }
  return touched;
}

/** A JSON-RPC line of about `size` bytes (a big upload as far as framing goes). */
const bigLine = (size: number) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'A'.repeat(size) } }) + '\n';

describe('stdio framing (a long line must not stall the local server)', () => {
  it('reads a 16 MiB line arriving in 64 KiB pipe chunks in linear work, and the message after it', async () => {
    const stdin = new PassThrough();
    const transport = createStdioTransport(stdin, new PassThrough(), 64 * MB);
    const received: JSONRPCMessage[] = [];
    const bothRead = new Promise<void>((resolve) => {
      transport.onmessage = (message) => {
        received.push(message);
        if (received.length === 2) resolve();
      };
    });
    await transport.start();
    const wire = Buffer.from(bigLine(16 * MB) + JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) + '\n');
    const touched = await bytesTouched(async () => {
      for (let at = 0; at < wire.length; at += 64 * 1024) stdin.write(wire.subarray(at, at + 64 * 1024));
      await bothRead;
    });
    assert.deepEqual(
      received.map((m) => 'id' in m && m.id),
      [1, 2],
    );
    // The SDK's own buffer joins and rescans everything it holds on every chunk: about
    // 16 MiB x 256 chunks / 2 = 2 GiB touched. Framed, each byte is touched a few times.
    assert.ok(touched < 5 * wire.length, `${Math.round(touched / MB)} MiB touched to read a ${Math.round(wire.length / MB)} MiB line`);
    await transport.close();
  });

  it('still refuses a line over the message limit, as the SDK did', async () => {
    const stdin = new PassThrough();
    const transport = createStdioTransport(stdin, new PassThrough(), 1 * MB);
    const errors: Error[] = [];
    const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
    transport.onerror = (err) => errors.push(err);
    await transport.start();
    stdin.write(bigLine(2 * MB));
    await closed;
    assert.match(errors[0]?.message ?? '', /exceeded maximum size/);
  });

  it('the local server answers a ping sent right after a 16 MiB upload', async () => {
    // ping is a 2025-era request (2026-07-28 has no ping).
    const server = await TestServer.start({ engine: false, era: 'legacy', binary: true });
    try {
      const content = crypto.randomBytes(12 * MB).toString('base64'); // 16 MiB of base64
      const [upload] = await Promise.all([
        server.ok<{ size_bytes: number }>('upload_document', { title: 'big', content_base64: content }),
        server.client.ping(),
      ]);
      assert.equal(upload.size_bytes, 12 * MB);
      await server.client.ping();
    } finally {
      await server.close();
    }
  });
});
