import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logging.js';
import type { McpDeps } from '../../src/mcp/errors.js';
import { toolOffer } from '../../src/mcp/offer.js';
import { createMcpServer, createRequestServer } from '../../src/mcp/server.js';

/** Deps that build servers and never run work: only what a server is built from is looked at here. */
const deps: McpDeps = {
  run: () => Promise.reject(new Error('no work runs in these tests')),
  logger: createLogger('silent'),
  offer: toolOffer({ tools: ['all'], documents: { max_file_size_mb: 10 } }),
  recall: { enabled: false, embedQuery: () => Promise.reject(new Error('off')), warning: () => undefined },
};

const call = (name: unknown) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
const registered = (server: ReturnType<typeof createMcpServer>) => deps.offer.tools.filter((t) => server.toolInputSchemaJson(t.name) !== undefined).length;

describe('the server built for one HTTP request', () => {
  it('holds only the called tool for a tools/call, with the same schema and capabilities as a full server', () => {
    const full = createMcpServer(deps, 'tenant');
    const one = createRequestServer(deps, 'tenant', call('list_todos'));
    assert.equal(registered(one), 1);
    assert.deepEqual(one.toolInputSchemaJson('list_todos'), full.toolInputSchemaJson('list_todos'));
    assert.deepEqual(one.server.getCapabilities(), full.server.getCapabilities());
  });

  it('is a full server for anything else: a list, a tool not offered, a notification, a batch, no body, a harness extension', () => {
    const all = deps.offer.tools.length;
    const others: unknown[] = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      call('no_such_tool'),
      call(42),
      { jsonrpc: '2.0', method: 'tools/call', params: { name: 'list_todos' } },
      [call('list_todos')],
      undefined,
    ];
    for (const message of others) assert.equal(registered(createRequestServer(deps, 'tenant', message)), all, JSON.stringify(message));
    const extension = { register: () => undefined };
    assert.equal(registered(createRequestServer(deps, 'tenant', call('list_todos'), extension)), all);
  });
});
