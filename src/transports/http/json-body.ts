import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { AuditLog } from '../../security/audit.js';
import { refuse } from './guards.js';

/** MCP 2025-06-18 removed JSON-RPC batching; 2026-07-28 clients are refused by the SDK itself. */
const BATCHLESS_SINCE = '2025-06-18';

const refuseBatches: RequestHandler = (req, res, next) => {
  const version = req.headers['mcp-protocol-version'];
  if (Array.isArray(req.body) && typeof version === 'string' && version >= BATCHLESS_SINCE) {
    return refuse(res, 400, `JSON-RPC batches are not part of MCP ${version}: send one message per request`, -32600);
  }
  next();
};

/**
 * Reads the JSON body of an MCP request (at most `limit` bytes), so that batches can be refused
 * where the client's revision forbids them; the SDK then gets the parsed body.
 */
export function jsonRpcBody(limit: number): RequestHandler[] {
  return [express.json({ limit, type: ['application/json', 'application/*+json'] }), refuseBatches];
}

/** Body errors as JSON-RPC errors, never an HTML page with a stack trace; an oversized body is audited. */
export function jsonRpcBodyErrors(limit: number, audit: AuditLog): ErrorRequestHandler {
  return (err: { type?: string }, req, res, next) => {
    if (err.type === 'entity.parse.failed') return refuse(res, 400, 'Parse error: the request body is not valid JSON', -32700);
    if (err.type === 'entity.too.large') {
      void audit.record({ type: 'request.refused', address: req.ip, details: { status: 413, reason: 'body too large', path: req.path } });
      return refuse(res, 413, `Payload too large: a request may carry at most ${limit} bytes`);
    }
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') return refuse(res, 415, 'Unsupported content encoding or charset');
    next(err);
  };
}
