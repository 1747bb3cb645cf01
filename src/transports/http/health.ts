import express, { type Router } from 'express';
import { sql } from 'kysely';
import type { Engine } from '../../storage/engine.js';
import type { IssuerConnection } from './issuer.js';

/** What /readyz reports beyond the database: the issuer (when there is one) and shutdown. */
export interface Readiness {
  issuer?: IssuerConnection;
  draining: boolean;
  /** Told each answer of /readyz (a stopping instance waits for its balancer to have seen enough of them). */
  answered?: (ready: boolean) => void;
  /** Recall by meaning: on or off, what is wrong (never a reason to be unready: search falls back to words). */
  embeddings?: () => { enabled: boolean; warning: string | undefined };
}

type Check = 'ok' | 'enforced' | 'not-applicable' | string;

/**
 * /healthz: the process answers. /readyz: it can serve requests: database reachable, the issuer's
 * metadata and keys loaded, row-level security in force, and not shutting down. 503 otherwise, so a
 * load balancer sends traffic elsewhere.
 */
export function healthRoutes(engine: Pick<Engine, 'db' | 'security' | 'transaction' | 'embeddingBacklog'>, readiness: Readiness): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => void res.set('Cache-Control', 'no-store').json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, Check> = {};
    const details: Record<string, unknown> = {};
    let ready = !readiness.draining;
    if (readiness.draining) checks.shutdown = 'in progress';
    try {
      await sql`SELECT 1`.execute(engine.db);
      checks.database = 'ok';
      const security = await engine.security();
      checks.row_level_security = security.rowLevelSecurity;
      if (security.rowLevelSecurity === 'NOT ENFORCED') ready = false;
      const embeddings = readiness.embeddings?.();
      if (embeddings?.enabled) {
        const backlog = await engine.transaction('read', '', (trx) => engine.embeddingBacklog(trx));
        details.embeddings = { status: embeddings.warning ?? 'ok', waiting: backlog.waiting, failing: backlog.failing };
      } else if (embeddings?.warning) {
        details.embeddings = { status: embeddings.warning, waiting: 0, failing: 0 };
      }
    } catch {
      checks.database = 'unreachable';
      ready = false;
    }
    if (readiness.issuer) {
      await readiness.issuer.load();
      checks.issuer = readiness.issuer.ready ? 'ok' : 'metadata or keys not loaded';
      if (!readiness.issuer.ready) ready = false;
    }
    readiness.answered?.(ready);
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not ready', checks, ...(Object.keys(details).length ? { details } : {}) });
  });
  return router;
}
