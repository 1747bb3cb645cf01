import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import { systemClock, type Clock } from '../clock.js';
import { configWarnings, embeddingsMissing, type ResolvedConfig } from '../config/load.js';
import { inspectSigningKeys } from '../auth/signing-keys.js';
import { openEngine } from '../runtime.js';
import { KEY_IN_DATABASE_WARNING } from '../security/audit-keys.js';
import { keyEncryptionKeyFile, readKeyEncryptionKeyFile } from '../security/key-encryption-key.js';
import type { Engine } from '../storage/engine.js';
import { checkPassphrase } from '../storage/passphrase-key.js';
import { pgliteHeldBy } from '../storage/postgres.js';
import { providerOf } from './recall.js';

type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of `mcp-pa doctor`: what was checked, how it went, and what to do about it. */
export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
}

export interface DoctorOptions {
  /** This machine's time, compared with the database's and the certificate's dates. */
  clock?: Clock;
}

/** Days of validity left below which the certificate is reported. */
const CERTIFICATE_WARN_DAYS = 14;
/** Token lifetimes and sign-in windows tolerate a little skew; more than this is reported. */
const SKEW_WARN_MS = 2_000;
const SKEW_FAIL_MS = 30_000;

/** HTTP mode with its own authorization server (which signs tokens with keys sealed in the database). */
const embeddedIssuer = (config: ResolvedConfig) => config.mode === 'http' && config.authentication.enabled && !config.authentication.issuer;
const line = (check: string, status: CheckStatus, message: string): CheckResult => ({ check, status, message });
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Everything `mcp-pa doctor` checks about a deployment, in order, changing nothing: the database
 * is opened but never migrated or written, no key is created, and the embeddings provider gets
 * one short text. A check that depends on one that failed is skipped, saying why.
 */
export async function runDoctor(config: ResolvedConfig, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const clock = options.clock ?? systemClock;
  const results: CheckResult[] = [line('configuration', 'ok', describeDeployment(config))];
  for (const warning of configWarnings(config)) results.push(line('configuration', 'warn', warning));
  if (!config.database.connection_string) results.push(dataDirectoryCheck(config.dataDir));

  const missing = databaseNotOpenable(config);
  let engine: Engine | undefined;
  if (missing) results.push(line('database', 'warn', missing));
  else {
    try {
      engine = await openEngine(config, undefined, { oneShot: true }); // a command of its own (see openPgliteEngine)
      results.push(line('database', 'ok', await describeDatabase(engine)));
    } catch (err) {
      results.push(line('database', 'fail', (err as Error).message));
    }
  }
  const skipped = missing ? 'the database was not opened' : 'the database could not be opened';
  if (engine) {
    try {
      results.push(...(await databaseChecks(engine, config, clock)));
    } finally {
      await engine.close();
    }
  } else {
    for (const check of ['migrations', 'row-level security', 'key-encryption key']) results.push(line(check, 'skip', skipped));
  }
  results.push(certificateCheck(config, clock.now()));
  results.push(await embeddingsCheck(config, clock));
  return results;
}

function describeDeployment(config: ResolvedConfig): string {
  const engine =
    config.database.type === 'sqlite'
      ? `SQLite ${config.database.path}${config.encryption.key ? ' (encrypted)' : ''}`
      : config.database.connection_string
        ? 'PostgreSQL server'
        : 'embedded PostgreSQL (PGlite)';
  if (config.mode === 'local') return `local mode, ${engine}`;
  const auth = !config.authentication.enabled
    ? 'no authentication'
    : config.authentication.issuer
      ? `issuer ${config.authentication.issuer}`
      : 'embedded authorization server';
  return `HTTP mode (${config.transport}), ${engine}, ${auth}`;
}

/** mcp-pa's own folder holds the database, documents and keys: nobody else should read it. */
function dataDirectoryCheck(dataDir: string): CheckResult {
  if (!fs.existsSync(dataDir)) return line('data directory', 'ok', `${dataDir} does not exist yet (made, private, at the first start)`);
  const mode = fs.statSync(dataDir).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    return line('data directory', 'warn', `${dataDir} is readable by others (mode ${mode.toString(8)}): run chmod 700 on it (the server does at start)`);
  return line('data directory', 'ok', `${dataDir}, private to its owner`);
}

/**
 * Why a local database is not opened here: it does not exist yet (the first start makes it;
 * opening it would), or it is embedded PostgreSQL that a running server holds (one process only).
 */
function databaseNotOpenable(config: ResolvedConfig): string | undefined {
  if (config.database.connection_string) return undefined;
  const where = config.database.type === 'sqlite' ? config.database.path : path.join(config.dataDir, 'pgdata');
  if (!fs.existsSync(where)) return `no database yet at ${where}: the first start makes it`;
  const holder = config.database.type === 'sqlite' ? undefined : pgliteHeldBy(where);
  return holder ? `the embedded database is in use by a running mcp-pa (pid ${holder}): stop it to check the database` : undefined;
}

async function describeDatabase(engine: Engine): Promise<string> {
  if (!engine.sharedAcrossInstances) return `${engine.description.label} opens`;
  const version = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(engine.db);
  const where = await sql<{
    db: string;
    host: string | null;
    port: number | null;
  }>`SELECT current_database() AS db, inet_server_addr()::text AS host, inet_server_port() AS port`.execute(engine.db);
  const at = where.rows[0];
  return `PostgreSQL ${version.rows[0]?.v ?? '?'} reachable${at ? ` (${at.host ? `${at.host.replace(/\/\d+$/, '')}:${at.port}/` : ''}${at.db})` : ''}`;
}

async function databaseChecks(engine: Engine, config: ResolvedConfig, clock: Clock): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const status = await engine.migrationStatus();
  if (status.current > status.known)
    results.push(line('migrations', 'fail', `the schema is version ${status.current}, newer than this mcp-pa understands (${status.known}): upgrade mcp-pa`));
  else if (status.current === 0)
    results.push(line('migrations', 'warn', `no schema yet: the first start (or mcp-pa migrate) makes it (${status.pending.length} migrations)`));
  else if (status.pending.length > 0)
    results.push(
      line(
        'migrations',
        'warn',
        `schema version ${status.current} of ${status.known}: the next start (or mcp-pa migrate) applies ${status.pending.join(', ')}`,
      ),
    );
  else results.push(line('migrations', 'ok', `schema version ${status.current}, current`));

  const security = await engine.security();
  if (security.rowLevelSecurity === 'not-applicable') results.push(line('row-level security', 'skip', 'not needed: one person per SQLite file'));
  else if (status.current === 0) results.push(line('row-level security', 'skip', 'no schema yet'));
  else {
    const role = security.applicationRole;
    const others = security.warnings.filter((w) => w !== role?.problem);
    results.push(
      security.rowLevelSecurity === 'enforced'
        ? line('row-level security', 'ok', 'forced on every tenant table')
        : line('row-level security', 'fail', `NOT in force: ${security.warnings.join('; ')}`),
    );
    if (role) {
      results.push(
        role.problem
          ? line('application role', 'fail', role.problem)
          : line('application role', 'ok', `"${role.name}" is not a superuser, not BYPASSRLS, and owns no table`),
      );
    }
    for (const warning of others.filter((w) => w.startsWith('connected as'))) results.push(line('login role', 'warn', warning));
  }
  if (status.current === 0) return results;

  const kek = await keyEncryptionKeyCheck(engine, config);
  results.push(kek.result);
  if (embeddedIssuer(config)) {
    if (kek.sealedKeys === 0) results.push(line('signing keys', 'ok', 'none yet: the first start makes them'));
    else if (!kek.key) results.push(line('signing keys', 'skip', 'no key-encryption key to open them with'));
    else {
      const keys = await inspectSigningKeys(engine, kek.key);
      if (keys.unopened.length > 0)
        results.push(line('signing keys', 'fail', `the key-encryption key does not open ${keys.unopened.join(', ')}: it is not the key they were sealed with`));
      else
        results.push(
          line('signing keys', 'ok', `${keys.active.sort().join(' and ')} signing${keys.retired ? `, ${keys.retired} retired still verifying` : ''}; all open`),
        );
    }
  }
  results.push(await clockSkewCheck(engine, clock));
  return results;
}

/**
 * The key that seals the signing keys and people's secrets (webhook and feed secrets), and roots
 * the audit chain: set (and the one the database was sealed with), or the data directory's file.
 */
async function keyEncryptionKeyCheck(engine: Engine, config: ResolvedConfig): Promise<{ result: CheckResult; key?: Buffer; sealedKeys: number }> {
  const sealedKeys = Number(
    (
      await engine.db
        .selectFrom('signing_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst()
    )?.n ?? 0,
  );
  return { ...(await findKeyEncryptionKey(engine, config, sealedKeys)), sealedKeys };
}

async function findKeyEncryptionKey(engine: Engine, config: ResolvedConfig, sealedKeys: number): Promise<{ result: CheckResult; key?: Buffer }> {
  const name = 'key-encryption key';
  const passphrase = config.authentication.key_encryption_key;
  if (passphrase) {
    const found = await checkPassphrase(engine.db, passphrase, 'signing_key');
    if (found.state === 'differs')
      return { result: line(name, 'fail', "MCP_OAUTH_KEY_ENCRYPTION_KEY is not the key this database's signing keys and secrets were sealed with") };
    if (found.state === 'unused') return { result: line(name, 'ok', 'MCP_OAUTH_KEY_ENCRYPTION_KEY is set; nothing is sealed with it yet') };
    return { result: line(name, 'ok', "MCP_OAUTH_KEY_ENCRYPTION_KEY is the key this database's keys were sealed with"), key: found.key };
  }
  if (engine.sharedAcrossInstances) {
    if (embeddedIssuer(config))
      return {
        result: line(name, 'fail', 'MCP_OAUTH_KEY_ENCRYPTION_KEY is not set: the embedded authorization server needs it, the same on every instance'),
      };
    return { result: line(name, 'warn', KEY_IN_DATABASE_WARNING) };
  }
  const file = keyEncryptionKeyFile(config.dataDir);
  if (!fs.existsSync(file)) {
    return sealedKeys > 0
      ? { result: line(name, 'fail', `${file} is missing, and signing keys are sealed with it: restore it from a backup`) }
      : { result: line(name, 'ok', `none yet: made in ${file} when first needed`) };
  }
  try {
    return {
      result: line(name, 'ok', `kept in ${file}: keep a copy somewhere safe (mcp-pa backup leaves it out unless --include-key)`),
      key: readKeyEncryptionKeyFile(file),
    };
  } catch (err) {
    return { result: line(name, 'fail', (err as Error).message) };
  }
}

/** Tokens carry times: an instance whose clock is far from the database's (and so the others') refuses good ones. */
async function clockSkewCheck(engine: Engine, clock: Clock): Promise<CheckResult> {
  if (!engine.sharedAcrossInstances) return line('clock', 'skip', 'the database runs on this machine');
  const before = clock.now();
  const row = await sql<{ ms: number }>`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`.execute(engine.db);
  const after = clock.now();
  const skew = Number(row.rows[0]?.ms) - (before + after) / 2;
  const text = `${Math.abs(skew / 1000).toFixed(1)} s ${skew > 0 ? 'behind' : 'ahead of'} the database's clock`;
  if (Math.abs(skew) > SKEW_FAIL_MS) return line('clock', 'fail', `${text}: set the time (NTP) on this machine or the database's`);
  if (Math.abs(skew) > SKEW_WARN_MS) return line('clock', 'warn', `${text}: keep both synchronised (NTP)`);
  return line('clock', 'ok', `within ${(SKEW_WARN_MS / 1000).toFixed(0)} s of the database's clock`);
}

/** The HTTPS certificate mcp-pa serves: readable, its key's, valid now and for a while, for the public host. */
function certificateCheck(config: ResolvedConfig, now: number): CheckResult {
  const name = 'TLS certificate';
  if (config.mode !== 'http') return line(name, 'skip', 'local mode serves no HTTPS');
  const { tls_cert: certFile, tls_key: keyFile } = config.server;
  if (!certFile || !keyFile) return line(name, 'skip', 'none configured: TLS ends at a proxy in front, or the server is on loopback only');
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    if (!cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(keyFile)))) return line(name, 'fail', `${keyFile} is not the key of ${certFile}`);
  } catch (err) {
    return line(name, 'fail', `cannot read ${certFile} and its key: ${(err as Error).message}`);
  }
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const subject = cert.subject.replace(/\n/g, ', ');
  if (now < from) return line(name, 'fail', `${subject}: not valid before ${day(from)}`);
  if (now >= to) return line(name, 'fail', `${subject}: expired on ${day(to)}`);
  const host = config.server.public_url ? new URL(config.server.public_url).hostname.replace(/^\[|\]$/g, '') : undefined;
  if (host && !(net.isIP(host) ? cert.checkIP(host) : cert.checkHost(host))) return line(name, 'fail', `${subject} is not for ${host} (server.public_url)`);
  const days = Math.floor((to - now) / 86_400_000);
  const text = `${subject}, valid until ${day(to)} (${days} day${days === 1 ? '' : 's'})`;
  return line(name, days < CERTIFICATE_WARN_DAYS ? 'warn' : 'ok', days < CERTIFICATE_WARN_DAYS ? `${text}: renew it` : text);
}

/** With vector search on, the provider answers one text with a vector. */
async function embeddingsCheck(config: ResolvedConfig, clock: Clock): Promise<CheckResult> {
  const name = 'embeddings';
  if (!config.features.vector_search) return line(name, 'skip', 'vector search is off (features.vector_search)');
  const missing = embeddingsMissing(config);
  const provider = providerOf(config);
  if (missing || !provider) return line(name, 'fail', `vector search is on but ${missing ?? 'the provider'} is not set`);
  const started = clock.now();
  try {
    const [vector] = await provider.embed(['mcp-pa doctor']);
    return line(name, 'ok', `${provider.model} answered with ${vector?.length ?? 0} numbers in ${Math.max(0, clock.now() - started)} ms`);
  } catch (err) {
    const detail = (err as { detail?: string }).detail;
    return line(name, 'fail', `${(err as Error).message}${detail ? ` (${detail})` : ''}`);
  }
}
