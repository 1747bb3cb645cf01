import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3-multiple-ciphers';
import { Kysely, SqliteDialect, sql, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import { FileBlobStore } from './blob-store.js';
import { runTransaction, type Engine } from './engine.js';
import { migrate, migrationStatus } from './migrations/index.js';
import type { Database } from './schema.js';
import { keepNewFilesPrivate, makeFilesPrivate } from './private-files.js';
import { sqliteSearchIndex } from './search.js';
import * as sqliteVec from 'sqlite-vec';
import { cosineDistanceOfBytes, sqliteVectorIndex } from './vectors.js';
import { dueTenantsDirectly, embeddingBacklogDirectly, feedOwnerDirectly } from './due-tenants.js';
import { StorageError } from '../errors.js';

export interface SqliteOptions {
  path: string;
  /** Passphrase for at-rest encryption (SQLCipher format); undefined = plain file. */
  encryptionKey?: string;
  /** The folder of document files (one per upload). */
  documentsPath?: string;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function fileHeader(file: string): Buffer | undefined {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(16);
      const n = fs.readSync(fd, buf, 0, 16, 0);
      return n === 16 ? buf : undefined;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Turns "file is not a database" into what the user should do about it. */
function explainUnreadable(file: string, keyed: boolean): StorageError {
  const header = fileHeader(file);
  const plain = header?.equals(SQLITE_HEADER) ?? false;
  if (keyed && plain) {
    return new StorageError(
      `MCP_PA_ENCRYPTION_KEY is set, but the database ${file} is not encrypted. ` +
        'Unset the key to use it as it is, or point MCP_PA_DB_PATH at a new file to start an encrypted one.',
    );
  }
  if (keyed) {
    return new StorageError(`MCP_PA_ENCRYPTION_KEY does not open the database ${file}: the key is wrong, or the file is not an mcp-pa database.`);
  }
  return new StorageError(`The database ${file} is encrypted (or is not an SQLite database): set MCP_PA_ENCRYPTION_KEY to the key it was created with.`);
}

/**
 * Opens (creating if needed) the SQLite database: SQLCipher-format encryption when a key is given,
 * WAL so readers never block the writer, foreign keys on, and a busy timeout so two processes on
 * one file wait for each other instead of failing.
 */
function openSqlite(options: SqliteOptions): { db: Kysely<Database>; sqliteVec: boolean } {
  keepNewFilesPrivate();
  fs.mkdirSync(path.dirname(options.path), { recursive: true, mode: 0o700 });
  let raw: SqliteDatabase.Database;
  try {
    raw = new SqliteDatabase(options.path);
  } catch (err) {
    throw new StorageError(`Cannot open the database ${options.path}: ${(err as Error).message}`);
  }
  try {
    if (options.encryptionKey !== undefined) {
      raw.pragma(`cipher = 'sqlcipher'`);
      raw.key(Buffer.from(options.encryptionKey, 'utf8'));
    }
    // The first read proves the key (or the absence of one) fits the file.
    raw.prepare('SELECT count(*) FROM sqlite_master').get();
    raw.pragma('busy_timeout = 10000');
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    // 8 MB of page cache (SQLite's default is 2 MB): the dashboard's index scans of a large
    // database stay in memory; measured in docs/performance.md.
    raw.pragma('cache_size = -8000');
  } catch (err) {
    raw.close();
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw explainUnreadable(options.path, options.encryptionKey !== undefined);
    throw new StorageError(`Cannot open the database ${options.path}: ${(err as Error).message}`);
  }
  // SQLite gives its -wal and -shm files the database file's mode; older installs may have others.
  makeFilesPrivate([options.path, `${options.path}-wal`, `${options.path}-shm`]);
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) }), sqliteVec: loadVectorFunctions(raw) };
}

/**
 * sqlite-vec's functions (vec_distance_cosine) from the registry package's binary; where none
 * loads (a platform it has no build for), the one function we use, computed in JavaScript.
 * Returns whether sqlite-vec loaded.
 */
function loadVectorFunctions(raw: SqliteDatabase.Database): boolean {
  try {
    sqliteVec.load(raw);
    return true;
  } catch {
    raw.function('vec_distance_cosine', { deterministic: true }, (a: unknown, b: unknown) => cosineDistanceOfBytes(a as Uint8Array, b as Uint8Array));
    return false;
  }
}

/**
 * Kysely prepares every query anew; a tool call runs the same few dozen statements each time, so
 * prepared statements are kept (least recently used dropped first) and reused.
 */
function withStatementCache(raw: SqliteDatabase.Database, capacity = 300): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => raw.close(),
    prepare(source: string) {
      let statement = cache.get(source);
      if (statement) {
        cache.delete(source); // re-insert: Map order is recency order
      } else {
        statement = raw.prepare(source);
        if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
      }
      cache.set(source, statement);
      return statement;
    },
  };
}

/**
 * SQLite as an engine. One file, one tenant in practice (local mode), no row-level security
 * (the OS user owns the file). Writes take the write lock up front (BEGIN IMMEDIATE) so that
 * concurrent processes queue on the busy timeout instead of failing mid-way.
 */
export function openSqliteEngine(options: SqliteOptions): Engine {
  const { db, sqliteVec: vectorFunctions } = openSqlite(options);
  const documentsPath = options.documentsPath ?? path.join(path.dirname(options.path), 'documents');
  return {
    db,
    supportsRowLocks: false,
    supportsBatching: false,
    sharedAcrossInstances: false,
    searchIndex: sqliteSearchIndex,
    dueTenants: dueTenantsDirectly,
    feedOwner: feedOwnerDirectly,
    embeddingBacklog: embeddingBacklogDirectly,
    vectorIndex: sqliteVectorIndex(vectorFunctions),
    description: { engine: 'sqlite', location: options.path, label: options.path },
    blobStore: (key) => new FileBlobStore(documentsPath, key),
    migrate: (migration) => migrate(db as Kysely<unknown>, 'sqlite', migration),
    migrationStatus: () => migrationStatus(db as Kysely<unknown>, 'sqlite'),
    lockNamed: async () => undefined,
    snapshot: async (file) => void (await sql`VACUUM INTO ${file}`.execute(db)),
    // Its queries were tuned on the planner's own rules, without sqlite_stat1 (docs/performance.md).
    refreshStatistics: async () => undefined,
    transaction: (access, _tenantId, fn) =>
      runTransaction(
        db,
        {
          traced: { system: 'sqlite', access },
          begin: (conn) =>
            sql
              .raw(access === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN')
              .execute(conn)
              .then(() => ({})),
          retryable: () => false,
        },
        fn,
      ),
    security: async () => ({ rowLevelSecurity: 'not-applicable', warnings: [] }),
    close: () => db.destroy(),
  };
}

/**
 * Whether another connection has the database file open (a running server): in WAL mode every
 * open connection holds a shared lock, so an exclusive one is refused at once. The file's key is
 * not needed: the lock comes before any page is read.
 */
export function sqliteFileInUse(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const raw = new SqliteDatabase(file, { fileMustExist: true });
  try {
    raw.pragma('busy_timeout = 0');
    raw.pragma('locking_mode = EXCLUSIVE');
    raw.exec('BEGIN EXCLUSIVE');
    raw.exec('COMMIT');
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'SQLITE_BUSY';
  } finally {
    raw.close();
  }
}
