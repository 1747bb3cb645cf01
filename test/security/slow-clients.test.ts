import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpTestServer, withConfigFile } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';

describe('slow and oversized requests', () => {
  let server: HttpTestServer;
  before(async () => {
    const { home, args } = withConfigFile({ mode: 'http', authentication: { enabled: false } });
    server = await HttpTestServer.start({ home, args });
  });
  after(() => server.close());

  // The timeout is the safety net: without a header deadline the connection would stay open and the test fail.
  it('a connection that never finishes its headers is cut off, while others are served', async () => {
    assert.equal(server.listener.headersTimeout, 20_000, 'headers must arrive within 20 seconds');
    server.listener.headersTimeout = 1_000; // the same deadline, shorter: the test need not wait 20 s
    const { hostname, port } = new URL(server.url);
    const socket = net.connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /mcp HTTP/1.1\r\nHost: ${hostname}:${port}\r\nX-Trickle: 1`); // and then nothing more
    const others = await fetch(`${server.url}/mcp`, modernToolCall('get_current_time'));
    assert.equal(others.status, 200, 'the stalled connection holds nobody else up');
    await closed; // at the header deadline
    assert.match(answer, /^HTTP\/1\.1 408/, 'answered 408 Request Timeout, then closed');
  });

  it('an oversized body is refused with 413 before it is read in full, and audited', async () => {
    const res = await fetch(`${server.url}/mcp`, { ...modernToolCall('list_todos'), body: `{"x":"${'a'.repeat(50 * 1024 * 1024)}"}` });
    assert.equal(res.status, 413);
    // The refusal is in the audit trail (its line may follow the answer).
    await server.waitForLine((line) => line.includes('"request.refused"') && line.includes('"status":413'));
  });
});
