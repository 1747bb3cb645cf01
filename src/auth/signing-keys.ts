import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { decrypt, encrypt } from '../storage/crypto.js';
import type { Engine } from '../storage/engine.js';

/** One key per algorithm the authorization server signs with: ES256 first (the default), RS256 for clients that need it. */
const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
/** Clocks differ a little between instances and resource servers. */
const SKEW_S = 60;

async function newKeyRow(alg: (typeof SIGNING_ALGORITHMS)[number], kek: Buffer, now: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), alg, use: 'sig' };
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), alg, use: 'sig', kid };
  return {
    kid,
    alg,
    public_jwk: JSON.stringify({ ...publicJwk, kid }),
    private_sealed: encrypt(kek, Buffer.from(JSON.stringify(privateJwk)), kid).toString('base64'),
    created_at: now,
    retired_at: null,
    verify_until: null,
  };
}

async function addActiveKeys(engine: Engine, kek: Buffer, now: string): Promise<string[]> {
  const rows = await Promise.all(SIGNING_ALGORITHMS.map((alg) => newKeyRow(alg, kek, now)));
  await engine.db.insertInto('signing_keys').values(rows).execute();
  return rows.map((r) => r.kid);
}

/**
 * The private keys the authorization server signs and verifies with, as a JWKS: the active key of
 * each algorithm first (the one oidc-provider signs with), then retired keys that may still verify
 * tokens. Created on first use; keys no longer needed are deleted. A wrong key-encryption key fails
 * here, before anything is signed.
 */
export async function loadSigningKeys(engine: Engine, kek: Buffer): Promise<{ keys: JWK[] }> {
  const now = new Date().toISOString();
  await engine.db.deleteFrom('signing_keys').where('verify_until', '<=', now).execute();
  let rows = await engine.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
  if (!rows.some((r) => r.retired_at === null)) {
    await addActiveKeys(engine, kek, now);
    rows = await engine.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').orderBy('kid').execute();
  }
  const ordered = [...rows.filter((r) => r.retired_at === null), ...rows.filter((r) => r.retired_at !== null)];
  return {
    keys: ordered.map((row) => {
      const key = openKey(row, kek);
      if (!key) throw new Error(`the key-encryption key does not open signing key ${row.kid}: it is not the key they were sealed with`);
      return key;
    }),
  };
}

function openKey(row: { kid: string; private_sealed: string }, kek: Buffer): JWK | undefined {
  try {
    return JSON.parse(decrypt(kek, Buffer.from(row.private_sealed, 'base64'), row.kid).toString('utf8')) as JWK;
  } catch {
    return undefined;
  }
}

/** The signing keys as they are (changing nothing, for `mcp-pa doctor`): which sign, which only verify, which the key does not open. */
export async function inspectSigningKeys(engine: Engine, kek: Buffer): Promise<{ active: string[]; retired: number; unopened: string[] }> {
  const rows = await engine.db.selectFrom('signing_keys').selectAll().execute();
  return {
    active: rows.filter((r) => r.retired_at === null).map((r) => r.alg),
    retired: rows.filter((r) => r.retired_at !== null).length,
    unopened: rows.filter((r) => !openKey(r, kek)).map((r) => r.kid),
  };
}

/**
 * Adds a new key per algorithm and retires the current ones: they stop signing now and keep
 * verifying until the longest-lived token they could have signed has expired.
 */
export async function rotateSigningKeys(
  engine: Engine,
  kek: Buffer,
  tokenLifetimeS: number,
): Promise<{ added: string[]; retiring: { kid: string; until: string }[] }> {
  const now = new Date();
  const until = new Date(now.getTime() + (tokenLifetimeS + SKEW_S) * 1000).toISOString();
  const retiring = await engine.db
    .updateTable('signing_keys')
    .set({ retired_at: now.toISOString(), verify_until: until })
    .where('retired_at', 'is', null)
    .returning('kid')
    .execute();
  const added = await addActiveKeys(engine, kek, now.toISOString());
  return { added, retiring: retiring.map((r) => ({ kid: r.kid, until })) };
}

/** A fingerprint of the key set in the database (which keys, which retired): it changes with every rotation and every clean-up. */
export async function signingKeysVersion(engine: Engine): Promise<string> {
  const rows = await engine.db.selectFrom('signing_keys').select(['kid', 'retired_at']).orderBy('kid').execute();
  return rows.map((r) => `${r.kid}:${r.retired_at ?? ''}`).join(',');
}
