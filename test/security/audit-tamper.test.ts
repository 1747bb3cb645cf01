import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../src/clock.js';
import { legacyHash, type AuditRow } from '../../src/security/audit-chain.js';
import { auditHome, logLines, openAuditRuntime } from '../helpers/audit-trail.js';
import { rawSql, type EngineName } from '../helpers/engines.js';
import { runCli } from '../helpers/server.js';

/**
 * Someone who can write the database (the table's owner, past its triggers; or the application
 * role) tampers with the trail; `mcp-pa audit verify` (the real CLI) must say so and exit 1.
 */
const ENGINES: EngineName[] = ['sqlite', ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : [])];
const EVENTS = 8;

/** A trail of EVENTS events, its server stopped: the JSON log holds its last checkpoint. */
async function trail(engine: EngineName) {
  const { home, env, log } = await auditHome(engine);
  const { AuditLog } = await import('../../src/security/audit.js');
  // Events of now: the table's guard keeps them (younger than a day) from any ordinary deletion.
  const { runtime, clock, close } = await openAuditRuntime(home, env, log, new ManualClock(Date.now()));
  try {
    const audit = new AuditLog(runtime);
    await audit.ready();
    for (let i = 1; i <= EVENTS; i++) {
      clock.advance(1000);
      await audit.record({ type: 'login.failed', actor: `person${i}@example.com`, address: '192.0.2.7', details: { attempt: i } });
    }
    await audit.close();
  } finally {
    await close();
  }
  const verify = (...args: string[]) => runCli(['audit', 'verify', ...args], home, env);
  return { engine, home, env, log, verify };
}

type Trail = Awaited<ReturnType<typeof trail>>;

/** Runs statements as the table's owner with its triggers out of the way (SQLite: dropped; PostgreSQL: session_replication_role = replica). */
async function asOwner(t: Trail, statements: [string, unknown[]][]): Promise<void> {
  if (t.engine === 'sqlite') {
    await rawSql(t.home, 'DROP TRIGGER audit_events_no_update', [], 'sqlite');
    await rawSql(t.home, 'DROP TRIGGER audit_events_keep_recent', [], 'sqlite');
    for (const [query, params] of statements) await rawSql(t.home, query, params, 'sqlite');
    return;
  }
  await inSession(t, ['SET session_replication_role = replica'], statements);
}

/** One PostgreSQL session of the login role (the owner), after some setup statements. */
async function inSession(t: Trail, setup: string[], statements: [string, unknown[]][]): Promise<void> {
  const client = new pg.Client({ connectionString: t.env.MCP_DATABASE_URL });
  await client.connect();
  try {
    for (const query of setup) await client.query(query);
    for (const [query, params] of statements) await client.query(query, params);
  } finally {
    await client.end();
  }
}

async function rows(t: Trail): Promise<AuditRow[]> {
  return (await rawSql(t.home, 'SELECT * FROM audit_events ORDER BY seq', [], t.engine)).map((row) => ({
    ...(row as unknown as AuditRow),
    seq: Number(row.seq),
  }));
}

function assertBroken(result: { code: number | null; stdout: string; stderr: string }, reason: RegExp) {
  assert.equal(result.code, 1, `verify must fail: ${result.stdout}${result.stderr}`);
  assert.match(result.stdout, reason);
}

for (const engine of ENGINES) {
  describe(`the audit trail on ${engine}, against someone who can write the database`, () => {
    it('verifies an untouched trail, and its checkpoint in the JSON log matches', async () => {
      const t = await trail(engine);
      const anchors = logLines(t.log).filter((line) => line.audit_anchor);
      assert.ok(anchors.length >= 1, 'a checkpoint was written at shutdown');
      const result = await t.verify('--anchor', t.log);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`intact: ${EVENTS} events, #1 to #${EVENTS}`));
      assert.match(result.stdout, new RegExp(`checkpoint of .* \\(#${EVENTS}\\) matches`));
    });

    it('(a) deleting the newest events is caught by the checkpoint', async () => {
      const t = await trail(engine);
      await asOwner(t, [['DELETE FROM audit_events WHERE seq > $1', [EVENTS - 3]]]);
      // The checkpoint alone, as one copied out of the log store.
      const anchorFile = `${t.log}.anchor`;
      fs.writeFileSync(
        anchorFile,
        JSON.stringify({
          audit_anchor: logLines(t.log)
            .filter((line) => line.audit_anchor)
            .at(-1)!.audit_anchor,
        }),
      );
      assertBroken(await t.verify('--anchor', anchorFile), new RegExp(`newest event is #${EVENTS - 3}, older than the checkpoint .*#${EVENTS}.*removed`));
    });

    it('(b) deleting the oldest events, younger than a day, is caught: no recorded sweep removed them', async () => {
      const t = await trail(engine);
      await asOwner(t, [['DELETE FROM audit_events WHERE seq <= $1', [3]]]);
      assertBroken(await t.verify(), /BROKEN at event #4 .*not the first one, and no recorded retention sweep removed the events before it/);
    });

    it('(c) rewriting an event and re-chaining the rest with SHA-256 is caught', async () => {
      const t = await trail(engine);
      const all = await rows(t);
      const target = all[2]!;
      const statements: [string, unknown[]][] = [];
      let prev = all[1]!.hash;
      for (const row of all.slice(2)) {
        const details = row.seq === target.seq ? JSON.stringify({ attempt: 'nothing happened' }) : row.details;
        const hash = legacyHash(prev, { ...row, details });
        statements.push(['UPDATE audit_events SET details = $1, prev_hash = $2, hash = $3 WHERE seq = $4', [details, prev, hash, row.seq]]);
        prev = hash;
      }
      await asOwner(t, statements);
      assertBroken(await t.verify(), new RegExp(`BROKEN at event #${target.seq} .*MAC.*written by someone without the key`));
    });

    it('(d) an event forged by the application role, with a valid SHA-256 hash, is caught', async () => {
      const t = await trail(engine);
      const head = (await rows(t)).at(-1)!;
      const forged = { at: new Date().toISOString(), type: 'admin.user.deleted', actor: null, address: null, client_id: null, details: '{"by":"cli"}' };
      const insert: [string, unknown[]] = [
        'INSERT INTO audit_events (seq, at, type, actor, address, client_id, details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [head.seq + 1, forged.at, forged.type, null, null, null, forged.details, head.hash, legacyHash(head.hash, forged)],
      ];
      if (engine === 'sqlite') await rawSql(t.home, insert[0], insert[1], 'sqlite');
      else await inSession(t, [`SET ROLE ${t.env.MCP_DATABASE_APP_ROLE}`], [insert]);
      assertBroken(await t.verify(), new RegExp(`BROKEN at event #${head.seq + 1} .*MAC.*written by someone without the key`));
    });

    it("a checkpoint that was altered, or not signed with this deployment's key, is refused", async () => {
      const t = await trail(engine);
      const anchor = logLines(t.log)
        .filter((line) => line.audit_anchor)
        .at(-1)!.audit_anchor as { seq: number };
      const anchorFile = `${t.log}.anchor`;
      fs.writeFileSync(anchorFile, JSON.stringify({ audit_anchor: { ...anchor, seq: anchor.seq + 5 } }));
      assertBroken(await t.verify('--anchor', anchorFile), /signature does not hold/);
      fs.writeFileSync(anchorFile, 'no checkpoint here\n');
      const none = await t.verify('--anchor', anchorFile);
      assert.equal(none.code, 2, 'a usage error');
      assert.match(none.stderr, /holds no audit checkpoint/);
    });
  });
}

describe('without a key-encryption key on a PostgreSQL server', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, () => {
  it('the chain key is in the database: the server and verify say so', async () => {
    const { AuditLog } = await import('../../src/security/audit.js');
    const { home, env, log } = await auditHome('postgres');
    delete env.MCP_OAUTH_KEY_ENCRYPTION_KEY;
    const { runtime, close } = await openAuditRuntime(home, env, log);
    try {
      const audit = new AuditLog(runtime);
      await audit.ready();
      await audit.record({ type: 'login.failed' });
    } finally {
      await close();
    }
    assert.match(fs.readFileSync(log, 'utf8'), /SECURITY: the audit chain key is kept in the database/);
    const verified = await runCli(['audit', 'verify'], home, env);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /WARNING: the audit chain key is kept in the database .* set MCP_OAUTH_KEY_ENCRYPTION_KEY/);
  });
});
