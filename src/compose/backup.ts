import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { SERVER_VERSION } from '../mcp/server.js';
import { openEngine } from '../runtime.js';
import { keyEncryptionKeyFile, readKeyEncryptionKeyFile } from '../security/key-encryption-key.js';
import type { Engine } from '../storage/engine.js';
import { openSqliteEngine } from '../storage/sqlite.js';
import { MEMBERS, keyCheck, stagingFolder, writeArchive, type BackupManifest } from './backup-archive.js';

export interface BackupResult {
  manifest: BackupManifest;
  bytes: number;
}

/** A document row can commit a moment before its file is renamed into place, or lose its file to a purge after the snapshot: taken again. */
const ATTEMPTS = 3;

/**
 * `mcp-pa backup`: a consistent copy of the local database (taken while a server may be using it)
 * and its document files, as they were at one instant, in one file. Encrypted data stays
 * encrypted. The key-encryption key goes in only when asked (`includeKey`): with it, the backup
 * alone opens the signing keys and people's sealed secrets.
 */
export async function backup(config: ResolvedConfig, file: string, options: { includeKey?: boolean } = {}): Promise<BackupResult> {
  if (config.database.connection_string) {
    throw new UserError(
      'backup: a PostgreSQL server is backed up with its own tools (pg_dump, or pg_basebackup for the whole cluster): see docs/operations.md. `mcp-pa export` saves one person’s data.',
    );
  }
  const where = config.database.type === 'sqlite' ? config.database.path : path.join(config.dataDir, 'pgdata');
  if (!fs.existsSync(where)) throw new UserError(`backup: there is no database at ${where} yet`);
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new UserError(`backup: ${target} already exists: name a new file`);
  const key = keyEncryptionKeyOf(config, options.includeKey ?? false);
  const engine = await openEngine(config, undefined, { oneShot: true }); // a command of its own (see openPgliteEngine)
  const staging = stagingFolder(path.dirname(target), '.mcp-pa-backup-');
  try {
    if (!engine.snapshot) throw new UserError('backup: this database cannot be backed up by mcp-pa');
    const status = await engine.migrationStatus();
    const documents = await snapshotWithDocuments(engine, config, staging);
    if (key.file) fs.copyFileSync(key.file, path.join(staging, MEMBERS.key));
    const manifest: BackupManifest = {
      format: 'mcp-pa backup',
      version: 1,
      created_at: new Date().toISOString(),
      mcp_pa: SERVER_VERSION,
      engine: config.database.type === 'sqlite' ? 'sqlite' : 'pglite',
      schema_version: status.current,
      database_encrypted: config.database.type === 'sqlite' && config.encryption.key !== undefined,
      documents,
      key_encryption_key: key.manifest,
    };
    fs.writeFileSync(path.join(staging, MEMBERS.manifest), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await writeArchive(staging, target);
    return { manifest, bytes: fs.statSync(target).size };
  } finally {
    await engine.close();
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Where the key-encryption key comes from, and its file when it is to go into the backup. */
function keyEncryptionKeyOf(config: ResolvedConfig, include: boolean): { manifest: BackupManifest['key_encryption_key']; file?: string } {
  if (config.authentication.key_encryption_key) {
    if (include)
      throw new UserError('backup: --include-key takes the key file; this deployment’s key is MCP_OAUTH_KEY_ENCRYPTION_KEY, which you keep yourself');
    return { manifest: { source: 'setting', included: false } };
  }
  const file = keyEncryptionKeyFile(config.dataDir);
  if (!fs.existsSync(file)) return { manifest: { source: 'none', included: false } };
  const check = keyCheck(readKeyEncryptionKeyFile(file));
  return { manifest: { source: 'file', included: include, check }, ...(include ? { file } : {}) };
}

/**
 * The snapshot, then the files of the documents it holds. A file missing means the snapshot and
 * the folder disagree for a moment (an upload renaming its file into place, a purge): the whole
 * snapshot is taken again. Returns how many document files were copied.
 */
async function snapshotWithDocuments(engine: Engine, config: ResolvedConfig, staging: string): Promise<number> {
  const database = path.join(staging, config.database.type === 'sqlite' ? MEMBERS.sqlite : MEMBERS.pglite);
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(database, { force: true });
    fs.rmSync(path.join(staging, MEMBERS.documents), { recursive: true, force: true });
    await engine.snapshot!(database);
    if (config.database.type !== 'sqlite') return 0;
    const missing = await copyDocumentFiles(database, config, staging);
    if (missing.length === 0) return fs.existsSync(path.join(staging, MEMBERS.documents)) ? fs.readdirSync(path.join(staging, MEMBERS.documents)).length : 0;
    if (attempt === ATTEMPTS) throw new UserError(`backup: the files of documents ${missing.join(', ')} are missing from ${config.documents.path}`);
  }
}

/** Copies the file of every uploaded document the snapshot holds; returns the ids whose file is missing. */
async function copyDocumentFiles(database: string, config: ResolvedConfig, staging: string): Promise<string[]> {
  const snapshot = openSqliteEngine({ path: database, encryptionKey: config.encryption.key, documentsPath: config.documents.path });
  let ids: string[];
  try {
    ids = (await snapshot.db.selectFrom('documents').select('id').where('source', '=', 'upload').execute()).map((r) => r.id);
  } finally {
    await snapshot.close();
  }
  const folder = path.join(staging, MEMBERS.documents);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const missing: string[] = [];
  for (const id of ids) {
    try {
      fs.copyFileSync(path.join(config.documents.path, `${id}.bin`), path.join(folder, `${id}.bin`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.push(id);
    }
  }
  return missing;
}
