/** Raw MCP messages as a 2026-07-28 client puts them on the wire (for tests and benchmarks that bypass the SDK client). */

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'mcp-pa-wire', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A JSON-RPC request carrying the 2026-07-28 envelope in its _meta. */
export function modernRequest(id: number, method: string, params: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method, params: { ...params, _meta: ENVELOPE } };
}

/** A tools/call as an HTTP request: the headers 2026-07-28 requires and the body. */
export function modernToolCall(name: string, args: Record<string, unknown> = {}, token?: string) {
  return {
    method: 'POST' as const,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(modernRequest(1, 'tools/call', { name, arguments: args })),
  };
}
