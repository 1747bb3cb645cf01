import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { HttpTestServer, devServer } from './helpers/http-server.js';
import { modernToolCall } from './helpers/mcp-wire.js';
import { CLI, serverEnv, tempHome } from './helpers/server.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** An OTLP/HTTP collector on loopback (JSON, as the exporter sends it): keeps every span it is sent. */
class Collector {
  readonly spans: ReceivedSpan[] = [];
  readonly #arrived = new (class extends EventTarget {})();
  readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { scopeSpans: { spans: ReceivedSpan[] }[] }[] };
      for (const r of body.resourceSpans) for (const s of r.scopeSpans) this.spans.push(...s.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      this.#arrived.dispatchEvent(new Event('spans'));
    });
  });

  get url() {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  /** Resolves once a span of this name has arrived. */
  async span(name: string): Promise<ReceivedSpan> {
    for (;;) {
      const found = this.spans.find((s) => s.name === name);
      if (found) return found;
      await once(this.#arrived, 'spans');
    }
  }
}

const collector = new Collector();
await new Promise<void>((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
after(() => collector.server.close());

const attribute = (span: ReceivedSpan, key: string) => span.attributes.find((a) => a.key === key)?.value;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('OpenTelemetry traces', () => {
  it('over stdio: a span per tool call in the client’s trace (_meta traceparent), a span per transaction under it', async () => {
    const home = tempHome('mcp-pa-trace-');
    const env = serverEnv(home, { MCP_PA_TRACING: 'true', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url });
    const client = new Client({ name: 'trace-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI], env }));
    const parent = '00f067aa0ba902b7';
    const result = await client.callTool({ name: 'create_todo', arguments: { title: 'Traced' }, _meta: { traceparent: `00-${TRACE}-${parent}-01` } });
    assert.equal(result.isError, undefined);
    await client.close();
    const call = await collector.span('tools/call create_todo');
    assert.equal(call.traceId, TRACE);
    assert.equal(call.parentSpanId, parent);
    assert.deepEqual(attribute(call, 'gen_ai.tool.name'), { stringValue: 'create_todo' });
    const transaction = collector.spans.find((s) => s.name === 'db.transaction' && s.parentSpanId === call.spanId);
    assert.ok(transaction, 'no transaction span under the tool call');
    assert.deepEqual(attribute(transaction, 'db.system.name'), { stringValue: 'sqlite' });
    assert.doesNotMatch(JSON.stringify(collector.spans), /Traced/, 'a person’s words in a span');
  });

  it('over HTTP: the request’s traceparent header is the parent; a failed call is an error span', async () => {
    const { home, args } = devServer();
    const server = await HttpTestServer.start({ home, args, binary: true, env: { MCP_PA_TRACING: 'true', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url } });
    const parent = 'a3ce929d0e0e4736';
    const trace = 'b'.repeat(32);
    const request = modernToolCall('complete_todo', { todo_id: 'no-such-todo' });
    const res = await fetch(`${server.url}/mcp`, { ...request, headers: { ...request.headers, traceparent: `00-${trace}-${parent}-01` } });
    assert.equal(res.status, 200);
    await server.close();
    const call = await collector.span('tools/call complete_todo');
    assert.equal(call.traceId, trace);
    assert.equal(call.parentSpanId, parent);
    assert.deepEqual(attribute(call, 'error.type'), { stringValue: 'tool_error' });
  });

  it('off by default: nothing is sent', async () => {
    const before = collector.spans.length;
    const home = tempHome('mcp-pa-trace-');
    const client = new Client({ name: 'trace-test', version: '1' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [CLI], env: serverEnv(home, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url }) }),
    );
    await client.callTool({ name: 'create_todo', arguments: { title: 'Not traced' } });
    await client.close();
    assert.equal(collector.spans.length, before);
  });
});
