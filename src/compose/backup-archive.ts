import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { UserError } from '../errors.js';

/** What a backup holds besides its files: how to tell whether it can be restored here, and how. */
export interface BackupManifest {
  format: 'mcp-pa backup';
  version: 1;
  created_at: string;
  /** The mcp-pa that made it. */
  mcp_pa: string;
  engine: 'sqlite' | 'pglite';
  schema_version: number;
  /** SQLite: the database file is encrypted with MCP_PA_ENCRYPTION_KEY (and so is every document file). */
  database_encrypted: boolean;
  /** Document files beside the database (SQLite; PGlite keeps them in the database). */
  documents: number;
  /**
   * What seals the signing keys and secrets and roots the audit chain: a setting
   * (MCP_OAUTH_KEY_ENCRYPTION_KEY, checked by the database itself), the data directory's key file
   * (`check` tells the right one), or none yet.
   */
  key_encryption_key: { source: 'setting' | 'file' | 'none'; included: boolean; check?: string };
}

/** The archive's members: nothing else is read from a backup. */
export const MEMBERS = {
  manifest: 'manifest.json',
  sqlite: 'database.sqlite',
  pglite: 'pgdata.tar',
  documents: 'documents',
  key: 'oauth-signing-keys.kek',
} as const;

const SAFE_DOCUMENT = /^documents\/[A-Za-z0-9-]{1,64}\.bin$/;
const ALLOWED = new Set<string>([MEMBERS.manifest, MEMBERS.sqlite, MEMBERS.pglite, MEMBERS.key, `${MEMBERS.documents}/`]);

/** Tells a key file's key from another without revealing it. */
export const keyCheck = (key: Buffer) => crypto.createHmac('sha256', key).update('mcp-pa backup key check').digest('hex');

/** A private working folder beside `near` (same file system, so its files can be renamed into place). */
export function stagingFolder(near: string, prefix: string): string {
  fs.mkdirSync(near, { recursive: true, mode: 0o700 });
  return fs.mkdtempSync(path.join(near, prefix));
}

/** Writes the staged folder as one gzipped tar file, whole or not at all (written aside, then renamed), readable by its owner only. */
export async function writeArchive(staging: string, file: string): Promise<void> {
  const draft = `${file}.${process.pid}.partial`;
  try {
    const members = fs.readdirSync(staging).sort();
    await tar.c({ gzip: true, file: draft, cwd: staging, portable: true }, members);
    fs.chmodSync(draft, 0o600);
    fs.renameSync(draft, file);
  } catch (err) {
    fs.rmSync(draft, { force: true });
    throw err;
  }
}

/**
 * Unpacks a backup into `staging`, only its known members (no links, no paths outside), and
 * returns its manifest, checked to be one this version reads.
 */
export async function readArchive(file: string, staging: string): Promise<BackupManifest> {
  if (!fs.existsSync(file)) throw new UserError(`restore: ${file} does not exist`);
  try {
    await tar.x({
      file,
      cwd: staging,
      strict: true,
      preservePaths: false,
      filter: (entry, stat) => {
        const type = (stat as { type?: string }).type;
        const name = entry.replace(/^\.\//, '');
        return (type === 'File' || type === 'Directory') && (ALLOWED.has(name) || SAFE_DOCUMENT.test(name));
      },
    });
  } catch (err) {
    throw new UserError(`restore: ${file} is not an mcp-pa backup (it cannot be unpacked: ${(err as Error).message})`);
  }
  const manifestFile = path.join(staging, MEMBERS.manifest);
  let manifest: Partial<BackupManifest>;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Partial<BackupManifest>;
  } catch {
    throw new UserError(`restore: ${file} is not an mcp-pa backup (no manifest)`);
  }
  if (manifest.format !== 'mcp-pa backup') throw new UserError(`restore: ${file} is not an mcp-pa backup`);
  if (manifest.version !== 1)
    throw new UserError(`restore: ${file} is a backup of format ${String(manifest.version)}, which this mcp-pa does not read: upgrade mcp-pa`);
  return manifest as BackupManifest;
}

/** Moves a file or folder into place, copying where a rename cannot (another file system). */
export function moveInto(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    fs.cpSync(from, to, { recursive: true, preserveTimestamps: true });
    fs.rmSync(from, { recursive: true, force: true });
  }
}
