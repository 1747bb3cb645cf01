import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { DatabaseBlobStore } from './blob-store.js';
import { runTransaction, type Engine, type EngineDescription, type EngineKind, type SecurityReport, type TransactionPlan } from './engine.js';
import { migrate, migrationStatus } from './migrations/index.js';
import { PGLITE_BYTEA, PgliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';
import { postgresSearchIndex } from './search.js';
import { TENANT_TABLES } from './tenant-tables.js';
import { pgvectorIndex, postgresArrayVectorIndex } from './vectors.js';
import { keepNewFilesPrivate, makeTreePrivate } from './private-files.js';
import { dueTenantsThroughOwner, embeddingBacklogThroughOwner, feedOwnerThroughOwner } from './due-tenants.js';
import { StorageError } from '../errors.js';

/** Role names go into grants and policies: keep them to plain identifiers. */
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function checkRoleName(role: string): string {
  if (!ROLE_NAME.test(role)) throw new StorageError(`database.app_role: "${role}" must be a lower-case SQL identifier (letters, digits, _)`);
  return role;
}

/** PostgreSQL error codes after which the same transaction can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure

/**
 * Every transaction runs as the application role (not the login role) and as one tenant: both are
 * transaction-local settings, so they end with the transaction and never leak to the next user of
 * a pooled connection. Reads are READ ONLY as well.
 *
 * On a server, where every statement is a round trip, BEGIN and the settings go as one message
 * (the simple protocol runs several commands in one go, atomically with the BEGIN: any failure
 * aborts the transaction, which the caller rolls back); the tenant is a quoted literal there, the
 * role a checked identifier. PGlite, in-process, takes them as two statements with parameters.
 *
 * Plans are PostgreSQL's own choice (plan_cache_mode auto): a prepared statement is planned for its
 * values five times, then keeps a generic plan only if that is not dearer. Forcing a plan for the
 * values every time cost 0.2 to 0.3 ms of planning per statement; the one statement whose generic
 * plan went wrong (the tag filter, through its unknown LIMIT) states its limit as a literal.
 */
function tenantPlan(access: 'read' | 'write', appRole: string, tenantId: string, oneMessage: boolean): TransactionPlan {
  const begin = access === 'read' ? 'BEGIN READ ONLY' : 'BEGIN';
  return {
    traced: { system: 'postgresql', access },
    async begin(conn) {
      if (oneMessage) {
        const settings = `SELECT set_config('role', ${pg.escapeLiteral(appRole)}, true), set_config('app.tenant_id', ${pg.escapeLiteral(tenantId)}, true)`;
        if (tenantId === '') {
          await sql.raw(`${begin}; ${settings}`).execute(conn);
          return {};
        }
        // Read as the application role, the tenant's settings in force (the commands run in order).
        const { rows } = await sql
          .raw<Record<string, unknown>>(`${begin}; ${settings}; SELECT * FROM profiles WHERE tenant_id = ${pg.escapeLiteral(tenantId)}`)
          .execute(conn);
        return { profile: rows[0] ?? null };
      }
      await sql.raw(begin).execute(conn);
      await sql`SELECT set_config('role', ${appRole}, true), set_config('app.tenant_id', ${tenantId}, true)`.execute(conn);
      return {};
    },
    retryable: (err) => RETRYABLE.has((err as { code?: string }).code ?? ''),
    // Over the network, where the COMMIT's round trip is worth saving (PGlite answers in-process).
    answerBeforeCommit: access === 'read' && oneMessage,
  };
}

/**
 * What protects tenants from each other here: RLS forced on every tenant table, and an
 * application role that is neither superuser nor BYPASSRLS. A login role that is either is
 * reported: it could switch back to itself (RESET ROLE) and see every tenant.
 */
async function securityReport(db: Kysely<Database>, kind: EngineKind, appRole: string): Promise<SecurityReport> {
  const warnings: string[] = [];
  const roles = await sql<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; login: boolean }>`
    SELECT rolname, rolsuper, rolbypassrls, rolname = current_user AS login
    FROM pg_roles WHERE rolname IN (current_user, ${appRole})`.execute(db);
  const app = roles.rows.find((r) => r.rolname === appRole);
  const login = roles.rows.find((r) => r.login);
  const tables = await sql<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>`
    SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
    WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname IN (${sql.join(TENANT_TABLES)})`.execute(db);
  const unprotected = TENANT_TABLES.filter((t) => !tables.rows.some((r) => r.relname === t && r.relrowsecurity && r.relforcerowsecurity));
  let roleProblem: string | undefined;
  if (!app) roleProblem = `the application role "${appRole}" does not exist: run mcp-pa migrate`;
  else if (app.rolsuper || app.rolbypassrls)
    roleProblem = `the application role "${appRole}" is ${app.rolsuper ? 'a superuser' : 'BYPASSRLS'}: row-level security does not apply to it`;
  else if (await ownsTenantTables(db, appRole))
    roleProblem = `the application role "${appRole}" owns the tables (or is a member of their owner): it could turn row-level security off`;
  if (roleProblem) warnings.push(roleProblem);
  let enforced = roleProblem === undefined;
  if (unprotected.length > 0) {
    warnings.push(`row-level security is not forced on: ${unprotected.join(', ')} (run mcp-pa migrate)`);
    enforced = false;
  }
  if (kind === 'postgres' && login && (login.rolsuper || login.rolbypassrls)) {
    warnings.push(
      `connected as "${login.rolname}", a ${login.rolsuper ? 'superuser' : 'BYPASSRLS'} role: queries run as "${appRole}", but a login role ` +
        `that bypasses row-level security is one mistake away from seeing every tenant; connect as a role that is a member of "${appRole}" instead`,
    );
  }
  return {
    rowLevelSecurity: enforced ? 'enforced' : 'NOT ENFORCED',
    warnings,
    applicationRole: { name: appRole, ...(roleProblem ? { problem: roleProblem } : {}) },
  };
}

/** The owner may alter the tables and reads search_items unfiltered (migration 002). */
async function ownsTenantTables(db: Kysely<Database>, appRole: string): Promise<boolean> {
  const owned = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_class
    WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname IN (${sql.join(TENANT_TABLES)})
      AND pg_has_role(${appRole}, relowner, 'MEMBER')`.execute(db);
  return Number(owned.rows[0]?.n) > 0;
}

function pgEngine(description: EngineDescription, db: Kysely<Database>, appRole: string, vectorSearch: boolean): Engine {
  const kind = description.engine;
  const oneMessage = kind === 'postgres';
  return {
    db,
    supportsRowLocks: true,
    supportsBatching: true,
    sharedAcrossInstances: kind === 'postgres',
    searchIndex: postgresSearchIndex,
    dueTenants: dueTenantsThroughOwner,
    feedOwner: feedOwnerThroughOwner,
    embeddingBacklog: embeddingBacklogThroughOwner,
    vectorIndex: vectorSearch ? pgvectorIndex : postgresArrayVectorIndex,
    description,
    blobStore: (key) => new DatabaseBlobStore(key),
    migrate: (options) => migrate(db as Kysely<unknown>, 'postgresql', { ...options, vectors: vectorSearch }),
    migrationStatus: () => migrationStatus(db as Kysely<unknown>, 'postgresql'),
    lockNamed: async (trx, name) => void (await sql`SELECT pg_advisory_xact_lock(hashtext(${name}))`.execute(trx)),
    // A server's autovacuum keeps them (PGlite's engine overrides this).
    refreshStatistics: async () => undefined,
    transaction: (access, tenantId, fn) => runTransaction(db, tenantPlan(access, appRole, tenantId, oneMessage), fn),
    security: () => securityReport(db, kind, appRole),
    close: () => db.destroy(),
  };
}

async function hasVectorExtension(db: Kysely<Database>): Promise<boolean> {
  const row = await sql<{ available: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available`.execute(db);
  return row.rows[0]?.available === true;
}

/**
 * A `pg` client that prepares each distinct query once per connection (a named statement) and
 * then only binds and executes it: the planning of the few dozen queries a call makes is not
 * repeated on every call. Past a bound, further distinct queries run unnamed, so a connection
 * never accumulates statements without limit.
 */
class PreparingClient extends pg.Client {
  private readonly prepared = new Map<string, string>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    // Several commands in one message (a transaction's start) go through the simple protocol; the
    // answer is the last command's (`pg` answers a list, which Kysely would read as no rows).
    if (typeof config === 'string' && values?.length === 0 && callback === undefined && config.includes(';')) {
      return (super.query(config) as Promise<pg.QueryResult | pg.QueryResult[]>).then((r) => (Array.isArray(r) ? r[r.length - 1]! : r));
    }
    if (typeof config === 'string' && Array.isArray(values) && callback === undefined) {
      let name = this.prepared.get(config);
      if (!name && this.prepared.size < MAX_PREPARED) {
        name = `mcp_pa_${this.prepared.size}`;
        this.prepared.set(config, name);
      }
      if (name) return super.query({ name, text: config, values });
    }
    return super.query(config, values, callback);
  }
}

const MAX_PREPARED = 500;

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
  appRole: string;
  /** An idle pooled connection failed (server restart, network): the pool replaces it. */
  onIdleError?: (err: Error) => void;
}

/** A PostgreSQL server through a pool of `pg` connections. */
export async function openPostgresEngine(options: PostgresOptions): Promise<Engine> {
  const pool = new pg.Pool({
    Client: PreparingClient,
    connectionString: options.connectionString,
    max: options.poolSize,
    application_name: 'mcp-pa',
    statement_timeout: 30_000,
    // Under a burst of writes to one tenant, transactions queue on its counters: wait for a connection.
    connectionTimeoutMillis: 30_000,
  });
  // Without a listener, an idle connection dropped by the server would crash the process.
  pool.on('error', (err) => options.onIdleError?.(err));
  // pg-pool listens only while a client is idle: one checked out (a transaction running) whose
  // connection the server ends (a restart) emits 'error' to nobody, which would crash the process.
  // Its statement fails by itself, and the pool drops the client when it comes back.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (err) {
    await db.destroy();
    const url = new URL(options.connectionString);
    throw new StorageError(`Cannot connect to PostgreSQL at ${url.hostname}:${url.port || 5432}/${url.pathname.slice(1)}: ${(err as Error).message}`);
  }
  const engine = pgEngine({ engine: 'postgres', location: 'server', label: 'PostgreSQL' }, db, checkRoleName(options.appRole), await hasVectorExtension(db));
  return { ...engine, poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }) };
}

export interface PgliteOptions {
  dataDir: string;
  appRole: string;
  /** A new data directory is made from this snapshot (`mcp-pa restore`). */
  loadDataDir?: Buffer;
  /** A one-shot command (an administrative command), not a server: a small buffer pool, WebAssembly optimized later. */
  oneShot?: boolean;
}

/**
 * PostgreSQL's buffer pool for a one-shot command. PGlite zeroes all of its shared memory as it
 * starts, the data directory's 128 MB of shared_buffers included: that was most of an
 * administrative command's start and memory (docs/performance.md), for a command that reads a
 * few pages. It is only a cache: what a command writes reaches the files all the same.
 */
const ONE_SHOT_SHARED_BUFFERS = '16MB';

/**
 * How much a WebAssembly function runs before V8 compiles it again with its optimizing compiler
 * (roughly bytes of code executed; V8's default is 13,000,000), for a one-shot command: a hundred
 * times the default. PostgreSQL's functions are large, and optimizing those a command's few
 * statements make hot took more time and memory than it saved (docs/performance.md); a function a
 * long command keeps running (a bulk import) is still optimized, later. Only when the code is
 * optimized changes, never what it does. It is a setting of the whole process, read as the module
 * is compiled: a one-shot command's process runs nothing else.
 */
const ONE_SHOT_WASM_TIERING_BUDGET = 1_300_000_000;

/**
 * PGlite keeps its files in memory and writes them back: two processes on one directory would
 * overwrite each other. A lock file holding the owner's pid keeps it to one (a dead owner's lock
 * is taken over).
 */
export function lockDataDir(dataDir: string): () => void {
  // Beside the directory, not in it: PGlite owns what is inside.
  const lock = `${dataDir.replace(/[\\/]+$/, '')}.lock`;
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    // Written aside, then linked into place: the lock appears whole, with its pid, or not at all.
    const draft = `${lock}.${process.pid}`;
    fs.writeFileSync(draft, mine);
    try {
      fs.linkSync(draft, lock);
      // Released only if it is still ours.
      return () => {
        if (fs.readFileSync(lock, { encoding: 'utf8', flag: 'r' }) === mine) fs.rmSync(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lock, 'utf8'));
      if (isAlive(owner)) {
        throw new StorageError(
          `The embedded database in ${dataDir} is in use by another mcp-pa process (pid ${owner}): stop the server first, ` +
            'or point the command at the PostgreSQL server with MCP_DATABASE_URL.',
        );
      }
      fs.rmSync(lock, { force: true }); // its owner died without releasing it
    } finally {
      fs.rmSync(draft, { force: true });
    }
  }
  throw new StorageError(`Cannot lock the embedded database in ${dataDir}.`);
}

/** The pid of the live process holding the embedded database in `dataDir`, if one does. */
export function pgliteHeldBy(dataDir: string): number | undefined {
  const lock = `${dataDir.replace(/[\\/]+$/, '')}.lock`;
  if (!fs.existsSync(lock)) return undefined;
  const owner = Number(fs.readFileSync(lock, 'utf8'));
  return isAlive(owner) && owner !== process.pid ? owner : undefined;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Embedded PostgreSQL (PGlite, with pgvector), persisted in a directory; one process at a time. */
export async function openPgliteEngine(options: PgliteOptions): Promise<Engine> {
  keepNewFilesPrivate();
  fs.mkdirSync(path.dirname(options.dataDir), { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(options.dataDir);
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (options.oneShot) v8.setFlagsFromString(`--wasm-tiering-budget=${ONE_SHOT_WASM_TIERING_BUDGET}`);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(options.dataDir, {
      extensions: { vector },
      ...PGLITE_BYTEA,
      ...(options.oneShot ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${ONE_SHOT_SHARED_BUFFERS}`] } : {}),
      ...(options.loadDataDir ? { loadDataDir: new Blob([new Uint8Array(options.loadDataDir)]) } : {}),
    });
  } catch (err) {
    unlock();
    throw new StorageError(`Cannot open the embedded database in ${options.dataDir}: ${(err as Error).message}`);
  }
  makeTreePrivate(options.dataDir);
  const db = new Kysely<Database>({ dialect: new PgliteDialect(pglite) });
  const engine = pgEngine(
    { engine: 'pglite', location: options.dataDir, label: 'embedded PostgreSQL' },
    db,
    checkRoleName(options.appRole),
    await hasVectorExtension(db),
  );
  return {
    ...engine,
    refreshStatistics: async () => void (await sql`ANALYZE`.execute(db)),
    snapshot: async (file) => fs.writeFileSync(file, new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer()), { mode: 0o600 }),
    close: () => engine.close().finally(unlock),
  };
}
