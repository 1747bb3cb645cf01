import crypto from 'node:crypto';
import path from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import type { Clock } from '../../src/clock.js';
import { seedPgliteHome } from './pglite-template.js';
import { tempHome } from './tmp.js';

/**
 * The storage engine the domain suite runs on: TEST_ENGINE=sqlite (default), pglite, or postgres
 * (a real server at TEST_DATABASE_URL, where each test home gets its own database and role).
 */
export type EngineName = 'sqlite' | 'pglite' | 'postgres';
export const ENGINE = (process.env.TEST_ENGINE ?? 'sqlite') as EngineName;

interface Setup {
  env: Record<string, string>;
  database?: string;
  role?: string;
}

const setups = new Map<string, Setup>();

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_ENGINE=postgres needs TEST_DATABASE_URL (a role that may create databases and roles)');
  return url;
}

export function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(query: string, url = adminUrl()) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(query);
  } finally {
    await client.end();
  }
}

// Dropped when the test file ends (registered at import, so on the file's root, not on a test).
const created: { database: string; role: string }[] = [];
after(async () => {
  for (const { database, role } of created.splice(0)) {
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  }
});

/** A fresh database and application role name on the server, both dropped when the test file ends. */
export async function createServerDatabase(): Promise<{ url: string; database: string; role: string }> {
  const suffix = crypto.randomBytes(5).toString('hex');
  const database = `mcp_pa_t_${suffix}`;
  const role = `mcp_pa_app_${suffix}`;
  await adminQuery(`CREATE DATABASE ${database}`);
  created.push({ database, role });
  return { url: withDatabaseName(adminUrl(), database), database, role };
}

/**
 * A fresh server database reached through a loopback relay the test controls (a proxy made by
 * `relay` for the server's address, opened here): the relay, and the environment of a server that
 * connects through it.
 */
export async function serverDatabaseThrough<R extends { port: number; open(): Promise<void> }>(
  relay: (target: { host: string; port: number }) => R,
): Promise<{ relay: R; env: Record<string, string> }> {
  const { url, role } = await createServerDatabase();
  const direct = new URL(url);
  const opened = relay({ host: direct.hostname, port: Number(direct.port || 5432) });
  await opened.open();
  const through = new URL(url);
  through.hostname = '127.0.0.1';
  through.port = String(opened.port);
  return { relay: opened, env: { MCP_DATABASE_TYPE: 'postgresql', MCP_DATABASE_URL: through.toString(), MCP_DATABASE_APP_ROLE: role } };
}

/** The environment that points a server in `home` at the engine under test. */
export async function engineEnv(home: string, engine: EngineName = ENGINE): Promise<Record<string, string>> {
  const known = setups.get(home);
  if (known) return known.env;
  let setup: Setup;
  if (engine === 'sqlite') setup = { env: {} };
  else if (engine === 'pglite') setup = { env: { MCP_DATABASE_TYPE: 'postgresql' } };
  else {
    const { url, database, role } = await createServerDatabase();
    setup = { env: { MCP_DATABASE_TYPE: 'postgresql', MCP_DATABASE_URL: url, MCP_DATABASE_APP_ROLE: role }, database, role };
  }
  setups.set(home, setup);
  return setup.env;
}

/**
 * Runs SQL against the database of a test home while its server is stopped, as the login role
 * (which sees every row): for tests that tamper with or age stored data. Parameters are $1, $2...
 */
export async function rawSql(home: string, query: string, params: unknown[] = [], engine: EngineName = ENGINE): Promise<Record<string, unknown>[]> {
  if (engine === 'sqlite') {
    const db = new Database(path.join(home, '.config', 'mcp-pa', 'database.sqlite'));
    try {
      const statement = db.prepare(query.replace(/\$\d+/g, '?'));
      return statement.reader ? (statement.all(...params) as Record<string, unknown>[]) : (statement.run(...params), []);
    } finally {
      db.close();
    }
  }
  if (engine === 'pglite') {
    const db = await PGlite.create(path.join(home, '.config', 'mcp-pa', 'pgdata'), { extensions: { vector } });
    try {
      return (await db.query<Record<string, unknown>>(query, params)).rows;
    } finally {
      await db.close();
    }
  }
  const setup = setups.get(home);
  if (!setup?.database) throw new Error(`no server database for ${home}`);
  const client = new pg.Client({ connectionString: withDatabaseName(adminUrl(), setup.database) });
  await client.connect();
  try {
    return (await client.query(query, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** A runtime in this process on the given engine, in a fresh home (on PGlite a copy of the migrated template); the caller closes it. */
export async function openTestRuntime(engine: EngineName, extraEnv: Record<string, string> = {}, clock?: Clock) {
  const { loadConfig } = await import('../../src/config/load.js');
  const { createLogger } = await import('../../src/logging.js');
  const { openRuntime } = await import('../../src/runtime.js');
  const home = tempHome('mcp-pa-rt-');
  const env = { HOME: home, ...(await engineEnv(home, engine)), ...extraEnv };
  await seedPgliteHome(home, env);
  const runtime = await openRuntime(loadConfig({}, env), createLogger('silent'), clock);
  return { runtime, home, env };
}

/** The engines this machine can test: SQLite and PGlite always, the server when TEST_DATABASE_URL is set. */
export const AVAILABLE_ENGINES: EngineName[] = ['sqlite', 'pglite', ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : [])];
