import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestServer, tempHome } from './helpers/server.js';

describe('two server processes on one database', () => {
  it('lose no write', async () => {
    const home = tempHome();
    const [a, b] = await Promise.all([TestServer.start({ home, binary: true }), TestServer.start({ home, binary: true })]);
    try {
      const project = await a.ok<{ id: string }>('create_project', { name: 'Shared' });
      const shared = await b.ok<{ id: string }>('create_todo', { title: 'shared' });
      const PER_SERVER = 60;
      const work = (server: TestServer, name: string) =>
        Array.from({ length: PER_SERVER }, (_, i) =>
          Promise.all([
            server.ok('create_todo', { title: `${name}-${i}`, tags: [name] }),
            server.ok('add_project_task', { project_id: project.id, title: `${name}-${i}` }),
            // Both processes edit different fields of one todo: both edits must survive.
            server.ok('update_todo', name === 'a' ? { todo_id: shared.id, title: `a-${i}` } : { todo_id: shared.id, description: `b-${i}` }),
          ]),
        );
      await Promise.all([...work(a, 'a'), ...work(b, 'b')]);

      const countTagged = async (tag: string) => {
        let n = 0;
        let cursor: string | undefined;
        do {
          const page = await a.ok<{ items: unknown[]; next_cursor: string | null }>('list_todos', { tag, limit: 200, ...(cursor ? { cursor } : {}) });
          n += page.items.length;
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        return n;
      };
      assert.equal(await countTagged('a'), PER_SERVER);
      assert.equal(await countTagged('b'), PER_SERVER);
      const view = await b.ok<{ task_counts: { total: number } }>('get_project', { project_id: project.id });
      assert.equal(view.task_counts.total, 2 * PER_SERVER);
      const final = await b.ok<{ title: string; description: string }>('update_todo', { todo_id: shared.id, priority: 'low' });
      assert.equal(final.title, `a-${PER_SERVER - 1}`);
      assert.equal(final.description, `b-${PER_SERVER - 1}`);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('both start on a new database at the same moment', async () => {
    const home = tempHome();
    const servers = await Promise.all([1, 2, 3].map(() => TestServer.start({ home, binary: true })));
    try {
      await Promise.all(servers.map((s, i) => s.ok('create_todo', { title: `t${i}` })));
      assert.equal((await servers[0]!.ok<{ items: unknown[] }>('list_todos')).items.length, 3);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
