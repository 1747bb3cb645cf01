import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import type { Engine } from '../storage/engine.js';
import { keyFromPassphrase } from '../storage/passphrase-key.js';

const KEY_FILE = 'oauth-signing-keys.kek';

/** Where a single-process deployment keeps its key-encryption key (when none is set). */
export const keyEncryptionKeyFile = (dataDir: string) => path.join(dataDir, KEY_FILE);

/** The key in its file, checked to be one (a file cut short or replaced is refused). */
export function readKeyEncryptionKeyFile(file: string): Buffer {
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new ConfigError(`${file} does not hold a 256-bit key: restore it from a backup (without it the signing keys cannot be opened).`);
  return key;
}

/** What finding the key needs: the setting, the data directory, and the database it seals keys in. */
export interface KeyEncryptionKeyDeps {
  engine: Engine;
  config: Pick<ResolvedConfig, 'authentication' | 'dataDir'>;
}

/**
 * The key that seals the authorization server's private signing keys in the database. From
 * MCP_OAUTH_KEY_ENCRYPTION_KEY (every instance must have the same); without it, a single-process
 * deployment (SQLite or embedded PGlite) keeps a random one in a file of its data directory,
 * readable by its owner only. A PostgreSQL server may be shared by several instances, which could
 * not share that file: there the setting is required.
 */
export async function keyEncryptionKey({ engine, config }: KeyEncryptionKeyDeps): Promise<Buffer> {
  const passphrase = config.authentication.key_encryption_key;
  if (passphrase) {
    return keyFromPassphrase(
      engine.db,
      passphrase,
      'signing_key',
      'MCP_OAUTH_KEY_ENCRYPTION_KEY is not the key the signing keys of this database were sealed with.',
    );
  }
  if (engine.sharedAcrossInstances) {
    throw new ConfigError(
      'Set MCP_OAUTH_KEY_ENCRYPTION_KEY (authentication.key_encryption_key): the embedded authorization server seals its signing keys in the database with it, and every instance needs the same one.',
    );
  }
  const file = keyEncryptionKeyFile(config.dataDir);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    // 'wx': a second process starting at the same moment keeps the first one's key.
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return readKeyEncryptionKeyFile(file);
}
