import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { serverDatabaseThrough } from '../helpers/engines.js';
import { TestServer } from '../helpers/server.js';

/**
 * A loopback door to the PostgreSQL server that can be shut: `cut` ends every connection through
 * it and refuses new ones (as a server that went away), `reopen` lets them in again on the same port.
 */
class Door {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((inbound) => {
      const outbound = net.connect(this.target);
      for (const [from, to] of [
        [inbound, outbound],
        [outbound, inbound],
      ] as const) {
        this.#sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.#sockets.delete(from);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe('a tool call while the PostgreSQL server cannot be reached', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' }, () => {
  it('says so, as a failure to try again (not an internal error), and works again once the server is back', async () => {
    const { relay: door, env } = await serverDatabaseThrough((target) => new Door(target));
    const server = await TestServer.start({ engine: false, env });
    try {
      await server.ok('create_todo', { title: 'before the cut' });
      const loggedBefore = server.stderr.length;
      await door.cut();
      for (const [tool, args] of [
        ['list_todos', {}],
        ['create_todo', { title: 'during the cut' }],
      ] as const) {
        const message = await server.fails(tool, args);
        assert.match(message, /the database could not be reached\. Try again in a moment/, `${tool}: ${message}`);
        assert.doesNotMatch(message, /internal error|reference/);
      }
      // Logged as a warning, once a call, without a stack trace.
      const logged = server.stderr.slice(loggedBefore).join('');
      assert.match(logged, /the database is unreachable/);
      assert.doesNotMatch(logged, /internal error|"stack"/);
      await door.open();
      const listed = await server.ok<{ items: { title: string }[] }>('list_todos', {});
      assert.deepEqual(
        listed.items.map((t) => t.title),
        ['before the cut'],
        'nothing written during the cut',
      );
    } finally {
      await server.close();
      await door.cut();
    }
  });
});
