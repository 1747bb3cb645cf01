import path from 'node:path';
import type { Kysely } from 'kysely';
import { systemClock, type Clock } from './clock.js';
import type { ResolvedConfig } from './config/load.js';
import type { DomainContext } from './domain/context.js';
import { Temporal, systemTimeZone, toStored } from './domain/common/time.js';
import { findProfile } from './domain/profile/repository.js';
import { purgeTrash } from './domain/trash/service.js';
import { RowSecurityNotEnforcedError } from './errors.js';
import type { Logger } from './logging.js';
import { DatabaseBlobStore, FileBlobStore, type BlobStore } from './storage/blob-store.js';
import type { Access, Engine, SecurityReport } from './storage/engine.js';
import { migrate } from './storage/migrations/index.js';
import { keyFromPassphrase } from './storage/passphrase-key.js';
import { makeTreePrivate } from './storage/private-files.js';
import { openPgliteEngine, openPostgresEngine } from './storage/postgres.js';
import { postgresSearchIndex, sqliteSearchIndex } from './storage/search.js';
import { openSqliteEngine } from './storage/sqlite.js';
import { noVectorIndex, pgvectorIndex } from './storage/vectors.js';

/** Local mode has exactly one tenant: the OS user who owns the files. */
export const LOCAL_TENANT = 'local';

/**
 * The one way to do work on user data: a domain operation for one tenant inside one transaction.
 * This is what the MCP layer and the account commands get; nothing else travels inside it.
 */
export interface Runtime {
  run<T>(access: Access, tenantId: string, fn: (ctx: DomainContext) => Promise<T>): Promise<T>;
  /** Creates the tenant on first use; idempotent. */
  ensureTenant(tenantId: string): Promise<void>;
}

/**
 * Storage opened, migrated and checked, with its unit of work: what a composition root (src/compose/,
 * the CLI's admin commands, a test) builds the other parts from. It is never handed whole to a part:
 * each takes only what it uses (their parameter types say which).
 */
export interface OpenedRuntime extends Runtime {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly engine: Engine;
  /** The time for the auth, security and audit code (a test's ManualClock moves it). */
  readonly clock: Clock;
  security(): Promise<SecurityReport>;
  /** Empties every tenant's trash and sweeps abandoned upload files; returns how many of each. */
  emptyTrash(): Promise<{ purged: number; orphans: number }>;
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
export async function openRuntime(config: ResolvedConfig, logger: Logger, clock: Clock = systemClock): Promise<OpenedRuntime> {
  const engine = await openEngine(config, logger);
  try {
    const steps = await migrate(engine.db as Kysely<unknown>, engine.dialect, { appRole: config.database.app_role, vectors: engine.vectorSearch });
    for (const step of steps) logger.info({ step }, 'database migration');
    const security = await engine.security();
    for (const warning of security.warnings) logger.error({ security: warning }, `SECURITY: ${warning}`);
    if (security.rowLevelSecurity === 'NOT ENFORCED') {
      throw new RowSecurityNotEnforcedError(`Row-level security is not in force on this database, so tenants would not be kept apart: ${security.warnings.join('; ')}`);
    }
    // The key for document bytes; the check string keeps the wording of databases already written.
    const key = config.encryption.key
      ? await keyFromPassphrase(engine.db, config.encryption.key, 'document_key', "MCP_PA_ENCRYPTION_KEY is not the key this database's documents were encrypted with.")
      : undefined;
    const blobs = engine.kind === 'sqlite' ? new FileBlobStore(config.documents.path, key) : new DatabaseBlobStore(key);
    // mcp-pa's own folder (database, documents, embedded cluster) is its user's alone.
    makeTreePrivate(config.dataDir);
    if (engine.kind === 'sqlite' && !isInside(config.documents.path, config.dataDir)) makeTreePrivate(config.documents.path);
    const runtime = createRuntime(config, engine, blobs);
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
    return {
      ...runtime,
      config,
      logger,
      engine,
      clock,
      security: () => engine.security(),
      emptyTrash: () => emptyTrash(runtime, blobs),
      close: () => engine.close(),
    };
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

function createRuntime(config: ResolvedConfig, engine: Engine, blobs: BlobStore): Runtime {
  const limits = { maxDocumentBytes: Math.floor(config.documents.max_file_size_mb * 1024 * 1024) };
  const search = engine.dialect === 'sqlite' ? sqliteSearchIndex : postgresSearchIndex;
  const vectors = engine.vectorSearch ? pgvectorIndex : noVectorIndex;
  const run: Runtime['run'] = (access, tenantId, fn) =>
    engine.transaction(access, tenantId, (trx, hooks) => {
      let profile: ReturnType<DomainContext['profile']> | undefined;
      const ctx: DomainContext = {
        db: trx,
        tenantId,
        now: Temporal.Now.instant(),
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
    run,
    ensureTenant: (tenantId) =>
      run('write', tenantId, async (ctx) => {
        await ctx.db.insertInto('tenants').values({ id: tenantId, created_at: toStored(ctx.now) }).onConflict((oc) => oc.column('id').doNothing()).execute();
      }),
  };
}

/** Empties every tenant's trash, and sweeps upload files no document kept (file store only). */
async function emptyTrash(runtime: Runtime, blobs: BlobStore): Promise<{ purged: number; orphans: number }> {
  // The tenant list is readable under any tenant; '' is none of them.
  const tenants = await runtime.run('read', '', (ctx) => ctx.db.selectFrom('tenants').select('id').execute());
  let purged = 0;
  for (const { id } of tenants) purged += await runtime.run('write', id, (ctx) => purgeTrash(ctx));
  const orphans = blobs instanceof FileBlobStore ? await blobs.sweepOrphans() : 0;
  return { purged, orphans };
}
