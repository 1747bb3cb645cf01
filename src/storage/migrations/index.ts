import { sql, type Kysely } from 'kysely';
import type { Dialect, MigrationStatus } from '../engine.js';
import { TENANT_TABLES } from '../tenant-tables.js';
import { ensureVectorSupport } from '../vectors.js';
import { initial } from './001-initial.js';
import { searchFunction } from './002-search-function.js';
import { accounts } from './003-accounts.js';
import { SEARCH_FUNCTION, searchPrefixFilter } from './004-search-prefix-filter.js';
import { oauthRecords } from './005-oauth-records.js';
import { accountRecords } from './006-account-records.js';
import { signingKeys } from './007-signing-keys.js';
import { localAccounts } from './008-local-accounts.js';
import { loginFailures } from './009-login-failures.js';
import { rateLimits } from './010-rate-limits.js';
import { auditEvents } from './011-audit-events.js';
import { credentialsChanged } from './012-credentials-changed.js';
import { signInAddresses } from './014-sign-in-addresses.js';
import { documentBlobChunks } from './015-document-blob-chunks.js';
import { DUE_TENANTS_FUNCTION, dueWork } from './016-due-work.js';
import { FEED_TENANT_FUNCTION, recurrence } from './017-recurrence.js';
import { subtasks } from './018-subtasks.js';
import { history } from './019-history.js';
import { EMBEDDING_BACKLOG_FUNCTION, recall } from './020-recall.js';
import { grantIndex } from './021-grant-index.js';
import { searchTenantLexemes } from './022-search-tenant-lexemes.js';
import { remindingEvents } from './023-reminding-events.js';
import type { Migration } from './migration.js';

/** Every migration, in order. A released migration is never edited: add the next one. */
const MIGRATIONS: readonly Migration[] = [
  initial,
  searchFunction,
  accounts,
  searchPrefixFilter,
  oauthRecords,
  accountRecords,
  signingKeys,
  localAccounts,
  loginFailures,
  rateLimits,
  auditEvents,
  credentialsChanged,
  signInAddresses,
  documentBlobChunks,
  dueWork,
  recurrence,
  subtasks,
  history,
  recall,
  grantIndex,
  searchTenantLexemes,
  remindingEvents,
];

export interface MigrateOptions {
  /** PostgreSQL: the role queries run as; created if missing and granted what it needs. */
  appRole?: string;
  /** PostgreSQL: install pgvector (and index each embedding model) when the server has it. */
  vectors?: boolean;
  /** Stop after this version (tests build an older database with it). */
  upTo?: number;
}

/**
 * Brings the schema up to date in one transaction and reports each step it took. On SQLite the
 * transaction starts with BEGIN IMMEDIATE and on PostgreSQL it takes an advisory lock, so two
 * processes starting at once on a new database take turns instead of failing.
 */
export async function migrate(db: Kysely<unknown>, dialect: Dialect, options: MigrateOptions = {}): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await sql.raw(dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(conn);
    try {
      if (dialect === 'postgresql') await sql`SELECT pg_advisory_xact_lock(hashtext('mcp-pa migrate'))`.execute(conn);
      const steps = await applyMigrations(conn, dialect, options.upTo);
      if (dialect === 'postgresql') {
        if (options.vectors && (await ensureVectorSupport(conn))) steps.push('enabled vector search (pgvector)');
        if (options.appRole) steps.push(...(await grantApplicationRole(conn, options.appRole)));
      }
      await sql`COMMIT`.execute(conn);
      return steps;
    } catch (err) {
      await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

export async function migrationStatus(db: Kysely<unknown>, dialect: Dialect): Promise<MigrationStatus> {
  const known = Math.max(...MIGRATIONS.map((m) => m.version));
  const table =
    dialect === 'sqlite'
      ? sql`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
      : sql`SELECT count(*) AS n FROM pg_class WHERE relkind = 'r' AND relname = 'schema_migrations'`;
  const tracked = await table.execute(db);
  const rows =
    Number((tracked.rows[0] as { n: number } | undefined)?.n) > 0
      ? (await sql<{ version: number }>`SELECT version FROM schema_migrations`.execute(db)).rows
      : [];
  const done = new Set(rows.map((r) => Number(r.version)));
  const pending = MIGRATIONS.filter((m) => !done.has(m.version)).map((m) => `${String(m.version).padStart(3, '0')} (${m.name})`);
  return { current: Math.max(0, ...done), known, pending };
}

async function applyMigrations(conn: Kysely<unknown>, dialect: Dialect, upTo = Infinity): Promise<string[]> {
  // Checked first: PostgreSQL wants the CREATE privilege even for CREATE TABLE IF NOT EXISTS, and
  // a login role that is not the owner has none.
  const tracked = await sql<{ n: number }>`
    SELECT count(*) AS n FROM ${sql.raw(dialect === 'sqlite' ? "sqlite_master WHERE type = 'table' AND" : "pg_class WHERE relkind = 'r' AND")} ${sql.raw(dialect === 'sqlite' ? 'name' : 'relname')} = 'schema_migrations'`.execute(
    conn,
  );
  if (Number(tracked.rows[0]?.n) === 0) {
    await sql`CREATE TABLE schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    )`.execute(conn);
  }
  const rows = await sql<{ version: number }>`SELECT version FROM schema_migrations`.execute(conn);
  const done = new Set(rows.rows.map((r) => Number(r.version)));
  const newest = Math.max(0, ...done);
  const known = Math.max(...MIGRATIONS.map((m) => m.version));
  if (newest > known) {
    throw new Error(`The database schema is version ${newest}, newer than this mcp-pa understands (${known}). Upgrade mcp-pa.`);
  }
  const steps: string[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.version) || migration.version > upTo) continue;
    await migration.up(conn, dialect);
    await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${new Date().toISOString()})`.execute(
      conn,
    );
    steps.push(`applied migration ${migration.version} (${migration.name})`);
  }
  return steps;
}

/**
 * The application role: created (without login) if missing, made available to the login role
 * (which switches to it in every transaction), and granted exactly the data privileges it needs.
 */
async function grantApplicationRole(conn: Kysely<unknown>, role: string): Promise<string[]> {
  const steps: string[] = [];
  const id = sql.id(role);
  const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ${role}`.execute(conn);
  if (Number(exists.rows[0]?.n) === 0) {
    await sql`CREATE ROLE ${id} NOLOGIN NOSUPERUSER NOBYPASSRLS`.execute(conn);
    steps.push(`created role ${role}`);
  }
  const member = await sql<{ ok: boolean }>`SELECT pg_has_role(current_user, ${role}, 'MEMBER') AS ok`.execute(conn);
  if (!member.rows[0]?.ok) await sql`GRANT ${id} TO CURRENT_USER`.execute(conn);
  // Granted only where missing, so a login role that is not the owner can start once it is set up.
  const missing = await sql<{ relname: string }>`
    SELECT c.relname FROM pg_class c
    WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
      AND c.relname IN (${sql.join(TENANT_TABLES)})
      AND NOT (has_table_privilege(${role}, c.oid, 'SELECT') AND has_table_privilege(${role}, c.oid, 'INSERT')
           AND has_table_privilege(${role}, c.oid, 'UPDATE') AND has_table_privilege(${role}, c.oid, 'DELETE'))`.execute(conn);
  for (const { relname } of missing.rows) {
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ${sql.table(relname)} TO ${id}`.execute(conn);
  }
  const basics = await sql<{ ok: boolean }>`
    SELECT has_schema_privilege(${role}, 'public', 'USAGE') AND has_table_privilege(${role}, 'meta', 'INSERT')
       AND has_table_privilege(${role}, 'schema_migrations', 'SELECT')
       AND has_function_privilege(${role}, ${`public.${SEARCH_FUNCTION}`}, 'EXECUTE')
       AND has_table_privilege(${role}, 'accounts', 'UPDATE')
       AND has_table_privilege(${role}, 'oauth_records', 'DELETE')
       AND has_table_privilege(${role}, 'signing_keys', 'DELETE')
       AND has_table_privilege(${role}, 'login_failures', 'DELETE')
       AND has_table_privilege(${role}, 'rate_limits', 'DELETE')
       AND has_table_privilege(${role}, 'sign_in_addresses', 'DELETE')
       AND has_table_privilege(${role}, 'audit_events', 'INSERT')
       AND (to_regclass('public.embedding_models') IS NULL OR has_table_privilege(${role}, 'embedding_models', 'SELECT')) AS ok`.execute(conn);
  if (!basics.rows[0]?.ok) {
    // Installation data, not tenant data: the schema version, and the document key's salt and
    // check value (written once, by whichever login first starts with a key).
    await sql`GRANT USAGE ON SCHEMA public TO ${id}`.execute(conn);
    await sql`GRANT SELECT ON schema_migrations TO ${id}`.execute(conn);
    await sql`GRANT SELECT, INSERT ON meta TO ${id}`.execute(conn);
    // Who each tenant belongs to: found (or created) from a token before the tenant is known.
    await sql`GRANT SELECT, INSERT, UPDATE ON accounts TO ${id}`.execute(conn);
    // The authorization server's clients, grants and tokens: not any one tenant's.
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_records TO ${id}`.execute(conn);
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON signing_keys TO ${id}`.execute(conn);
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON login_failures TO ${id}`.execute(conn);
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits TO ${id}`.execute(conn);
    await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON sign_in_addresses TO ${id}`.execute(conn);
    // The audit trail: appended and read; deleted only by the retention sweep (the trigger keeps the last day).
    await sql`GRANT SELECT, INSERT, DELETE ON audit_events TO ${id}`.execute(conn);
    await sql`GRANT USAGE ON SEQUENCE audit_events_seq_seq TO ${id}`.execute(conn);
    await sql`GRANT EXECUTE ON FUNCTION ${sql.raw(`public.${SEARCH_FUNCTION}`)} TO ${id}`.execute(conn);
    // Which embedding model a vector belongs to (models are added by the login role, which owns the indexes).
    const models = await sql<{ present: boolean }>`SELECT to_regclass('public.embedding_models') IS NOT NULL AS present`.execute(conn);
    if (models.rows[0]?.present) await sql`GRANT SELECT ON embedding_models TO ${id}`.execute(conn);
  }
  // The sweeper's list of tenants with work due and the feed route's owner of a feed (ids only;
  // the work itself runs as each tenant), once their migrations have made them (a run that stops
  // earlier, as a test's, has none yet).
  for (const fn of [DUE_TENANTS_FUNCTION, FEED_TENANT_FUNCTION, EMBEDDING_BACKLOG_FUNCTION]) {
    const name = `public.${fn}`;
    const due = await sql<{ missing: boolean }>`
      SELECT CASE WHEN to_regprocedure(${name}) IS NULL THEN false
                  ELSE NOT has_function_privilege(${role}, to_regprocedure(${name})::oid, 'EXECUTE') END AS missing`.execute(conn);
    if (due.rows[0]?.missing) await sql`GRANT EXECUTE ON FUNCTION ${sql.raw(name)} TO ${id}`.execute(conn);
  }
  if (missing.rows.length > 0) steps.push(`granted ${role} its privileges on ${missing.rows.length} tables`);
  return steps;
}
