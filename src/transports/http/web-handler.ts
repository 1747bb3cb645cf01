import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';

/** Headers that describe a body the web Request will not carry. */
const BODY_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding']);

/** The JSON-RPC id an error answer may echo: a request's string or number id, else null. */
function echoableId(body: unknown): string | number | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { method, id } = body as { method?: unknown; id?: unknown };
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number') ? id : null;
}

/**
 * Serves an MCP request whose body is already parsed with the SDK's web-standard handler. The
 * SDK's own adapter (toNodeHandler) serialises the parsed body back into the web Request (JSON
 * text, then bytes twice: three more copies of a 32 MiB upload) although the handler, given the
 * parsed body, never reads it; here the Request carries headers only. The response is written as
 * toNodeHandler writes it: streamed, minding backpressure, stopped when the client goes away.
 */
export function serveWebHandler(handler: McpHttpHandler, onerror: (err: Error) => void) {
  return async (req: Request & { auth?: AuthInfo }, res: Response, parsedBody: unknown) => {
    let finished = false;
    const abort = new AbortController();
    res.on('close', () => {
      if (!finished) abort.abort();
    });
    if (res.destroyed) abort.abort();
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name.startsWith(':') || BODY_HEADERS.has(name)) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    let response: globalThis.Response;
    try {
      const request = new globalThis.Request(`http://${req.headers.host ?? 'localhost'}${req.originalUrl}`, {
        method: req.method,
        headers,
        signal: abort.signal,
      });
      response = await handler.fetch(request, { ...(req.auth !== undefined && { authInfo: req.auth }), ...(parsedBody !== undefined && { parsedBody }) });
    } catch (err) {
      onerror(err instanceof Error ? err : new Error(String(err)));
      response = globalThis.Response.json(
        { jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: echoableId(parsedBody) },
        { status: 500 },
      );
    }
    const out: Record<string, string> = {};
    for (const [name, value] of response.headers) out[name] = value;
    res.writeHead(response.status, out);
    if (response.body === null) {
      finished = true;
      res.end();
      return;
    }
    const closed = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      for await (const chunk of response.body) {
        if (abort.signal.aborted) break;
        if (!res.write(chunk)) await Promise.race([new Promise<void>((resolve) => res.once('drain', () => resolve())), closed]);
      }
    } catch {
      // The client went away mid-stream, or the stream failed: nothing more can be sent.
    }
    finished = true;
    res.end();
  };
}
