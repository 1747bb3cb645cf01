import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { ADA, homeWithAda } from '../helpers/embedded-as.js';
import { rawSql, type EngineName } from '../helpers/engines.js';
import { HttpTestServer } from '../helpers/http-server.js';
import { modernToolCall } from '../helpers/mcp-wire.js';
import { signInAndConsent } from '../helpers/oauth.js';
import { runCli } from '../helpers/server.js';
import { auditHome, openAuditRuntime } from '../helpers/audit-trail.js';
import { ManualClock } from '../../src/clock.js';
import { GENESIS, legacyHash } from '../../src/security/audit-chain.js';

const DAY_MS = 86_400_000;

const ENGINE: EngineName = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
const REDIRECT = 'http://127.0.0.1:9/callback';
const insecure = { [oauth.allowInsecureRequests]: true };

interface Event {
  seq: number;
  type: string;
  actor: string | null;
  address: string | null;
  client_id: string | null;
  details: Record<string, unknown>;
}

describe('the audit trail', () => {
  it('records sign-ins, consent, tokens, replays, refusals, registrations and administration, without a secret, email or address in clear, in a chain that verifies', async () => {
    const { home, env } = await homeWithAda();
    const server = await HttpTestServer.start({ home, env });
    const secrets: string[] = [ADA.password, ADA.email];
    try {
      const issuer = new URL(server.url);
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      const client = (await oauth.processDynamicClientRegistrationResponse(
        await oauth.dynamicClientRegistrationRequest(
          as,
          { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
          insecure,
        ),
      )) as oauth.Client;
      const verifier = oauth.generateRandomCodeVerifier();
      const url = new URL(as.authorization_endpoint!);
      const query = {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: REDIRECT,
        scope: 'pa:read pa:write',
        state: 's',
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      };
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      await assert.rejects(signInAndConsent(url, REDIRECT, { ...ADA, password: 'a wrong password here' }), /401/);
      const callback = await signInAndConsent(url, REDIRECT, ADA);
      const params = oauth.validateAuthResponse(as, client, callback, 's');
      const redeem = () => oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure);
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, await redeem());
      secrets.push(tokens.access_token, tokens.refresh_token!, params.get('code')!);
      await redeem(); // the replay: refused, and it revokes the grant
      assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('list_todos'))).status, 401);
      assert.equal((await fetch(`${server.url}/mcp`, modernToolCall('list_todos', {}, 'not.a.token'))).status, 401);
    } finally {
      await server.close();
    }
    assert.equal((await runCli(['keys', 'rotate'], home, env)).code, 0);

    const tail = await runCli(['audit', 'tail', '--last', '200'], home, env);
    assert.equal(tail.code, 0, tail.stderr);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      'admin.user.added',
      'client.registered',
      'login.failed',
      'login.succeeded',
      'consent.granted',
      'token.issued',
      'token.replay',
      'auth.denied',
      'admin.keys.rotated',
    ]) {
      assert.ok(types.has(type), `${type} is recorded (got ${[...types].join(', ')})`);
    }
    const failed = events.find((e) => e.type === 'login.failed')!;
    const succeeded = events.find((e) => e.type === 'login.succeeded')!;
    assert.match(failed.actor!, /^[\w-]{16}$/, 'the email as a pseudonym');
    assert.match(failed.address!, /^[\w-]{16}$/, 'the address as a pseudonym');
    assert.equal(failed.address, succeeded.address, 'the same address, the same pseudonym');
    const denied = events.filter((e) => e.type === 'auth.denied').map((e) => e.details.reason);
    assert.ok(denied.includes('no bearer token'));
    for (const secret of [...secrets, '127.0.0.1']) {
      assert.ok(!tail.stdout.includes(secret), `"${secret.slice(0, 12)}…" never appears in the trail`);
      assert.ok(!server.logs.filter((l) => l.includes('"audit"')).some((l) => l.includes(secret)), `nor in the audit log lines`);
    }
    const narrowed = await runCli(['audit', 'tail', '--type', 'login.failed', '--last', '5'], home, env);
    assert.deepEqual(
      narrowed.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Event).type),
      ['login.failed'],
    );

    const verified = await runCli(['audit', 'verify'], home, env);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, new RegExp(`intact: ${events.length} events`));

    // Append-only: the database itself refuses to change or remove a recent event.
    const middle = events[Math.floor(events.length / 2)]!;
    await assert.rejects(rawSql(home, 'UPDATE audit_events SET type = $1 WHERE seq = $2', ['nothing.happened', middle.seq], ENGINE), /append-only/);
    await assert.rejects(rawSql(home, 'DELETE FROM audit_events WHERE seq = $1', [middle.seq], ENGINE), /cannot be deleted/);
    // Someone who owns the database and removes the guard still cannot hide the change.
    await rawSql(
      home,
      ENGINE === 'postgres' || ENGINE === 'pglite' ? 'ALTER TABLE audit_events DISABLE TRIGGER audit_events_guard' : 'DROP TRIGGER audit_events_no_update',
      [],
      ENGINE,
    );
    await rawSql(home, 'UPDATE audit_events SET details = $1 WHERE seq = $2', ['{}', middle.seq], ENGINE);
    const broken = await runCli(['audit', 'verify'], home, env);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, new RegExp(`BROKEN at event #${middle.seq} .*altered`));
  });
});

describe('audit retention', () => {
  it('removes events past the retention period and records the sweep, so the oldest kept event still verifies', async () => {
    const { AuditLog, readAudit, verifyAudit } = await import('../../src/security/audit.js');
    const { home, env, log } = await auditHome('sqlite');
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { runtime, close } = await openAuditRuntime(home, env, log, clock);
    try {
      const audit = new AuditLog(runtime);
      for (const type of ['old.one', 'old.two']) await audit.record({ type });
      clock.advance(2 * DAY_MS);
      await audit.record({ type: 'recent' });
      assert.equal(await audit.sweep(3), 0, 'nothing is old enough yet');
      assert.equal(await audit.sweep(1), 2);
      const kept = await readAudit(runtime.engine);
      assert.deepEqual(
        kept.map((row) => row.type),
        ['recent', 'audit.swept'],
      );
      const swept = JSON.parse(kept[1]!.details) as Record<string, unknown>;
      assert.deepEqual(
        { ...swept, through_mac: undefined },
        { removed: 2, through_seq: 2, through_mac: undefined, older_than: new Date(clock.now() - DAY_MS).toISOString() },
      );
      assert.equal(swept.through_mac, kept[0]!.prev_hash, 'the sweep names the MAC the oldest kept event follows');
      const verdict = await verifyAudit(runtime);
      assert.ok(verdict.intact, JSON.stringify(verdict));
      assert.match(verdict.notes.join('\n'), /events up to #2 were removed by the retention sweep/);
    } finally {
      await close();
    }
    const verified = await runCli(['audit', 'verify'], home, env);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /intact: 2 events, #3 to #4\nevents up to #2 were removed by the retention sweep/);
  });
});

describe('a trail written by an earlier version (unkeyed SHA-256)', () => {
  /** Rows as the earlier version wrote them: numbered by the table, chained by an unkeyed hash. */
  async function unkeyedTrail() {
    const t = await auditHome('sqlite');
    await (await openAuditRuntime(t.home, t.env, t.log)).close(); // the schema, as any start makes it
    let prev = GENESIS;
    for (const type of ['login.failed', 'login.succeeded', 'token.issued']) {
      const row = { at: new Date().toISOString(), type, actor: null, address: null, client_id: null, details: '{}' };
      const hash = legacyHash(prev, row);
      await rawSql(
        t.home,
        'INSERT INTO audit_events (at, type, actor, address, client_id, details, prev_hash, hash) VALUES ($1, $2, NULL, NULL, NULL, $3, $4, $5)',
        [row.at, type, row.details, prev, hash],
        'sqlite',
      );
      prev = hash;
    }
    return t;
  }

  it('goes on with keyed events after one chain.rekeyed event that vouches for it', async () => {
    const { AuditLog, readAudit } = await import('../../src/security/audit.js');
    const t = await unkeyedTrail();
    const { runtime, close } = await openAuditRuntime(t.home, t.env, t.log);
    try {
      const audit = new AuditLog(runtime);
      await audit.ready();
      await audit.record({ type: 'login.failed' });
      assert.deepEqual(
        (await readAudit(runtime.engine)).map((row) => row.type),
        ['login.failed', 'login.succeeded', 'token.issued', 'chain.rekeyed', 'login.failed'],
      );
    } finally {
      await close();
    }
    const verified = await runCli(['audit', 'verify'], t.home, t.env);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /intact: 5 events, #1 to #5\nevents #1 to #3 were written before the trail was keyed/);
  });

  it('is never re-keyed twice: an unkeyed event forged after the keyed ones is reported, not blessed', async () => {
    const { AuditLog } = await import('../../src/security/audit.js');
    const t = await unkeyedTrail();
    let opened = await openAuditRuntime(t.home, t.env, t.log);
    await new AuditLog(opened.runtime).ready();
    await opened.close();
    const [head] = await rawSql(t.home, 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1', [], 'sqlite');
    const forged = { at: new Date().toISOString(), type: 'admin.user.deleted', actor: null, address: null, client_id: null, details: '{}' };
    await rawSql(
      t.home,
      'INSERT INTO audit_events (seq, at, type, actor, address, client_id, details, prev_hash, hash) VALUES ($1, $2, $3, NULL, NULL, NULL, $4, $5, $6)',
      [Number(head!.seq) + 1, forged.at, forged.type, forged.details, head!.hash, legacyHash(String(head!.hash), forged)],
      'sqlite',
    );
    opened = await openAuditRuntime(t.home, t.env, t.log);
    await new AuditLog(opened.runtime).ready();
    await opened.close();
    assert.match(fs.readFileSync(t.log, 'utf8'), /SECURITY: the newest audit event carries no valid MAC/);
    const verified = await runCli(['audit', 'verify'], t.home, t.env);
    assert.equal(verified.code, 1, verified.stdout);
    assert.match(verified.stdout, new RegExp(`BROKEN at event #${Number(head!.seq) + 1} .*MAC`));
  });
});
