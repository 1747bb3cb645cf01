import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/server.js';

interface Todo {
  id: string;
  title: string;
  due_date: string | null;
  priority: string;
  completed: boolean;
}
interface Result<T> {
  index: number;
  ok: boolean;
  item?: T;
  error?: string;
}
type Bulk<T> = { results: Result<T>[] };
type Page = { items: { id: string; title: string }[] };

describe('bulk tools', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  const titles = async (tag: string) => (await server.ok<Page>('list_todos', { tag, limit: 200 })).items.map((t) => t.title).sort();

  it('create_todos makes each item exactly as create_todo would, in order', async () => {
    const { results } = await server.ok<Bulk<Todo>>('create_todos', {
      items: [
        { title: 'Book flights', due_date: '2030-05-01', tags: ['trip'] },
        { title: 'Pack', priority: 'high', tags: ['trip'] },
      ],
    });
    assert.deepEqual(
      results.map((r) => [r.index, r.ok, r.item?.title, r.item?.due_date, r.item?.priority]),
      [
        [0, true, 'Book flights', '2030-05-01', 'medium'],
        [1, true, 'Pack', null, 'high'],
      ],
    );
    assert.deepEqual(await titles('trip'), ['Book flights', 'Pack']);
    const found = await server.ok<{ results: { id: string }[] }>('search', { query: 'flights' });
    assert.ok(
      found.results.some((hit) => hit.id === results[0]!.item!.id),
      'a bulk-created item is searchable',
    );
  });

  it('atomic (the default): one bad item refuses the call, naming the item and field, and writes nothing', async () => {
    const message = await server.fails('create_todos', {
      items: [
        { title: 'First', tags: ['atomic'] },
        { title: 'Second', tags: ['atomic'] },
        { title: 'Third', due_date: 'not a date', tags: ['atomic'] },
      ],
    });
    assert.match(message, /^items\[2\]: due_date: /);
    assert.deepEqual(await titles('atomic'), [], 'the first two were rolled back with the third');
    const missing = await server.fails('create_todos', { items: [{ tags: ['atomic'] }] });
    assert.match(missing, /^items\[0\]: title: is required/);
  });

  it('atomic: false applies what it can and reports each item', async () => {
    const { results } = await server.ok<Bulk<Todo>>('create_todos', {
      atomic: false,
      items: [
        { title: 'Kept', tags: ['partial'] },
        { title: 'Bad date', due_date: '2030-02-30', tags: ['partial'] },
        { tags: ['partial'] },
        { title: 'Also kept', tags: ['partial'] },
      ],
    });
    assert.deepEqual(
      results.map((r) => [r.index, r.ok]),
      [
        [0, true],
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    assert.match(results[1]!.error!, /^items\[1\]: due_date: /);
    assert.match(results[2]!.error!, /^items\[2\]: title: is required/);
    assert.deepEqual(await titles('partial'), ['Also kept', 'Kept']);
    const found = await server.ok<{ results: { title: string }[] }>('search', { query: 'kept' });
    assert.deepEqual(found.results.map((hit) => hit.title).sort(), ['Also kept', 'Kept'], 'the items applied are searchable');
  });

  it('a failed item leaves nothing half-written, even when it failed after writing (unknown project)', async () => {
    const { results } = await server.ok<Bulk<Todo>>('create_todos', {
      atomic: false,
      items: [
        { title: 'Orphan', project_id: 'no-such-project', tags: ['half'] },
        { title: 'Fine', tags: ['half'] },
      ],
    });
    assert.equal(results[0]!.ok, false);
    assert.match(results[0]!.error!, /items\[0\]: project_id: no project has the id/);
    assert.deepEqual(await titles('half'), ['Fine']);
    const history = await server.ok<{ items: { action: string; after: { title?: string } }[] }>('get_history', { limit: 5 });
    const sameCall = history.items.filter((c) => ['Orphan', 'Fine'].includes(c.after.title ?? ''));
    assert.deepEqual(
      sameCall.map((c) => [c.action, c.after.title]),
      [['create', 'Fine']],
      'the history holds the item applied, not the one refused',
    );
  });

  it('update_todos and complete_todos take the single tools’ arguments', async () => {
    const made = await server.ok<Bulk<Todo>>('create_todos', {
      items: [
        { title: 'a', tags: ['upd'] },
        { title: 'b', tags: ['upd'] },
      ],
    });
    const [a, b] = made.results.map((r) => r.item!);
    const updated = await server.ok<Bulk<Todo>>('update_todos', {
      items: [
        { todo_id: a!.id, title: 'a2', priority: 'urgent' },
        { todo_id: b!.id, due_date: '2031-01-01' },
      ],
    });
    assert.deepEqual(
      updated.results.map((r) => [r.item?.title, r.item?.priority, r.item?.due_date]),
      [
        ['a2', 'urgent', null],
        ['b', 'medium', '2031-01-01'],
      ],
    );
    const completed = await server.ok<Bulk<Todo>>('complete_todos', { items: [{ todo_id: a!.id }, { todo_id: b!.id }] });
    assert.ok(completed.results.every((r) => r.item?.completed));
    const unknown = await server.fails('complete_todos', { items: [{ todo_id: a!.id }, { todo_id: 'missing' }] });
    assert.match(unknown, /^items\[1\]: todo_id: no todo has the id "missing"/);
  });

  it('create_calendar_events books several events and reports conflicts per item', async () => {
    const { results } = await server.ok<Bulk<{ id: string; title: string; conflicts?: { title: string }[] }>>('create_calendar_events', {
      items: [
        { title: 'Standup', start_time: '2030-06-03T09:00', end_time: '2030-06-03T09:15' },
        { title: 'Overlap', start_time: '2030-06-03T09:10', end_time: '2030-06-03T09:30' },
      ],
    });
    assert.deepEqual(
      results.map((r) => r.item?.title),
      ['Standup', 'Overlap'],
    );
    assert.deepEqual(
      results[1]!.item!.conflicts?.map((c) => c.title),
      ['Standup'],
      'the second sees the first, made earlier in the same call',
    );
  });

  it('refuses an empty list and more than 50 items', async () => {
    assert.match(await server.fails('create_todos', { items: [] }), /at least one item/);
    const many = Array.from({ length: 51 }, (_, i) => ({ title: `t${i}` }));
    assert.match(await server.fails('create_todos', { items: many }), /at most 50 items/);
  });
});
