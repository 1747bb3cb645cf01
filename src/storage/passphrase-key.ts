import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { deriveKey, newSalt } from './crypto.js';
import type { Database } from './schema.js';
import { StorageError } from '../errors.js';

/**
 * A 256-bit key from a passphrase: scrypt with a salt kept in the database (`<purpose>_salt`). A
 * check value (an HMAC made with the key, `<purpose>_check`) is kept too, so a wrong passphrase is
 * refused at start rather than discovered item by item. Written once, by whichever process first
 * starts with the passphrase.
 */
export async function keyFromPassphrase(db: Kysely<Database>, passphrase: string, purpose: string, wrongKey: string): Promise<Buffer> {
  const read = (key: string) => db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  const remember = (key: string, value: string) =>
    db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  if (!(await read(`${purpose}_salt`))) await remember(`${purpose}_salt`, newSalt().toString('hex'));
  const key = deriveKey(passphrase, Buffer.from((await read(`${purpose}_salt`))!.value, 'hex'));
  const check = checkValue(key, purpose);
  if (!(await read(`${purpose}_check`))) await remember(`${purpose}_check`, check);
  if ((await read(`${purpose}_check`))!.value !== check) throw new StorageError(wrongKey);
  return key;
}

const checkValue = (key: Buffer, purpose: string) =>
  crypto
    .createHmac('sha256', key)
    .update(`mcp-pa ${purpose.replace(/_/g, ' ')} check`)
    .digest('hex');

/**
 * Whether a passphrase is the one this database's `<purpose>` key was made from, writing nothing
 * (`mcp-pa doctor`): `unused` when no process has started with one yet; the key when it matches.
 */
export async function checkPassphrase(
  db: Kysely<Database>,
  passphrase: string,
  purpose: string,
): Promise<{ state: 'matches'; key: Buffer } | { state: 'differs' } | { state: 'unused' }> {
  const rows = await db
    .selectFrom('meta')
    .select(['key', 'value'])
    .where('key', 'in', [`${purpose}_salt`, `${purpose}_check`])
    .execute();
  const salt = rows.find((r) => r.key === `${purpose}_salt`)?.value;
  const check = rows.find((r) => r.key === `${purpose}_check`)?.value;
  if (salt === undefined || check === undefined) return { state: 'unused' };
  const key = deriveKey(passphrase, Buffer.from(salt, 'hex'));
  return checkValue(key, purpose) === check ? { state: 'matches', key } : { state: 'differs' };
}
