import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import type { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { dataDir, TestServer, tempHome } from '../helpers/server.js';

/** Rounds of writes, each ended by a kill -9 while writes are in flight. */
const KILLS = 6;
/** Writers calling at once, so that the kill lands in the middle of some. */
const WRITERS = 3;

const databaseOf = (home: string) => path.join(dataDir(home), 'database.sqlite');

/** PRAGMA integrity_check of a database no server has open. */
function integrity(home: string): string {
  const db = new Database(databaseOf(home));
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** The local server, built, over stdio: its process. */
const start = (home: string) => TestServer.start({ home, binary: true, engine: false });
const pidOf = (server: TestServer) => (server.client.transport as StdioClientTransport).pid!;

interface Written {
  kind: 'todo' | 'project';
  id: string;
  word: string;
}

describe('local mode (SQLite over stdio) under faults', { timeout: 900_000 }, () => {
  it('kill -9 in a loop of writes: every acknowledged write is there after the restart, the database intact, search finds each', async () => {
    const home = tempHome('mcp-pa-kill-');
    const acknowledged: Written[] = [];
    let unacknowledged = 0;
    for (let round = 0; round < KILLS; round++) {
      const server = await start(home);
      const pid = pidOf(server);
      let stop = false;
      let count = 0;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const word = `fault${round}x${w}x${i}`;
          const kind = i % 3 === 2 ? 'project' : 'todo';
          try {
            const result =
              kind === 'todo'
                ? await server.call('create_todo', { title: `Item ${word}`, tags: ['crash'], description: `written in round ${round}` })
                : await server.call('create_project', { name: `Project ${word}`, description: `written in round ${round}` });
            assert.notEqual(result.isError, true, JSON.stringify(result.content));
            acknowledged.push({ kind, id: String((result.structuredContent as { id: string }).id), word });
            count++;
          } catch (err) {
            // Only a call the kill cut off fails: it was never acknowledged.
            assert.ok(stop, `a write failed before the kill: ${(err as Error).message}`);
            unacknowledged++;
            return;
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
      // A different moment in each round: after 20 to 70 acknowledged writes.
      const target = 20 + ((round * 17) % 50);
      while (count < target) await Promise.race([...writers, new Promise((resolve) => setImmediate(resolve))]);
      stop = true;
      const gone = once(server.client.transport as unknown as NodeJS.EventEmitter, 'close').catch(() => undefined);
      process.kill(pid, 'SIGKILL');
      await Promise.all(writers);
      await gone;
      await server.close().catch(() => undefined);
      assert.equal(integrity(home), 'ok', `round ${round}: PRAGMA integrity_check after kill -9`);
    }

    const server = await start(home);
    try {
      for (const item of acknowledged) {
        const found = await server.ok<{ results: { kind: string; id: string }[] }>('search', { query: item.word });
        assert.ok(
          found.results.some((r) => r.kind === item.kind && r.id === item.id),
          `search finds the ${item.kind} ${item.word} (${item.id}): ${JSON.stringify(found.results)}`,
        );
      }
      const todos = acknowledged.filter((i) => i.kind === 'todo').map((i) => i.id);
      const db = new Database(databaseOf(home), { readonly: true });
      try {
        const stored = new Set((db.prepare('SELECT id FROM todos').all() as { id: string }[]).map((r) => r.id));
        assert.deepEqual(
          todos.filter((id) => !stored.has(id)),
          [],
        );
      } finally {
        db.close();
      }
    } finally {
      await server.close();
    }
    assert.equal(integrity(home), 'ok');
    console.log(`kill -9 ${KILLS} times: ${acknowledged.length} acknowledged writes all there and found; ${unacknowledged} cut off unacknowledged`);
  });

  describe('with the disk full (a small tmpfs)', () => {
    let mountpoint: string | undefined;
    after(() => {
      if (mountpoint) asRoot('umount', mountpoint);
    });

    it('a write fails with a clear error, reads go on, and the database stays usable once there is room', async () => {
      const home = tempHome('mcp-pa-full-');
      asRoot('mount', '-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', home);
      mountpoint = home;
      const server = await start(home);
      try {
        const before = await server.ok<{ id: string }>('create_todo', { title: 'Written before the disk filled up' });
        // Everything left on the disk taken by another file.
        const filler = path.join(home, 'filler');
        fill(filler);
        // 50 todos of 9,000 characters each: more than the database's files have room for.
        const many = Array.from({ length: 50 }, (_, i) => ({ title: `Does not fit ${i}`, description: 'x'.repeat(9_000) }));
        const refused = await server.call('create_todos', { items: many });
        assert.equal(refused.isError, true, `a write on a full disk fails: ${JSON.stringify(refused.content)}`);
        const message = JSON.stringify(refused.content);
        assert.match(message, /disk is full|no space left/i, 'and says why');
        assert.doesNotMatch(message, /internal error|SQLITE_|ENOSPC|\//, 'in words, without codes or paths');
        const upload = await server.call('upload_document', {
          title: 'Does not fit either',
          filename: 'big.txt',
          content_base64: Buffer.from('y'.repeat(3_000_000)).toString('base64'),
        });
        assert.equal(upload.isError, true, 'a document that does not fit is refused');
        assert.match(JSON.stringify(upload.content), /disk is full|no space left/i);
        const documents = path.join(dataDir(home), 'documents');
        assert.deepEqual(fs.existsSync(documents) ? fs.readdirSync(documents, { recursive: true }) : [], [], 'no part of it is left on the disk');
        // Reads still work, and see what was there.
        const listed = await server.ok<{ items: { id: string }[] }>('list_todos');
        assert.deepEqual(
          listed.items.map((t) => t.id),
          [before.id],
        );
        // Room again: writes work without a restart, and nothing of the refused ones is there.
        fs.rmSync(filler);
        const afterwards = await server.ok<{ id: string }>('create_todo', { title: 'Written once there was room', description: 'x'.repeat(9_000) });
        const stored = await server.ok<{ id: string }>('upload_document', {
          title: 'Fits now',
          filename: 'small.txt',
          content_base64: Buffer.from('a small note').toString('base64'),
        });
        const all = await server.ok<{ items: { id: string; title: string }[] }>('list_todos');
        assert.deepEqual(all.items.map((t) => t.id).sort(), [before.id, afterwards.id].sort());
        assert.ok(stored.id);
      } finally {
        await server.close();
      }
      assert.equal(integrity(home), 'ok');
    });
  });
});

/** Fills the file system of `file` until it has no byte left (ENOSPC). */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 1 << 9, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** mount and umount: as root, or through sudo without a password (as .ci/run installs packages). */
function asRoot(command: string, ...args: string[]): void {
  const [bin, argv] = process.getuid?.() === 0 ? [command, args] : ['sudo', ['-n', command, ...args]];
  execFileSync(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}
