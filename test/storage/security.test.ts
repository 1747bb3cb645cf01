import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/logging.js';
import { openRuntime } from '../../src/runtime.js';
import { openPostgresEngine } from '../../src/storage/postgres.js';
import { adminQuery, createServerDatabase, withDatabaseName } from '../helpers/engines.js';
import { tempHome } from '../helpers/server.js';

const server = process.env.TEST_DATABASE_URL;

/** Runs mcp-pa's start-up against the database as the given URL, and returns what it concluded. */
async function start(url: string, role: string) {
  const logs: string[] = [];
  const logger = createLogger('warn');
  logger.error = ((obj: unknown, msg?: string) => void logs.push(typeof obj === 'string' ? obj : (msg ?? ''))) as typeof logger.error;
  const runtime = await openRuntime(
    loadConfig({}, { HOME: tempHome(), MCP_DATABASE_TYPE: 'postgresql', MCP_DATABASE_URL: url, MCP_DATABASE_APP_ROLE: role }),
    logger,
  );
  return { runtime, logs };
}

describe('row-level security on a PostgreSQL server', { skip: !server && 'TEST_DATABASE_URL is not set' }, () => {
  it('runs clean as a dedicated login role that is a member of the application role', async () => {
    const { url, database, role } = await createServerDatabase();
    // The owner (the admin here) migrates; the server then logs in as a plain member role.
    const first = await start(url, role);
    await first.runtime.close();
    const login = `mcp_pa_login_${crypto.randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE ROLE ${login} LOGIN PASSWORD 'pw' IN ROLE ${role}`);
    try {
      const asLogin = new URL(withDatabaseName(url, database));
      asLogin.username = login;
      asLogin.password = 'pw';
      const { runtime, logs } = await start(asLogin.toString(), role);
      try {
        assert.deepEqual(logs, [], 'no security warning');
        assert.deepEqual(await runtime.security(), { rowLevelSecurity: 'enforced', warnings: [], applicationRole: { name: role } });
        await runtime.ensureTenant('t1');
        const rows = await runtime.engine.transaction('read', 't1', (trx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM tenants`.execute(trx));
        assert.ok(rows.rows[0]!.n >= 1);
      } finally {
        await runtime.close();
      }
    } finally {
      await adminQuery(`DROP ROLE ${login}`);
    }
  });

  it('warns loudly when the login role is a superuser', async () => {
    const { url, role } = await createServerDatabase();
    const { runtime, logs } = await start(url, role);
    await runtime.close();
    assert.ok(
      logs.some((l) => /superuser/.test(l)),
      logs.join('\n'),
    );
  });

  it('refuses to start when the application role can bypass row-level security', async () => {
    const { url, role } = await createServerDatabase();
    await (await start(url, role)).runtime.close();
    await adminQuery(`ALTER ROLE ${role} BYPASSRLS`);
    await assert.rejects(start(url, role), /Row-level security is not in force.*BYPASSRLS/);
  });

  it('refuses to start when a tenant table is not forced to row-level security', async () => {
    const { url, role } = await createServerDatabase();
    await (await start(url, role)).runtime.close();
    await adminQuery(`ALTER TABLE todos NO FORCE ROW LEVEL SECURITY`, url);
    await assert.rejects(start(url, role), /not forced on: todos/);
  });

  it('leaves no tenant or role on a pooled connection after its transaction', async () => {
    const { url, role } = await createServerDatabase();
    await (await start(url, role)).runtime.close();
    const engine = await openPostgresEngine({ connectionString: url, poolSize: 1, appRole: role });
    try {
      await engine.transaction('write', 'leak', (trx) => trx.insertInto('tenants').values({ id: 'leak', created_at: 'x' }).execute());
      const after = await sql<{ tenant: string | null; role: string }>`SELECT current_setting('app.tenant_id', true) AS tenant, current_user AS role`.execute(
        engine.db,
      );
      assert.ok(!after.rows[0]!.tenant, 'the tenant setting ended with the transaction');
      assert.notEqual(after.rows[0]!.role, role, 'the role switch ended with the transaction');
      await assert.rejects(
        engine.transaction('read', 'leak', (trx) => trx.insertInto('tenants').values({ id: 'x', created_at: 'x' }).execute()),
        /read-only/,
      );
    } finally {
      await engine.close();
    }
  });
});

/** A database owned by a role that is no superuser (as in production), and its URL as that owner. */
async function ownedByPlainRole() {
  const { url, database, role } = await createServerDatabase();
  const owner = `${role}_owner`;
  await adminQuery(`CREATE ROLE ${owner} LOGIN PASSWORD 'pw' CREATEROLE`);
  await adminQuery(`ALTER DATABASE ${database} OWNER TO ${owner}`);
  const asOwner = new URL(url);
  asOwner.username = owner;
  asOwner.password = 'pw';
  const dropOwner = async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    await adminQuery(`DROP ROLE IF EXISTS ${owner}`);
  };
  return { url, ownerUrl: asOwner.toString(), role, owner, dropOwner };
}

/** Runs statements in order on one connection to `url` and returns each result and every notice. */
async function session(url: string, statements: string[]) {
  const client = new pg.Client({ connectionString: url });
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(n.message ?? ''));
  await client.connect();
  try {
    const results = [];
    for (const s of statements) results.push((await client.query(s)).rows);
    return { results, notices };
  } finally {
    await client.end();
  }
}

const SEARCH = `SELECT item_id FROM search_tenant_items(websearch_to_tsquery('simple', 'invoice'), to_tsquery('simple', 'invoice'), ARRAY['todo'], 10) ORDER BY item_id`;

describe('full-text search under row-level security on a PostgreSQL server', { skip: !server && 'TEST_DATABASE_URL is not set' }, () => {
  it("returns only the current tenant's matches, nothing without a tenant, and nothing to other roles", async () => {
    const { url, role } = await createServerDatabase();
    const { runtime } = await start(url, role);
    try {
      await runtime.ensureTenant('alice');
      await runtime.ensureTenant('mallory');
    } finally {
      await runtime.close();
    }
    await adminQuery(
      `INSERT INTO search_items (tenant_id, item_kind, item_id, title, body, tags) VALUES
         ('alice', 'todo', 'a1', 'Pay the invoice', '', ''), ('mallory', 'todo', 'm1', 'invoice for mallory', '', '')`,
      url,
    );
    const asApp = (tenant: string | null) => [`SET ROLE ${role}`, ...(tenant ? [`SELECT set_config('app.tenant_id', '${tenant}', false)`] : []), SEARCH];
    assert.deepEqual((await session(url, asApp('alice'))).results.at(-1), [{ item_id: 'a1' }]);
    assert.deepEqual((await session(url, asApp('mallory'))).results.at(-1), [{ item_id: 'm1' }]);
    assert.deepEqual((await session(url, asApp(null))).results.at(-1), [], 'no tenant set, no rows');
    const stranger = `${role}_stranger`;
    await adminQuery(`CREATE ROLE ${stranger}`);
    try {
      await assert.rejects(session(url, [`SET ROLE ${stranger}`, `SELECT set_config('app.tenant_id', 'alice', false)`, SEARCH]), /permission denied/);
    } finally {
      await adminQuery(`DROP ROLE ${stranger}`);
    }
  });

  it('searches through the GIN index while the application role is under row-level security', async () => {
    const { url, ownerUrl, role, dropOwner } = await ownedByPlainRole();
    try {
      const { runtime } = await start(ownerUrl, role);
      try {
        for (const t of ['alice', 'bob']) await runtime.ensureTenant(t);
      } finally {
        await runtime.close();
      }
      // Enough rows that reading all of a tenant's is dearer than the index; the rows inserted at
      // once wait in the GIN index's pending list until a vacuum (autovacuum's, on a server) moves
      // them into the index proper, which the planner counts as dear to read: done here at once.
      await adminQuery(
        `INSERT INTO search_items (tenant_id, item_kind, item_id, title, body, tags)
         SELECT t, 'todo', t || i, 'task ' || i || CASE WHEN i % 500 = 0 THEN ' invoice' ELSE '' END, 'notes about thing ' || i, ''
         FROM unnest(ARRAY['alice', 'bob']) t, generate_series(1, 5000) i;
         ANALYZE search_items;
         SELECT gin_clean_pending_list('search_items_document')`,
        url,
      );
      const { results, notices } = await session(url, [
        `LOAD 'auto_explain'`,
        `SET auto_explain.log_min_duration = 0`,
        `SET auto_explain.log_nested_statements = on`,
        `SET auto_explain.log_level = notice`,
        `SET ROLE ${role}`,
        `SELECT set_config('app.tenant_id', 'alice', false)`,
        SEARCH,
      ]);
      assert.equal(results.at(-1)!.length, 10);
      const plan = notices.find((n) => n.includes('FROM public.search_items'));
      assert.ok(plan, `the function's plan was logged:\n${notices.join('\n')}`);
      assert.match(plan, /Bitmap Index Scan on search_items_document/, plan);
    } finally {
      await dropOwner();
    }
  });

  it('refuses to start when the application role owns a tenant table', async () => {
    const { url, ownerUrl, role, dropOwner } = await ownedByPlainRole();
    try {
      await (await start(ownerUrl, role)).runtime.close();
      // An owner may switch row-level security off, and the owner's policy lets it read every tenant.
      await adminQuery(`ALTER TABLE search_items OWNER TO ${role}`, url);
      await assert.rejects(start(ownerUrl, role), /owns the tables/);
    } finally {
      await dropOwner();
    }
  });
});
