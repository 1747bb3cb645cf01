import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { serverDatabaseThrough } from '../helpers/engines.js';
import { TestServer } from '../helpers/server.js';

/**
 * A loopback tap on the wire to the PostgreSQL server that counts round trips: every exchange
 * ends with the server's ReadyForQuery message ('Z'), whose status byte says whether a
 * transaction is still open ('T') or over ('I'). It can also hold back what the server says
 * after a given number of round trips, as a slow network would.
 */
class WireTap {
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;
  /** Round trips since `mark`, and the status of each. */
  trips: string[] = [];
  #onTrip: (() => void)[] = [];
  #holdAfter = Infinity;
  #cut = false;
  #held: { to: net.Socket; bytes: Buffer }[] = [];

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => (client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream);
      let pending = Buffer.alloc(0);
      upstream.on('data', (chunk: Buffer) => {
        // Server messages: a type byte, then a length that counts itself.
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 5 && pending.length >= 1 + pending.readUInt32BE(1)) {
          const size = 1 + pending.readUInt32BE(1);
          const message = pending.subarray(0, size);
          pending = pending.subarray(size);
          if (this.trips.length >= this.#holdAfter && this.#cut) {
            // The connection breaks before this answer gets through.
            client.destroy();
            upstream.destroy();
            this.trips.push('cut');
            for (const wake of this.#onTrip.splice(0)) wake();
            return;
          }
          if (this.trips.length >= this.#holdAfter) this.#held.push({ to: client, bytes: message });
          else client.write(message);
          if (message[0] === 0x5a) {
            this.trips.push(String.fromCharCode(message[5]!));
            for (const wake of this.#onTrip.splice(0)) wake();
          }
        }
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  /**
   * Starts counting afresh; past `holdAfter` round trips, the server's answers wait for `release`,
   * or with `cut` the connection breaks instead.
   */
  mark(holdAfter = Infinity, cut = false): void {
    this.trips = [];
    this.#holdAfter = holdAfter;
    this.#cut = cut;
  }

  /** The round trips of the transaction under way, once the server says it is over (held back or not) or its connection broke. */
  async transaction(): Promise<string[]> {
    const end = () => this.trips.findIndex((t) => t === 'I' || t === 'cut');
    while (end() < 0) await new Promise<void>((wake) => this.#onTrip.push(wake));
    return this.trips.slice(0, end() + 1);
  }

  release(): void {
    this.#holdAfter = Infinity;
    for (const { to, bytes } of this.#held.splice(0)) to.write(bytes);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

describe('round trips to a PostgreSQL server', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' }, () => {
  it('a list of todos in four, and its answer does not wait for the COMMIT', async () => {
    const { relay: tap, env } = await serverDatabaseThrough((target) => new WireTap(target));
    // No due-work sweep between the calls counted.
    const server = await TestServer.start({ engine: false, env: { ...env, MCP_PA_REMINDER_CHECK_SECONDS: '3600' } });
    try {
      await server.ok('update_status', { timezone: 'Europe/Paris' });
      const parent = await server.ok<{ id: string }>('create_todo', { title: 'parent', tags: ['home'], due_date: '2030-01-01' });
      await server.ok('create_todo', { title: 'child', parent_id: parent.id });
      tap.mark();
      await server.ok('list_todos', { tag: 'home' }); // prepares its statements
      await tap.transaction(); // and is over, COMMIT included

      // BEGIN with the tenant's settings and profile; the list; its tags, subtasks and attachments; COMMIT.
      tap.mark();
      const listed = await server.ok<{ items: { title: string; tags: string[]; open_subtasks: number; due_date: string }[] }>('list_todos', { tag: 'home' });
      assert.deepEqual(await tap.transaction(), ['T', 'T', 'T', 'I']);
      assert.equal(listed.items.length, 1);
      assert.deepEqual(listed.items[0]!.tags, ['home']);
      assert.equal(listed.items[0]!.open_subtasks, 1);
      assert.match(listed.items[0]!.due_date, /^2030-01-01/); // the profile's zone applied

      // The server's answer to the COMMIT held back: the call is answered all the same.
      tap.mark(3);
      const answered = await server.ok<{ items: unknown[] }>('list_todos', { tag: 'home' });
      assert.equal(answered.items.length, 1);
      assert.deepEqual(await tap.transaction(), ['T', 'T', 'T', 'I'], 'its COMMIT went on after the answer');
      tap.release();

      // The connection breaks before the COMMIT's answer: the call was answered, and the next ones
      // get a connection that works.
      tap.mark(3, true);
      const before = await server.ok<{ items: { title: string }[] }>('list_todos', { tag: 'home' });
      assert.deepEqual(await tap.transaction(), ['T', 'T', 'T', 'cut']);
      assert.deepEqual(
        before.items.map((t) => t.title),
        ['parent'],
      );
      tap.mark();
      await server.ok('create_todo', { title: 'after the break', tags: ['home'] });
      const after = await server.ok<{ items: { title: string }[] }>('list_todos', { tag: 'home' });
      assert.deepEqual(after.items.map((t) => t.title).sort(), ['after the break', 'parent']);

      // A write waits for its COMMIT, and the profile it changed is what the next call reads.
      tap.mark();
      await server.ok('update_status', { timezone: 'Asia/Tokyo' });
      assert.equal(tap.trips.at(-1), 'I');
      const now = await server.ok<{ timezone: string }>('get_current_time', {});
      assert.equal(now.timezone, 'Asia/Tokyo');
    } finally {
      tap.release();
      await server.close();
      await tap.close();
    }
  });

  it('the dashboard in three whatever it shows: every section, then what presenting them needs, then COMMIT', async () => {
    const { relay: tap, env } = await serverDatabaseThrough((target) => new WireTap(target));
    const server = await TestServer.start({ engine: false, env: { ...env, MCP_PA_REMINDER_CHECK_SECONDS: '3600' } });
    try {
      const { unix_ms: now } = await server.ok<{ unix_ms: number }>('get_current_time');
      const at = (hours: number) => new Date(now + hours * 3_600_000).toISOString();
      const late = await server.ok<{ id: string }>('create_todo', { title: 'late', tags: ['home'], due_date: at(-30).slice(0, 10) });
      await server.ok('create_todo', { title: 'its step', parent_id: late.id });
      const project = await server.ok<{ id: string }>('create_project', { name: 'Launch', status: 'in_progress', tags: ['work'] });
      await server.ok('add_project_task', { project_id: project.id, title: 'ship', due_date: at(-30).slice(0, 10) });
      await server.ok('create_calendar_event', { title: 'standup', start_time: at(2), end_time: at(3), reminder_minutes: 10, tags: ['work'] });
      await server.ok('create_calendar_event', { title: 'walk', start_time: at(-26), end_time: at(-25), recurrence: 'FREQ=DAILY' });
      await server.ok('upload_document', { title: 'Notes', content_base64: Buffer.from('hi').toString('base64'), tags: ['home'] });
      tap.mark();
      await server.ok('get_dashboard', {}); // prepares its statements
      await tap.transaction();

      tap.mark();
      const d = await server.ok<Record<string, { items: Record<string, unknown>[]; total: number }> & { today: { events: { items: { title: string }[] } } }>(
        'get_dashboard',
        {},
      );
      assert.deepEqual(await tap.transaction(), ['T', 'T', 'T', 'I']);
      const first = (section: string) => d[section]!.items[0] ?? assert.fail(`${section}: ${JSON.stringify(d)}`);
      assert.deepEqual([first('overdue_todos').title, first('overdue_todos').tags, first('overdue_todos').open_subtasks], ['late', ['home'], 1]);
      assert.deepEqual([first('overdue_tasks').title, first('active_projects').name, first('active_projects').tags], ['ship', 'Launch', ['work']]);
      assert.deepEqual((first('active_projects').task_counts as { total: number }).total, 1);
      assert.deepEqual([first('recent_documents').title, first('recent_documents').tags], ['Notes', ['home']]);
      assert.deepEqual([first('reminders').title, first('reminders').kind], ['standup', 'event']);
      const events = [...d.today.events.items, ...d.upcoming_events!.items].map((e) => e.title);
      assert.ok(events.includes('standup') && events.includes('walk'), `the single event and the series' occurrences: ${events.join(', ')}`);

      // Rows keep their sections' order through the one statement: projects most urgent first
      // (none without an end date before one with it), documents newest first.
      await server.ok('create_project', { name: 'Garden', status: 'in_progress', end_date: at(24 * 30).slice(0, 10) });
      await server.ok('create_project', { name: 'Tax', status: 'in_progress', priority: 'urgent', end_date: at(24 * 60).slice(0, 10) });
      await server.ok('upload_document', { title: 'Later', content_base64: Buffer.from('again').toString('base64') });
      tap.mark();
      const again = await server.ok<Record<string, { items: { name?: string; title?: string }[] }>>('get_dashboard', {});
      assert.equal((await tap.transaction()).length, 4);
      assert.deepEqual(
        again.active_projects!.items.map((p) => p.name),
        ['Tax', 'Garden', 'Launch'],
      );
      assert.deepEqual(
        again.recent_documents!.items.map((d) => d.title),
        ['Later', 'Notes'],
      );
    } finally {
      await server.close();
      await tap.close();
    }
  });
});
