import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
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
  const runtime = await openRuntime(loadConfig({}, { HOME: tempHome(), MCP_DATABASE_TYPE: 'postgresql', MCP_DATABASE_URL: url, MCP_DATABASE_APP_ROLE: role }), logger);
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
        assert.deepEqual(await runtime.security(), { rowLevelSecurity: 'enforced', warnings: [] });
        await runtime.ensureTenant('t1');
        const rows = await runtime.run('read', 't1', (ctx) => sql<{ n: number }>`SELECT count(*)::int AS n FROM tenants`.execute(ctx.db));
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
    assert.ok(logs.some((l) => /superuser/.test(l)), logs.join('\n'));
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
      const after = await sql<{ tenant: string | null; role: string }>`SELECT current_setting('app.tenant_id', true) AS tenant, current_user AS role`.execute(engine.db);
      assert.ok(!after.rows[0]!.tenant, 'the tenant setting ended with the transaction');
      assert.notEqual(after.rows[0]!.role, role, 'the role switch ended with the transaction');
      await assert.rejects(engine.transaction('read', 'leak', (trx) => trx.insertInto('tenants').values({ id: 'x', created_at: 'x' }).execute()), /read-only/);
    } finally {
      await engine.close();
    }
  });
});
