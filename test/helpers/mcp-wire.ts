/** Raw MCP messages as a 2026-07-28 client puts them on the wire (for tests and benchmarks that bypass the SDK client). */
import http from 'node:http';

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

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * POSTs a prebuilt body over node:http, which writes the Buffer as it is (fetch copies a body per
 * request: thirty concurrent 32 MiB uploads would cost the client a gigabyte). A server that
 * answers before reading the whole body (a refusal) is reported like any other answer.
 */
export function postRaw(url: string | URL, headers: Record<string, string>, body: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      res.on('error', reject);
    });
    // The server may close the connection after an early refusal while the body is still going out.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

/** A 2026-07-28 tools/call as a raw request: its headers and its body as bytes. */
export function rawToolCall(name: string, args: Record<string, unknown>, token?: string): { headers: Record<string, string>; body: Buffer } {
  const { headers, body } = modernToolCall(name, args, token);
  return { headers, body: Buffer.from(body) };
}
