/**
 * Whether an error says the database server could not be reached or went away (a restart, a
 * failover, a network cut), as opposed to a mistake in a statement: such a request can be tried
 * again once the server is back, and callers say so (503 with Retry-After over HTTP) instead of
 * reporting an internal error.
 */
export function databaseUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('08') || SHUTDOWN_STATES.has(code))) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && POOL_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** The socket could not be opened or was cut. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLSTATE 57P01–57P03: the server is shutting down, crashed, or is starting (class 08: connection exceptions). */
const SHUTDOWN_STATES = new Set(['57P01', '57P02', '57P03']);
/** node-postgres and its pool say these without a code. */
const POOL_MESSAGES = ['Connection terminated', 'timeout exceeded when trying to connect', 'Client has encountered a connection error'];
