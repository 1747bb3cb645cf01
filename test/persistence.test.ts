import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TestClock } from './helpers/clock.js';
import { ENGINE, rawSql } from './helpers/engines.js';
import { dataDir, tempHome, withServer } from './helpers/server.js';

describe('persistence', () => {
  it('keeps everything across a restart', async () => {
    const home = tempHome();
    // The binary: a process that exits and another that starts on what it left.
    const { project, task, todo, event, doc } = await withServer({ home, binary: true }, async (first) => {
      await first.ok('update_status', { name: 'Grace', timezone: 'Europe/Oslo' });
      const project = await first.ok<{ id: string }>('create_project', { name: 'Compiler', tags: ['work'] });
      return {
        project,
        task: await first.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'Parser', status: 'done' }),
        todo: await first.ok<{ id: string }>('create_todo', { title: 'Debug', due_date: '2031-02-03' }),
        event: await first.ok<{ id: string }>('create_calendar_event', { title: 'Talk', start_time: '2031-02-04T10:00', end_time: '2031-02-04T11:00' }),
        doc: await first.ok<{ id: string }>('upload_document', { title: 'Paper', content_base64: Buffer.from('bugs').toString('base64') }),
      };
    });

    await withServer({ home, binary: true }, async (second) => {
      assert.equal((await second.ok<{ name: string; timezone: string }>('get_status')).timezone, 'Europe/Oslo');
      const view = await second.ok<{ progress: number; tags: string[]; tasks: { items: { id: string }[] } }>('get_project', { project_id: project.id });
      assert.equal(view.progress, 100);
      assert.deepEqual(view.tags, ['work']);
      assert.equal(view.tasks.items[0]?.id, task.id);
      assert.equal((await second.ok<{ due_date: string }>('update_todo', { todo_id: todo.id, priority: 'low' })).due_date, '2031-02-03');
      const events = await second.ok<{ items: { id: string; start_time: string }[] }>('list_calendar_events', { start_date: '2031-02-04' });
      assert.deepEqual(
        events.items.map((e) => [e.id, e.start_time]),
        [[event.id, '2031-02-04T10:00:00+01:00']],
      );
      assert.equal((await second.ok<{ text: string }>('read_document', { document_id: doc.id })).text, 'bugs');
      assert.equal((await second.ok<{ results: unknown[] }>('search', { query: 'compiler' })).results.length, 1);
    });
  });

  it('empties the trash of what has been there for 30 days, files included', async () => {
    const home = tempHome();
    const clock = new TestClock();
    const { old, recent, project, linked, doc } = await withServer({ home, clock }, async (server) => {
      const made = {
        old: await server.ok<{ id: string }>('create_todo', { title: 'old' }),
        recent: await server.ok<{ id: string }>('create_todo', { title: 'recent' }),
        project: await server.ok<{ id: string }>('create_project', { name: 'Gone' }),
        doc: await server.ok<{ id: string }>('upload_document', { title: 'old doc', content_base64: 'aGk=' }),
      };
      await server.ok('add_project_task', { project_id: made.project.id, title: 'with it', tags: ['x'] });
      const linked = await server.ok<{ id: string }>('create_todo', { title: 'linked', project_id: made.project.id });
      for (const [kind, id] of [
        ['todo', made.old.id],
        ['todo', made.recent.id],
        ['project', made.project.id],
        ['document', made.doc.id],
      ]) {
        await server.ok('delete_item', { kind, id });
      }
      return { ...made, linked };
    });

    // Age the trash as if a month had passed (31 days for three, 29 for one).
    const ago = (days: number) => new Date(clock.now() - days * 86_400_000).toISOString();
    for (const [table, id, days] of [
      ['todos', old.id, 31],
      ['todos', recent.id, 29],
      ['projects', project.id, 31],
      ['tasks', project.id, 31],
      ['documents', doc.id, 31],
    ] as const) {
      const column = table === 'tasks' ? 'project_id' : 'id';
      await rawSql(home, `UPDATE ${table} SET deleted_at = $1 WHERE ${column} = $2`, [ago(days), id]);
    }
    // The purge their deletion scheduled (the due-work queue) falls due with them.
    await rawSql(home, 'UPDATE due_work SET due_at = $1', [ago(1)]);

    await withServer({ home, clock }, async (after) => {
      assert.match(await after.fails('restore_item', { kind: 'todo', id: old.id }), /no todo/);
      assert.match(await after.fails('restore_item', { kind: 'project', id: project.id }), /no project/);
      assert.match(await after.fails('restore_item', { kind: 'document', id: doc.id }), /no document/);
      await after.ok('restore_item', { kind: 'todo', id: recent.id });
      const survivor = await after.ok<{ project_id: string | null }>('update_todo', { todo_id: linked.id, priority: 'high' });
      assert.equal(survivor.project_id, null, 'a todo outlives its purged project, unlinked');
      const counts = (await after.ok<{ counts: { todos_open: number; projects: Record<string, number>; documents: number } }>('get_dashboard')).counts;
      assert.deepEqual([counts.todos_open, counts.projects.total, counts.documents], [2, 0, 0], 'totals follow the purge');
    });
    if (ENGINE === 'sqlite') assert.equal(fs.existsSync(path.join(dataDir(home), 'documents', `${doc.id}.bin`)), false);
    const [tasks] = await rawSql(home, 'SELECT count(*) AS n FROM tasks');
    const [tags] = await rawSql(home, "SELECT count(*) AS n FROM item_tags WHERE item_kind = 'task'");
    const [bytes] = await rawSql(home, ENGINE === 'sqlite' ? 'SELECT 0 AS n' : 'SELECT count(*) AS n FROM document_blob_chunks');
    assert.deepEqual([Number(tasks!.n), Number(tags!.n), Number(bytes!.n)], [0, 0, 0], 'tasks, their tags and the bytes went too');
  });
});
