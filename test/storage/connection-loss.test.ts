import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { adminQuery, openTestRuntime } from '../helpers/engines.js';
import { databaseUnreachable } from '../../src/storage/unreachable.js';

// Found by the fault tests (test/faults/database-restart.test.ts): PostgreSQL restarted under load
// crashed instances of `mcp-pa serve` with "Unhandled 'error' event" (Connection terminated
// unexpectedly). pg-pool listens for errors on a client only while it is idle; one that was checked
// out (a transaction running) emitted its error to nobody.
describe('a PostgreSQL connection lost in the middle of a transaction', () => {
  it(
    'fails that transaction, not the process, and the pool goes on with a new connection',
    { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' },
    async () => {
      const { runtime } = await openTestRuntime('postgres');
      try {
        const { engine } = runtime;
        await assert.rejects(
          engine.transaction('read', '', async (trx) => {
            const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
            // What a server restart does to every connection: the server ends it.
            await adminQuery(`SELECT pg_terminate_backend(${Number(rows[0]!.pid)})`);
            await sql`SELECT 1`.execute(trx);
          }),
          (err: unknown) => {
            assert.match((err as Error).message, /terminat|not queryable/);
            // Told as "come back soon" (503, Retry-After), not as an internal error.
            assert.equal(databaseUnreachable(err), true, `recognised: ${(err as Error).message}`);
            return true;
          },
        );
        // A mistake in a statement is not.
        const mistake = await engine.transaction('read', '', (trx) => sql`SELECT no_such_column FROM tenants`.execute(trx)).catch((err: unknown) => err);
        assert.equal(databaseUnreachable(mistake), false);
        // The connection's end has been seen by now (the failed statement waited for it), and the
        // process is still here.
        const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(engine.db);
        assert.equal(rows[0]!.one, 1);
      } finally {
        await runtime.close();
      }
    },
  );
});
