import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ManualClock } from '../../src/clock.js';
import type { DomainContext } from '../../src/domain/context.js';
import { CreateTodoInput } from '../../src/domain/todos/schema.js';
import { createTodo } from '../../src/domain/todos/service.js';
import { deleteItem, emptyTrash, restoreItem } from '../../src/domain/trash/service.js';
import { purgeHistory } from '../../src/domain/history/service.js';
import { runDueWork, type DueWorkHandlers } from '../../src/compose/due-work.js';
import { createLogger } from '../../src/logging.js';
import type { OpenedRuntime } from '../../src/runtime.js';
import { AVAILABLE_ENGINES, openTestRuntime } from '../helpers/engines.js';
import { tempHome } from '../helpers/tmp.js';

const DAY = 24 * 60 * 60 * 1000;
const START = Date.UTC(2027, 2, 1, 12);
const logger = createLogger('silent');

for (const engine of AVAILABLE_ENGINES) {
  describe(`due work on ${engine}`, () => {
    const clock = new ManualClock(START);
    let runtime: OpenedRuntime;
    // The history's retention sweep (90 days by default) would visit these tenants too: kept long here.
    before(async () => {
      const config = path.join(tempHome('mcp-pa-dw-'), 'config.json');
      fs.writeFileSync(config, JSON.stringify({ history: { retention_days: 36500 } }));
      ({ runtime } = await openTestRuntime(engine, { MCP_PA_CONFIG: config }, clock));
    });
    after(() => runtime.close());

    /** Runs the sweep with the server's own trash handler; `worked` names the tenants it acted as. */
    async function sweep(handlers: Partial<DueWorkHandlers> = {}) {
      const report = await runDueWork(
        runtime,
        clock,
        { 'trash.purge': emptyTrash, 'reminders.send': async () => 0, 'history.purge': purgeHistory, ...handlers },
        logger,
      );
      return { ...report, worked: report.tenants };
    }

    async function todoOf(tenant: string) {
      await runtime.ensureTenant(tenant);
      return runtime.run('write', tenant, (ctx) => createTodo(ctx, CreateTodoInput.parse({ title: `todo of ${tenant}` })));
    }

    /** The tenant's todos (trashed too) and its queued work, as its own transaction sees them. */
    const rowsIn = (tenant: string, table: 'todos' | 'due_work') =>
      runtime.engine.transaction('read', tenant, async (trx) =>
        (await trx.selectFrom(table).selectAll().where('tenant_id', '=', tenant).execute()).filter((row) => !('kind' in row) || row.kind === 'trash.purge'),
      );

    /** Every row of a table a tenant's transaction sees, without a condition (row-level security decides). */
    const unfiltered = (tenant: string, table: string) =>
      runtime.engine.transaction('read', tenant, async (trx) => (await sql<{ tenant_id: string }>`SELECT * FROM ${sql.table(table)}`.execute(trx)).rows);

    it('empties the trash when an item’s 30 days are up, not before, visiting only the tenants with work due', async () => {
      clock.set(START);
      await sweep(); // whatever start-up left due
      const a = await todoOf('purge-a');
      const b = await todoOf('purge-b');
      await todoOf('purge-idle');
      await runtime.run('write', 'purge-a', (ctx) => deleteItem(ctx, { kind: 'todo', id: a.id }));
      clock.advance(10 * DAY);
      await runtime.run('write', 'purge-b', (ctx) => deleteItem(ctx, { kind: 'todo', id: b.id }));

      clock.advance(19 * DAY); // day 29: nothing expired
      assert.deepEqual((await sweep()).worked, []);
      clock.advance(DAY + 60_000); // day 30 and a minute: a's todo expired, b's not
      const first = await sweep();
      assert.deepEqual(first.worked, ['purge-a'], 'only the tenant whose trash expired is visited');
      assert.equal((await rowsIn('purge-a', 'todos')).length, 0, 'a’s todo is gone');
      assert.equal((await rowsIn('purge-a', 'due_work')).length, 0, 'nothing left to do for a');
      assert.equal((await rowsIn('purge-b', 'todos')).length, 1, 'b’s todo waits for its own 30 days');
      clock.advance(10 * DAY);
      assert.deepEqual((await sweep()).worked, ['purge-b']);
      assert.equal((await rowsIn('purge-b', 'todos')).length, 0);
      assert.equal((await rowsIn('purge-idle', 'todos')).length, 1, 'a tenant with nothing in the trash keeps everything');
    });

    it('a restored item is not purged, and the run it had scheduled finds nothing to do', async () => {
      clock.set(START + 100 * DAY);
      const t = await todoOf('restore-a');
      await runtime.run('write', 'restore-a', (ctx) => deleteItem(ctx, { kind: 'todo', id: t.id }));
      await runtime.run('write', 'restore-a', (ctx) => restoreItem(ctx, { kind: 'todo', id: t.id }));
      clock.advance(31 * DAY);
      const result = await sweep();
      assert.deepEqual(result.worked, ['restore-a']);
      assert.equal((await rowsIn('restore-a', 'todos')).length, 1);
      assert.equal((await rowsIn('restore-a', 'due_work')).length, 0, 'no further run is scheduled');
    });

    it('a failing run is retried later with back-off and does not hold up other tenants', async () => {
      clock.set(START + 200 * DAY);
      const x = await todoOf('fail-x');
      const y = await todoOf('fail-y');
      for (const [tenant, todo] of [
        ['fail-x', x],
        ['fail-y', y],
      ] as const)
        await runtime.run('write', tenant, (ctx) => deleteItem(ctx, { kind: 'todo', id: todo.id }));
      clock.advance(31 * DAY);
      // Fails for x (whose todo it can see), works for y.
      const failing = async (ctx: DomainContext) => {
        if (await ctx.todos.findAny(x.id)) throw new Error('provider down');
        return emptyTrash(ctx);
      };
      const first = await sweep({ 'trash.purge': failing });
      assert.deepEqual({ done: first.done, failed: first.failed }, { done: 1, failed: 1 });
      assert.equal((await rowsIn('fail-y', 'todos')).length, 0, 'y’s trash was emptied');
      assert.equal((await rowsIn('fail-x', 'todos')).length, 1, 'x’s failed run changed nothing');
      const [queued] = (await rowsIn('fail-x', 'due_work')) as unknown as { attempts: number; due_at: string }[];
      assert.equal(Number(queued?.attempts), 1);
      assert.ok(Date.parse(queued!.due_at) > clock.now(), 'the retry waits');
      assert.equal((await sweep({ 'trash.purge': failing })).failed, 0, 'not retried before its back-off');
      clock.advance(2 * 60_000);
      const retried = await sweep();
      assert.deepEqual(retried.worked, ['fail-x']);
      assert.equal((await rowsIn('fail-x', 'todos')).length, 0);
    });

    it('two sweepers at once (two instances) do each item once', async () => {
      clock.set(START + 400 * DAY);
      const tenants = ['twice-a', 'twice-b', 'twice-c'];
      for (const tenant of tenants) {
        const todo = await todoOf(tenant);
        await runtime.run('write', tenant, (ctx) => deleteItem(ctx, { kind: 'todo', id: todo.id }));
      }
      clock.advance(31 * DAY);
      const [one, two] = await Promise.all([sweep(), sweep()]);
      assert.equal(one.done + two.done, tenants.length, `each purge ran once (${one.done} + ${two.done})`);
      for (const tenant of tenants) assert.equal((await rowsIn(tenant, 'todos')).length, 0);
    });

    if (engine !== 'sqlite') {
      it('under row-level security a tenant sees and writes only its own due work; the sweeper learns tenant ids only', async () => {
        clock.set(START + 300 * DAY);
        for (const tenant of ['rls-a', 'rls-b']) {
          const todo = await todoOf(tenant);
          await runtime.run('write', tenant, (ctx) => deleteItem(ctx, { kind: 'todo', id: todo.id }));
        }
        assert.deepEqual([...new Set((await unfiltered('rls-a', 'due_work')).map((r) => r.tenant_id))], ['rls-a']);
        await assert.rejects(
          runtime.engine.transaction('write', 'rls-a', (trx) =>
            sql`INSERT INTO due_work (tenant_id, kind, item_id, due_at) VALUES ('rls-b', 'trash.purge', 'x', '2000')`.execute(trx),
          ),
          /row-level security/,
        );
        await runtime.engine.transaction('write', 'rls-a', (trx) => sql`DELETE FROM due_work`.execute(trx));
        assert.equal((await unfiltered('rls-b', 'due_work')).length, 2, 'a’s DELETE without WHERE left b’s work (its trash and its history)');
        const listed = await runtime.engine.transaction(
          'read',
          'rls-a',
          async (trx) => (await sql<Record<string, unknown>>`SELECT * FROM due_work_tenants('9999', 10)`.execute(trx)).rows,
        );
        assert.ok(listed.some((r) => r.tenant_id === 'rls-b'));
        assert.ok(
          listed.every((r) => Object.keys(r).join() === 'tenant_id'),
          'the function returns ids and nothing else',
        );
      });
    }
  });
}

describe('the history is forgotten after its retention', () => {
  it('history.purge removes changes older than history.retention_days, and nothing younger', async () => {
    const clock = new ManualClock(START);
    const { runtime } = await openTestRuntime('sqlite', {}, clock);
    try {
      await runtime.ensureTenant('keep-history');
      const old = await runtime.run('write', 'keep-history', (ctx) => createTodo(ctx, CreateTodoInput.parse({ title: 'old' })));
      clock.advance(60 * DAY);
      await runtime.run('write', 'keep-history', (ctx) => createTodo(ctx, CreateTodoInput.parse({ title: 'young' })));
      clock.advance(31 * DAY); // the first change is 91 days old, the second 31
      await runDueWork(runtime, clock, { 'trash.purge': emptyTrash, 'reminders.send': async () => 0, 'history.purge': purgeHistory }, logger);
      const left = await runtime.run('read', 'keep-history', (ctx) => ctx.changes.all());
      assert.deepEqual(
        left.map((c) => c.action),
        ['create'],
      );
      assert.notEqual(left[0]!.item_id, old.id, 'the old change went, the young one stays');
    } finally {
      await runtime.close();
    }
  });
});
