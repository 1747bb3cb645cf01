import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/server.js';
import { Fleet, type Session } from './support/fleet.js';
import { PostgresCluster } from './support/postgres-cluster.js';

const ADA = { email: 'ada@example.com', password: 'a long enough passphrase' };
const BOB = { email: 'bob@example.com', password: 'another long passphrase' };
/** Per tenant on /mcp, per minute: small enough to reach in a test, each instance far below it alone. */
const MCP_PER_MINUTE = 45;

const countBy = <T>(items: T[], key: (item: T) => string) =>
  items.reduce((counts, item) => counts.set(key(item), (counts.get(key(item)) ?? 0) + 1), new Map<string, number>());

describe('three instances on one PostgreSQL behind haproxy', { timeout: 600_000 }, () => {
  let cluster: PostgresCluster;
  let fleet: Fleet;
  let ada: Session;
  before(async () => {
    cluster = await PostgresCluster.create();
    fleet = await Fleet.start(cluster, { people: [ADA, BOB], config: { rate_limits: { mcp_per_minute: MCP_PER_MINUTE } } });
  });
  after(async () => {
    await fleet?.close();
    await cluster?.destroy();
  });

  it('the official client signs in once through the balancer; its calls go round-robin to all three, with no error', async () => {
    ada = await fleet.signIn(ADA);
    // The sign-in's own requests (metadata, registration, pages, code, token) were spread too.
    const signIn = fleet.balancer.log.filter((e) => e.path.startsWith('/oauth/') || e.path.startsWith('/.well-known/'));
    assert.equal(new Set(signIn.map((e) => e.server)).size, 3, `the sign-in went through every instance: ${JSON.stringify(signIn)}`);
    const client = await ada.client();
    const outcomes = [];
    for (let i = 0; i < 9; i++) {
      outcomes.push(await client.call('create_todo', { title: `Round ${i}`, tags: ['scale-out'] }));
      outcomes.push(await client.call('list_todos', { tag: 'scale-out' }));
    }
    await client.close();
    assert.deepEqual(
      outcomes.filter((o) => !o.ok),
      [],
    );
    const served = countBy(outcomes, (o) => o.servedBy);
    assert.deepEqual([...served.keys()].sort(), ['i1', 'i2', 'i3']);
    assert.deepEqual([...served.values()], [6, 6, 6], `round-robin, one call each in turn: ${JSON.stringify([...served])}`);
    // Each list saw every todo created before it, whichever instance wrote it.
    outcomes.forEach((o, i) => {
      if (o.tool === 'list_todos') assert.equal((o.result!.items as unknown[]).length, (i + 1) / 2, `list ${i} (${o.servedBy})`);
    });
  });

  it('a token from any instance is valid on every other, and a refresh token from one is redeemed by another', async () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) {
        const answer = await fleet.directCall(i, ada.accessToken, 'list_todos', { tag: 'scale-out' });
        assert.equal(answer.status, 200, `instance ${i + 1}: ${answer.body}`);
        assert.doesNotMatch(answer.body, /"isError":true/);
      }
      await ada.refresh();
    }
    // Each token request went to the next instance in turn: every refresh token was redeemed by an
    // instance other than the one that issued it.
    const tokenRequests = fleet.balancer.log.filter((e) => e.path === '/oauth/token');
    assert.ok(tokenRequests.length >= 4, JSON.stringify(tokenRequests));
    assert.ok(
      tokenRequests.every((e) => e.status === 200),
      JSON.stringify(tokenRequests),
    );
    for (let i = 1; i < tokenRequests.length; i++) assert.notEqual(tokenRequests[i]!.server, tokenRequests[i - 1]!.server);
  });

  it('rate limits are counted once for all instances', async () => {
    const bob = await fleet.signIn(BOB);
    const client = await bob.client();
    const outcomes = [];
    for (let i = 0; i < MCP_PER_MINUTE * 3; i++) {
      const outcome = await client.call('list_todos');
      outcomes.push(outcome);
      if (!outcome.ok) break;
    }
    const refused = outcomes.at(-1)!;
    assert.equal(refused.status, 429, `the last call was refused by the limit: ${JSON.stringify(refused)}`);
    assert.match(client.headers.get('ratelimit-policy') ?? '', new RegExp(`"mcp-tenant";q=${MCP_PER_MINUTE};w=60`));
    assert.ok(Number(client.headers.get('retry-after')) > 0);
    const allowed = outcomes.filter((o) => o.ok);
    // The connection's first request (the client's discovery) counted too.
    assert.ok(allowed.length >= MCP_PER_MINUTE - 2 && allowed.length < MCP_PER_MINUTE, `${allowed.length} calls before the refusal`);
    const served = countBy(allowed, (o) => o.servedBy);
    assert.equal(served.size, 3);
    assert.ok(
      [...served.values()].every((n) => n <= Math.ceil(MCP_PER_MINUTE / 3)),
      'no instance reached the limit on its own count',
    );
    // Every instance now refuses Bob, and only Bob.
    for (let i = 0; i < 3; i++) {
      assert.equal((await fleet.directCall(i, bob.accessToken, 'list_todos')).status, 429, `instance ${i + 1} refuses Bob`);
      assert.equal((await fleet.directCall(i, ada.accessToken, 'list_todos')).status, 200, `instance ${i + 1} serves Ada`);
    }
    await client.close();
  });

  it('the audit trail is one chain that every instance writes to and vouches for', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${fleet.direct(i)}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 401);
    }
    // Stopped by SIGTERM, each instance writes its last events and a signed checkpoint of the chain's head to its log.
    const logs = fleet.instances.map((s) => s!.logs);
    for (let i = 0; i < 3; i++) assert.equal(await fleet.stop(i), 0);
    const env = { ...fleet.env };
    const tail = await runCli([...fleet.args, 'audit', 'tail', '--last', '100000'], fleet.home, env);
    assert.equal(tail.code, 0, tail.stderr);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; type: string });
    const types = countBy(events, (e) => e.type);
    for (const type of ['login.succeeded', 'consent.granted', 'token.issued', 'token.refreshed', 'rate_limit.tripped']) {
      assert.ok(types.has(type), `${type} is in the trail (got ${[...types.keys()].join(', ')})`);
    }
    assert.ok((types.get('auth.denied') ?? 0) >= 3, 'a refusal from each instance');
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => events[0]!.seq + i),
      'one sequence, no gap',
    );
    for (let i = 0; i < 3; i++) {
      assert.ok(
        logs[i]!.some((line) => line.includes('"audit":')),
        `instance ${i + 1} recorded events`,
      );
      const file = path.join(fleet.home, `instance-${i + 1}.log`);
      fs.writeFileSync(file, logs[i]!.join('\n'));
      const verified = await runCli([...fleet.args, 'audit', 'verify', '--anchor', file], fleet.home, env);
      assert.equal(verified.code, 0, `instance ${i + 1}'s checkpoint: ${verified.stdout}${verified.stderr}`);
      assert.match(verified.stdout, /intact/);
    }
  });
});
