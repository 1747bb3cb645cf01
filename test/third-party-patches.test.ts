import assert from 'node:assert/strict';
import { once } from 'node:events';
import readline from 'node:readline';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Client, type JSONRPCMessage } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { z } from 'zod';
import { convertOnce } from '../src/mcp/json-schema-cache.js';
import { createStdioTransport } from '../src/transports/stdio.js';
import { collectGarbageNow, collectYoungGarbage } from '../src/transports/memory-reducer.js';
import { adminUrl } from './helpers/engines.js';
import { WireEnd } from './helpers/in-process.js';
import { askPassword } from '../src/cli/terminal.js';

/**
 * mcp-pa reaches into five libraries past their documented surface. Each test here fails when an
 * upgrade removes, renames or reshapes what is patched, or when the patch stops taking effect,
 * instead of the server silently losing what the patch gave it.
 */

describe("zod's JSON Schema conversion, converted once (src/mcp/json-schema-cache.ts)", () => {
  it('a zod schema carries ~standard.jsonSchema.{input,output}, a stable object the cache can replace', () => {
    const schema = z.object({ title: z.string() });
    const standard = schema['~standard'] as { jsonSchema?: { input?: unknown; output?: unknown } };
    assert.equal(typeof standard.jsonSchema?.input, 'function', 'zod no longer offers ~standard.jsonSchema.input');
    assert.equal(typeof standard.jsonSchema?.output, 'function', 'zod no longer offers ~standard.jsonSchema.output');
    assert.equal(schema['~standard'], standard, '~standard is built anew on each read: a replaced converter would be lost');
  });

  it('the SDK converts through that member, so listing tools again converts nothing again', async () => {
    const input = z.object({ title: z.string() });
    const output = z.object({ id: z.string() });
    const conversions = { input: 0, output: 0 };
    for (const [schema, io] of [
      [input, 'input'],
      [output, 'output'],
    ] as const) {
      const standard = schema['~standard'] as unknown as { jsonSchema: Record<'input' | 'output', (options: unknown) => unknown> };
      const original = standard.jsonSchema;
      standard.jsonSchema = {
        input: (options) => (io === 'input' && conversions.input++, original.input(options)),
        output: (options) => (io === 'output' && conversions.output++, original.output(options)),
      };
      convertOnce(schema);
    }
    const client = await connectedClient((server) =>
      server.registerTool('probe', { inputSchema: input, outputSchema: output }, () => ({ content: [], structuredContent: { id: 'x' } })),
    );
    try {
      for (let i = 0; i < 3; i++) {
        const [tool] = (await client.listTools()).tools;
        assert.deepEqual(tool?.inputSchema.required, ['title'], 'the converted schema reaches the client');
      }
      assert.deepEqual(conversions, { input: 1, output: 1 }, 'each schema was converted once, then served from the cache');
    } finally {
      await client.close();
    }
  });
});

describe('transport.send wrapped after each response (src/transports/stdio.ts)', () => {
  it('serveStdio writes through the transport instance’s send, so a wrapper sees every response', async () => {
    assert.equal(typeof StdioServerTransport.prototype.send, 'function');
    assert.equal(typeof StdioServerTransport.prototype.close, 'function');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const transport = createStdioTransport(stdin, stdout, 1024 * 1024);
    const seen: JSONRPCMessage[] = [];
    const send = transport.send.bind(transport);
    transport.send = async (message: JSONRPCMessage) => {
      await send(message);
      seen.push(message);
    };
    const handle = serveStdio(() => new McpServer({ name: 'probe', version: '1' }, { capabilities: {} }), { transport });
    try {
      stdin.write(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
        }) + '\n',
      );
      const [line] = (await once(stdout, 'data')) as [Buffer];
      assert.equal((JSON.parse(line.toString()) as { id: number }).id, 1, 'the answer reached stdout');
      assert.deepEqual(
        seen.map((m) => (m as { id?: number }).id),
        [1],
        'and went through the wrapped send',
      );
    } finally {
      await handle.close();
    }
  });
});

describe('pg.Client.query overridden to prepare statements (src/storage/postgres.ts)', () => {
  it('Kysely calls client.query(text, values) with no callback: the one form the override prepares', async () => {
    const calls: unknown[][] = [];
    const client = {
      query: (...args: unknown[]) => (calls.push(args), Promise.resolve({ command: 'SELECT', rowCount: 0, rows: [] })),
      release: () => undefined,
    };
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: { connect: async () => client, end: async () => undefined } as never }) });
    await sql`SELECT ${1} AS one`.execute(db);
    await db.destroy();
    assert.equal(calls.length, 1);
    const [text, values, callback] = calls[0]!;
    assert.equal(typeof text, 'string');
    assert.deepEqual(values, [1]);
    assert.equal(callback, undefined);
  });

  it('pg still has Client.prototype.query and takes a named query config', () => {
    assert.equal(typeof pg.Client.prototype.query, 'function');
    const query = new pg.Query({ name: 'mcp_pa_0', text: 'SELECT $1::int', values: [1] }) as unknown as { name?: string; text?: string };
    assert.equal(query.name, 'mcp_pa_0', 'a named query config is a prepared statement');
  });

  it(
    'on a PostgreSQL server, the engine’s connections hold the statements it prepared',
    { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' },
    async () => {
      const { openPostgresEngine } = await import('../src/storage/postgres.js');
      const engine = await openPostgresEngine({ connectionString: adminUrl(), poolSize: 1, appRole: 'mcp_pa_app_unused' });
      try {
        await sql`SELECT ${1}::int AS one`.execute(engine.db);
        const prepared = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements WHERE name LIKE ${'mcp_pa_%'}`.execute(engine.db);
        assert.ok(prepared.rows.length >= 1, 'no statement was prepared: the override no longer takes effect');
      } finally {
        await engine.close();
      }
    },
  );
});

describe("readline's _writeToOutput silenced for the password prompt (src/cli/terminal.ts)", () => {
  it('readline still writes its echo through _writeToOutput, so the prompt shows the question and nothing typed', async () => {
    const probe = readline.createInterface({ input: new PassThrough(), output: new PassThrough(), terminal: true });
    assert.equal(typeof (probe as unknown as { _writeToOutput?: unknown })._writeToOutput, 'function', 'readline no longer has _writeToOutput');
    probe.close();
    const input = new PassThrough();
    let shown = '';
    const output = new Writable({ write: (chunk: Buffer, _encoding, done) => ((shown += chunk.toString()), done()) });
    const answer = askPassword('Password: ', input, output);
    input.write('hunter2 secret\r');
    assert.equal(await answer, 'hunter2 secret');
    assert.match(shown, /Password: /);
    assert.doesNotMatch(shown, /hunter2|secret/, 'what was typed was echoed');
  });
});

describe('--expose-gc set at run time (src/transports/memory-reducer.ts)', () => {
  it('the collector can be called without the flag on the command line, and it collects', async () => {
    const ref = new WeakRef({ big: new Array(1000).fill('x') });
    // A WeakRef keeps its target alive until the job that made or read it ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectYoungGarbage();
    await collectGarbageNow();
    assert.equal(ref.deref(), undefined, 'an unreachable object survived a full collection');
  });
});

/** A client connected in this process to a bare McpServer that `register` equips. */
async function connectedClient(register: (server: McpServer) => void): Promise<Client> {
  const [clientEnd, serverEnd] = WireEnd.pair();
  const server = new McpServer({ name: 'probe', version: '1' }, { capabilities: { tools: {} } });
  register(server);
  await server.connect(serverEnd);
  const client = new Client({ name: 'probe-client', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(clientEnd);
  return client;
}
