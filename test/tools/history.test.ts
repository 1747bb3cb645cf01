import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/server.js';

interface Change {
  change_id: string;
  batch_id: string;
  actor: string;
  action: string;
  kind: string;
  id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  undone_by: string | null;
}
interface Todo {
  id: string;
  title: string;
  priority: string;
  due_date: string | null;
  completed: boolean;
  tags: string[];
}
type Page<T> = { items: T[]; next_cursor: string | null };
interface Undo {
  undone: string[];
  batch_id: string;
}

describe('history and undo', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  const historyOf = async (kind: string, id: string) => (await server.ok<Page<Change>>('get_history', { kind, id })).items;
  const todoById = async (id: string) => (await server.ok<Page<Todo>>('list_todos', { limit: 200 })).items.find((t) => t.id === id);

  it('records every change of an item with its fields before and after, when, and by which client', async () => {
    const todo = await server.ok<Todo>('create_todo', { title: 'Renew passport', priority: 'low', tags: ['admin'] });
    await server.ok('update_todo', { todo_id: todo.id, priority: 'high', tags: ['admin', 'travel'] });
    await server.ok('complete_todo', { todo_id: todo.id });
    await server.ok('delete_item', { kind: 'todo', id: todo.id });
    await server.ok('restore_item', { kind: 'todo', id: todo.id });
    const changes = await historyOf('todo', todo.id);
    assert.deepEqual(
      changes.map((c) => c.action),
      ['restore', 'delete', 'complete', 'update', 'create'],
      'newest first',
    );
    assert.ok(
      changes.every((c) => c.actor === 'mcp-pa-tests'),
      'the client’s own name (clientInfo)',
    );
    const update = changes[3]!;
    assert.deepEqual(update.before, { priority: 'low', tags: ['admin'] });
    assert.deepEqual(update.after, { priority: 'high', tags: ['admin', 'travel'] });
    assert.equal(changes[4]!.before, null);
    assert.equal(changes[4]!.after.title, 'Renew passport');
    assert.equal(new Set(changes.map((c) => c.batch_id)).size, 5, 'each call its own batch');
    const latest = await server.ok<Page<Change>>('get_history', { limit: 2 });
    assert.deepEqual(
      latest.items.map((c) => c.action),
      ['restore', 'delete'],
    );
    const next = await server.ok<Page<Change>>('get_history', { limit: 2, cursor: latest.next_cursor! });
    assert.deepEqual(
      next.items.map((c) => c.action),
      ['complete', 'update'],
      'pages follow on',
    );
    assert.match(await server.fails('get_history', { kind: 'todo' }), /^id: give kind and id together/);
  });

  it('undoes one change, records the undo, and undoes the undo', async () => {
    const todo = await server.ok<Todo>('create_todo', { title: 'Draft', priority: 'low', due_date: '2031-01-10' });
    await server.ok('update_todo', { todo_id: todo.id, title: 'Final', due_date: '2031-02-01' });
    const [update] = await historyOf('todo', todo.id);
    const undo = await server.ok<Undo>('undo_change', { change_id: update!.change_id });
    assert.deepEqual(undo.undone, [update!.change_id]);
    let now = await todoById(todo.id);
    assert.deepEqual([now!.title, now!.due_date], ['Draft', '2031-01-10'], 'the fields are as they were');
    const [recorded, original] = await historyOf('todo', todo.id);
    assert.equal(recorded!.action, 'undo');
    assert.equal(original!.undone_by, undo.batch_id);
    assert.match(await server.fails('undo_change', { change_id: update!.change_id }), /was undone already/);
    await server.ok('undo_change', { batch_id: undo.batch_id });
    now = await todoById(todo.id);
    assert.deepEqual([now!.title, now!.due_date], ['Final', '2031-02-01'], 'undoing the undo redoes it');
    const found = await server.ok<{ results: { id: string; title: string }[] }>('search', { query: 'final' });
    assert.ok(
      found.results.some((r) => r.id === todo.id),
      'the search index follows',
    );
  });

  it('refuses when a later change touched the same fields, naming it; other fields do not stand in the way', async () => {
    const todo = await server.ok<Todo>('create_todo', { title: 'Book', priority: 'low' });
    await server.ok('update_todo', { todo_id: todo.id, priority: 'high' });
    await server.ok('update_todo', { todo_id: todo.id, priority: 'urgent' });
    await server.ok('update_todo', { todo_id: todo.id, title: 'Book the hotel' });
    const [titleChange, urgent, high] = await historyOf('todo', todo.id);
    const refused = await server.fails('undo_change', { change_id: high!.change_id });
    assert.match(refused, new RegExp(`the later change ${urgent!.change_id} \\(update of the same todo\\) changed priority`));
    await server.ok('undo_change', { change_id: urgent!.change_id });
    assert.equal((await todoById(todo.id))!.priority, 'high');
    assert.equal((await todoById(todo.id))!.title, 'Book the hotel', 'the later title change stands');
    assert.ok(titleChange);
  });

  it('undoes a whole call by its batch_id, all or nothing; with no id, the last call', async () => {
    const bulk = await server.ok<{ results: { item: { id: string } }[] }>('create_todos', {
      items: [
        { title: 'Bulk one', tags: ['undo-bulk'] },
        { title: 'Bulk two', tags: ['undo-bulk'] },
      ],
    });
    const ids = bulk.results.map((r) => r.item.id);
    const [created] = await historyOf('todo', ids[0]!);
    const undone = await server.ok<Undo>('undo_change', { batch_id: created!.batch_id });
    assert.equal(undone.undone.length, 2);
    assert.deepEqual((await server.ok<Page<Todo>>('list_todos', { tag: 'undo-bulk' })).items, [], 'both went to the trash');
    const redo = await server.ok<Undo>('undo_change', {});
    assert.equal(redo.undone.length, 2, 'the last call was the undo: undoing it brings both back');
    assert.equal((await server.ok<Page<Todo>>('list_todos', { tag: 'undo-bulk' })).items.length, 2);
  });

  it('undoing a deletion brings the subtree back; undoing a recurring completion moves the todo back', async () => {
    const root = await server.ok<Todo>('create_todo', { title: 'Garage' });
    const child = await server.ok<Todo>('create_todo', { title: 'Sort the tools', parent_id: root.id });
    await server.ok('delete_item', { kind: 'todo', id: root.id });
    await server.ok('undo_change', {});
    assert.ok(await todoById(root.id));
    assert.ok(await todoById(child.id), 'the subtask came back with it');

    const weekly = await server.ok<Todo>('create_todo', { title: 'Water plants', due_date: '2031-03-03', recurrence: 'every monday' });
    const moved = await server.ok<Todo>('complete_todo', { todo_id: weekly.id });
    assert.equal(moved.due_date, '2031-03-10');
    await server.ok('undo_change', {});
    const back = await todoById(weekly.id);
    assert.equal(back!.due_date, '2031-03-03');
  });

  it('undoes a change of an event’s time, occurrences included', async () => {
    const series = await server.ok<{ id: string; start_time: string }>('create_calendar_event', {
      title: 'Yoga',
      start_time: '2031-05-05T18:00:00Z',
      end_time: '2031-05-05T19:00:00Z',
      timezone: 'UTC',
      recurrence: 'every monday',
    });
    await server.ok('update_calendar_event', { event_id: series.id, start_time: '2031-05-05T07:00:00Z', end_time: '2031-05-05T08:00:00Z' });
    await server.ok('undo_change', {});
    const week = await server.ok<{ items: { start_time: string }[] }>('list_calendar_events', { start_date: '2031-05-12', end_date: '2031-05-12' });
    assert.deepEqual(
      week.items.map((e) => e.start_time),
      ['2031-05-12T18:00:00+00:00'],
    );
  });

  it('undoes a series split (scope following) and an ICS import, each as one call', async () => {
    const series = await server.ok<{ id: string }>('create_calendar_event', {
      title: 'Standup split',
      start_time: '2031-06-02T09:00:00Z',
      end_time: '2031-06-02T09:15:00Z',
      timezone: 'UTC',
      recurrence: 'every weekday',
    });
    const later = await server.ok<{ id: string }>('update_calendar_event', {
      event_id: series.id,
      scope: 'following',
      occurrence_start: '2031-06-05T09:00:00Z',
      title: 'Standup later',
    });
    assert.notEqual(later.id, series.id, 'the series was split in two');
    await server.ok('undo_change', {});
    const all = await server.ok<{ items: { title: string; id: string }[] }>('list_calendar_events', { start_date: '2031-06-02', end_date: '2031-06-06' });
    const week = { items: all.items.filter((e) => e.title.startsWith('Standup')) };
    assert.deepEqual(
      week.items.map((e) => e.title),
      ['Standup split', 'Standup split', 'Standup split', 'Standup split', 'Standup split'],
      'one series again, every occurrence as before',
    );
    assert.ok(week.items.every((e) => e.id === series.id));

    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN'];
    for (const n of [1, 2]) {
      ics.push(
        'BEGIN:VEVENT',
        `UID:undo-import-${n}@example.com`,
        'DTSTAMP:20310101T000000Z',
        `DTSTART:2031070${n}T100000Z`,
        `DTEND:2031070${n}T110000Z`,
        `SUMMARY:Imported ${n}`,
        'END:VEVENT',
      );
    }
    ics.push('END:VCALENDAR');
    await server.ok('import_ics', { ics_text: `${ics.join('\r\n')}\r\n` });
    const importedOnes = async () =>
      (await server.ok<{ items: { title: string }[] }>('list_calendar_events', { start_date: '2031-07-01', end_date: '2031-07-02' })).items.filter((e) =>
        e.title.startsWith('Imported'),
      );
    assert.equal((await importedOnes()).length, 2);
    const undone = await server.ok<Undo>('undo_change', {});
    assert.equal(undone.undone.length, 2, 'the whole import at once');
    assert.deepEqual(await importedOnes(), []);
  });

  it('keeps a client’s name to printable text before it shows it as the actor', async () => {
    const spoofer = await TestServer.start({ clientName: 'Claude\u202e\u0007 evil\u001b[31m', engine: false });
    try {
      const todo = await spoofer.ok<Todo>('create_todo', { title: 'named' });
      const [created] = (await spoofer.ok<Page<Change>>('get_history', { kind: 'todo', id: todo.id })).items;
      assert.equal(created!.actor, 'Claude evil[31m', 'bidirectional overrides, bells and escapes are dropped');
    } finally {
      await spoofer.close();
    }
  });

  it('names what it cannot find', async () => {
    assert.match(await server.fails('undo_change', { change_id: 'missing' }), /change_id: no change has the id "missing"/);
    assert.match(await server.fails('undo_change', { change_id: 'a', batch_id: 'b' }), /give change_id or batch_id, not both/);
  });
});
