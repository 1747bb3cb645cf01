import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestClock } from '../helpers/clock.js';
import { TestServer, tempHome } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Reminder {
  id: string;
  delivery: { delivery_id: string; status: string; attempts: number; last_error: string | null } | null;
}

/** A local server that looks for due reminders every second and may reach loopback receivers. */
const start = (options: { home?: string; clock?: TestClock; allow?: boolean } = {}) =>
  TestServer.start({
    home: options.home,
    clock: options.clock,
    env: { MCP_PA_REMINDER_CHECK_SECONDS: '1', ...(options.allow === false ? {} : { MCP_PA_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }) },
  });

describe('reminders pushed to a webhook (local mode)', () => {
  let receiver: WebhookReceiver;
  before(async () => (receiver = await WebhookReceiver.start()));
  after(() => receiver.close());

  it('POSTs a due reminder as signed JSON, once, and shows the delivery', async () => {
    const server = await start();
    try {
      const webhook = await server.ok<{ secret: string; format: string }>('set_reminder_webhook', { url: receiver.url });
      assert.equal(webhook.format, 'json');
      assert.match(webhook.secret, /^[A-Za-z0-9_-]{43}$/);
      const due = server.clock!.now() + HOUR;
      const todo = await server.ok<{ id: string }>('create_todo', { title: 'Take medicine', reminder_date: iso(due) });
      const seen = receiver.received.length;
      server.clock!.advance(HOUR + 1000);
      await receiver.until(seen + 1);
      const [request] = receiver.received.slice(seen);
      const body = JSON.parse(request!.body) as { delivery_id: string; id: string; title: string; kind: string; late: boolean };
      assert.deepEqual([body.kind, body.id, body.title, body.late], ['todo', todo.id, 'Take medicine', false]);
      assert.equal(request!.headers['x-mcp-pa-delivery'], body.delivery_id);
      const expected = crypto
        .createHmac('sha256', webhook.secret)
        .update(`${String(request!.headers['x-mcp-pa-timestamp'])}.${request!.body}`)
        .digest('hex');
      assert.equal(request!.headers['x-mcp-pa-signature'], `sha256=${expected}`);
      // The sender records the delivery after the POST, in a transaction of its own: wait for it.
      let delivery: Reminder['delivery'] = null;
      while (delivery?.status !== 'sent') {
        delivery = (await server.ok<{ items: Reminder[] }>('list_reminders', { start_date: iso(due - 1000), end_date: iso(due + 1000) })).items[0]!.delivery;
      }
      assert.deepEqual([delivery.delivery_id, delivery.attempts], [body.delivery_id, 1]);
      // Nothing is sent twice: the next runs find it recorded.
      const status = await server.ok<{ reminder_webhook: { url: string } | null }>('get_status');
      assert.equal(status.reminder_webhook?.url, receiver.url);
    } finally {
      await server.close();
    }
    assert.equal(receiver.received.filter((r) => r.headers['x-mcp-pa-delivery'] === receiver.received.at(-1)!.headers['x-mcp-pa-delivery']).length, 1);
  });

  it('retries a failed delivery with back-off, with the same delivery id, and shows the failure meanwhile', async () => {
    const server = await start();
    try {
      await server.ok('set_reminder_webhook', { url: receiver.url });
      const due = server.clock!.now() + HOUR;
      await server.ok('create_calendar_event', {
        title: 'Flight',
        start_time: iso(due + 30 * 60_000),
        end_time: iso(due + 3 * HOUR),
        reminder_minutes: 30,
      });
      const seen = receiver.received.length;
      receiver.status = (_r, index) => (index === seen ? 500 : 200);
      server.clock!.advance(HOUR + 1000);
      await receiver.until(seen + 1);
      let delivery: Reminder['delivery'] = null;
      // The failure is recorded by the run that sent it: wait for that run's transaction, not a time.
      while (delivery?.status !== 'failed')
        delivery = (await server.ok<{ items: Reminder[] }>('list_reminders', { start_date: iso(due - 1000), end_date: iso(due + 1000) })).items[0]!.delivery;
      assert.deepEqual([delivery.attempts, delivery.last_error], [1, 'the webhook answered 500']);
      // An unrelated change meanwhile must not lose the retry.
      await server.ok('create_todo', { title: 'Something else' });
      server.clock!.advance(2 * 60_000);
      await receiver.until(seen + 2);
      const [first, second] = receiver.received.slice(seen);
      assert.equal(second!.headers['x-mcp-pa-delivery'], first!.headers['x-mcp-pa-delivery']);
    } finally {
      receiver.status = () => 200;
      await server.close();
    }
  });

  it('refuses a loopback target unless the operator allow-lists it', async () => {
    const server = await start({ allow: false });
    try {
      await server.ok('set_reminder_webhook', { url: receiver.url });
      const due = server.clock!.now() + HOUR;
      await server.ok('create_todo', { title: 'Not sent', reminder_date: iso(due) });
      const seen = receiver.received.length;
      server.clock!.advance(HOUR + 1000);
      let delivery: Reminder['delivery'] = null;
      while (delivery === null)
        delivery = (await server.ok<{ items: Reminder[] }>('list_reminders', { start_date: iso(due - 1000), end_date: iso(due + 1000) })).items[0]!.delivery;
      assert.equal(delivery.status, 'failed');
      assert.match(delivery.last_error!, /not a public internet address/);
      assert.equal(receiver.received.length, seen, 'nothing reached the receiver');
    } finally {
      await server.close();
    }
  });

  it('sends ntfy messages, and after a stop sends what came due meanwhile, marked late', async () => {
    const home = tempHome();
    const clock = new TestClock();
    let server = await start({ home, clock });
    const due = clock.now() + HOUR;
    try {
      const webhook = await server.ok<{ secret: string | null }>('set_reminder_webhook', { url: receiver.url, format: 'ntfy' });
      assert.equal(webhook.secret, null);
      await server.ok('create_todo', { title: 'Call grandma', reminder_date: iso(due) });
    } finally {
      await server.close();
    }
    const seen = receiver.received.length;
    // Started again three hours later: the reminder that came due while it was stopped goes out at once.
    server = await start({ home, clock: new TestClock(clock.now() + 3 * HOUR) });
    try {
      await receiver.until(seen + 1);
      const request = receiver.received[seen]!;
      assert.equal(request.headers.title, 'Call grandma');
      assert.match(request.headers['content-type']!, /^text\/plain/);
      assert.match(request.body, /^Call grandma\n.*\(late: was due to remind at /);
      assert.match(String(request.headers.tags), /late/);
    } finally {
      await server.close();
    }
  });

  it('refuses a bad URL, and null removes the webhook', async () => {
    const server = await start();
    try {
      assert.match(await server.fails('set_reminder_webhook', { url: 'ftp://example.com/x' }), /url: must be an http:\/\/ or https:\/\/ URL/);
      assert.match(await server.fails('set_reminder_webhook', { url: 'https://user:pw@example.com/x' }), /user name or password/);
      await server.ok('set_reminder_webhook', { url: receiver.url });
      const removed = await server.ok<{ url: string | null }>('set_reminder_webhook', { url: null });
      assert.equal(removed.url, null);
      assert.equal((await server.ok<{ reminder_webhook: unknown }>('get_status')).reminder_webhook, null);
    } finally {
      await server.close();
    }
  });
});
