import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from '../helpers/server.js';

interface Project {
  id: string;
  name: string;
  status: string;
  priority: string;
  start_date: string | null;
  end_date: string | null;
  tags: string[];
  progress: number;
  progress_source: string;
  task_counts: { total: number; done: number };
  tasks?: { items: Task[]; next_cursor: string | null };
}
interface Task {
  id: string;
  project_id: string;
  status: string;
  completed_at: string | null;
  due_date: string | null;
  overdue: boolean;
  tags: string[];
}

describe('project tools', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('create_project applies defaults and normalises tags', async () => {
    const p = await server.ok<Project>('create_project', { name: '  Garden  ', tags: ['Home', 'home', 'Outdoor '] });
    assert.equal(p.name, 'Garden');
    assert.equal(p.status, 'not_started');
    assert.equal(p.priority, 'medium');
    assert.deepEqual(p.tags, ['home', 'outdoor']);
    assert.equal(p.progress, 0);
    assert.equal(p.progress_source, 'tasks');
  });

  it('progress follows the tasks until set by hand, and back', async () => {
    const p = await server.ok<Project>('create_project', { name: 'Thesis', start_date: day(0), end_date: day(60) });
    const tasks: Task[] = [];
    for (const title of ['Outline', 'Draft', 'Review', 'Submit']) {
      tasks.push(await server.ok<Task>('add_project_task', { project_id: p.id, title }));
    }
    const done = await server.ok<Task>('update_project_task', { task_id: tasks[0]!.id, status: 'done' });
    assert.ok(done.completed_at, 'completed_at set on done');
    let view = await server.ok<Project>('get_project', { project_id: p.id });
    assert.equal(view.progress, 25);
    assert.equal(view.task_counts.total, 4);
    assert.equal(view.tasks?.items.length, 4);

    const reopened = await server.ok<Task>('update_project_task', { task_id: tasks[0]!.id, status: 'in_progress' });
    assert.equal(reopened.completed_at, null, 'completed_at cleared when leaving done');

    await server.ok('update_project', { project_id: p.id, progress: 90 });
    view = await server.ok<Project>('get_project', { project_id: p.id });
    assert.equal(view.progress, 90);
    assert.equal(view.progress_source, 'manual');
    await server.ok('update_project', { project_id: p.id, progress: null });
    view = await server.ok<Project>('get_project', { project_id: p.id });
    assert.equal(view.progress, 0);
    assert.equal(view.progress_source, 'tasks');
  });

  it('a task added as done is complete at once; a past due date is overdue', async () => {
    const p = await server.ok<Project>('create_project', { name: 'Move' });
    const t = await server.ok<Task>('add_project_task', { project_id: p.id, title: 'Pack', status: 'done', due_date: day(-3) });
    assert.ok(t.completed_at);
    assert.equal(t.overdue, false, 'a done task is never overdue');
    const late = await server.ok<Task>('add_project_task', { project_id: p.id, title: 'Book van', due_date: day(-1) });
    assert.equal(late.overdue, true);
    assert.equal(late.due_date, day(-1));
  });

  it('list_projects filters by status, priority and tag, newest first, paginated', async () => {
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      const p = await server.ok<Project>('create_project', {
        name: `List ${i}`,
        status: i % 2 ? 'in_progress' : 'on_hold',
        priority: i < 3 ? 'urgent' : 'low',
        tags: ['listing'],
      });
      names.push(p.name);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await server.ok<{ items: Project[]; next_cursor: string | null }>('list_projects', {
        tag: 'listing',
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((p) => p.name));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, [...names].reverse());
    const urgentInProgress = await server.ok<{ items: Project[] }>('list_projects', { tag: 'listing', status: 'in_progress', priority: 'urgent' });
    assert.deepEqual(
      urgentInProgress.items.map((p) => p.name),
      ['List 1'],
    );
  });

  it('update_project changes fields and refuses an end before the start', async () => {
    const p = await server.ok<Project>('create_project', { name: 'Trip', start_date: day(10) });
    const message = await server.fails('update_project', { project_id: p.id, end_date: day(5) });
    assert.match(message, /end_date/);
    assert.match(message, /before start_date/);
    const updated = await server.ok<Project>('update_project', { project_id: p.id, status: 'completed', end_date: day(12), tags: ['travel'] });
    assert.equal(updated.status, 'completed');
    assert.equal(updated.end_date, day(12));
    assert.deepEqual(updated.tags, ['travel']);
  });

  it('a task can move to another project', async () => {
    const a = await server.ok<Project>('create_project', { name: 'A' });
    const b = await server.ok<Project>('create_project', { name: 'B' });
    const t = await server.ok<Task>('add_project_task', { project_id: a.id, title: 'Shared', tags: ['x'] });
    const moved = await server.ok<Task>('update_project_task', { task_id: t.id, project_id: b.id });
    assert.equal(moved.project_id, b.id);
    assert.equal((await server.ok<Project>('get_project', { project_id: a.id })).task_counts.total, 0);
    assert.equal((await server.ok<Project>('get_project', { project_id: b.id })).task_counts.total, 1);
  });

  it('get_project pages through tasks and filters by status', async () => {
    const p = await server.ok<Project>('create_project', { name: 'Big' });
    for (let i = 0; i < 5; i++) await server.ok('add_project_task', { project_id: p.id, title: `T${i}`, status: i === 4 ? 'blocked' : 'todo' });
    const first = await server.ok<Project>('get_project', { project_id: p.id, task_limit: 2 });
    assert.equal(first.tasks?.items.length, 2);
    const second = await server.ok<Project>('get_project', { project_id: p.id, task_limit: 2, task_cursor: first.tasks?.next_cursor });
    assert.notEqual(second.tasks?.items[0]?.id, first.tasks?.items[0]?.id);
    const blocked = await server.ok<Project>('get_project', { project_id: p.id, task_status: 'blocked' });
    assert.equal(blocked.tasks?.items.length, 1);
  });

  it('refuses bad input with messages that name the field', async () => {
    assert.match(await server.fails('create_project', { name: '' }), /name/);
    assert.match(await server.fails('create_project', { name: 'X', status: 'doing' }), /status/);
    assert.match(await server.fails('create_project', { name: 'X', priority: 'critical' }), /priority/);
    assert.match(await server.fails('create_project', { name: 'X', start_date: '2026-13-45' }), /start_date.*not a date/);
    assert.match(await server.fails('create_project', { name: 'X', start_date: '2026-02-30' }), /start_date/);
    assert.match(await server.fails('create_project', { name: 'X', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }), /at most 50 tags/);
    assert.match(await server.fails('get_project', { project_id: 'nope' }), /project_id: no project has the id "nope"/);
    assert.match(await server.fails('update_project', { project_id: 'nope', name: 'Y' }), /list_projects/);
    assert.match(await server.fails('add_project_task', { project_id: 'nope', title: 'T' }), /project_id/);
    assert.match(await server.fails('update_project_task', { task_id: 'nope', title: 'T' }), /task_id/);
    const p = await server.ok<Project>('create_project', { name: 'Valid' });
    assert.match(await server.fails('update_project', { project_id: p.id, progress: 101 }), /progress/);
    assert.match(await server.fails('list_projects', { cursor: 'garbage' }), /cursor/);
    assert.match(await server.fails('list_projects', { limit: 0 }), /limit/);
  });
});
