import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli, tempHome, withServer, type TestServer } from './helpers/server.js';

/** What a model reads of the tool list on every turn: each tool as the client receives it. */
async function sizes(server: TestServer) {
  const { tools } = await server.client.listTools();
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  const withOutput = tools.map((tool) => bytes(tool));
  const withoutOutput = tools.map(({ outputSchema: _output, ...tool }) => bytes(tool));
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  return { tools, count: tools.length, withOutput: sum(withOutput), withoutOutput: sum(withoutOutput) };
}

/** The budgets of issue 15, in bytes (1 KB = 1,000 bytes, the stricter reading). */
const BUDGET = { perToolWithOutput: 1_600, perToolWithoutOutput: 900, coreWithOutput: 25_000 };

describe('a lean tool list', () => {
  it('every tool together stays within the budget, with and without output schemas', async () => {
    await withServer({ engine: false }, async (server) => {
      const all = await sizes(server);
      const report = `${all.count} tools: ${all.withOutput} bytes with output schemas (${Math.round(all.withOutput / all.count)} a tool), ${all.withoutOutput} without (${Math.round(all.withoutOutput / all.count)} a tool)`;
      assert.ok(all.withOutput <= BUDGET.perToolWithOutput * all.count, `over budget: ${report}`);
      assert.ok(all.withoutOutput <= BUDGET.perToolWithoutOutput * all.count, `over budget: ${report}`);
      for (const tool of all.tools) {
        const text = JSON.stringify(tool);
        assert.ok(!text.includes('"$schema"'), `${tool.name} repeats $schema`);
        assert.ok(!text.includes('MCP_PA_'), `${tool.name} names an environment variable instead of saying what it means`);
      }
    });
  });

  it('the core profile offers the everyday tools in at most 25 KB', async () => {
    await withServer({ engine: false, env: { MCP_PA_TOOLS: 'core' } }, async (server) => {
      const core = await sizes(server);
      const names = core.tools.map((t) => t.name);
      for (const name of ['get_dashboard', 'search', 'create_todo', 'list_todos', 'complete_todo', 'create_calendar_event', 'list_calendar_events']) {
        assert.ok(names.includes(name), `core lacks ${name}`);
      }
      assert.ok(core.withOutput <= BUDGET.coreWithOutput, `core is ${core.withOutput} bytes`);
    });
  });

  it('a nullable field carries its description on the property, and a repeated shape is written once', async () => {
    await withServer({ engine: false }, async (server) => {
      const { tools } = await server.client.listTools();
      const update = tools.find((t) => t.name === 'update_todo')!;
      const properties = update.inputSchema.properties as Record<string, { description?: string; type?: unknown; $ref?: string }>;
      assert.equal(typeof properties.due_date?.description, 'string');
      assert.deepEqual(properties.due_date?.type, ['string', 'null']);
      assert.equal(properties.due_date?.$ref, properties.reminder_date?.$ref, 'both dates refer to one definition');
      const upload = tools.find((t) => t.name === 'upload_document')!;
      assert.match(upload.description ?? '', /up to 25 MB/, 'the upload limit in MB');
      for (const tool of tools) {
        for (const [name, p] of Object.entries(tool.inputSchema.properties as Record<string, { description?: string; anyOf?: unknown }>)) {
          if (p.anyOf) assert.ok(p.description, `${tool.name}.${name}: a description outside anyOf`);
        }
      }
    });
  });

  it('the upload limit stated is the one configured', async () => {
    await withServer({ engine: false, env: { MCP_PA_MAX_FILE_SIZE_MB: '3' } }, async (server) => {
      const upload = (await server.client.listTools()).tools.find((t) => t.name === 'upload_document')!;
      assert.match(upload.description ?? '', /up to 3 MB/);
    });
  });
});

describe('MCP_PA_TOOLS: the tools a server offers', () => {
  it('read-only offers only tools that change nothing, and a tool left out cannot be called', async () => {
    await withServer({ engine: false, env: { MCP_PA_TOOLS: 'read-only' } }, async (server) => {
      const { tools } = await server.client.listTools();
      assert.ok(tools.length > 5);
      assert.ok(
        tools.every((t) => t.annotations?.readOnlyHint === true),
        'only read-only tools',
      );
      const result = await server.client
        .callTool({ name: 'create_todo', arguments: { title: 'sneaked in' } })
        .catch((err: Error) => ({ isError: true, content: [{ type: 'text', text: err.message }] }));
      assert.equal(result.isError, true);
      assert.match(JSON.stringify(result.content), /create_todo/);
      const todos = await server.ok<{ items: unknown[] }>('list_todos', {});
      assert.deepEqual(todos.items, [], 'nothing was written');
    });
  });

  it('a list mixes profiles and tool names', async () => {
    await withServer({ engine: false, env: { MCP_PA_TOOLS: 'read-only, create_todo' } }, async (server) => {
      const names = (await server.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('create_todo'));
      assert.ok(names.includes('list_todos'));
      assert.ok(!names.includes('update_todo'));
    });
  });

  it('an unknown name stops the start, listing the profiles', async () => {
    const result = await runCli(['stdio'], tempHome(), { MCP_PA_TOOLS: 'core,create_todoz' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"create_todoz" is neither a profile \(all, core, read-only\) nor a tool/);
  });
});
