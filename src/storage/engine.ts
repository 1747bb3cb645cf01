import {
  sql,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { inSpan } from '../tracing.js';
import type { BlobStore } from './blob-store.js';
import type { TransactionHooks } from './transaction-hooks.js';
import type { Database } from './schema.js';
import type { SearchIndex } from './search.js';
import type { VectorIndex } from './vectors.js';
import type { DueTenantsQuery, EmbeddingBacklogQuery, FeedOwnerQuery } from './due-tenants.js';

export type { TransactionHooks };

export type Dialect = 'sqlite' | 'postgresql';
export type EngineKind = 'sqlite' | 'postgres' | 'pglite';
export type Access = 'read' | 'write';

/** What the server can tell about its own protection (for start-up checks and /readyz). */
export interface SecurityReport {
  /** Row-level security is forced on every tenant table and the role that runs queries cannot bypass it. */
  rowLevelSecurity: 'enforced' | 'not-applicable' | 'NOT ENFORCED';
  /** Problems an operator must know about; empty when all is well. */
  warnings: string[];
  /** PostgreSQL: what is wrong with the role queries run as (missing, superuser, BYPASSRLS, an owner), if anything. */
  applicationRole?: { name: string; problem?: string };
}

/**
 * One storage engine: SQLite (local mode), a PostgreSQL server, or embedded PGlite. Every
 * piece of user data is read and written through `transaction`, as one tenant.
 *
 * What differs between engines is told by capabilities (in the style of Kysely's DialectAdapter:
 * `supportsReturning`, `acquireMigrationLock`), never by a name to compare: code outside storage/
 * asks what the engine can do, not which engine it is (checked by lint).
 */
export interface Engine {
  /** The login connection, for migrations and installation-wide settings: never for user data. */
  readonly db: Kysely<Database>;
  /** SELECT ... FOR UPDATE holds rows until commit. SQLite writers already run one at a time (BEGIN IMMEDIATE). */
  readonly supportsRowLocks: boolean;
  /** A round trip costs (a network hop), so several queries in one statement pay; SQLite runs in-process. */
  readonly supportsBatching: boolean;
  /** Several server instances may use this database at once (a PostgreSQL server), so nothing they must agree on can live in one instance's files. */
  readonly sharedAcrossInstances: boolean;
  /** Full-text search over every kind of item, in this engine's dialect. */
  readonly searchIndex: SearchIndex;
  /** Embeddings of items' passages and nearest-neighbour queries (pgvector, sqlite-vec, or an exact scan). */
  readonly vectorIndex: VectorIndex;
  /** Which tenants have work due (ids only), as the engine's protections allow it to be asked. */
  readonly dueTenants: DueTenantsQuery;
  /** Whose calendar feed a secret's keyed hash opens (ids only; the feed is then read as that tenant). */
  readonly feedOwner: FeedOwnerQuery;
  /** Items waiting for embeddings across every tenant (counts only). */
  readonly embeddingBacklog: EmbeddingBacklogQuery;
  /**
   * A consistent copy of the whole database in one file, taken while it is in use (`mcp-pa backup`):
   * SQLite's VACUUM INTO (encrypted with the same key), PGlite's data directory as a tar file.
   * Absent for a PostgreSQL server, which its own tools back up.
   */
  readonly snapshot?: (file: string) => Promise<void>;
  /** A pool of server connections: how many are open, idle, and how many requests wait for one (metrics). */
  readonly poolStats?: () => { total: number; idle: number; waiting: number };
  /** How logs and messages name the engine and where its data lives: for people, never to branch on. */
  readonly description: EngineDescription;
  /** Where document bytes live: files beside an SQLite database, rows in PostgreSQL (sealed with `key` when given). */
  blobStore(key: Buffer | undefined): BlobStore;
  /** Brings the schema up to date (every instance may call it at start: they take turns). Returns the steps taken. */
  migrate(options: { appRole?: string }): Promise<string[]>;
  /** Which migrations are applied and which are not, without applying any. */
  migrationStatus(): Promise<MigrationStatus>;
  /**
   * Holds a lock of this name until `trx` ends, across every instance of the database: what one
   * instance does under it, the others wait for. On SQLite (one serving process, which
   * serialises such work itself) it does nothing.
   */
  lockNamed(trx: Kysely<Database>, name: string): Promise<void>;
  /**
   * Brings the query planner's statistics up to date where nothing else does: PGlite runs no
   * autovacuum (without statistics its planner sorts every vector instead of walking the index).
   * A PostgreSQL server's autovacuum does it there; SQLite's queries do without.
   */
  refreshStatistics(): Promise<void>;
  transaction<T>(access: Access, tenantId: string, fn: (trx: Kysely<Database>, hooks: TransactionHooks, opened: Opened) => Promise<T>): Promise<T>;
  security(): Promise<SecurityReport>;
  close(): Promise<void>;
}

/** How the database's schema compares with this version's migrations (read only: nothing is applied). */
export interface MigrationStatus {
  /** The newest version applied (0: none, or not an mcp-pa database yet). */
  current: number;
  /** The newest version this mcp-pa knows. */
  known: number;
  /** Migrations the next start (or `mcp-pa migrate`) would apply, as "019 (history)". */
  pending: string[];
}

export interface EngineDescription {
  /** sqlite, postgres or pglite. */
  readonly engine: EngineKind;
  /** Where the data is, for the start-up log: a file, a folder, or "server". */
  readonly location: string;
  /** How a command's output names the database: its file, "embedded PostgreSQL" or "PostgreSQL". */
  readonly label: string;
}

/**
 * What opening a transaction read besides: on a PostgreSQL server the tenant's profile comes in
 * the opening message (nearly every call needs its time zone; a round trip saved). Absent: not read.
 */
export interface Opened {
  profile?: Record<string, unknown> | null;
}

export interface TransactionPlan {
  /** What a trace says of the transaction: the database system and the access asked for. */
  readonly traced: { system: 'sqlite' | 'postgresql'; access: Access };
  /** Statements that open the transaction (BEGIN, role, tenant). */
  begin(conn: Kysely<Database>): Promise<Opened>;
  /** Errors after which running the whole transaction again can succeed (deadlock, serialisation). */
  retryable(err: unknown): boolean;
  /**
   * A read-only transaction's answer may go back before its COMMIT does (a server's round trip
   * saved): what it read was committed already, and its COMMIT changes nothing.
   */
  readonly answerBeforeCommit?: boolean;
}

const MAX_ATTEMPTS = 5;

/**
 * Refuses a statement asked of a transaction that has ended. Of several statements asked at once
 * (Promise.all), one failing ends the transaction while another may still be on its way: run, it
 * would go to a connection already back in the pool, outside any transaction or inside someone
 * else's.
 */
class EndedTransactionGuard implements KyselyPlugin {
  ended = false;

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (this.ended) throw new Error('a statement was asked after its transaction had ended, and was not run');
    return node;
  }

  transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(result);
  }
}

/**
 * Runs fn in one transaction on one connection, with fresh hooks per attempt, retrying the whole
 * of it (with a little random back-off) when the database says a retry can succeed.
 */
export function runTransaction<T>(
  db: Kysely<Database>,
  plan: TransactionPlan,
  fn: (trx: Kysely<Database>, hooks: TransactionHooks, opened: Opened) => Promise<T>,
): Promise<T> {
  const attributes = { 'db.system.name': plan.traced.system, 'mcp_pa.transaction.access': plan.traced.access };
  return inSpan('db.transaction', { kind: 'client', attributes }, () => runAttempts(db, plan, fn));
}

async function runAttempts<T>(
  db: Kysely<Database>,
  plan: TransactionPlan,
  fn: (trx: Kysely<Database>, hooks: TransactionHooks, opened: Opened) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const committed: (() => Promise<void> | void)[] = [];
    const rolledBack: (() => Promise<void> | void)[] = [];
    const hooks: TransactionHooks = {
      afterCommit: (f) => void committed.push(f),
      onRollback: (f) => void rolledBack.push(f),
    };
    let result: T;
    let answer: (value: T) => void = () => undefined;
    const answeredEarly = new Promise<T>((resolve) => (answer = resolve));
    try {
      const ran = db.connection().execute(async (conn) => {
        const guard = new EndedTransactionGuard();
        let answered = false;
        try {
          // Inside the try: a failed start (the tenant's settings) is rolled back too, not left open on a pooled connection.
          const opened = await plan.begin(conn);
          const value = await fn(conn.withPlugin(guard), hooks, opened);
          guard.ended = true;
          // Nothing waits for this commit (no hook): the answer need not either.
          if (plan.answerBeforeCommit && committed.length === 0) {
            answer(value);
            answered = true;
          }
          await sql`COMMIT`.execute(conn);
          return value;
        } catch (err) {
          guard.ended = true;
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          // After an early answer a failed COMMIT concerns no one: the connection still goes back (or is dropped, if broken).
          if (answered) return undefined as T;
          throw err;
        }
      });
      result = await Promise.race([ran, answeredEarly]);
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
