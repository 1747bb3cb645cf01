import crypto from 'node:crypto';
import type { Engine } from '../storage/engine.js';

/**
 * A client's registered name, if the embedded authorization server knows it (the history names
 * the client that made a change). Apart from clients.ts so that serving HTTP with an external
 * issuer never loads oidc-provider; records are keyed by the hash of their id (oauth-store.ts).
 */
export async function clientName(engine: Engine, clientId: string): Promise<string | undefined> {
  const idHash = crypto.createHash('sha256').update(clientId).digest('base64url');
  const row = await engine.db.selectFrom('oauth_records').select('payload').where('model', '=', 'Client').where('id_hash', '=', idHash).executeTakeFirst();
  const name = row ? (JSON.parse(row.payload) as { client_name?: unknown }).client_name : undefined;
  return typeof name === 'string' ? name : undefined;
}
