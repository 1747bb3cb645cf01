import crypto from 'node:crypto';
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, type CallToolResult } from '@modelcontextprotocol/server';
import { ZodError } from 'zod';
import { describeZodError } from '../domain/common/zod-messages.js';
import type { DomainContext } from '../domain/context.js';
import { NotFoundError, UserError } from '../errors.js';
import type { Logger } from '../logging.js';
import { metrics } from '../metrics.js';
import type { Runtime } from '../runtime.js';
import type { Access } from '../storage/engine.js';
import { databaseUnreachable } from '../storage/unreachable.js';
import type { ToolOffer } from './offer.js';
import type { QueryEmbedder } from '../domain/search/recall.js';

/** What a failed call tells the client, whichever door it came through. */
export interface Failure {
  /** invalid and not_found: the user's own mistake; busy: try again; internal: our fault. */
  kind: 'invalid' | 'not_found' | 'busy' | 'internal';
  message: string;
}

/**
 * The one mapping from a thrown error to what the client is told, for tools, resources, prompts
 * and completions alike: their own mistakes verbatim (they name the field and the fix); anything
 * else only as a reference into the server log, never with SQL, database text, paths or secrets.
 */
function failureOf(err: unknown, what: string, logger: Logger): Failure {
  if (err instanceof NotFoundError) return { kind: 'not_found', message: err.message };
  if (err instanceof UserError) return { kind: 'invalid', message: err.message };
  // Arguments a handler parses itself (a resource URI's id, a prompt's project).
  if (err instanceof ZodError) return { kind: 'invalid', message: describeZodError(err) };
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return { kind: 'busy', message: `${what} could not run: the database stayed locked by another mcp-pa process. Nothing was changed; try again.` };
  }
  // The disk (or the user's quota) is full: the database or a document's file could not grow.
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    logger.error({ err, what }, 'the disk is full');
    return { kind: 'busy', message: `${what} could not be saved: the disk is full. Nothing was changed; free some space and try again.` };
  }
  // A PostgreSQL server restarting or out of reach: a moment's wait, not our fault (no stack trace per call).
  if (databaseUnreachable(err)) {
    logger.warn({ what, code, message: (err as Error).message }, 'the database is unreachable');
    return { kind: 'busy', message: `${what} could not run: the database could not be reached. Try again in a moment.` };
  }
  const reference = crypto.randomBytes(4).toString('hex');
  logger.error({ err, reference, what }, 'internal error');
  return {
    kind: 'internal',
    message: `${what} failed because of an internal error (reference ${reference}; the server log on stderr has the details). Nothing was changed.`,
  };
}

/** What an MCP server needs to act for a tenant: the unit of work, where failures are logged, and which tools it offers. */
export interface McpDeps {
  run: Runtime['run'];
  logger: Logger;
  offer: ToolOffer;
  /** Embeds search queries before their transaction (or says why it cannot). */
  recall: QueryEmbedder;
}

/**
 * The one wrapper every MCP handler does its work through: tools, resource reads and lists,
 * prompts and completions run the domain as the tenant in one transaction, and whatever they
 * throw leaves through `failureOf`, shaped for the door it came in by.
 */
export function tenantWork(deps: McpDeps, tenantId: string, actor?: () => string | Promise<string>) {
  const attempt = async <T>(
    access: Access,
    what: string,
    fn: (ctx: DomainContext) => Promise<T>,
    callActor?: () => string,
  ): Promise<{ ok: true; value: T } | { ok: false; failure: Failure }> => {
    try {
      // Who acts is asked only of work that may change something: the history names them (the
      // transport's answer first: over HTTP, the OAuth client; else the call's own client).
      const who = access === 'write' ? ((await actor?.()) ?? callActor?.()) : undefined;
      return { ok: true, value: await deps.run(access, tenantId, fn, who) };
    } catch (err) {
      return { ok: false, failure: failureOf(err, what, deps.logger) };
    }
  };
  return {
    /** A tool call: its failure is a result with isError, which the model reads and can act on. */
    async tool<T>(
      access: Access,
      name: string,
      fn: (ctx: DomainContext) => Promise<T>,
      present: (value: T) => CallToolResult,
      callActor?: () => string,
      startedAt = performance.now(),
    ): Promise<CallToolResult> {
      const outcome = await attempt(access, name, fn, callActor);
      metrics.toolCall(name, outcome.ok ? 'ok' : outcome.failure.kind, (performance.now() - startedAt) / 1000);
      return outcome.ok ? present(outcome.value) : { content: [{ type: 'text', text: outcome.failure.message }], isError: true };
    },
    /**
     * A resource read, a prompt or a completion: its failure is a JSON-RPC error. A user's mistake
     * is invalid params (a missing resource is "resource not found"), anything else an internal error.
     */
    async read<T>(what: string, fn: (ctx: DomainContext) => Promise<T>, resourceUri?: string): Promise<T> {
      const outcome = await attempt('read', what, fn);
      if (outcome.ok) return outcome.value;
      throw protocolErrorOf(outcome.failure, resourceUri);
    },
  };
}

export type TenantWork = ReturnType<typeof tenantWork>;

function protocolErrorOf(failure: Failure, resourceUri: string | undefined): ProtocolError {
  if (failure.kind === 'not_found' && resourceUri !== undefined) return new ResourceNotFoundError(resourceUri, failure.message);
  const code = failure.kind === 'invalid' || failure.kind === 'not_found' ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InternalError;
  return new ProtocolError(code, failure.message);
}
