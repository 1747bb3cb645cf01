import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fleet, type Outcome } from './support/fleet.js';
import { Load, type Step } from './support/load.js';
import { assertAcknowledgedTodosThere, fleetSuite } from './support/suite.js';

const ADA = { email: 'ada@example.com', password: 'a long enough passphrase' };
/** Workers calling at once: more than one call in flight on each instance now and then. */
const WORKERS = 6;

/** Each worker writes a todo, then reads the list: half the calls change something. */
const writesAndReads =
  (acknowledged: Map<string, string>): Step =>
  async (call, worker, round) => {
    const title = `w${worker} r${round}`;
    const created = await call('create_todo', { title, tags: ['faults'] });
    if (created.ok) acknowledged.set(String(created.result!.id), title);
    await call('list_todos', { tag: 'faults', limit: 5 });
  };

describe('instances failing under load behind haproxy', { timeout: 900_000 }, () => {
  const suite = fleetSuite(ADA, WORKERS);
  const acknowledged = new Map<string, string>();

  it('kill -9 of one instance: the health checks take it out; only calls in flight on it fail', async () => {
    const { fleet, clients } = suite;
    const load = new Load(clients, writesAndReads(acknowledged)).start();
    let killedAt: number;
    let goneAt: number;
    let stillRunning: Set<string>;
    try {
      await load.more(60);
      killedAt = performance.now();
      // Resolves once the process has exited: the kernel has closed its sockets by then, so a
      // connection to it is refused from here on (and haproxy tries another instance).
      await fleet.kill(1);
      goneAt = performance.now();
      stillRunning = load.inFlight();
      await fleet.balancer.waitFor(['i2'], 'DOWN');
      await load.more(60);
    } finally {
      await load.stop();
    }
    // In flight while it died: running at some moment between the signal and the exit. (A call
    // sent just after the signal may still reach the dying process, which takes a moment to go.)
    const inFlight = new Set(load.outcomes.filter((o) => o.start < goneAt! && o.end > killedAt!).map((o) => o.id));
    for (const id of stillRunning!) inFlight.add(id);
    const failed = load.failures;
    const served = await fleet.balancer.logged(failed.map((f) => f.id));
    for (const f of failed) {
      assert.ok(inFlight.has(f.id), `call ${f.id} (${f.tool}) failed but was not in flight while the instance died: ${f.error}`);
      const entry = served.get(f.id)!;
      assert.equal(entry.server, 'i2', `call ${f.id} failed on ${entry.server}, not the killed instance`);
      assert.equal(`${entry.status} ${entry.termination.slice(0, 2)}`, '502 SH', 'the server dropped it (haproxy answered 502)');
    }
    const afterwards = load.outcomes.filter((o) => o.start > goneAt!);
    assert.ok(afterwards.length >= 60);
    assert.deepEqual(
      afterwards.filter((o) => !o.ok).map((o) => `${o.id} ${o.tool}: ${o.status} ${o.error}`),
      [],
      'no call sent after the instance was gone failed',
    );
    assert.ok(
      afterwards.every((o) => o.servedBy !== 'i2'),
      'the killed instance served nothing after it was gone',
    );
    console.log(`kill -9: ${inFlight.size} calls in flight while i2 died, ${failed.length} failed (all on i2), ${afterwards.length} after, all served`);
    await assertAcknowledgedTodosThere(suite, acknowledged);
  });

  it('a rolling restart by SIGTERM loses no call', async () => {
    const { fleet, clients } = suite;
    // The instance killed above (or any other missing) is started again, and the health checks put it back.
    for (let i = 0; i < 3; i++) if (!fleet.instances[i]) await fleet.start(i);
    await fleet.balancer.waitFor(['i1', 'i2', 'i3'], 'UP');
    const load = new Load(clients, writesAndReads(acknowledged)).start();
    const during: Outcome[][] = [];
    try {
      await load.more(30);
      for (let i = 0; i < 3; i++) {
        const from = load.outcomes.length;
        assert.equal(await fleet.stop(i), 0, `instance ${i + 1} exits cleanly`);
        await fleet.balancer.waitFor([Fleet.nameOf(i)], 'DOWN');
        await fleet.start(i);
        await fleet.balancer.waitFor([Fleet.nameOf(i)], 'UP');
        await load.more(30);
        during.push(load.outcomes.slice(from));
      }
    } finally {
      await load.stop();
    }
    assert.deepEqual(
      load.failures.map((f) => `${f.id} ${f.tool}: ${f.status} ${f.error}`),
      [],
    );
    for (const [i, outcomes] of during.entries()) {
      const by = new Set(outcomes.map((o) => o.servedBy));
      assert.ok(by.size === 3 || by.size === 2, `while instance ${i + 1} restarted, the others served: ${[...by].join(', ')}`);
    }
    console.log(`rolling restart: ${load.outcomes.length} calls, none failed`);
    await assertAcknowledgedTodosThere(suite, acknowledged);
  });
});
