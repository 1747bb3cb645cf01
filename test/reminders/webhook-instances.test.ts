import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engineEnv } from '../helpers/engines.js';
import { HttpTestServer, withConfigFile } from '../helpers/http-server.js';
import { tempHome } from '../helpers/server.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

type Client = Awaited<ReturnType<HttpTestServer['client']>>;
const call = async <T>(client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })).structuredContent as T;

/** Looks for due reminders every second and may reach the loopback receiver. */
const REMINDERS = { MCP_PA_REMINDER_CHECK_SECONDS: '1', MCP_PA_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };

interface Reminder {
  delivery: { status: string } | null;
}

/** Waits until list_reminders shows every reminder of the range sent (the senders' transactions committed). */
async function allSent(client: Client, start_date: string, end_date: string, count: number) {
  for (;;) {
    const { items } = await call<{ items: Reminder[] }>(client, 'list_reminders', { start_date, end_date });
    if (items.length === count && items.every((r) => r.delivery?.status === 'sent')) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('reminder webhooks in HTTP mode', () => {
  let receiver: WebhookReceiver;
  before(async () => (receiver = await WebhookReceiver.start()));
  after(() => receiver.close());

  it(
    'two instances on one PostgreSQL send each reminder exactly once',
    { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' },
    async () => {
      const { home, args } = withConfigFile({ mode: 'http', authentication: { enabled: false } });
      const env = { ...(await engineEnv(home, 'postgres')), MCP_OAUTH_KEY_ENCRYPTION_KEY: 'a key-encryption passphrase for tests', ...REMINDERS };
      const first = await HttpTestServer.start({ home, args, env: { ...env, MCP_PORT: '0' } });
      const second = await HttpTestServer.start({ home, args, env: { ...env, MCP_PORT: '0', MCP_PUBLIC_URL: first.url } });
      const [a, b] = [await first.client(), await second.client()];
      const seen = receiver.received.length;
      try {
        await call(a, 'set_reminder_webhook', { url: receiver.url });
        const soon = Date.now() + 1500;
        for (let i = 0; i < 12; i++) {
          await call(i % 2 ? a : b, 'create_todo', { title: `Reminder ${i}`, reminder_date: new Date(soon + i * 100).toISOString() });
        }
        await receiver.until(seen + 12);
        await allSent(b, new Date(soon - 1000).toISOString(), new Date(soon + 5000).toISOString(), 12);
        const mine = receiver.received.slice(seen);
        assert.equal(new Set(mine.map((r) => r.headers['x-mcp-pa-delivery'])).size, 12);
        assert.equal(mine.length, 12, 'no reminder was sent twice');
      } finally {
        await Promise.all([a.close(), b.close()]);
        await first.close();
        await second.close();
      }
    },
  );

  it('a kill between sending and recording resends with the same delivery id', async () => {
    const home = tempHome();
    const { args } = withConfigFile(
      { mode: 'http', authentication: { enabled: false }, database: { type: 'sqlite', path: path.join(home, 'db.sqlite') } },
      home,
    );
    const server = await HttpTestServer.start({ home, args, env: REMINDERS, binary: true });
    const client = await server.client();
    const seen = receiver.received.length;
    const closed = once(server.child, 'close');
    // The first request kills the sender before it can record the delivery.
    receiver.onRequest = (_r, index) => void (index === seen && server.child.kill('SIGKILL'));
    try {
      await call(client, 'set_reminder_webhook', { url: receiver.url });
      await call(client, 'create_todo', { title: 'Water the plants', reminder_date: new Date(Date.now() + 1000).toISOString() });
      await receiver.until(seen + 1);
      await closed;
    } finally {
      receiver.onRequest = () => undefined;
      await client.close().catch(() => undefined);
    }
    const again = await HttpTestServer.start({ home, args, env: REMINDERS });
    try {
      await receiver.until(seen + 2);
      const [killed, resent] = receiver.received.slice(seen);
      assert.equal(resent!.headers['x-mcp-pa-delivery'], killed!.headers['x-mcp-pa-delivery']);
      assert.equal(JSON.parse(resent!.body).title, 'Water the plants');
    } finally {
      await again.close();
    }
  });
});
