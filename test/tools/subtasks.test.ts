import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from '../helpers/server.js';

interface Todo {
  id: string;
  title: string;
  completed: boolean;
  parent_id: string | null;
  open_subtasks: number;
}
interface Task {
  id: string;
  title: string;
  status: string;
  project_id: string;
  parent_id: string | null;
  open_subtasks: number;
  due_date: string | null;
}
type Page<T> = { items: T[]; next_cursor: string | null };

describe('subtasks', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  const todo = (title: string, parent?: Todo) => server.ok<Todo>('create_todo', { title, tags: ['tree'], ...(parent ? { parent_id: parent.id } : {}) });
  const titles = (items: { title: string }[]) => items.map((i) => i.title);

  it('a todo takes a parent, four levels at most, and never one of its own subtasks', async () => {
    const goal = await todo('Move house');
    const pack = await todo('Pack', goal);
    const kitchen = await todo('Pack the kitchen', pack);
    const plates = await todo('Wrap the plates', kitchen);
    assert.equal(plates.parent_id, kitchen.id);
    assert.match(await server.fails('create_todo', { title: 'Too deep', parent_id: plates.id }), /parent_id: would make the tree 5 levels deep; at most 4/);
    assert.match(await server.fails('update_todo', { todo_id: goal.id, parent_id: plates.id }), /parent_id: is the todo itself or one of its subtasks/);
    assert.match(await server.fails('update_todo', { todo_id: goal.id, parent_id: goal.id }), /parent_id: is the todo itself/);
    const other = await todo('Another root');
    const otherChild = await todo('Another child', other);
    assert.match(
      await server.fails('update_todo', { todo_id: pack.id, parent_id: otherChild.id }),
      /would make the tree 5 levels deep/,
      'a subtree of three levels under a second level would reach five',
    );
    assert.equal((await server.ok<Todo>('update_todo', { todo_id: pack.id, parent_id: other.id })).parent_id, other.id, 'under a root it reaches four');
    assert.match(await server.fails('create_todo', { title: 'x', parent_id: 'missing' }), /parent_id: no todo has the id "missing"/);
    const moved = await server.ok<Todo>('update_todo', { todo_id: kitchen.id, parent_id: null });
    assert.equal(moved.parent_id, null, 'null makes it top-level again');
    await server.ok('update_todo', { todo_id: kitchen.id, parent_id: pack.id });
  });

  it('lists filter by parent, or show the top level only; items count their open subtasks', async () => {
    const root = await todo('Plan a trip');
    const a = await todo('Book flights', root);
    await todo('Book hotel', root);
    await todo('Pick seats', a);
    const children = await server.ok<Page<Todo>>('list_todos', { parent_id: root.id });
    assert.deepEqual(titles(children.items).sort(), ['Book flights', 'Book hotel']);
    const top = await server.ok<Page<Todo>>('list_todos', { tag: 'tree', include_subtasks: false, limit: 200 });
    assert.ok(top.items.every((t) => t.parent_id === null));
    assert.ok(titles(top.items).includes('Plan a trip'));
    const all = await server.ok<Page<Todo>>('list_todos', { tag: 'tree', limit: 200 });
    assert.ok(titles(all.items).includes('Pick seats'), 'every item by default, as before');
    assert.equal(all.items.find((t) => t.id === root.id)!.open_subtasks, 2);
  });

  it('completing a parent with open subtasks is refused, naming them, unless complete_children', async () => {
    const root = await todo('Tax return');
    const a = await todo('Collect receipts', root);
    const b = await todo('Fill in the form', root);
    const deep = await todo('Find the bank statements', a);
    const refused = await server.fails('complete_todo', { todo_id: root.id });
    assert.match(refused, /todo_id: it has 3 open subtasks: .*"Find the bank statements" \(.+\).*complete_children: true/);
    assert.match(await server.fails('update_todo', { todo_id: root.id, completed: true }), /open subtasks/);
    const done = await server.ok<Todo>('complete_todo', { todo_id: root.id, complete_children: true });
    assert.equal(done.completed, true);
    for (const child of [a, b, deep]) {
      const [found] = (await server.ok<Page<Todo>>('list_todos', { parent_id: child.parent_id!, limit: 200 })).items.filter((t) => t.id === child.id);
      assert.equal(found!.completed, true, `${child.title} was completed with its parent`);
    }
    const bulkRoot = await todo('Bulk parent');
    await todo('Bulk child', bulkRoot);
    assert.match(await server.fails('complete_todos', { items: [{ todo_id: bulkRoot.id }] }), /^items\[0\]: todo_id: it has 1 open subtask/);
    const bulk = await server.ok<{ results: { ok: boolean }[] }>('complete_todos', { items: [{ todo_id: bulkRoot.id, complete_children: true }] });
    assert.equal(bulk.results[0]!.ok, true);
  });

  it('trash takes the subtree along, and restore brings back what went with it', async () => {
    const root = await todo('Wedding');
    const venue = await todo('Venue', root);
    const visit = await todo('Visit venues', venue);
    const cake = await todo('Cake', root);
    await server.ok('delete_item', { kind: 'todo', id: cake.id }); // trashed on its own, before
    await server.ok('delete_item', { kind: 'todo', id: root.id });
    const left = await server.ok<Page<Todo>>('list_todos', { tag: 'tree', limit: 200 });
    assert.ok(!titles(left.items).some((t) => ['Wedding', 'Venue', 'Visit venues'].includes(t)), 'the whole subtree is in the trash');
    assert.match(await server.fails('restore_item', { kind: 'todo', id: visit.id }), /in the trash with its parent; restore the todo/);
    assert.match(await server.fails('restore_item', { kind: 'todo', id: cake.id }), /its parent todo .* is in the trash; restore the parent first/);
    await server.ok('restore_item', { kind: 'todo', id: root.id });
    const back = await server.ok<Page<Todo>>('list_todos', { tag: 'tree', limit: 200 });
    assert.ok(['Wedding', 'Venue', 'Visit venues'].every((t) => titles(back.items).includes(t)));
    assert.ok(!titles(back.items).includes('Cake'), 'what was trashed on its own stays in the trash');
    const found = await server.ok<{ results: { id: string }[] }>('search', { query: 'visit venues' });
    assert.ok(
      found.results.some((r) => r.id === visit.id),
      'restored subtasks are searchable again',
    );
  });

  it('project tasks: a subtree stays in one project, shows under its parent, and moves as one', async () => {
    const project = await server.ok<{ id: string }>('create_project', { name: 'Garden' });
    const other = await server.ok<{ id: string }>('create_project', { name: 'Shed' });
    const dig = await server.ok<Task>('add_project_task', { project_id: project.id, title: 'Dig beds' });
    const soil = await server.ok<Task>('add_project_task', { project_id: project.id, title: 'Order soil', parent_id: dig.id });
    await server.ok<Task>('add_project_task', { project_id: project.id, title: 'Plant' });
    await server.ok<Task>('add_project_task', { project_id: project.id, title: 'Pick a supplier', parent_id: soil.id });
    assert.match(await server.fails('add_project_task', { project_id: other.id, title: 'x', parent_id: dig.id }), /parent_id: is a task of another project/);
    const detail = await server.ok<{ tasks: Page<Task> }>('get_project', { project_id: project.id });
    assert.deepEqual(titles(detail.tasks.items), ['Dig beds', 'Order soil', 'Pick a supplier', 'Plant'], 'children under their parent');
    assert.equal(detail.tasks.items[0]!.open_subtasks, 1);
    assert.match(await server.fails('update_project_task', { task_id: soil.id, project_id: other.id }), /project_id: the task is a subtask of/);
    await server.ok('update_project_task', { task_id: dig.id, project_id: other.id });
    const moved = await server.ok<{ tasks: Page<Task> }>('get_project', { project_id: other.id });
    assert.deepEqual(titles(moved.tasks.items), ['Dig beds', 'Order soil', 'Pick a supplier'], 'the subtree moved with its root');
    assert.match(await server.fails('update_project_task', { task_id: dig.id, status: 'done' }), /task_id: it has 2 open subtasks/);
    const done = await server.ok<Task>('update_project_task', { task_id: dig.id, status: 'done', complete_children: true });
    assert.equal(done.status, 'done');
    assert.equal(done.open_subtasks, 0);
  });

  it('list_tasks lists tasks of every project by due date, with the contract’s filters', async () => {
    const a = await server.ok<{ id: string }>('create_project', { name: 'Alpha' });
    const b = await server.ok<{ id: string }>('create_project', { name: 'Beta' });
    const late = await server.ok<Task>('add_project_task', { project_id: a.id, title: 'Late one', due_date: day(20), tags: ['lt'] });
    await server.ok<Task>('add_project_task', { project_id: b.id, title: 'Soon one', due_date: day(2), priority: 'high', tags: ['lt'] });
    await server.ok<Task>('add_project_task', { project_id: b.id, title: 'Undated', tags: ['lt'] });
    await server.ok<Task>('add_project_task', { project_id: a.id, title: 'Late child', due_date: day(3), parent_id: late.id, tags: ['lt'] });
    const all = await server.ok<Page<Task>>('list_tasks', { tag: 'lt' });
    assert.deepEqual(titles(all.items), ['Soon one', 'Late child', 'Late one', 'Undated'], 'by due date, undated last, across projects');
    assert.deepEqual(titles((await server.ok<Page<Task>>('list_tasks', { tag: 'lt', project_id: a.id })).items), ['Late child', 'Late one']);
    assert.deepEqual(titles((await server.ok<Page<Task>>('list_tasks', { tag: 'lt', priority: 'high' })).items), ['Soon one']);
    assert.deepEqual(titles((await server.ok<Page<Task>>('list_tasks', { tag: 'lt', parent_id: late.id })).items), ['Late child']);
    assert.deepEqual(titles((await server.ok<Page<Task>>('list_tasks', { tag: 'lt', include_subtasks: false })).items), ['Soon one', 'Late one', 'Undated']);
    assert.deepEqual(titles((await server.ok<Page<Task>>('list_tasks', { tag: 'lt', due_after: day(3), due_before: day(21) })).items), [
      'Late child',
      'Late one',
    ]);
    assert.deepEqual(titles((await server.ok<Page<Task>>('list_tasks', { tag: 'lt', status: 'done' })).items), []);
    const first = await server.ok<Page<Task>>('list_tasks', { tag: 'lt', limit: 2 });
    const second = await server.ok<Page<Task>>('list_tasks', { tag: 'lt', limit: 2, cursor: first.next_cursor! });
    assert.deepEqual([...titles(first.items), ...titles(second.items)], titles(all.items), 'pages follow on');
  });
});
