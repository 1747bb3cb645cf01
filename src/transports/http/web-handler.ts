import type { AuthInfo, McpHttpHandler } from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';

/** Headers that describe a body the web Request will not carry. */
const BODY_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding']);

/** A response that is one JSON document, not a stream of events. */
const JSON_ANSWER = /^application\/json\s*(;|$)/i;

/** The parsed body each web Request built here stands for (the SDK hands the Request to the server factory). */
const BODIES = new WeakMap<globalThis.Request, unknown>();

/** The parsed JSON-RPC body of a Request this module built, for the server factory to see what the request asks. */
export const parsedBodyOf = (request: globalThis.Request | undefined): unknown => (request === undefined ? undefined : BODIES.get(request));

/** An answer's headers as Node writes them. */
function headersOf(response: globalThis.Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of response.headers) out[name] = value;
  return out;
}

/** What a request gets when its answer could not be made or read: JSON-RPC's internal error. */
function internalError(parsedBody: unknown): globalThis.Response {
  return globalThis.Response.json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: echoableId(parsedBody) }, { status: 500 });
}

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
 * parsed body, never reads it; here the Request carries headers only. An event stream is written
 * as toNodeHandler writes it: streamed, minding backpressure, stopped when the client goes away; a
 * JSON answer (one message) in one write with its Content-Length.
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
      if (parsedBody !== undefined) BODIES.set(request, parsedBody);
      response = await handler.fetch(request, { ...(req.auth !== undefined && { authInfo: req.auth }), ...(parsedBody !== undefined && { parsedBody }) });
    } catch (err) {
      onerror(err instanceof Error ? err : new Error(String(err)));
      response = internalError(parsedBody);
    }
    if (response.body !== null && JSON_ANSWER.test(response.headers.get('content-type') ?? '')) {
      // One JSON message (no notification came before it): written at once, with its length, its
      // bytes as the SDK made them (one piece; never copied unless it came in several).
      let chunks: Uint8Array[] = [];
      try {
        for await (const chunk of response.body) chunks.push(chunk);
      } catch (err) {
        // Never half an answer under its success status: an error in its place.
        if (!abort.signal.aborted) onerror(err instanceof Error ? err : new Error(String(err)));
        response = internalError(parsedBody);
        chunks = [new Uint8Array(await response.arrayBuffer())];
      }
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      finished = true;
      res.writeHead(response.status, { ...headersOf(response), 'content-length': String(body.byteLength) });
      res.end(body);
      return;
    }
    res.writeHead(response.status, headersOf(response));
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
