import path from 'node:path';
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from './clock.js';
import { ConfigError, type ResolvedConfig } from './config/load.js';
import type { DomainContext } from './domain/context.js';
import { Temporal, systemTimeZone, toStored } from './domain/common/time.js';
import { findProfile } from './domain/profile/repository.js';
import { purgeTrash } from './domain/trash/service.js';
import type { Logger } from './logging.js';
import { DatabaseBlobStore, FileBlobStore, type BlobStore } from './storage/blob-store.js';
import type { Access, Engine, SecurityReport } from './storage/engine.js';
import { migrate } from './storage/migrations/index.js';
import { sweepExpiredOAuthRecords, sweepOldLoginFailures, sweepOldSignInAddresses, sweepRateLimits } from './storage/oauth-records.js';
import { auditOf } from './security/audit.js';
import { keyFromPassphrase } from './storage/passphrase-key.js';
import { makeTreePrivate } from './storage/private-files.js';
import { openPgliteEngine, openPostgresEngine } from './storage/postgres.js';
import { postgresSearchIndex, sqliteSearchIndex } from './storage/search.js';
import { openSqliteEngine } from './storage/sqlite.js';
import { noVectorIndex, pgvectorIndex } from './storage/vectors.js';

/** Local mode has exactly one tenant: the OS user who owns the files. */
export const LOCAL_TENANT = 'local';

const HOUR_MS = 60 * 60 * 1000;

/**
 * The composition root: a storage engine with its search index, vector index and blob store, and
 * the one way to do work: a domain operation for one tenant inside one transaction.
 */
export interface Runtime {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly engine: Engine;
  /** The time for the domain (each call's `now`), auth, security and audit code (a test's ManualClock moves it). */
  readonly clock: Clock;
  run<T>(access: Access, tenantId: string, fn: (ctx: DomainContext) => Promise<T>): Promise<T>;
  /** Creates the tenant on first use; idempotent. */
  ensureTenant(tenantId: string): Promise<void>;
  security(): Promise<SecurityReport>;
  close(): Promise<void>;
}

/** The storage engine the configuration asks for: SQLite, a PostgreSQL server, or embedded PGlite. */
export function openEngine(config: ResolvedConfig, logger?: Logger): Promise<Engine> {
  const { database } = config;
  if (database.type === 'sqlite') return Promise.resolve(openSqliteEngine({ path: database.path, encryptionKey: config.encryption.key }));
  if (database.connection_string) {
    return openPostgresEngine({
      connectionString: database.connection_string,
      poolSize: database.pool_size,
      appRole: database.app_role,
      onIdleError: (err) => logger?.warn({ err: err.message }, 'a pooled database connection failed; it will be replaced'),
    });
  }
  return openPgliteEngine({ dataDir: path.join(config.dataDir, 'pgdata'), appRole: database.app_role });
}

/**
 * Opens storage, brings its schema up to date and checks its protections. On PostgreSQL a
 * deployment where row-level security is not in force is refused: it would mix tenants.
 */
export async function openRuntime(config: ResolvedConfig, logger: Logger, clock: Clock = systemClock): Promise<Runtime> {
  const engine = await openEngine(config, logger);
  try {
    const steps = await migrate(engine.db as Kysely<unknown>, engine.dialect, { appRole: config.database.app_role, vectors: engine.vectorSearch });
    for (const step of steps) logger.info({ step }, 'database migration');
    const security = await engine.security();
    for (const warning of security.warnings) logger.error({ security: warning }, `SECURITY: ${warning}`);
    if (security.rowLevelSecurity === 'NOT ENFORCED') {
      throw new ConfigError(`Row-level security is not in force on this database, so tenants would not be kept apart: ${security.warnings.join('; ')}`);
    }
    // The key for document bytes; the check string keeps the wording of databases already written.
    const key = config.encryption.key
      ? await keyFromPassphrase(engine.db, config.encryption.key, 'document_key', "MCP_PA_ENCRYPTION_KEY is not the key this database's documents were encrypted with.")
      : undefined;
    const blobs = engine.kind === 'sqlite' ? new FileBlobStore(config.documents.path, key) : new DatabaseBlobStore(key);
    // mcp-pa's own folder (database, documents, embedded cluster) is its user's alone.
    makeTreePrivate(config.dataDir);
    if (engine.kind === 'sqlite' && !isInside(config.documents.path, config.dataDir)) makeTreePrivate(config.documents.path);
    const runtime = createRuntime(config, logger, engine, blobs, clock);
    const stopMaintenance = await startMaintenance(runtime, blobs, logger);
    logger.info(
      {
        engine: engine.kind,
        database: engine.kind === 'postgres' ? 'server' : engine.kind === 'pglite' ? path.join(config.dataDir, 'pgdata') : config.database.path,
        documents: engine.kind === 'sqlite' ? config.documents.path : 'in the database',
        encrypted: key !== undefined,
        rowLevelSecurity: security.rowLevelSecurity,
        vectorSearch: engine.vectorSearch ? 'available' : 'unavailable (no pgvector)',
      },
      'storage ready',
    );
    return { ...runtime, close: async () => (stopMaintenance(), runtime.close()) };
  } catch (err) {
    await engine.close();
    throw err;
  }
}

/** Whether a path lies inside a folder (so walking the folder already covers it). */
function isInside(target: string, folder: string): boolean {
  const relative = path.relative(folder, target);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function createRuntime(config: ResolvedConfig, logger: Logger, engine: Engine, blobs: BlobStore, clock: Clock): Runtime {
  const limits = { maxDocumentBytes: Math.floor(config.documents.max_file_size_mb * 1024 * 1024) };
  const search = engine.dialect === 'sqlite' ? sqliteSearchIndex : postgresSearchIndex;
  const vectors = engine.vectorSearch ? pgvectorIndex : noVectorIndex;
  const run: Runtime['run'] = (access, tenantId, fn) =>
    engine.transaction(access, tenantId, (trx, hooks) => {
      let profile: ReturnType<DomainContext['profile']> | undefined;
      const ctx: DomainContext = {
        db: trx,
        tenantId,
        now: Temporal.Instant.fromEpochMilliseconds(clock.now()),
        search,
        vectors,
        blobs,
        limits,
        hooks,
        profile: () => (profile ??= findProfile(trx, tenantId)),
        zone: async () => (await ctx.profile())?.timezone ?? systemTimeZone(),
      };
      return fn(ctx);
    });
  return {
    config,
    logger,
    engine,
    clock,
    run,
    ensureTenant: (tenantId) =>
      run('write', tenantId, async (ctx) => {
        await ctx.db.insertInto('tenants').values({ id: tenantId, created_at: toStored(ctx.now) }).onConflict((oc) => oc.column('id').doNothing()).execute();
      }),
    security: () => engine.security(),
    close: () => engine.close(),
  };
}

/**
 * Empties every tenant's trash (and sweeps abandoned upload files) now and every hour while the
 * server runs. Returns the function that stops it.
 */
async function startMaintenance(runtime: Runtime, blobs: BlobStore, logger: Logger): Promise<() => void> {
  const sweep = async () => {
    try {
      // The tenant list is readable under any tenant; '' is none of them.
      const tenants = await runtime.run('read', '', (ctx) => ctx.db.selectFrom('tenants').select('id').execute());
      let purged = 0;
      for (const { id } of tenants) purged += await runtime.run('write', id, (ctx) => purgeTrash(ctx));
      const orphans = blobs instanceof FileBlobStore ? await blobs.sweepOrphans() : 0;
      if (purged || orphans) logger.info({ purged, orphans }, 'emptied the trash');
      // The authorization server's expired codes, tokens and sessions, old failed sign-ins,
      // rate-limit counters whose window has passed, and sign-in addresses no longer known.
      const expired =
        (await sweepExpiredOAuthRecords(runtime.engine)) +
        (await sweepOldLoginFailures(runtime.engine, runtime.clock.now())) +
        (await sweepRateLimits(runtime.engine, runtime.clock.now())) +
        (await sweepOldSignInAddresses(runtime.engine, runtime.clock.now()));
      if (expired) logger.info({ expired }, 'removed expired authorization records');
      const aged = await auditOf(runtime).sweep(runtime.config.audit.retention_days);
      if (aged) logger.info({ aged, retentionDays: runtime.config.audit.retention_days }, 'removed audit events past their retention');
    } catch (err) {
      logger.error({ err }, 'trash maintenance failed');
    }
  };
  await sweep();
  const timer = setInterval(() => void sweep(), HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}
