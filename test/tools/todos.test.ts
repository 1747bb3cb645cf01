import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from '../helpers/server.js';

interface Todo {
  id: string;
  title: string;
  due_date: string | null;
  reminder_date: string | null;
  priority: string;
  tags: string[];
  completed: boolean;
  completed_at: string | null;
  overdue: boolean;
  project_id: string | null;
}
type Page = { items: Todo[]; next_cursor: string | null };

describe('todo tools', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('create_todo reads dates as the user wrote them', async () => {
    await server.ok('update_status', { timezone: 'America/New_York' });
    const plain = await server.ok<Todo>('create_todo', { title: 'Plain date', due_date: '2030-03-01' });
    assert.equal(plain.due_date, '2030-03-01');
    const local = await server.ok<Todo>('create_todo', { title: 'Local time', due_date: '2030-07-01T09:30' });
    assert.equal(local.due_date, '2030-07-01T09:30:00-04:00', 'a naive time is read in the profile zone (EDT)');
    const utc = await server.ok<Todo>('create_todo', { title: 'UTC', due_date: '2030-01-15T12:00:00Z', reminder_date: '2030-01-15T11:00:00+01:00' });
    assert.equal(utc.due_date, '2030-01-15T07:00:00-05:00', 'shown in the profile zone with its offset');
    assert.equal(utc.reminder_date, '2030-01-15T05:00:00-05:00');
    await server.ok('update_status', { timezone: null });
  });

  it('complete_todo marks it done once; update_todo can reopen it', async () => {
    const todo = await server.ok<Todo>('create_todo', { title: 'Call mom', priority: 'high', tags: ['Family'] });
    assert.equal(todo.completed, false);
    const done = await server.ok<Todo>('complete_todo', { todo_id: todo.id });
    assert.equal(done.completed, true);
    assert.ok(done.completed_at);
    server.clock!.advance(1100); // timestamps are shown to the second: a second completion would show
    const again = await server.ok<Todo>('complete_todo', { todo_id: todo.id });
    assert.equal(again.completed_at, done.completed_at, 'completing twice keeps the first completion time');
    assert.equal((again as unknown as { updated_at: string }).updated_at, (done as unknown as { updated_at: string }).updated_at, 'and changes nothing');
    const reopened = await server.ok<Todo>('update_todo', { todo_id: todo.id, completed: false });
    assert.equal(reopened.completed, false);
    assert.equal(reopened.completed_at, null);
  });

  it('update_todo changes only what is given; null clears', async () => {
    const todo = await server.ok<Todo>('create_todo', { title: 'Taxes', description: 'forms', due_date: day(3), tags: ['money'] });
    const updated = await server.ok<Todo & { description: string | null }>('update_todo', { todo_id: todo.id, due_date: null, priority: 'urgent' });
    assert.equal(updated.due_date, null);
    assert.equal(updated.priority, 'urgent');
    assert.equal(updated.description, 'forms');
    assert.deepEqual(updated.tags, ['money']);
  });

  it('list_todos filters and sorts by due date, undated last, across pages', async () => {
    const tag = 'sorting';
    const made = [];
    for (const [title, due] of [
      ['c', day(5)],
      ['none', undefined],
      ['a', day(-2)],
      ['b', day(1)],
    ] as const) {
      made.push(await server.ok<Todo>('create_todo', { title, tags: [tag], ...(due ? { due_date: due } : {}) }));
    }
    const titles: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await server.ok<Page>('list_todos', { tag, limit: 1, ...(cursor ? { cursor } : {}) });
      titles.push(...page.items.map((t) => t.title));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    assert.deepEqual(titles, ['a', 'b', 'c', 'none']);

    const overdue = await server.ok<Page>('list_todos', { tag, due_before: day(0) });
    assert.deepEqual(
      overdue.items.map((t) => t.title),
      ['a'],
    );
    assert.equal(overdue.items[0]?.overdue, true);
    const window = await server.ok<Page>('list_todos', { tag, due_after: day(0), due_before: day(6) });
    assert.deepEqual(
      window.items.map((t) => t.title),
      ['b', 'c'],
    );

    await server.ok('complete_todo', { todo_id: made[0]!.id });
    const open = await server.ok<Page>('list_todos', { tag, completed: false });
    assert.deepEqual(
      open.items.map((t) => t.title),
      ['a', 'b', 'none'],
    );
    const closed = await server.ok<Page>('list_todos', { tag, completed: true });
    assert.deepEqual(
      closed.items.map((t) => t.title),
      ['c'],
    );
    const high = await server.ok<Page>('list_todos', { tag, priority: 'high' });
    assert.equal(high.items.length, 0);
  });

  it('links todos to projects and filters by project', async () => {
    const project = await server.ok<{ id: string }>('create_project', { name: 'House' });
    const linked = await server.ok<Todo>('create_todo', { title: 'Paint', project_id: project.id });
    assert.equal(linked.project_id, project.id);
    const list = await server.ok<Page>('list_todos', { project_id: project.id });
    assert.deepEqual(
      list.items.map((t) => t.id),
      [linked.id],
    );
    const unlinked = await server.ok<Todo>('update_todo', { todo_id: linked.id, project_id: null });
    assert.equal(unlinked.project_id, null);
  });

  it('refuses bad input with messages that name the field', async () => {
    assert.match(await server.fails('create_todo', {}), /title/);
    assert.match(await server.fails('create_todo', { title: '   ' }), /title must not be empty/);
    assert.match(await server.fails('create_todo', { title: 'x', priority: 'extreme' }), /priority/);
    assert.match(await server.fails('create_todo', { title: 'x', due_date: 'someday' }), /due_date: "someday" is neither an ISO 8601 date nor a date in words/);
    assert.match(await server.fails('create_todo', { title: 'x', due_date: '2026-13-01' }), /due_date/);
    assert.match(await server.fails('create_todo', { title: 'x', reminder_date: '2026-12-01T25:00' }), /reminder_date/);
    assert.match(await server.fails('create_todo', { title: 'x', project_id: 'missing' }), /project_id: no project/);
    assert.match(await server.fails('create_todo', { title: 'x'.repeat(501) }), /at most 500/);
    assert.match(await server.fails('complete_todo', { todo_id: 'missing' }), /todo_id: no todo has the id "missing"\. Use list_todos/);
    assert.match(await server.fails('update_todo', { todo_id: 'missing', title: 'y' }), /todo_id/);
    assert.match(await server.fails('list_todos', { due_after: day(3), due_before: day(1) }), /due_before/);
    assert.match(await server.fails('list_todos', { limit: 500 }), /limit/);
    assert.match(await server.fails('list_todos', { completed: 'yes' }), /completed/);
  });
});
