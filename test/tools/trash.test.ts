import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/server.js';

interface TrashResult {
  kind: string;
  id: string;
  title: string;
  in_trash: boolean;
  deleted_at: string | null;
  purge_after: string | null;
}

describe('trash', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('delete_item hides an item everywhere until restore_item brings it back', async () => {
    const todo = await server.ok<{ id: string }>('create_todo', { title: 'Water plants' });
    const trashed = await server.ok<TrashResult>('delete_item', { kind: 'todo', id: todo.id });
    assert.equal(trashed.in_trash, true);
    assert.equal(Date.parse(trashed.purge_after!) - Date.parse(trashed.deleted_at!), 30 * 24 * 3600 * 1000);
    assert.equal((await server.ok<{ items: unknown[] }>('list_todos')).items.length, 0);
    assert.equal((await server.ok<{ results: unknown[] }>('search', { query: 'plants' })).results.length, 0);
    assert.match(await server.fails('complete_todo', { todo_id: todo.id }), /no todo/);
    assert.match(await server.fails('delete_item', { kind: 'todo', id: todo.id }), /already in the trash/);

    const restored = await server.ok<TrashResult>('restore_item', { kind: 'todo', id: todo.id });
    assert.equal(restored.in_trash, false);
    assert.equal((await server.ok<{ items: unknown[] }>('list_todos')).items.length, 1);
    assert.equal((await server.ok<{ results: unknown[] }>('search', { query: 'plants' })).results.length, 1);
    assert.match(await server.fails('restore_item', { kind: 'todo', id: todo.id }), /not in the trash/);
  });

  it('a trashed project takes its tasks with it, and brings them back', async () => {
    const project = await server.ok<{ id: string }>('create_project', { name: 'Roof' });
    const task = await server.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'Fix gutter' });
    await server.ok('delete_item', { kind: 'project', id: project.id });
    assert.match(await server.fails('get_project', { project_id: project.id }), /no project/);
    assert.match(await server.fails('update_project_task', { task_id: task.id, status: 'done' }), /no task/);
    assert.equal((await server.ok<{ results: unknown[] }>('search', { query: 'gutter' })).results.length, 0);
    assert.match(await server.fails('restore_item', { kind: 'task', id: task.id }), /restore the project/);
    await server.ok('restore_item', { kind: 'project', id: project.id });
    const view = await server.ok<{ task_counts: { total: number } }>('get_project', { project_id: project.id });
    assert.equal(view.task_counts.total, 1);
    assert.equal((await server.ok<{ results: unknown[] }>('search', { query: 'gutter' })).results.length, 1);
  });

  it('restoring a project brings back only the tasks that went with it', async () => {
    const project = await server.ok<{ id: string }>('create_project', { name: 'Attic' });
    const early = await server.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'Trashed first' });
    const later = await server.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'Went with it' });
    await server.ok('delete_item', { kind: 'task', id: early.id });
    await server.ok('delete_item', { kind: 'project', id: project.id });
    assert.match(await server.fails('restore_item', { kind: 'task', id: early.id }), /project .* is in the trash; restore the project first/);
    assert.match(await server.fails('delete_item', { kind: 'task', id: later.id }), /already in the trash/);
    await server.ok('restore_item', { kind: 'project', id: project.id });
    const view = await server.ok<{ tasks: { items: { id: string }[] } }>('get_project', { project_id: project.id });
    assert.deepEqual(
      view.tasks.items.map((t) => t.id),
      [later.id],
    );
    await server.ok('restore_item', { kind: 'task', id: early.id });
    const all = await server.ok<{ task_counts: { total: number } }>('get_project', { project_id: project.id });
    assert.equal(all.task_counts.total, 2);
  });

  it('works for every kind', async () => {
    const project = await server.ok<{ id: string }>('create_project', { name: 'Kinds' });
    const ids: Record<string, string> = {
      project: (await server.ok<{ id: string }>('create_project', { name: 'P' })).id,
      task: (await server.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'T' })).id,
      todo: (await server.ok<{ id: string }>('create_todo', { title: 'D' })).id,
      event: (await server.ok<{ id: string }>('create_calendar_event', { title: 'E', start_time: '2031-01-01T10:00Z', end_time: '2031-01-01T11:00Z' })).id,
      document: (await server.ok<{ id: string }>('upload_document', { title: 'Doc', content_base64: 'aGk=' })).id,
    };
    for (const [kind, id] of Object.entries(ids)) {
      assert.equal((await server.ok<TrashResult>('delete_item', { kind, id })).in_trash, true, kind);
      assert.equal((await server.ok<TrashResult>('restore_item', { kind, id })).in_trash, false, kind);
    }
    const content = await server.ok<{ text: string }>('read_document', { document_id: ids.document });
    assert.equal(content.text, 'hi', 'a restored document still has its bytes');
  });

  it('refuses unknown kinds and ids', async () => {
    assert.match(await server.fails('delete_item', { kind: 'todo', id: 'nope' }), /no todo has the id "nope"/);
    assert.match(await server.fails('restore_item', { kind: 'event', id: 'nope' }), /no event/);
    assert.match(await server.fails('delete_item', { kind: 'note', id: 'x' }), /kind/);
  });
});
