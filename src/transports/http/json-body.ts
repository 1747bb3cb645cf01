import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { AuditLog } from '../../security/audit.js';
import { collectGarbageNow, collectYoungGarbage } from '../memory-reducer.js';
import { refuse } from './guards.js';
import { refuseOverBudget, reservationOf, type BudgetRefusal } from './body-budget.js';

/** MCP 2025-06-18 removed JSON-RPC batching; 2026-07-28 clients are refused by the SDK itself. */
const BATCHLESS_SINCE = '2025-06-18';

/** From this size on, the copies a body leaves behind (bytes, then text) are collected at once. */
const LARGE_BODY = 4 * 1024 * 1024;

/** While a big body streams in, its socket chunks (copied out) are collected every so many bytes. */
const YOUNG_COLLECTION_EVERY = 4 * 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** A body error, in the shape body-parser gives them (its `type` names what went wrong). */
class BodyError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

class OverBudget extends Error {
  constructor(readonly refusal: BudgetRefusal) {
    super('over the budget of request bytes in flight');
  }
}

const refuseBatches: RequestHandler = (req, res, next) => {
  const version = req.headers['mcp-protocol-version'];
  if (Array.isArray(req.body) && typeof version === 'string' && version >= BATCHLESS_SINCE) {
    return refuse(res, 400, `JSON-RPC batches are not part of MCP ${version}: send one message per request`, -32600);
  }
  next();
};

/**
 * The body as text. Its bytes go into one Buffer sized from Content-Length as chunks arrive (no
 * list of chunks joined afterwards), or are joined once for a chunked body, whose bytes are taken
 * from the budget as they come; the Buffer is let go as soon as it is decoded.
 */
function readBodyText(req: Request, limit: number): Promise<string> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > limit) return Promise.reject(new BodyError('entity.too.large', 'body too large'));
  const reservation = reservationOf(req);
  return new Promise((resolve, reject) => {
    let whole = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
    let chunks: Buffer[] = [];
    let received = 0;
    let collectedAt = 0;
    const stop = () => {
      req.off('data', onData);
      whole = undefined;
      chunks = [];
    };
    const fail = (err: Error) => {
      stop();
      // What the client still sends is read and dropped, never kept, so it can read the answer.
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (received + chunk.length > (declared ?? limit)) return fail(new BodyError('entity.too.large', 'body too large'));
      if (reservation && received + chunk.length > reservation.bytes) {
        const refusal = reservation.grow(received + chunk.length - reservation.bytes);
        if (refusal) return fail(new OverBudget(refusal));
      }
      if (whole) chunk.copy(whole, received);
      else chunks.push(chunk);
      received += chunk.length;
      // The chunks copied out so far are garbage: collected every few megabytes (cheap: they are young).
      if (whole && received - collectedAt >= YOUNG_COLLECTION_EVERY) {
        collectedAt = received;
        collectYoungGarbage();
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      const text = whole ? whole.toString('utf8', 0, received) : Buffer.concat(chunks, received).toString('utf8');
      stop();
      resolve(text);
    });
    req.once('error', (err) => {
      stop();
      reject(err);
    });
  });
}

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BodyError('entity.parse.failed', 'not JSON');
  }
  // Like express.json's strict mode: a JSON-RPC body is an object or an array.
  if (value === null || typeof value !== 'object') throw new BodyError('entity.parse.failed', 'not an object or array');
  return value;
}

/**
 * Reads the JSON body of an MCP request (at most `limit` bytes), so that batches can be refused
 * where the client's revision forbids them; the SDK then gets the parsed body. The bytes are held
 * once at a time: a 32 MiB upload is one Buffer, then one string, then the parsed message.
 */
export function jsonRpcBody(limit: number): RequestHandler[] {
  const read: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') return next();
    const [type, ...params] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim());
    // Anything else is the SDK's to refuse (415), unread.
    if (!JSON_TYPE.test(type ?? '')) return next();
    const charset = params
      .find((p) => /^charset=/i.test(p))
      ?.slice(8)
      .replace(/"/g, '')
      .toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return next(new BodyError('charset.unsupported', 'charset'));
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') return next(new BodyError('encoding.unsupported', 'encoding'));
    readBodyText(req, limit).then(
      async (text) => {
        // A big body's bytes are garbage once decoded, and its text once parsed: collected at
        // once (V8 frees the bytes off the main thread: a turn of the event loop lets it), so at
        // most two copies are resident at a time: text and values, then values alone.
        const large = text.length >= LARGE_BODY;
        if (large) await collectGarbageNow();
        let body: unknown;
        try {
          body = parseJson(text);
        } catch (err) {
          return next(err);
        } finally {
          // Not read again, but still a live reference until this function returns: dropped so the collection below frees it.
          // eslint-disable-next-line no-useless-assignment
          text = '';
        }
        if (large) await collectGarbageNow();
        req.body = body;
        next();
      },
      (err: Error) => next(err),
    );
  };
  return [read, refuseBatches];
}

/** Body errors as JSON-RPC errors, never an HTML page with a stack trace; an oversized body is audited. */
export function jsonRpcBodyErrors(limit: number, audit: AuditLog): ErrorRequestHandler {
  return (err: { type?: string }, req, res, next) => {
    if (err instanceof OverBudget) return refuseOverBudget(res, err.refusal);
    if (err.type === 'entity.parse.failed') return refuse(res, 400, 'Parse error: the request body is not valid JSON', -32700);
    if (err.type === 'entity.too.large') {
      void audit.record({ type: 'request.refused', address: req.ip, details: { status: 413, reason: 'body too large', path: req.path } });
      return refuse(res, 413, `Payload too large: a request may carry at most ${limit} bytes`);
    }
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') return refuse(res, 415, 'Unsupported content encoding or charset');
    next(err);
  };
}
