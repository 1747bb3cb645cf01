import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import type { McpHttpHandler } from '@modelcontextprotocol/server';
import express from 'express';
import { serveWebHandler } from '../../src/transports/http/web-handler.js';

/**
 * The bridge between Express and the SDK's web-standard handler, given a handler whose answer
 * fails half-way (the SDK's stream erroring while the JSON answer is read): the client must not
 * get the half as a success.
 */
describe('serving the SDK handler over Node', () => {
  const failures: Error[] = [];
  const halfAnswer: Pick<McpHttpHandler, 'fetch'> = {
    fetch: async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0","id":7,"result":{"conte'));
            controller.error(new Error('the answer broke off'));
          },
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      ),
  };
  const app = express();
  app.use(express.json());
  const serve = serveWebHandler(halfAnswer as McpHttpHandler, (err) => failures.push(err));
  app.post('/mcp', (req, res) => void serve(req, res, req.body));
  const listening = new Promise<string>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    after(() => new Promise((done) => server.close(done)));
  });

  it('answers an internal error (500, the request id echoed) in place of a JSON answer that broke off', async () => {
    const res = await fetch(`${await listening}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'list_todos', arguments: {} } }),
    });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: 7 });
    assert.deepEqual(
      failures.map((e) => e.message),
      ['the answer broke off'],
      'reported to the server',
    );
  });
});
