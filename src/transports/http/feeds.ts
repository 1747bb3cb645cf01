import express, { type Request, type Response } from 'express';
import { tenantDisabled } from '../../auth/accounts.js';
import { feedLookupHash, feedText } from '../../domain/feeds/service.js';
import type { Secrets } from '../../domain/secrets.js';
import type { Logger } from '../../logging.js';
import type { McpDeps } from '../../mcp/errors.js';
import type { LimitPolicy, RateLimits } from '../../security/rate-limits.js';
import { addressKey } from '../../security/request-keys.js';
import type { Engine } from '../../storage/engine.js';
import { refuse, refuseUntilDatabaseBack } from './guards.js';
import { databaseUnreachable } from '../../storage/unreachable.js';
import { limited } from './rate-limit-middleware.js';

/** A feed's file name: its 256-bit secret, base64url, then .ics. */
const FEED_FILE = /^([A-Za-z0-9_-]{43})\.ics$/;

export interface FeedRouteParts {
  engine: Engine;
  run: McpDeps['run'];
  secrets: Secrets;
  logger: Logger;
  limits: RateLimits;
  policy: LimitPolicy;
}

/**
 * GET /feeds/<secret>.ics: a person's calendar for calendar apps to subscribe to. The secret's
 * keyed hash names the person (engine.feedOwner: the tenant id and nothing else); the calendar is
 * then read as that person, under the usual row-level security. A wrong, revoked or malformed
 * secret is one 404, whatever was wrong; every request counts against its address.
 */
export function feedRoutes({ engine, run, secrets, logger, limits, policy }: FeedRouteParts): express.Router {
  const router = express.Router();
  router.get(
    '/feeds/:file',
    limited(limits, policy, (req) => addressKey(req.ip)),
    async (req: Request, res: Response) => {
      try {
        const secret = FEED_FILE.exec(String(req.params.file))?.[1];
        const hash = secret === undefined ? undefined : await feedLookupHash({ secrets }, secret);
        const tenant = hash === undefined ? undefined : await engine.transaction('read', '', (trx) => engine.feedOwner(trx, hash));
        // A disabled account's feed stops with its tokens.
        if (tenant === undefined || (await tenantDisabled(engine, tenant))) return refuse(res, 404, 'Not found');
        const text = await run('read', tenant, feedText);
        res
          .status(200)
          .type('text/calendar; charset=utf-8')
          // Calendar apps poll; a shared cache must never keep a person's calendar.
          .set('cache-control', 'private, max-age=300')
          .send(text);
      } catch (err) {
        if (databaseUnreachable(err)) {
          logger.warn({ err: (err as Error).message }, 'calendar feed: the database is unreachable');
          if (!res.headersSent) refuseUntilDatabaseBack(res);
          return;
        }
        logger.error({ err: (err as Error).message }, 'calendar feed failed');
        if (!res.headersSent) refuse(res, 500, 'Internal error');
      }
    },
  );
  return router;
}
