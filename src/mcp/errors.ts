import crypto from 'node:crypto';
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, type CallToolResult } from '@modelcontextprotocol/server';
import { ZodError } from 'zod';
import { NotFoundError, UserError } from '../domain/common/errors.js';
import type { Logger } from '../logging.js';

/** What a failed call tells the client, whichever door it came through. */
export interface Failure {
  /** invalid and not_found: the user's own mistake; busy: try again; internal: our fault. */
  kind: 'invalid' | 'not_found' | 'busy' | 'internal';
  message: string;
}

/** A zod error as the tools report theirs: the path of the first problem, then the problem. */
function describeZodError(err: ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'the arguments are not valid';
  return issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

/**
 * The one mapping from a thrown error to what the client is told, for tools, resources, prompts
 * and completions alike: their own mistakes verbatim (they name the field and the fix); anything
 * else only as a reference into the server log, never with SQL, database text, paths or secrets.
 */
export function failureOf(err: unknown, what: string, logger: Logger): Failure {
  if (err instanceof NotFoundError) return { kind: 'not_found', message: err.message };
  if (err instanceof UserError) return { kind: 'invalid', message: err.message };
  // Arguments a handler parses itself (a resource URI's id, a prompt's project).
  if (err instanceof ZodError) return { kind: 'invalid', message: describeZodError(err) };
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return { kind: 'busy', message: `${what} could not run: the database stayed locked by another mcp-pa process. Nothing was changed; try again.` };
  }
  const reference = crypto.randomBytes(4).toString('hex');
  logger.error({ err, reference, what }, 'internal error');
  return {
    kind: 'internal',
    message: `${what} failed because of an internal error (reference ${reference}; the server log on stderr has the details). Nothing was changed.`,
  };
}

/** A tool's failure: a result with isError, which the model reads and can act on. */
export function toolErrorResult(err: unknown, what: string, logger: Logger): CallToolResult {
  return { content: [{ type: 'text', text: failureOf(err, what, logger).message }], isError: true };
}

/**
 * A failure of a resource read, a prompt or a completion: a JSON-RPC error. A user's mistake is
 * invalid params (a missing resource is "resource not found"), anything else an internal error.
 */
export function protocolErrorOf(err: unknown, what: string, logger: Logger, resourceUri?: string): ProtocolError {
  const failure = failureOf(err, what, logger);
  if (failure.kind === 'not_found' && resourceUri !== undefined) return new ResourceNotFoundError(resourceUri, failure.message);
  const code = failure.kind === 'invalid' || failure.kind === 'not_found' ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InternalError;
  return new ProtocolError(code, failure.message);
}

/** Runs a resource, prompt or completion handler; whatever it throws leaves through the one mapping. */
export async function mapped<T>(what: string, logger: Logger, fn: () => Promise<T>, resourceUri?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw protocolErrorOf(err, what, logger, resourceUri);
  }
}
