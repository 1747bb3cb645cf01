import type { Kysely } from 'kysely';
import { ConfigError, type ResolvedConfig } from './config/load.js';
import type { DomainContext } from './domain/context.js';
import { Temporal, systemTimeZone } from './domain/common/time.js';
import { profileTimeZone } from './domain/profile/repository.js';
import { purgeTrash } from './domain/trash/service.js';
import type { Logger } from './logging.js';
import { FileBlobStore } from './storage/blob-store.js';
import { deriveKey, newSalt } from './storage/crypto.js';
import { inTransaction, openSqlite, type Access, type Dialect } from './storage/database.js';
import { migrate } from './storage/migrations/index.js';
import type { Database } from './storage/schema.js';
import { sqliteSearchIndex, type SearchIndex } from './storage/search.js';

/** Local mode has exactly one tenant: the OS user who owns the files. */
export const LOCAL_TENANT = 'local';

const HOUR_MS = 60 * 60 * 1000;

/**
 * The composition root: storage, blob store and search index, and the one way to do work — a
 * domain operation for one tenant inside one transaction.
 */
export interface Runtime {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  run<T>(access: Access, tenantId: string, fn: (ctx: DomainContext) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface Parts {
  db: Kysely<Database>;
  dialect: Dialect;
  search: SearchIndex;
  blobs: FileBlobStore;
}

/** The key for document bytes: scrypt of the passphrase with a salt kept in the (encrypted) database. */
async function documentKey(db: Kysely<Database>, passphrase: string): Promise<Buffer> {
  const salt = await inTransaction(db, 'sqlite', 'write', async (trx) => {
    const row = await trx.selectFrom('meta').select('value').where('key', '=', 'document_key_salt').executeTakeFirst();
    if (row) return Buffer.from(row.value, 'hex');
    const fresh = newSalt();
    await trx.insertInto('meta').values({ key: 'document_key_salt', value: fresh.toString('hex') }).execute();
    return fresh;
  });
  return deriveKey(passphrase, salt);
}

export async function openLocalRuntime(config: ResolvedConfig, logger: Logger): Promise<Runtime> {
  if (config.database.type !== 'sqlite') {
    throw new ConfigError('database.type: PostgreSQL storage is not available in this version of mcp-pa; use "sqlite" in local mode.');
  }
  const encryptionKey = config.encryption.key;
  const db = openSqlite({ path: config.database.path, encryptionKey });
  try {
    const applied = await migrate(db as Kysely<unknown>, 'sqlite');
    for (const m of applied) logger.info({ migration: m.version, description: m.name }, 'applied database migration');
    const blobs = new FileBlobStore(config.documents.path, encryptionKey ? await documentKey(db, encryptionKey) : undefined);
    const stoppers: (() => void)[] = [];
    const runtime = createRuntime(config, logger, { db, dialect: 'sqlite', search: sqliteSearchIndex, blobs }, stoppers);
    stoppers.push(await startMaintenance(runtime, blobs, logger));
    logger.info(
      { database: config.database.path, documents: config.documents.path, encrypted: encryptionKey !== undefined },
      'storage ready',
    );
    return runtime;
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

function createRuntime(config: ResolvedConfig, logger: Logger, parts: Parts, stoppers: readonly (() => void)[]): Runtime {
  const limits = { maxDocumentBytes: Math.floor(config.documents.max_file_size_mb * 1024 * 1024) };
  return {
    config,
    logger,
    run(access, tenantId, fn) {
      return inTransaction(parts.db, parts.dialect, access, (trx, hooks) => {
        let zone: Promise<string> | undefined;
        const ctx: DomainContext = {
          db: trx,
          tenantId,
          now: Temporal.Now.instant(),
          search: parts.search,
          blobs: parts.blobs,
          limits,
          hooks,
          zone: () => (zone ??= profileTimeZone(trx, tenantId).then((tz) => tz ?? systemTimeZone())),
        };
        return fn(ctx);
      });
    },
    async close() {
      for (const stop of stoppers) stop();
      await parts.db.destroy();
    },
  };
}

/** Empties the trash and sweeps abandoned upload files now and every hour while the server runs. */
async function startMaintenance(runtime: Runtime, blobs: FileBlobStore, logger: Logger): Promise<() => void> {
  const sweep = async () => {
    try {
      const purged = await runtime.run('write', LOCAL_TENANT, (ctx) => purgeTrash(ctx));
      const orphans = await blobs.sweepOrphans();
      if (purged || orphans) logger.info({ purged, orphans }, 'emptied the trash');
    } catch (err) {
      logger.error({ err }, 'trash maintenance failed');
    }
  };
  await sweep();
  const timer = setInterval(() => void sweep(), HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}
