// One server for the token-endpoint benchmark (bench/token.bench.ts starts one per run, each in a
// process of its own): `mcp-pa serve` as `startServing` builds it (rate limits, audit trail, account
// lookups, all on the configured database), its authorization server keeping its records either
// in the database (BENCH_ADAPTER=database, mcp-pa's OAuthStore) or in oidc-provider's built-in
// MemoryAdapter (BENCH_ADAPTER=memory: what oidc-provider uses when given no adapter, its LRU store
// and the same clock tolerance, made here so that the minting provider below shares it). Nothing
// else differs.
//
// Before serving it adds an account and a confidential client (client_secret_basic, with an owner
// for client_credentials and a redirect URI for refresh tokens), as `mcp-pa user add` and
// `mcp-pa client add` do. It then prints one JSON line on stdout: the server's URL, the client's id
// and secret, and the address of a control listener (loopback, this process only) that mints
// refresh tokens (POST /chains?n=) and reports the adapter's calls (GET /counts; POST resets them)
// and this process's CPU time (GET /cpu), and profiles it (POST /profile?start, ?stop=<file>).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import type { Adapter } from 'oidc-provider';
import { addLocalAccount } from '../src/auth/accounts.js';
import { addClient } from '../src/auth/clients.js';
import { OAuthStore } from '../src/auth/oauth-store.js';
import { hashPassword } from '../src/auth/passwords.js';
import { createAuthorizationServer } from '../src/auth/provider.js';
import { loadSigningKeys } from '../src/auth/signing-keys.js';
import { systemClock } from '../src/clock.js';
import { startServing } from '../src/compose/http.js';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/logging.js';
import { openRuntime } from '../src/runtime.js';
import { keyEncryptionKey } from '../src/security/key-encryption-key.js';
import { planListen } from '../src/transports/http/server.js';

const adapter = process.env.BENCH_ADAPTER;
if (adapter !== 'database' && adapter !== 'memory') throw new Error('BENCH_ADAPTER must be database or memory');
const SCOPE = 'pa:read pa:write';

const config = loadConfig({}, process.env, { mode: 'http', serving: true });
const logger = createLogger(config.logging.level);

// The administrator's part, before the server opens the database (PGlite allows one opener).
const admin = await openRuntime(config, createLogger('silent'));
const account = await addLocalAccount(admin.engine, 'bench@example.com', await hashPassword(crypto.randomBytes(16).toString('base64url')));
const client = await addClient(
  { engine: admin.engine, logger, clock: systemClock, config },
  { name: 'token bench', authMethod: 'client_secret_basic', redirectUris: ['https://bench.example.com/callback'], owner: 'bench@example.com', scope: SCOPE },
);
await admin.close();

// The adapter's calls by model and method (database runs only), and the statements sent: a map increment each.
const counts = new Map<string, number>();
const databaseFactory = OAuthStore.factory.bind(OAuthStore);
// oidc-provider makes this store itself when no adapter is configured (helpers/initialize_adapter.js).
const MEMORY_ADAPTER = 'oidc-provider/lib/adapters/memory_adapter.js';
const { createMemoryAdapter } = (await import(MEMORY_ADAPTER)) as { createMemoryAdapter(clockTolerance: number): (model: string) => Adapter };
const memory = createMemoryAdapter(5); // provider.ts: clockTolerance 5
if (adapter === 'memory') {
  (OAuthStore as unknown as { factory: () => typeof memory }).factory = () => memory;
} else {
  for (const method of ['find', 'findByUid', 'findByUserCode', 'upsert', 'consume', 'destroy', 'revokeByGrantId'] as const) {
    const original = OAuthStore.prototype[method] as (this: OAuthStore, ...args: unknown[]) => Promise<unknown>;
    (OAuthStore.prototype as unknown as Record<string, unknown>)[method] = function (this: OAuthStore, ...args: unknown[]) {
      const key = `${(this as unknown as { model: string }).model}.${method}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return original.apply(this, args);
    };
  }
}

const serving = await startServing(config, logger, planListen(config));
const { engine } = serving.opened;
// Every statement this process sends (Kysely's executors, transactions' too), in both runs alike.
{
  let proto: object | null = engine.db.getExecutor();
  while (proto && !Object.hasOwn(proto, 'executeQuery')) proto = Object.getPrototypeOf(proto) as object | null;
  const holder = proto as { executeQuery: (...args: unknown[]) => Promise<unknown> };
  const original = holder.executeQuery;
  holder.executeQuery = function (this: unknown, ...args: unknown[]) {
    counts.set('statements', (counts.get('statements') ?? 0) + 1);
    if (process.env.BENCH_STATEMENTS === 'each') {
      const text = (args[0] as { sql: string }).sql.replace(/\s+/g, ' ').slice(0, 90);
      counts.set(`sql: ${text}`, (counts.get(`sql: ${text}`) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
}
const url = serving.handle.url;
const resource = `${url}/mcp`;

// A second provider over the same adapter (the database, or oidc-provider's process-wide memory
// store) mints what the authorization code flow would have left: a grant and its refresh token.
const kek = await keyEncryptionKey(serving.opened);
const minter = createAuthorizationServer({
  engine,
  config,
  logger,
  clock: systemClock,
  issuer: url,
  resource,
  keys: await loadSigningKeys(engine, kek),
  kek,
  clientCertificates: 'none',
});
if (adapter === 'memory') {
  // The client, as `client add` stored it, into the memory store.
  const stored = await databaseFactory(engine, kek)('Client').find(client.clientId);
  await memory('Client').upsert(client.clientId, stored!);
}

async function mintChain(): Promise<string> {
  const grant = new minter.Grant({ accountId: account.subject, clientId: client.clientId });
  grant.addResourceScope(resource, SCOPE);
  const grantId = await grant.save();
  const refreshToken = new minter.RefreshToken({
    accountId: account.subject,
    clientId: client.clientId,
    grantId,
    gty: 'authorization_code',
    resource,
    scope: SCOPE,
    authTime: Math.floor(Date.now() / 1000),
    expiresWithSession: false,
    sessionUid: crypto.randomUUID(),
    sid: crypto.randomUUID(),
  } as never);
  return refreshToken.save();
}

let profiler: Session | undefined;
const control = http.createServer((req, res) => {
  void (async () => {
    const at = new URL(req.url ?? '/', 'http://control');
    let body: unknown;
    if (req.method === 'POST' && at.pathname === '/chains') {
      body = await Promise.all(Array.from({ length: Number(at.searchParams.get('n') ?? 1) }, mintChain));
    } else if (req.method === 'POST' && at.pathname === '/profile') {
      // A CPU profile of what happens between two calls: ?start, then ?stop=<file>.
      if (at.searchParams.has('start')) {
        profiler ??= new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      } else {
        const { profile } = await profiler!.post('Profiler.stop');
        fs.writeFileSync(at.searchParams.get('stop')!, JSON.stringify(profile));
        profiler!.disconnect();
      }
      body = {};
    } else if (at.pathname === '/cpu') {
      const { user, system } = process.cpuUsage();
      body = { ms: (user + system) / 1000 };
    } else if (at.pathname === '/counts') {
      body = Object.fromEntries([...counts].sort());
      if (req.method === 'POST') counts.clear();
    }
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  })().catch((err: Error) => res.writeHead(500).end(err.message));
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

process.stdout.write(
  `${JSON.stringify({
    url,
    control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
    clientId: client.clientId,
    secret: client.secret,
    pid: process.pid,
  })}\n`,
);

process.once('SIGTERM', () => {
  control.close();
  void serving.stop().then(() => process.exit(0));
});
