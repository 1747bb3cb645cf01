import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from '../helpers/server.js';

interface Section {
  items: { id: string; title?: string; name?: string }[];
  total: number;
}
interface Dashboard {
  timezone: string;
  profile: { name: string | null; location: string | null };
  counts: {
    projects: Record<string, number>;
    todos_open: number;
    todos_completed: number;
    todos_overdue: number;
    events_next_7_days: number;
    documents: number;
  };
  today: { date: string; events: Section; todos_due: Section; tasks_due: Section };
  overdue_todos: Section;
  overdue_tasks: Section;
  upcoming_todos: Section;
  upcoming_events: Section;
  active_projects: Section;
  recent_documents: Section;
}
interface Hit {
  kind: string;
  id: string;
  title: string;
  snippet: string;
  score: number;
  project_id: string | null;
}

const titles = (s: Section) => s.items.map((i) => i.title ?? i.name);

describe('get_dashboard', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('summarises today, what is overdue and the next 7 days, with exact totals', async () => {
    const empty = await server.ok<Dashboard>('get_dashboard');
    assert.equal(empty.counts.todos_open, 0);
    assert.equal(empty.today.date, day(0));

    await server.ok('update_status', { name: 'Ada', city: 'Lisbon', country: 'Portugal' });
    for (let i = 1; i <= 7; i++) await server.ok('create_todo', { title: `late ${i}`, due_date: day(-i) });
    await server.ok('create_todo', { title: 'today', due_date: day(0) });
    await server.ok('create_todo', { title: 'in three days', due_date: day(3) });
    await server.ok('create_todo', { title: 'in a month', due_date: day(30) });
    const done = await server.ok<{ id: string }>('create_todo', { title: 'done late', due_date: day(-1) });
    await server.ok('complete_todo', { todo_id: done.id });
    await server.ok('create_calendar_event', { title: 'now-ish', start_time: `${day(0)}T00:30Z`, end_time: `${day(0)}T23:30Z` });
    await server.ok('create_calendar_event', { title: 'trip', start_time: day(2), end_time: day(4), all_day: true });
    await server.ok('create_calendar_event', { title: 'far', start_time: `${day(40)}T10:00Z`, end_time: `${day(40)}T11:00Z` });
    const project = await server.ok<{ id: string }>('create_project', { name: 'Launch', status: 'in_progress', priority: 'urgent' });
    await server.ok('create_project', { name: 'Someday', status: 'on_hold' });
    await server.ok('add_project_task', { project_id: project.id, title: 'ship', due_date: day(-1) });
    await server.ok('upload_document', { title: 'Notes', content_base64: Buffer.from('hi').toString('base64') });

    const d = await server.ok<Dashboard>('get_dashboard', { limit_per_section: 5 });
    assert.deepEqual(d.profile, { name: 'Ada', location: 'Lisbon, Portugal' });
    assert.equal(d.overdue_todos.total, 7);
    assert.equal(d.overdue_todos.items.length, 5, 'sections are bounded');
    assert.deepEqual(titles(d.overdue_todos), ['late 7', 'late 6', 'late 5', 'late 4', 'late 3']);
    assert.deepEqual(titles(d.today.todos_due), ['today']);
    assert.deepEqual(titles(d.upcoming_todos), ['in three days']);
    assert.deepEqual(titles(d.today.events), ['now-ish']);
    assert.deepEqual(titles(d.upcoming_events), ['trip']);
    assert.equal(d.counts.events_next_7_days, 1);
    assert.deepEqual(titles(d.overdue_tasks), ['ship']);
    assert.deepEqual(titles(d.active_projects), ['Launch']);
    assert.deepEqual(d.counts.projects, { in_progress: 1, on_hold: 1, total: 2 });
    assert.equal(d.counts.todos_open, 10);
    assert.equal(d.counts.todos_completed, 1);
    assert.equal(d.counts.documents, 1);
    assert.deepEqual(titles(d.recent_documents), ['Notes']);
  });

  it('keeps its totals exact through completing, reopening, moving, trashing and restoring', async () => {
    const all = async (tool: string, args: Record<string, unknown>) => {
      let n = 0;
      let cursor: string | undefined;
      do {
        const page = await server.ok<{ items: unknown[]; next_cursor: string | null }>(tool, { ...args, limit: 200, ...(cursor ? { cursor } : {}) });
        n += page.items.length;
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return n;
    };
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const todos: string[] = [];
    const projects: string[] = [];
    const statuses = ['not_started', 'in_progress', 'on_hold', 'completed', 'cancelled'];
    for (let step = 0; step < 120; step++) {
      const r = random();
      if (r < 0.25 || todos.length === 0) todos.push((await server.ok<{ id: string }>('create_todo', { title: `c${step}` })).id);
      else if (r < 0.35) projects.push((await server.ok<{ id: string }>('create_project', { name: `p${step}`, status: statuses[step % 5] })).id);
      else if (r < 0.5) await server.call('update_todo', { todo_id: todos[step % todos.length], completed: random() < 0.6 });
      else if (r < 0.6 && projects.length)
        await server.call('update_project', { project_id: projects[step % projects.length], status: statuses[(step * 3) % 5] });
      else if (r < 0.8)
        await server.call('delete_item', {
          kind: random() < 0.7 || !projects.length ? 'todo' : 'project',
          id: random() < 0.7 ? todos[step % todos.length] : projects[step % Math.max(1, projects.length)],
        });
      else
        await server.call('restore_item', {
          kind: random() < 0.7 ? 'todo' : 'project',
          id: random() < 0.7 ? todos[step % todos.length] : projects[step % Math.max(1, projects.length)],
        });
    }
    const d = await server.ok<Dashboard>('get_dashboard');
    assert.equal(d.counts.todos_open, await all('list_todos', { completed: false }));
    assert.equal(d.counts.todos_completed, await all('list_todos', { completed: true }));
    for (const status of statuses) {
      assert.equal(d.counts.projects[status] ?? 0, await all('list_projects', { status }), status);
    }
    assert.equal(d.counts.projects.total, await all('list_projects', {}));
  });

  it('refuses a bad section size', async () => {
    assert.match(await server.fails('get_dashboard', { limit_per_section: 100 }), /limit_per_section/);
  });
});

describe('search', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('finds every kind by title, text, tags and document content, best first', async () => {
    const project = await server.ok<{ id: string }>('create_project', { name: 'Kitchen renovation', notes: 'Ask about marble countertops' });
    const task = await server.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'Order marble samples' });
    await server.ok('create_todo', { title: 'Buy milk', tags: ['groceries'] });
    await server.ok('create_calendar_event', { title: 'Plumber visit', start_time: '2031-01-01T10:00Z', end_time: '2031-01-01T11:00Z', location: 'Kitchen' });
    await server.ok('upload_document', {
      title: 'Quote',
      filename: 'quote.txt',
      content_base64: Buffer.from('Marble slab, Carrara, 3 square metres').toString('base64'),
    });
    await server.ok('create_external_document', { title: 'Tile ideas', external_url: 'https://example.com/tiles' });

    const marble = await server.ok<{ results: Hit[] }>('search', { query: 'marble' });
    assert.deepEqual(new Set(marble.results.map((r) => r.kind)), new Set(['project', 'task', 'document']));
    assert.equal(marble.results[0]?.title, 'Order marble samples', 'a title match ranks above a body match');
    assert.equal(marble.results.find((r) => r.kind === 'task')?.project_id, project.id);
    assert.match(marble.results.find((r) => r.kind === 'document')!.snippet, /\[Marble\]/);

    const groceries = await server.ok<{ results: Hit[] }>('search', { query: 'groceries' });
    assert.deepEqual(
      groceries.results.map((r) => r.title),
      ['Buy milk'],
    );
    const prefix = await server.ok<{ results: Hit[] }>('search', { query: 'plumb' });
    assert.deepEqual(
      prefix.results.map((r) => r.title),
      ['Plumber visit'],
    );
    const onlyTasks = await server.ok<{ results: Hit[] }>('search', { query: 'marble', kinds: ['task'] });
    assert.deepEqual(
      onlyTasks.results.map((r) => r.id),
      [task.id],
    );
    const limited = await server.ok<{ results: Hit[] }>('search', { query: 'kitchen', limit: 1 });
    assert.equal(limited.results.length, 1);
  });

  it('treats search syntax and injection attempts as plain words', async () => {
    await server.ok('create_todo', { title: "Robert'); DROP TABLE todos;--" });
    for (const query of ['"unbalanced', 'NEAR(a b', 'a OR', '*', "'); DROP TABLE todos;--", 'title:x', '-minus']) {
      const result = await server.call('search', { query });
      assert.notEqual(result.isError, true, `query ${query} failed: ${JSON.stringify(result.content)}`);
    }
    const hit = await server.ok<{ results: Hit[] }>('search', { query: 'DROP TABLE' });
    assert.equal(hit.results[0]?.title, "Robert'); DROP TABLE todos;--");
    const list = await server.ok<{ items: unknown[] }>('list_todos', {});
    assert.ok(list.items.length >= 2, 'the table is still there');
  });

  it('follows updates and refuses bad input', async () => {
    const todo = await server.ok<{ id: string }>('create_todo', { title: 'Renew passport' });
    await server.ok('update_todo', { todo_id: todo.id, title: 'Renew driving licence' });
    assert.equal((await server.ok<{ results: Hit[] }>('search', { query: 'passport' })).results.length, 0);
    assert.equal((await server.ok<{ results: Hit[] }>('search', { query: 'licence' })).results.length, 1);
    assert.match(await server.fails('search', { query: '' }), /query/);
    assert.match(await server.fails('search', { query: 'x', kinds: ['note'] }), /kinds/);
    assert.match(await server.fails('search', { query: 'x', limit: 1000 }), /limit/);
  });
});
