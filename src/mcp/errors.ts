import crypto from 'node:crypto';
import { UserError } from '../domain/common/errors.js';
import type { Logger } from '../logging.js';

/**
 * What a failed call tells the user: their own mistakes verbatim (they name the field and the fix);
 * anything else only as a reference into the server log, never with SQL, paths or secrets.
 */
export function userMessageFor(err: unknown, what: string, logger: Logger): string {
  if (err instanceof UserError) return err.message;
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return `${what} could not run: the database stayed locked by another mcp-pa process. Nothing was changed; try again.`;
  }
  const reference = crypto.randomBytes(4).toString('hex');
  logger.error({ err, reference, what }, 'internal error');
  return `${what} failed because of an internal error (reference ${reference}; the server log on stderr has the details). Nothing was changed.`;
}
