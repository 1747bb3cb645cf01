import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, TestServer, serverEnv, tempHome } from './helpers/server.js';

describe('both protocol eras, over stdio and in the test process', () => {
  for (const [era, binary] of [
    ['legacy', true],
    ['2026-07-28', true],
    ['legacy', false],
    ['2026-07-28', false],
  ] as const) {
    it(`a client speaking ${era === 'legacy' ? '2025-11-25' : era} lists and calls tools (${binary ? 'the binary over stdio' : 'in-process'})`, async () => {
      // The binary on the engine under test; in-process, the era handling alone (any engine does).
      const server = await TestServer.start({ era, binary, ...(binary ? {} : { engine: false as const }) });
      try {
        const negotiated = server.client.getNegotiatedProtocolVersion();
        assert.equal(negotiated, era === 'legacy' ? '2025-11-25' : '2026-07-28');
        const { tools } = await server.client.listTools();
        const names = tools.map((t) => t.name);
        for (const name of ['get_status', 'create_todo', 'list_todos', 'search', 'read_document', 'delete_item', 'restore_item']) {
          assert.ok(names.includes(name), `missing tool ${name}`);
        }
        const todo = await server.ok<{ id: string; title: string }>('create_todo', { title: `hello from ${era}` });
        const list = await server.ok<{ items: { id: string }[] }>('list_todos', {});
        assert.deepEqual(
          list.items.map((t) => t.id),
          [todo.id],
        );
      } finally {
        await server.close();
      }
    });
  }
});

describe('tool declarations', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('every tool has a title, description, input and output schema and annotations', async () => {
    const { tools } = await server.client.listTools();
    assert.equal(tools.length, 42);
    for (const tool of tools) {
      assert.ok(tool.title, `${tool.name} has no title`);
      assert.ok((tool.description ?? '').length > 20, `${tool.name} has no real description`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has no output schema`);
      // MCP's defaults fill what is left out: a tool without readOnlyHint writes (scope pa:write).
      assert.equal(tool.annotations?.openWorldHint, false, `${tool.name} says it stays inside the server`);
    }
  });

  it('the upstream seventeen tool names are all kept', async () => {
    const names = new Set((await server.client.listTools()).tools.map((t) => t.name));
    for (const name of [
      'get_status',
      'update_status',
      'create_project',
      'list_projects',
      'get_project',
      'update_project',
      'add_project_task',
      'create_todo',
      'list_todos',
      'complete_todo',
      'create_calendar_event',
      'list_calendar_events',
      'upload_document',
      'create_external_document',
      'list_documents',
      'get_document',
      'get_dashboard',
    ]) {
      assert.ok(names.has(name), name);
    }
  });

  it('the server sends instructions for the model', () => {
    assert.match(server.client.getInstructions() ?? '', /get_dashboard/);
  });
});

describe('stdout', () => {
  it('carries only JSON-RPC messages, even with debug logging and failing calls', async () => {
    const home = tempHome();
    const child = spawn(process.execPath, [CLI], { env: serverEnv(home, { MCP_PA_LOG_LEVEL: 'trace' }), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const send = (msg: object) => child.stdin.write(JSON.stringify(msg) + '\n');
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'create_todo', arguments: { title: 'x', due_date: 'not a date' } } });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } });
    send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'create_todo', arguments: { title: 'ok' } } });
    send({ jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'pa://projects/missing' } });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if ((stdout.match(/\n/g) ?? []).length >= 5) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    assert.equal(lines.length, 5);
    for (const line of lines) {
      const msg = JSON.parse(line) as { jsonrpc: string; id: number };
      assert.equal(msg.jsonrpc, '2.0');
      assert.ok(typeof msg.id === 'number');
    }
    assert.match(stderr, /"level":/, 'logs go to stderr');
  });
});
