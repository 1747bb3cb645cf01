import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgresql';
export type EngineKind = 'sqlite' | 'postgres' | 'pglite';
export type Access = 'read' | 'write';

/** A storage problem the user can fix (wrong key, unreachable server); the message says how. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** Work done when (and only when) a transaction commits or rolls back: file renames, temp-file cleanup. */
export interface TransactionHooks {
  afterCommit(fn: () => Promise<void> | void): void;
  onRollback(fn: () => Promise<void> | void): void;
}

/** What the server can tell about its own protection (for start-up checks and /readyz). */
export interface SecurityReport {
  /** Row-level security is forced on every tenant table and the role that runs queries cannot bypass it. */
  rowLevelSecurity: 'enforced' | 'not-applicable' | 'NOT ENFORCED';
  /** Problems an operator must know about; empty when all is well. */
  warnings: string[];
}

/**
 * One storage engine: SQLite (local mode), a PostgreSQL server, or embedded PGlite. Every
 * piece of user data is read and written through `transaction`, as one tenant.
 */
export interface Engine {
  readonly kind: EngineKind;
  readonly dialect: Dialect;
  /** The login connection, for migrations and installation-wide settings: never for user data. */
  readonly db: Kysely<Database>;
  readonly vectorSearch: boolean;
  transaction<T>(access: Access, tenantId: string, fn: (trx: Kysely<Database>, hooks: TransactionHooks) => Promise<T>): Promise<T>;
  security(): Promise<SecurityReport>;
  close(): Promise<void>;
}

export interface TransactionPlan {
  /** Statements that open the transaction (BEGIN, role, tenant). */
  begin(conn: Kysely<Database>): Promise<void>;
  /** Errors after which running the whole transaction again can succeed (deadlock, serialisation). */
  retryable(err: unknown): boolean;
}

const MAX_ATTEMPTS = 5;

/**
 * Runs fn in one transaction on one connection, with fresh hooks per attempt, retrying the whole
 * of it (with a little random back-off) when the database says a retry can succeed.
 */
export async function runTransaction<T>(
  db: Kysely<Database>,
  plan: TransactionPlan,
  fn: (trx: Kysely<Database>, hooks: TransactionHooks) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const committed: (() => Promise<void> | void)[] = [];
    const rolledBack: (() => Promise<void> | void)[] = [];
    const hooks: TransactionHooks = {
      afterCommit: (f) => void committed.push(f),
      onRollback: (f) => void rolledBack.push(f),
    };
    let result: T;
    try {
      result = await db.connection().execute(async (conn) => {
        await plan.begin(conn);
        try {
          const value = await fn(conn, hooks);
          await sql`COMMIT`.execute(conn);
          return value;
        } catch (err) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw err;
        }
      });
    } catch (err) {
      for (const f of rolledBack) await Promise.resolve(f()).catch(() => undefined);
      if (attempt < MAX_ATTEMPTS && plan.retryable(err)) {
        // Exponential back-off with jitter, so the transactions that collided do not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
        continue;
      }
      throw err;
    }
    for (const f of committed) await f();
    return result;
  }
}
