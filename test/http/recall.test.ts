import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmbeddingStandIn } from '../helpers/embedding-stand-in.js';
import { HttpTestServer, withConfigFile } from '../helpers/http-server.js';

describe('recall over HTTP', () => {
  let standIn: EmbeddingStandIn;
  let server: HttpTestServer;
  before(async () => {
    standIn = await EmbeddingStandIn.start();
    const { home, args } = withConfigFile({ mode: 'http', authentication: { enabled: false }, features: { vector_search: true } });
    server = await HttpTestServer.start({
      home,
      args,
      env: { MCP_PA_EMBEDDINGS_URL: standIn.url, MCP_PA_EMBEDDINGS_MODEL: 'stand-in', MCP_PA_EMBEDDINGS_API_KEY: 'sk-test-secret-key' },
    });
  });
  after(async () => {
    await server.close();
    await standIn.close();
  });

  it('embeds in the background, searches by meaning, and shows the backlog in /readyz', async () => {
    const client = await server.client('2026-07-28');
    try {
      const todo = (await client.callTool({ name: 'create_todo', arguments: { title: 'Pack the boxes for the movers' } })).structuredContent as { id: string };
      const waiting = (await (await fetch(`${server.url}/readyz`)).json()) as { details?: { embeddings: { waiting: number } } };
      assert.ok(waiting.details!.embeddings.waiting <= 1);
      await server.recall.settled();
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { details: unknown }).details, { embeddings: { status: 'ok', waiting: 0, failing: 0 } });
      const found = (await client.callTool({ name: 'search', arguments: { query: 'relocation', mode: 'semantic' } })).structuredContent as {
        results: { id: string }[];
      };
      assert.equal(found.results[0]!.id, todo.id);
    } finally {
      await client.close();
    }
  });

  it('sends the API key as a bearer token, and never logs it', async () => {
    assert.ok(standIn.authorizations.length > 0);
    assert.ok(standIn.authorizations.every((a) => a === 'Bearer sk-test-secret-key'));
    assert.ok(!server.logs.join('\n').includes('sk-test-secret-key'), 'the key is not in the log');
  });

  it('while the provider is down /readyz stays ready and says what is wrong', async () => {
    standIn.down = true;
    try {
      const client = await server.client('2026-07-28');
      await client.callTool({ name: 'create_todo', arguments: { title: 'Water the plants' } });
      await client.close();
      await server.recall.settled();
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      const details = ((await ready.json()) as { details: { embeddings: { status: string; failing: number } } }).details;
      assert.match(details.embeddings.status, /the embeddings provider failed: the embeddings provider answered 503/);
      assert.equal(details.embeddings.failing, 1);
    } finally {
      standIn.down = false;
    }
  });
});
