import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { auditHome, logLines, openAuditRuntime } from '../helpers/audit-trail.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { runCli } from '../helpers/server.js';

interface Event {
  type: string;
  client_id: string | null;
  details: Record<string, unknown>;
}

/** An embedded-authorization-server deployment with these limits: on the PostgreSQL server when there is one, else on SQLite. */
async function deployment(rateLimits: Record<string, number>) {
  const { home, env } = await auditHome(process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite');
  const config = path.join(home, 'limits.json');
  fs.writeFileSync(config, JSON.stringify({ rate_limits: rateLimits }));
  return { home, env: { ...env, MCP_PA_CONFIG: config } };
}

const register = (server: HttpTestServer) =>
  fetch(`${server.url}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }),
  });

/** Sends `count` requests, `parallel` at a time; resolves with their statuses. */
async function flood(count: number, parallel: number, send: () => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next += 1;
        const res = await send();
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

const auditTail = async (home: string, env: Record<string, string>, ...types: string[]) => {
  const tail = await runCli(['audit', 'tail', '--last', '100000', ...types.flatMap((type) => ['--type', type])], home, env);
  assert.equal(tail.code, 0, tail.stderr);
  return tail.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Event);
};

describe('audit events are neither flooded nor lost', () => {
  it('a flood of refused requests from one address is one trip and one count, not a row per request', async () => {
    const { home, env } = await deployment({ register_per_hour: 2 });
    const server = await HttpTestServer.start({ home, env });
    const statuses = await flood(300, 20, () => register(server));
    assert.equal(statuses.filter((s) => s === 201).length, 2);
    assert.equal(statuses.filter((s) => s === 429).length, 298);
    await server.close();
    const events = await auditTail(home, env, 'rate_limit.tripped', 'rate_limit.refusals');
    assert.deepEqual(
      events.map((e) => [e.type, e.details.policy]),
      [
        ['rate_limit.tripped', 'register-address'],
        ['rate_limit.refusals', 'register-address'],
      ],
    );
    assert.equal(events[1]!.details.refused, 298, 'the count of every refusal of the window');
  });

  // On the PostgreSQL server (as in CI) the table lags far behind a flood; SQLite keeps up too well to show the loss.
  it('an audited action is in the JSON log before its response: SIGKILL right after a registration loses nothing', async () => {
    const { home, env } = await deployment({ mcp_refusals_per_address_per_minute: 1_000_000 });
    const server = await HttpTestServer.start({ home, env, binary: true });
    // A backlog for the table: every refused token is an audited event; the registration comes amid them.
    let answered = 0;
    const backlog = flood(1000, 50, () =>
      fetch(`${server.url}/mcp`, modernToolCall('get_current_time', {}, 'not-a-token')).finally(() => (answered += 1)),
    ).catch(() => 'cut off by the kill');
    while (answered < 300) await new Promise((resolve) => setImmediate(resolve));
    const closed = once(server.child, 'close');
    const res = await register(server);
    assert.equal(res.status, 201);
    server.child.kill('SIGKILL');
    await closed;
    await backlog;
    const { client_id } = (await res.json()) as { client_id: string };
    const line = server.logs
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { audit?: Event })
      .find((entry) => entry.audit?.type === 'client.registered');
    assert.ok(line, 'the client.registered line is in what the process wrote');
    assert.equal(line.audit!.client_id, client_id);
    void server.waitForExit();
  });

  it('a full queue drops rows for the table only: the log has every event, and the table records how many it missed', async () => {
    const { AuditLog, readAudit, verifyAudit } = await import('../../src/security/audit.js');
    const { home, env, log } = await auditHome('sqlite');
    const { runtime, close } = await openAuditRuntime(home, env, log);
    try {
      const audit = new AuditLog(runtime, { maxQueued: 10 });
      await audit.ready();
      // Fifty events in one turn of the event loop: the table writer cannot keep up.
      await Promise.all(Array.from({ length: 50 }, (_, i) => audit.record({ type: 'auth.denied', details: { n: i } })));
      await audit.flush();
      const rows = await readAudit(runtime.engine);
      const dropped = rows.filter((row) => row.type === 'audit.dropped');
      assert.equal(dropped.length, 1, 'the drop is recorded once');
      const { count, queue_full } = JSON.parse(dropped[0]!.details) as { count: number; queue_full: number };
      const kept = rows.filter((row) => row.type === 'auth.denied').length;
      assert.ok(count > 0 && count === queue_full);
      assert.equal(kept + count, 50, 'every event is in the table or counted as missed');
      assert.equal(logLines(log).filter((line) => (line.audit as Event | undefined)?.type === 'auth.denied').length, 50, 'every event is in the log');
      assert.ok((await verifyAudit(runtime)).intact);
    } finally {
      await close();
    }
  });

  it('events the database refused are counted, and the count recorded once it takes writes again', async () => {
    const { AuditLog, readAudit, verifyAudit } = await import('../../src/security/audit.js');
    const { sql } = await import('kysely');
    const { home, env, log } = await auditHome('sqlite');
    const { runtime, close } = await openAuditRuntime(home, env, log);
    try {
      const audit = new AuditLog(runtime);
      await audit.ready();
      await sql`CREATE TRIGGER audit_events_refuse BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk full'); END`.execute(runtime.engine.db);
      for (let i = 0; i < 3; i++) await audit.record({ type: 'login.failed' });
      await sql`DROP TRIGGER audit_events_refuse`.execute(runtime.engine.db);
      await audit.record({ type: 'login.succeeded' });
      const rows = await readAudit(runtime.engine);
      assert.deepEqual(
        rows.map((row) => row.type),
        ['audit.dropped', 'login.succeeded'],
      );
      assert.deepEqual((({ count, write_failed }) => ({ count, write_failed }))(JSON.parse(rows[0]!.details) as Record<string, unknown>), {
        count: 3,
        write_failed: 3,
      });
      assert.equal(logLines(log).filter((line) => (line.audit as Event | undefined)?.type === 'login.failed').length, 3, 'the refused events are in the log');
      assert.ok((await verifyAudit(runtime)).intact);
    } finally {
      await close();
    }
  });

  it('writes a signed checkpoint every N events, every M minutes with new events (read on the clock), and at shutdown', async () => {
    const { AuditLog } = await import('../../src/security/audit.js');
    const { home, env, log } = await auditHome('sqlite');
    const clock = new ManualClock();
    const { runtime, close } = await openAuditRuntime(home, env, log, clock, { audit: { anchor_every_events: 5, anchor_every_minutes: 10 } });
    const anchors = () => logLines(log).flatMap((line) => (line.audit_anchor ? [line.audit_anchor as { seq: number; at: string }] : []));
    try {
      const audit = new AuditLog(runtime);
      await audit.ready();
      for (let i = 0; i < 12; i++) await audit.record({ type: 'login.failed' });
      assert.deepEqual(
        anchors().map((a) => a.seq),
        [5, 10],
      );
      await audit.tick();
      assert.equal(anchors().length, 2, 'not yet due');
      clock.advance(10 * 60_000);
      await audit.tick();
      assert.deepEqual(
        anchors().map((a) => a.seq),
        [5, 10, 12],
      );
      assert.equal(anchors().at(-1)!.at, new Date(clock.now()).toISOString());
      await audit.tick();
      clock.advance(10 * 60_000);
      await audit.tick();
      assert.equal(anchors().length, 3, 'no new events, no new checkpoint');
      await audit.record({ type: 'login.succeeded' });
      await audit.close();
      assert.deepEqual(
        anchors().map((a) => a.seq),
        [5, 10, 12, 13],
        'and one at shutdown',
      );
    } finally {
      await close();
    }
  });
});
