import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ClientMetadata } from 'oidc-provider';
import { UserError } from '../errors.js';
import type { ResolvedConfig } from '../config/load.js';
import { keyEncryptionKey } from '../security/key-encryption-key.js';
import type { Engine } from '../storage/engine.js';
import { EMBEDDED_ISSUER, selectAccount } from './accounts.js';
import { OAuthStore, revokeClientRecords } from './oauth-store.js';
import { createAuthorizationServer, OWNER_PROPERTY, type AuthorizationServerOptions } from './provider.js';
import { loadSigningKeys } from './signing-keys.js';

export interface NewClient {
  name: string;
  authMethod: string;
  redirectUris: string[];
  /** A JWKS file (private_key_jwt; self_signed_tls_client_auth with x5c). */
  jwksFile?: string;
  jwksUri?: string;
  tlsSubjectDn?: string;
  tlsSanDns?: string;
  /** The email of the account a service client acts for (the client_credentials grant). */
  owner?: string;
  scope: string;
  /** Days until the secret stops working (client_secret_*); none: it does not expire. */
  secretExpiresInDays?: number;
}

/** What adding a client needs: the database, and the settings the authorization server checks it by. */
export type ClientAdminDeps = Pick<AuthorizationServerOptions, 'engine' | 'logger' | 'clock'> & {
  config: Pick<ResolvedConfig, 'authentication' | 'features' | 'server' | 'dataDir'>;
};

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

function readJwks(file: string): { keys: Record<string, unknown>[] } {
  let jwks: { keys?: unknown };
  try {
    jwks = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys?: unknown };
  } catch (err) {
    throw new UserError(`--jwks-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : 'it is not a JSON Web Key Set'}`);
  }
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0)
    throw new UserError(`--jwks-file ${file}: it must be a JSON Web Key Set ({ "keys": [ … ] }) with at least one key`);
  const keys = jwks.keys as Record<string, unknown>[];
  if (keys.some((key) => PRIVATE_JWK_MEMBERS.some((member) => member in key))) {
    throw new UserError(`--jwks-file ${file}: it holds private or secret key material; give the public keys only (the client keeps its private key)`);
  }
  return { keys };
}

/** The metadata of a client an administrator adds, and its secret if it gets one. */
function metadataOf(client: NewClient, owner: string | undefined): { metadata: ClientMetadata; secret?: string } {
  const method = client.authMethod;
  const metadata: ClientMetadata = {
    client_id: `svc_${crypto.randomBytes(16).toString('base64url')}`,
    client_id_issued_at: Math.floor(Date.now() / 1000),
    client_name: client.name,
    token_endpoint_auth_method: method as ClientMetadata['token_endpoint_auth_method'],
    redirect_uris: client.redirectUris,
    response_types: client.redirectUris.length ? ['code'] : [],
    grant_types: [...(client.redirectUris.length ? ['authorization_code', 'refresh_token'] : []), ...(owner ? ['client_credentials'] : [])],
    scope: client.scope,
  };
  if (metadata.grant_types!.length === 0)
    throw new UserError('a client needs --redirect-uri (people sign in through it) or --owner (it acts for that account on its own), or both');
  if (owner) metadata[OWNER_PROPERTY] = owner;
  if (client.jwksFile) metadata.jwks = readJwks(client.jwksFile) as ClientMetadata['jwks'];
  if (client.jwksUri) metadata.jwks_uri = client.jwksUri;
  if (client.tlsSubjectDn) metadata.tls_client_auth_subject_dn = client.tlsSubjectDn;
  if (client.tlsSanDns) metadata.tls_client_auth_san_dns = client.tlsSanDns;
  if (method === 'tls_client_auth' || method === 'self_signed_tls_client_auth') metadata.tls_client_certificate_bound_access_tokens = true;
  if (!SECRET_METHODS.has(method)) return { metadata };
  // 256 bits from the system's CSPRNG; shown once, sealed at rest.
  const secret = crypto.randomBytes(32).toString('base64url');
  metadata.client_secret = secret;
  metadata.client_secret_expires_at = client.secretExpiresInDays ? Math.floor(Date.now() / 1000) + Math.round(client.secretExpiresInDays * 86400) : 0;
  return { metadata, secret };
}

/**
 * Pre-registers a confidential client (`mcp-pa client add`): checked by the same rules as a
 * registration at /oauth/register, stored as the authorization server stores its clients.
 */
export async function addClient(deps: ClientAdminDeps, client: NewClient): Promise<{ clientId: string; secret?: string; expiresAt?: number }> {
  const { engine, config } = deps;
  const owner = client.owner ? await selectAccount(engine, { email: client.owner }) : undefined;
  if (owner && owner.issuer !== EMBEDDED_ISSUER)
    throw new UserError(`--owner ${client.owner}: that account belongs to another issuer; an owner must be an account of this server (mcp-pa user add)`);
  const { metadata, secret } = metadataOf(client, owner?.subject);
  const kek = await keyEncryptionKey(deps);
  const issuer = config.server.public_url ?? 'https://mcp-pa.invalid';
  // Validated by the authorization server itself, as if it came to /oauth/register.
  const provider = createAuthorizationServer({
    ...deps,
    issuer,
    resource: `${issuer}/mcp`,
    keys: await loadSigningKeys(engine, kek),
    kek,
    clientCertificates: 'verified',
  });
  try {
    await provider.Client.validate(metadata);
  } catch (err) {
    const { error_description: description, message } = err as { error_description?: string; message: string };
    throw new UserError(`client add: ${description ?? message}`);
  }
  await OAuthStore.factory(engine, kek)('Client').upsert(metadata.client_id, metadata as never);
  return { clientId: metadata.client_id, secret, expiresAt: metadata.client_secret_expires_at || undefined };
}

export interface ClientSummary {
  client_id: string;
  client_name?: string;
  token_endpoint_auth_method: string;
  grant_types: string[];
  redirect_uris: string[];
  owner?: string;
  /** How it came: added by an administrator, or registered itself (Dynamic Client Registration). */
  origin: 'administrator' | 'registration';
  secret_expires_at?: string;
}

async function clientRecords(engine: Engine) {
  const rows = await engine.db.selectFrom('oauth_records').select(['payload']).where('model', '=', 'Client').execute();
  return rows.map((row) => JSON.parse(row.payload) as Record<string, unknown> & { client_id: string });
}

/** Every client the authorization server knows (never their secrets). */
export async function listClients(engine: Engine): Promise<ClientSummary[]> {
  return (await clientRecords(engine))
    .map((c) => ({
      client_id: c.client_id,
      client_name: c.client_name as string | undefined,
      token_endpoint_auth_method: (c.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic',
      grant_types: (c.grant_types as string[] | undefined) ?? ['authorization_code'],
      redirect_uris: (c.redirect_uris as string[] | undefined) ?? [],
      owner: c[OWNER_PROPERTY] as string | undefined,
      origin: String(c.client_id).startsWith('svc_') ? ('administrator' as const) : ('registration' as const),
      secret_expires_at:
        typeof c.client_secret_expires_at === 'number' && c.client_secret_expires_at > 0
          ? new Date(c.client_secret_expires_at * 1000).toISOString()
          : undefined,
    }))
    .sort((a, b) => a.client_id.localeCompare(b.client_id));
}

/** Removes a client with its grants, refresh tokens and registration token; returns how many records went. */
export async function removeClient(engine: Engine, clientId: string): Promise<number> {
  const store = OAuthStore.factory(engine)('Client');
  if (!(await store.find(clientId))) throw new UserError(`no client "${clientId}" (mcp-pa client list shows them all)`);
  const removed = await revokeClientRecords(engine, clientId);
  await store.destroy(clientId);
  return removed + 1;
}
