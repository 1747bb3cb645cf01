import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { ResolvedConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { keyEncryptionKeyFile, readKeyEncryptionKeyFile } from '../security/key-encryption-key.js';
import type { Engine } from '../storage/engine.js';
import { checkPassphrase } from '../storage/passphrase-key.js';
import { lockDataDir, openPgliteEngine } from '../storage/postgres.js';
import { makeTreePrivate } from '../storage/private-files.js';
import { openSqliteEngine, sqliteFileInUse } from '../storage/sqlite.js';
import { MEMBERS, keyCheck, moveInto, readArchive, stagingFolder, type BackupManifest } from './backup-archive.js';

export interface RestoreOptions {
  /** Put the current database aside (in the data directory) instead of refusing to restore over it. */
  replace?: boolean;
  /** The key-encryption key file of the deployment the backup was made from, when the backup does not hold it. */
  keyFile?: string;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the database that was there before went (with --replace). */
  setAside?: string;
}

/**
 * `mcp-pa restore`: the backup is unpacked and checked beside the data directory (the database
 * opens with this configuration's keys and is intact; every document file is there; the
 * key-encryption key it needs is at hand and is the right one) before anything in place is
 * touched. Then the current database, if any, is set aside and the backup's moved into place. The
 * next start applies any newer migrations.
 */
export async function restore(config: ResolvedConfig, file: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  if (config.database.connection_string) {
    throw new UserError(
      'restore: a PostgreSQL server is restored with its own tools (pg_restore): see docs/operations.md. `mcp-pa import` brings back one person’s data.',
    );
  }
  const engine = config.database.type === 'sqlite' ? 'sqlite' : 'pglite';
  const staging = stagingFolder(config.dataDir, '.restore-');
  try {
    const manifest = await readArchive(path.resolve(file), staging);
    if (manifest.engine !== engine) {
      throw new UserError(
        `restore: the backup is of ${manifest.engine === 'sqlite' ? 'an SQLite' : 'an embedded PostgreSQL'} database and this configuration uses ${engine === 'sqlite' ? 'SQLite' : 'embedded PostgreSQL'}: use the same engine, or move people's data with mcp-pa export and import`,
      );
    }
    const key = keyToRestore(manifest, config, staging, options.keyFile);
    await checkStaged(manifest, config, staging);
    const setAside = putInPlace(manifest, config, staging, key, options.replace ?? false);
    makeTreePrivate(config.dataDir);
    return { manifest, ...(setAside ? { setAside } : {}) };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The key file the restored data needs, checked against the backup's record of it: the backup's
 * own, `--key-file`, or the one already in the data directory. Without it the signing keys,
 * sealed secrets and audit chain could not be opened: refused before anything is touched.
 */
function keyToRestore(manifest: BackupManifest, config: ResolvedConfig, staging: string, keyFile: string | undefined): Buffer | undefined {
  const kek = manifest.key_encryption_key;
  if (kek.source === 'setting') {
    if (!config.authentication.key_encryption_key) {
      throw new UserError(
        'restore: this backup’s signing keys, sealed secrets and audit trail are sealed with MCP_OAUTH_KEY_ENCRYPTION_KEY: set it to the same passphrase as when the backup was made',
      );
    }
    return undefined;
  }
  if (kek.source === 'none') return undefined;
  const candidates = [
    keyFile && path.resolve(keyFile),
    kek.included ? path.join(staging, MEMBERS.key) : undefined,
    keyEncryptionKeyFile(config.dataDir),
  ].filter((f): f is string => typeof f === 'string' && fs.existsSync(f));
  for (const candidate of candidates) {
    const key = readKeyEncryptionKeyFile(candidate);
    if (keyCheck(key) === kek.check) return key;
    if (candidate === keyFile) throw new UserError(`restore: ${candidate} is not the key-encryption key this backup was made with`);
  }
  throw new UserError(
    'restore: the backup does not hold its key-encryption key, and without it the signing keys, sealed secrets and audit trail cannot be opened: ' +
      'give the oauth-signing-keys.kek file of the deployment it was made from with --key-file FILE (nothing was changed)',
  );
}

/** The staged database opens with this configuration's keys, is intact, and holds what the manifest says. */
async function checkStaged(manifest: BackupManifest, config: ResolvedConfig, staging: string): Promise<void> {
  const documents = path.join(staging, MEMBERS.documents);
  const database = path.join(staging, manifest.engine === 'sqlite' ? MEMBERS.sqlite : MEMBERS.pglite);
  if (!fs.lstatSync(database, { throwIfNoEntry: false })?.isFile()) throw new UserError('restore: the backup holds no database (or not as a file)');
  let engine: Engine;
  try {
    engine =
      manifest.engine === 'sqlite'
        ? openSqliteEngine({ path: path.join(staging, MEMBERS.sqlite), encryptionKey: config.encryption.key, documentsPath: documents })
        : await openPgliteEngine({
            dataDir: path.join(staging, 'pgdata'),
            appRole: config.database.app_role,
            loadDataDir: fs.readFileSync(path.join(staging, MEMBERS.pglite)),
            oneShot: true, // a command of its own (see openPgliteEngine)
          });
  } catch (err) {
    throw new UserError(`restore: the backup's database does not open with this configuration: ${(err as Error).message.replace(staging, 'the backup')}`);
  }
  try {
    if (manifest.engine === 'sqlite') {
      const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(engine.db);
      if (check.rows[0]?.integrity_check !== 'ok') throw new UserError(`restore: the backup's database is damaged: ${check.rows[0]?.integrity_check}`);
      const ids = await engine.db.selectFrom('documents').select('id').where('source', '=', 'upload').execute();
      const missing = ids.filter((r) => !fs.existsSync(path.join(documents, `${r.id}.bin`)));
      if (missing.length) throw new UserError(`restore: the backup lacks the files of ${missing.length} documents`);
    }
    const status = await engine.migrationStatus();
    if (status.current > status.known)
      throw new UserError(`restore: the backup's schema (version ${status.current}) is newer than this mcp-pa understands: upgrade mcp-pa`);
    for (const [passphrase, purpose, name] of [
      [config.authentication.key_encryption_key, 'signing_key', 'MCP_OAUTH_KEY_ENCRYPTION_KEY'],
      [manifest.engine === 'pglite' ? config.encryption.key : undefined, 'document_key', 'MCP_PA_ENCRYPTION_KEY'],
    ] as const) {
      if (passphrase && (await checkPassphrase(engine.db, passphrase, purpose)).state === 'differs')
        throw new UserError(`restore: ${name} is not the key the backup's data was sealed with`);
    }
  } finally {
    await engine.close();
  }
}

/** What the restore replaces, in the data directory, and whether a server has it open. */
function currentFiles(manifest: BackupManifest, config: ResolvedConfig): string[] {
  if (manifest.engine === 'pglite') return [path.join(config.dataDir, 'pgdata')];
  const db = config.database.path;
  return [db, `${db}-wal`, `${db}-shm`, config.documents.path];
}

function putInPlace(manifest: BackupManifest, config: ResolvedConfig, staging: string, key: Buffer | undefined, replace: boolean): string | undefined {
  const present = currentFiles(manifest, config).filter((f) => fs.existsSync(f));
  const pgdata = path.join(config.dataDir, 'pgdata');
  const database = [manifest.engine === 'sqlite' ? config.database.path : pgdata].find((f) => fs.existsSync(f));
  if (database && !replace) {
    throw new UserError(`restore: ${database} already holds a database: add --replace to set it aside (in the data directory) and restore over it`);
  }
  const unlock = manifest.engine === 'pglite' ? lockDataDir(pgdata) : () => undefined;
  try {
    if (manifest.engine === 'sqlite' && database && sqliteFileInUse(database)) {
      throw new UserError(`restore: ${database} is in use by a running mcp-pa (Claude Desktop, or a server): stop it first`);
    }
    let setAside: string | undefined;
    if (present.length > 0) {
      setAside = path.join(config.dataDir, `before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      fs.mkdirSync(setAside, { mode: 0o700 });
      for (const f of present) moveInto(f, path.join(setAside, path.basename(f)));
    }
    const keyFile = keyEncryptionKeyFile(config.dataDir);
    if (key && !(fs.existsSync(keyFile) && keyCheck(readKeyEncryptionKeyFile(keyFile)) === keyCheck(key))) {
      if (fs.existsSync(keyFile)) moveInto(keyFile, path.join(setAside ?? stagingFolder(config.dataDir, 'before-restore-'), path.basename(keyFile)));
      fs.writeFileSync(keyFile, key.toString('base64') + '\n', { mode: 0o600 });
    }
    if (manifest.engine === 'sqlite') {
      moveInto(path.join(staging, MEMBERS.sqlite), config.database.path);
      const documents = path.join(staging, MEMBERS.documents);
      if (fs.existsSync(documents)) moveInto(documents, config.documents.path);
    } else {
      moveInto(path.join(staging, 'pgdata'), pgdata);
    }
    return setAside;
  } finally {
    unlock();
  }
}
