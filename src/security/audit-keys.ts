import crypto from 'node:crypto';
import { ConfigError } from '../errors.js';
import { keyEncryptionKey, type KeyEncryptionKeyDeps } from './key-encryption-key.js';

/** The audit trail's keys, each derived for one purpose from one root key. */
export interface AuditKeys {
  /** Turns emails, subjects and addresses into pseudonyms. */
  pseudonym: Buffer;
  /** Chains the events: each row's MAC covers its number, its content and the MAC before it. */
  chain: Buffer;
  /** Signs the checkpoints written to the JSON log. */
  anchor: Buffer;
  /**
   * Where the root key lives. 'outside': the key-encryption key (a passphrase, or a file of the
   * data directory), never in the database. 'database': a random key in the `meta` table, which
   * anyone who can read the database can use to forge the chain.
   */
  root: 'outside' | 'database';
}

const derive = (root: Buffer, purpose: string) => crypto.createHmac('sha256', root).update(purpose).digest();

/**
 * The keys from the key-encryption key. A PostgreSQL server without one (an external issuer, no
 * MCP_OAUTH_KEY_ENCRYPTION_KEY) falls back to a random key kept in the database: the trail still
 * records, and its checkpoints still prove what came before them, but the chain itself can be
 * rewritten by whoever can read that key. The caller warns.
 */
export async function auditKeys(deps: KeyEncryptionKeyDeps): Promise<AuditKeys> {
  let root: Buffer;
  let where: AuditKeys['root'] = 'outside';
  try {
    root = await keyEncryptionKey(deps);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    root = await keyInDatabase(deps.engine);
    where = 'database';
  }
  // The pseudonym key is the one earlier versions used (the same person keeps the same pseudonym).
  const pseudonym = where === 'outside' ? derive(root, 'mcp-pa audit pseudonyms') : root;
  return { pseudonym, chain: derive(root, 'mcp-pa audit chain'), anchor: derive(root, 'mcp-pa audit anchors'), root: where };
}

async function keyInDatabase(engine: KeyEncryptionKeyDeps['engine']): Promise<Buffer> {
  const db = engine.db;
  await db
    .insertInto('meta')
    .values({ key: 'audit_pseudonym_key', value: crypto.randomBytes(32).toString('base64') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const { value } = await db.selectFrom('meta').select('value').where('key', '=', 'audit_pseudonym_key').executeTakeFirstOrThrow();
  return Buffer.from(value, 'base64');
}

/** What `audit verify` and the server's start say when the chain key is in the database. */
export const KEY_IN_DATABASE_WARNING =
  'the audit chain key is kept in the database (no MCP_OAUTH_KEY_ENCRYPTION_KEY on this PostgreSQL server): someone who can read and write the database can rewrite the trail after the last checkpoint undetected; set MCP_OAUTH_KEY_ENCRYPTION_KEY';
