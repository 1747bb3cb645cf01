import crypto from 'node:crypto';
import type { Secrets } from '../domain/secrets.js';
import { decrypt, encrypt } from '../storage/crypto.js';

/** A key of its own for each use, derived from the key-encryption key (HKDF-SHA256). */
const subkey = (kek: Buffer, use: string) => Buffer.from(crypto.hkdfSync('sha256', kek, Buffer.alloc(0), `mcp-pa ${use}`, 32));

/**
 * Secrets sealed under the key-encryption key, which is found only when first needed: on a shared
 * PostgreSQL server it must be configured (MCP_OAUTH_KEY_ENCRYPTION_KEY), and a deployment that
 * never creates a feed or a webhook need not set it.
 */
export function sealedSecrets(kekOf: () => Promise<Buffer>): Secrets {
  let keys: Promise<{ seal: Buffer; hash: Buffer }> | undefined;
  const get = () =>
    (keys ??= kekOf().then(
      (kek) => ({ seal: subkey(kek, 'sealed secrets'), hash: subkey(kek, 'secret lookup') }),
      (err: unknown) => {
        keys = undefined;
        throw err;
      },
    ));
  return {
    seal: async (purpose, plain) => encrypt((await get()).seal, Buffer.from(plain, 'utf8'), purpose).toString('base64'),
    open: async (purpose, sealed) => decrypt((await get()).seal, Buffer.from(sealed, 'base64'), purpose).toString('utf8'),
    keyedHash: async (purpose, plain) =>
      crypto
        .createHmac('sha256', (await get()).hash)
        .update(`${purpose}\0${plain}`)
        .digest('base64url'),
  };
}
