import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Load, type Step } from './support/load.js';
import { assertAcknowledgedTodosThere, fleetSuite } from './support/suite.js';

const ADA = { email: 'ada@example.com', password: 'a long enough passphrase' };
const WORKERS = 4;

/**
 * Polls `probe` until it gives `want` (the instances' /readyz, which has no event to wait for), every
 * 100 ms, for at most `deadlineMs`.
 */
async function until<T>(probe: () => Promise<T>, want: T, what: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    let last: T | string;
    try {
      last = await probe();
      if (last === want) return;
    } catch (err) {
      const cause = (err as Error).cause as { code?: string; message?: string } | undefined;
      last = `${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
    }
    if (Date.now() > deadline) throw new Error(`${what}: still ${String(last)} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('PostgreSQL restarted under load (a private cluster)', { timeout: 900_000 }, () => {
  const suite = fleetSuite(ADA, WORKERS);
  const acknowledged = new Map<string, string>();
  const answeredWhileDown = new Set<number>();

  /** A write and a read; after a failed call the client waits a moment before the next, as a real one would. */
  const step: Step = async (call, worker, round) => {
    const title = `w${worker} r${round}`;
    const created = await call('create_todo', { title, tags: ['restart'] });
    if (created.ok) acknowledged.set(String(created.result!.id), title);
    const listed = await call('list_todos', { tag: 'restart', limit: 5 });
    if (!created.ok || !listed.ok) await new Promise((resolve) => setTimeout(resolve, 100));
  };

  for (const mode of ['fast', 'immediate'] as const) {
    it(`a ${mode} stop: every instance reports not ready while it is down, recovers by itself, and nothing acknowledged is lost`, async () => {
      const { cluster, fleet, session: ada, clients } = suite;
      const pids = fleet.instances.map((s) => s!.child.pid);
      // The calendar feed, which calendar apps poll without a token.
      const made = await fleet.directCall(0, ada.accessToken, 'get_calendar_feed');
      const feedPath = /\/feeds\/[A-Za-z0-9_-]{43}\.ics/.exec(made.body)?.[0];
      assert.ok(feedPath, `a feed address: ${made.status} ${made.body}`);
      const feed = async () => {
        const res = await fetch(`${fleet.direct(1)}${feedPath}`);
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
      };
      assert.equal((await feed()).status, 200);
      const load = new Load(clients, step).start();
      let recoveredAt: number;
      try {
        await load.more(40);
        await cluster.stop(mode);
        for (let i = 0; i < 3; i++) await until(() => fleet.readiness(i), 503, `instance ${i + 1}'s /readyz with the database down`);
        await fleet.balancer.waitFor(['i1', 'i2', 'i3'], 'DOWN');
        // Asked directly, an instance refuses a call it cannot serve (it never pretends to have
        // written), and says when to come back.
        const direct = await fleet.directCall(0, ada.accessToken, 'create_todo', { title: 'while the database is down' });
        assert.equal(direct.status, 503, `a call with the database down: ${direct.status} ${direct.body}`);
        assert.ok(Number(direct.retryAfter) > 0, 'with Retry-After');
        assert.match(direct.body, /database is unreachable/);
        // So does the feed: a calendar app comes back later, and keeps what it had.
        const feedWhileDown = await feed();
        assert.equal(feedWhileDown.status, 503, `the feed with the database down: ${feedWhileDown.status} ${feedWhileDown.body}`);
        assert.ok(Number(feedWhileDown.retryAfter) > 0, 'the feed with Retry-After');
        answeredWhileDown.add(direct.status);
        const failedBefore = load.failures.length;
        await load.until(() => load.failures.length >= failedBefore + WORKERS, 'refused while the database is down');
        await cluster.start();
        for (let i = 0; i < 3; i++) await until(() => fleet.readiness(i), 200, `instance ${i + 1}'s /readyz after the database came back`);
        await fleet.balancer.waitFor(['i1', 'i2', 'i3'], 'UP');
        assert.match((await feed()).body, /^BEGIN:VCALENDAR/, 'the feed once the database is back');
        recoveredAt = performance.now();
        await load.more(60);
      } finally {
        await load.stop();
      }
      // The same processes: nothing was restarted but the database.
      assert.deepEqual(
        fleet.instances.map((s) => s!.child.pid),
        pids,
      );
      assert.ok(fleet.instances.every((s) => s!.child.exitCode === null));
      const afterRecovery = load.outcomes.filter((o) => o.start > recoveredAt!);
      assert.deepEqual(
        afterRecovery.filter((o) => !o.ok).map((o) => `${o.id} ${o.tool} on ${o.servedBy}: ${o.status} ${o.error}`),
        [],
        'every call after the recovery succeeded',
      );
      assert.equal(new Set(afterRecovery.map((o) => o.servedBy)).size, 3, 'on every instance');
      await assertAcknowledgedTodosThere(suite, acknowledged);
      console.log(
        `${mode} stop: ${load.outcomes.length} calls, ${load.failures.length} refused while the database was down (directly: ${[...answeredWhileDown].join(', ')}), ${afterRecovery.length} after recovery (all served); ${acknowledged.size} acknowledged todos all there`,
      );
    });
  }
});
