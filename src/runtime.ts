import path from 'node:path';
import { systemClock, type Clock } from './clock.js';
import type { ResolvedConfig } from './config/load.js';
import type { DomainContext, ServerFacts } from './domain/context.js';
import type { Secrets } from './domain/secrets.js';
import { RECALL_OFF, type Recall } from './domain/search/recall.js';
import { Temporal, systemTimeZone, toStored } from './domain/common/time.js';
import { RowSecurityNotEnforcedError, UserError } from './errors.js';
import type { Logger } from './logging.js';
import type { BlobStore } from './storage/blob-store.js';
import type { Access, Engine, SecurityReport } from './storage/engine.js';
import { keyFromPassphrase } from './storage/passphrase-key.js';
import { makeTreePrivate } from './storage/private-files.js';
import { recordChanges, runAsTenant, type UnitOptions } from './storage/repositories/index.js';
import { newId } from './domain/common/ids.js';

export { LOCAL_TENANT } from './local-tenant.js';

/**
 * The one way to do work on user data: a domain operation for one tenant inside one transaction.
 * This is what the MCP layer and the account commands get; nothing else travels inside it.
 */
export interface Runtime {
  /** `actor` names who acts (a client) in the history of what the work changes; default: mcp-pa itself. */
  run<T>(access: Access, tenantId: string, fn: (ctx: DomainContext) => Promise<T>, actor?: string): Promise<T>;
  /** Creates the tenant on first use; idempotent. */
  ensureTenant(tenantId: string): Promise<void>;
  /** What the composition root gives every unit of work: sealing secrets, what the server offers, the audit trail. */
  provide(parts: ProvidedParts): void;
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
  /** The time for the domain (each call's `now`), auth, security and audit code (a test's ManualClock moves it). */
  readonly clock: Clock;
  security(): Promise<SecurityReport>;
  /** Removes upload files no document kept (a file store's leftovers after a crash); returns how many. */
  sweepOrphanFiles(): Promise<number>;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** A one-shot command (an administrative command), not a server: embedded PostgreSQL starts smaller. */
  oneShot?: boolean;
}

/**
 * The storage engine the configuration asks for: SQLite, a PostgreSQL server, or embedded PGlite.
 * Only that engine's module is loaded (SQLite's native driver, or PGlite and pg).
 */
export async function openEngine(config: ResolvedConfig, logger?: Logger, options: EngineOptions = {}): Promise<Engine> {
  const { database } = config;
  if (database.type === 'sqlite') {
    const { openSqliteEngine } = await import('./storage/sqlite.js');
    return openSqliteEngine({ path: database.path, encryptionKey: config.encryption.key, documentsPath: config.documents.path });
  }
  const { openPgliteEngine, openPostgresEngine } = await import('./storage/postgres.js');
  if (database.connection_string) {
    return openPostgresEngine({
      connectionString: database.connection_string,
      poolSize: database.pool_size,
      appRole: database.app_role,
      onIdleError: (err) => logger?.warn({ err: err.message }, 'a pooled database connection failed; it will be replaced'),
    });
  }
  return openPgliteEngine({ dataDir: path.join(config.dataDir, 'pgdata'), appRole: database.app_role, oneShot: options.oneShot });
}

/**
 * Opens storage, brings its schema up to date and checks its protections. On PostgreSQL a
 * deployment where row-level security is not in force is refused: it would mix tenants.
 */
export async function openRuntime(config: ResolvedConfig, logger: Logger, clock: Clock = systemClock, options: EngineOptions = {}): Promise<OpenedRuntime> {
  const engine = await openEngine(config, logger, options);
  try {
    const steps = await engine.migrate({ appRole: config.database.app_role });
    for (const step of steps) logger.info({ step }, 'database migration');
    const security = await engine.security();
    for (const warning of security.warnings) logger.error({ security: warning }, `SECURITY: ${warning}`);
    if (security.rowLevelSecurity === 'NOT ENFORCED') {
      throw new RowSecurityNotEnforcedError(
        `Row-level security is not in force on this database, so tenants would not be kept apart: ${security.warnings.join('; ')}`,
      );
    }
    // The key for document bytes; the check string keeps the wording of databases already written.
    const key = config.encryption.key
      ? await keyFromPassphrase(
          engine.db,
          config.encryption.key,
          'document_key',
          "MCP_PA_ENCRYPTION_KEY is not the key this database's documents were encrypted with.",
        )
      : undefined;
    const blobs = engine.blobStore(key);
    // mcp-pa's own folder (database, documents, embedded cluster) is its user's alone.
    makeTreePrivate(config.dataDir);
    if (blobs.folder !== undefined && !isInside(blobs.folder, config.dataDir)) makeTreePrivate(blobs.folder);
    const runtime = createRuntime(config, engine, blobs, clock);
    logger.info(
      {
        engine: engine.description.engine,
        database: engine.description.location,
        documents: blobs.folder ?? 'in the database',
        encrypted: key !== undefined,
        rowLevelSecurity: security.rowLevelSecurity,
        vectors: engine.vectorIndex.method,
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
      sweepOrphanFiles: () => blobs.sweepOrphans(),
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

interface ProvidedParts {
  secrets?: Secrets;
  /** Recall by meaning, and who to tell when a write queues embeddings (the background worker). */
  recall?: Recall & { queued(tenantId: string): void };
  server?: ServerFacts;
  audit?: (event: { type: string; actor: string; details?: Record<string, unknown> }) => void;
}

/** Until a composition root provides them: no secrets can be kept, and no server is listening. */
const NO_SECRETS: Secrets = {
  seal: () => Promise.reject(new UserError('this command cannot keep secrets (no key-encryption key was set up)')),
  open: () => Promise.reject(new UserError('this command cannot keep secrets (no key-encryption key was set up)')),
  keyedHash: () => Promise.reject(new UserError('this command cannot keep secrets (no key-encryption key was set up)')),
};

function createRuntime(config: ResolvedConfig, engine: Engine, blobs: BlobStore, clock: Clock): Runtime {
  const provided: Required<Pick<ProvidedParts, 'secrets' | 'server'>> & ProvidedParts = { secrets: NO_SECRETS, server: { http: false } };
  const clockNow = () => toStored(Temporal.Instant.fromEpochMilliseconds(clock.now()));
  // With embeddings on, what a write indexes is queued for them, and the worker told once it commits.
  const unitOptions = (tenantId: string): UnitOptions => {
    const recall = provided.recall;
    return recall?.enabled ? { embeddings: { now: clockNow, announced: () => recall.queued(tenantId) } } : {};
  };
  const limits = { maxDocumentBytes: Math.floor(config.documents.max_file_size_mb * 1024 * 1024), historyDays: config.history.retention_days };
  const run: Runtime['run'] = (access, tenantId, fn, actor = 'mcp-pa') =>
    runAsTenant(
      engine,
      blobs,
      access,
      tenantId,
      async (store) => {
        let profile: ReturnType<DomainContext['profile']> | undefined;
        const now = Temporal.Instant.fromEpochMilliseconds(clock.now());
        const ctx: DomainContext = {
          ...store,
          now,
          batchId: newId(),
          limits,
          profile: () => (profile ??= store.profiles.find()),
          zone: async () => (await ctx.profile())?.timezone ?? systemTimeZone(),
          secrets: provided.secrets,
          server: provided.server,
          audit: (type, details) => provided.audit?.({ type, actor: tenantId, details }),
          recall: provided.recall ?? RECALL_OFF,
          readings: [],
        };
        const result = await fn(ctx);
        if (access === 'write') {
          const forgetAt = toStored(now.add({ hours: 24 * limits.historyDays }));
          await recordChanges(store, { actor, at: toStored(now), batchId: ctx.batchId, newId, forgetAt });
        }
        return result;
      },
      unitOptions(tenantId),
    );
  return {
    run,
    provide: (parts) => Object.assign(provided, parts),
    ensureTenant: (tenantId) => run('write', tenantId, (ctx) => ctx.tenant.ensure(toStored(ctx.now))),
  };
}
