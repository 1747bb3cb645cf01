import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import type { DomainContext } from '../../src/domain/context.js';
import { AddTaskInput, CreateProjectInput } from '../../src/domain/projects/schema.js';
import { addTask, createProject, getProject, updateProject, updateTask } from '../../src/domain/projects/service.js';
import { GetProjectInput, UpdateProjectInput, UpdateTaskInput } from '../../src/domain/projects/schema.js';
import { CreateTodoInput, ListTodosInput, UpdateTodoInput } from '../../src/domain/todos/schema.js';
import { createTodo, listTodos, updateTodo } from '../../src/domain/todos/service.js';
import { openTestRuntime } from '../helpers/engines.js';

const WRITERS = 50;
const TENANTS = ['busy-a', 'busy-b', 'busy-c'];

describe('concurrent writers on a PostgreSQL server', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL is not set' }, () => {
  it(`${WRITERS} writers per tenant at once: every write kept, totals exact, no deadlock`, async () => {
    const { runtime } = await openTestRuntime('postgres');
    try {
      const shared = new Map<string, { project: string; todo: string; other: string }>();
      for (const tenant of TENANTS) {
        await runtime.ensureTenant(tenant);
        const made = await runtime.run('write', tenant, async (ctx) => ({
          project: (await createProject(ctx, CreateProjectInput.parse({ name: 'shared' }))).id,
          todo: (await createTodo(ctx, CreateTodoInput.parse({ title: 'shared' }))).id,
          other: (await createProject(ctx, CreateProjectInput.parse({ name: 'other' }))).id,
        }));
        shared.set(tenant, made);
      }
      // Each writer makes the calls a client would, one transaction each: adds a task to one of two
      // projects and moves it to the other (half in each direction, so both projects are changed
      // from both sides), adds a todo, and replaces the shared todo's tags with its own pair while
      // completing or reopening it (the counters of every tenant hammered from all sides at once).
      const writers = TENANTS.flatMap((tenant) =>
        Array.from({ length: WRITERS }, async (_, i) => {
          const { project, todo, other } = shared.get(tenant)!;
          const [from, to] = i % 2 === 0 ? [project, other] : [other, project];
          const call = <T>(fn: (ctx: DomainContext) => Promise<T>) => runtime.run('write', tenant, fn);
          const task = await call((ctx) => addTask(ctx, AddTaskInput.parse({ project_id: from, title: `w${i}` })));
          await call((ctx) => updateTask(ctx, UpdateTaskInput.parse({ task_id: task.id, project_id: to })));
          await call((ctx) => createTodo(ctx, CreateTodoInput.parse({ title: `w${i}`, tags: ['mine'] })));
          await call((ctx) => updateTodo(ctx, UpdateTodoInput.parse({ todo_id: todo, tags: [`w${i}-a`, `w${i}-b`], completed: i % 3 === 0 })));
        }),
      );
      const outcomes = await Promise.allSettled(writers);
      const failures = outcomes.filter((o) => o.status === 'rejected');
      assert.deepEqual(
        failures.map((f) => String((f as PromiseRejectedResult).reason)),
        [],
        'no writer failed',
      );

      for (const tenant of TENANTS) {
        await runtime.run('read', tenant, async (ctx) => {
          const { project, todo } = shared.get(tenant)!;
          const mine = await listTodos(ctx, ListTodosInput.parse({ tag: 'mine', limit: 200 }));
          assert.equal(mine.items.length, WRITERS, `${tenant}: every todo kept`);
          const { other } = shared.get(tenant)!;
          const tasks = (await getProject(ctx, GetProjectInput.parse({ project_id: project }))).task_counts.total;
          const moved = (await getProject(ctx, GetProjectInput.parse({ project_id: other }))).task_counts.total;
          assert.deepEqual([tasks, moved], [WRITERS / 2, WRITERS / 2], `${tenant}: every task kept, where it was moved`);
          const tags = (await ctx.tags.of('todo', [todo])).get(todo)!;
          assert.equal(tags.length, 2, `${tenant}: one writer's tag pair, not a merge: ${tags.join(', ')}`);
          assert.equal(tags[0]!.split('-')[0], tags[1]!.split('-')[0]);
          const count = await ctx.fetch(ctx.counts.live());
          const actual = await runtime.engine.transaction('read', tenant, (trx) =>
            sql<{ completed: number; n: number }>`SELECT completed, count(*)::int AS n FROM todos WHERE deleted_at IS NULL GROUP BY completed`.execute(trx),
          );
          const of = (c: number) => actual.rows.find((r) => r.completed === c)?.n ?? 0;
          assert.deepEqual([count('todos.open'), count('todos.completed')], [of(0), of(1)], `${tenant}: trigger-kept totals match the rows`);
        });
      }
    } finally {
      await runtime.close();
    }
  });

  it('a transaction the database chooses as a deadlock victim is run again and succeeds', async () => {
    const { runtime } = await openTestRuntime('postgres');
    try {
      await runtime.ensureTenant('dl');
      const [a, b] = await runtime.run('write', 'dl', async (ctx) => [
        (await createTodo(ctx, CreateTodoInput.parse({ title: 'a' }))).id,
        (await createTodo(ctx, CreateTodoInput.parse({ title: 'b' }))).id,
      ]);
      let attempts = 0;
      // Two transactions lock the same two rows in opposite orders, each waiting for the other: each
      // takes its second row only once both hold their first (a retry finds the gate open).
      let holding = 0;
      let bothHold!: () => void;
      const gate = new Promise<void>((resolve) => (bothHold = resolve));
      const cross = (first: string, second: string) =>
        runtime.engine.transaction('write', 'dl', async (trx) => {
          attempts++;
          await sql`UPDATE todos SET title = title WHERE id = ${first}`.execute(trx);
          if (++holding === 2) bothHold();
          await gate;
          await sql`UPDATE todos SET title = title WHERE id = ${second}`.execute(trx);
        });
      await Promise.all([cross(a, b), cross(b, a)]);
      assert.ok(attempts >= 3, `one of the two was retried (attempts: ${attempts})`);
    } finally {
      await runtime.close();
    }
  });

  it('concurrent edits of one project never leave its end before its start', async () => {
    const { runtime } = await openTestRuntime('postgres');
    try {
      await runtime.ensureTenant('dates');
      const day = (n: number) => `2031-01-${String(n).padStart(2, '0')}`;
      const project = await runtime.run('write', 'dates', (ctx) =>
        createProject(ctx, CreateProjectInput.parse({ name: 'p', start_date: day(10), end_date: day(20) })),
      );
      // Half move the start later, half move the end earlier: each is valid alone, but a pair
      // checked against a stale row would cross. Refusals are expected; a crossed result is not.
      const edits = Array.from({ length: 40 }, (_, i) =>
        runtime.run('write', 'dates', (ctx) =>
          updateProject(
            ctx,
            UpdateProjectInput.parse(
              i % 2 ? { project_id: project.id, start_date: day(11 + (i % 9)) } : { project_id: project.id, end_date: day(19 - (i % 9)) },
            ),
          ),
        ),
      );
      const outcomes = await Promise.allSettled(edits);
      for (const o of outcomes) if (o.status === 'rejected') assert.match(String(o.reason), /before start_date/);
      const final = await runtime.run('read', 'dates', (ctx) => getProject(ctx, GetProjectInput.parse({ project_id: project.id })));
      assert.ok(final.end_date! >= final.start_date!, `end ${final.end_date} before start ${final.start_date}`);
    } finally {
      await runtime.close();
    }
  });
});
