import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { UserError } from '../../src/errors.js';
import type { DomainContext } from '../../src/domain/context.js';
import { DashboardInput } from '../../src/domain/dashboard/schema.js';
import { getDashboard } from '../../src/domain/dashboard/service.js';
import { UploadDocumentInput } from '../../src/domain/documents/schema.js';
import { uploadDocument } from '../../src/domain/documents/service.js';
import { CreateProjectInput, ListProjectsInput } from '../../src/domain/projects/schema.js';
import { createProject, listProjects } from '../../src/domain/projects/service.js';
import { CreateTodoInput, ListTodosInput } from '../../src/domain/todos/schema.js';
import { createTodo, listTodos, updateTodo } from '../../src/domain/todos/service.js';
import { SearchInput } from '../../src/domain/search/schema.js';
import { search } from '../../src/domain/search/service.js';
import { exportTenant, importTenant } from '../../src/domain/transfer/service.js';
import { deleteItem, restoreItem } from '../../src/domain/trash/service.js';
import { CreateEventInput } from '../../src/domain/calendar/schema.js';
import { createEvent } from '../../src/domain/calendar/service.js';
import type { OpenedRuntime } from '../../src/runtime.js';
import { TENANT_TABLES } from '../../src/storage/tenant-tables.js';
import { AVAILABLE_ENGINES, openTestRuntime } from '../helpers/engines.js';
import { registerEmbeddingModel } from '../../src/storage/embedding-models.js';
import { attachDocument } from '../../src/domain/documents/attachments.js';
import { storeEmbeddings, takeEmbeddingWork } from '../../src/domain/search/embedding-work.js';
import type { EmbeddingModel } from '../../src/storage/vectors.js';
import { standInEmbedding } from '../helpers/embedding-stand-in.js';

type Op =
  | { op: 'todo'; tenant: number; title: string }
  | { op: 'project'; tenant: number; name: string }
  | { op: 'rename'; tenant: number; target: number; title: string }
  | { op: 'delete'; tenant: number; target: number }
  | { op: 'restore'; tenant: number; target: number }
  | { op: 'copy'; tenant: number; from: number };

const tenantIndex = fc.integer({ min: 0, max: 2 });
const word = fc.stringMatching(/^[a-z]{3,8}$/);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('todo' as const), tenant: tenantIndex, title: word }),
  fc.record({ op: fc.constant('project' as const), tenant: tenantIndex, name: word }),
  fc.record({ op: fc.constant('rename' as const), tenant: tenantIndex, target: fc.nat(), title: word }),
  fc.record({ op: fc.constant('delete' as const), tenant: tenantIndex, target: fc.nat() }),
  fc.record({ op: fc.constant('restore' as const), tenant: tenantIndex, target: fc.nat() }),
  // Another tenant's export loaded over this one's data: both then hold items with the same ids,
  // so a query that forgets its tenant finds, changes or lists the other's copy.
  fc.record({ op: fc.constant('copy' as const), tenant: tenantIndex, from: tenantIndex }),
);

interface Known {
  kind: 'todo' | 'project';
  id: string;
  owner: number;
  title: string;
  tags: string[];
  trashed: boolean;
}

/**
 * On PostgreSQL and PGlite, row-level security keeps tenants apart and the repositories' own
 * tenant conditions are a second line. On SQLite (local mode, and HTTP mode on SQLite) the
 * repositories' conditions are all there is: the property test runs there too, with the same
 * tenants, and fails when one repository forgets its tenant.
 */
for (const engine of AVAILABLE_ENGINES) {
  const rowLevelSecurity = engine !== 'sqlite';
  describe(`tenant isolation on ${engine}`, () => {
    let runtime: OpenedRuntime;
    let model: EmbeddingModel;
    before(async () => {
      ({ runtime } = await openTestRuntime(engine));
      // Embeddings on: every write queues its items, and the checks below embed them (the stand-in's
      // vectors, made here instead of by a provider) and search by meaning as each tenant.
      model = await registerEmbeddingModel(runtime.engine, 'isolation-stand-in', 64, '2026-11-02T08:00:00.000Z');
      runtime.provide({ recall: { enabled: true, model: () => model, warning: () => undefined, queued: () => undefined } });
    });
    after(() => runtime.close());

    /** A user error (nothing of theirs has that id) or the value. */
    async function attempt<T>(tenant: string, fn: (ctx: DomainContext) => Promise<T>): Promise<T | UserError> {
      try {
        return await runtime.run('write', tenant, fn);
      } catch (err) {
        if (err instanceof UserError) return err;
        throw err;
      }
    }

    it('random interleaved operations of three tenants never see, change or delete another’s items', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 24 }), async (ops) => {
          const tenants = [0, 1, 2].map((i) => `prop-${run}-${i}`);
          run++;
          for (const t of tenants) await runtime.ensureTenant(t);
          const known: Known[] = [];
          for (const step of ops) {
            const me = tenants[step.tenant]!;
            if (step.op === 'todo' || step.op === 'project') {
              const title = `${step.op === 'todo' ? step.title : step.name} ${me}`;
              const created =
                step.op === 'todo'
                  ? await runtime.run('write', me, (ctx) => createTodo(ctx, CreateTodoInput.parse({ title, tags: [step.title] })))
                  : await runtime.run('write', me, (ctx) => createProject(ctx, CreateProjectInput.parse({ name: title })));
              known.push({ kind: step.op, id: created.id, owner: step.tenant, title, tags: step.op === 'todo' ? [step.title] : [], trashed: false });
              continue;
            }
            if (step.op === 'copy') {
              if (step.from === step.tenant) continue;
              const data = await runtime.run('read', tenants[step.from]!, exportTenant);
              await runtime.run('write', me, (ctx) => importTenant(ctx, data, { replace: true }));
              const copies = known.filter((k) => k.owner === step.from).map((k) => ({ ...k, owner: step.tenant }));
              known.splice(0, known.length, ...known.filter((k) => k.owner !== step.tenant), ...copies);
              continue;
            }
            const picked = known[step.target % Math.max(1, known.length)];
            if (!picked) continue;
            // The tenant's own item of that id, if it has one (a copy shares the id).
            const own = known.find((k) => k.owner === step.tenant && k.kind === picked.kind && k.id === picked.id);
            const target = own ?? picked;
            const mine = own !== undefined;
            if (step.op === 'rename') {
              if (target.kind !== 'todo') continue;
              const result = await attempt(me, (ctx) => updateTodo(ctx, { todo_id: target.id, title: step.title }));
              if (mine && !target.trashed) {
                assert.ok(!(result instanceof UserError), `own rename failed: ${String(result)}`);
                target.title = step.title;
              } else {
                assert.ok(result instanceof UserError, 'renaming another tenant’s (or a trashed) todo must fail');
              }
            } else {
              const fn = step.op === 'delete' ? deleteItem : restoreItem;
              const result = await attempt(me, (ctx) => fn(ctx, { kind: target.kind, id: target.id }));
              const allowed = mine && target.trashed === (step.op === 'restore');
              assert.equal(!(result instanceof UserError), allowed, `${step.op} by tenant ${step.tenant} of an item of tenant ${target.owner}`);
              if (allowed) target.trashed = step.op === 'delete';
            }
          }
          // What each tenant sees is exactly what it owns, live.
          for (const [index, tenant] of tenants.entries()) {
            const seen = await runtime.run('read', tenant, async (ctx) => ({
              todos: (await listTodos(ctx, ListTodosInput.parse({ limit: 200 }))).items,
              projects: (await listProjects(ctx, ListProjectsInput.parse({ limit: 200 }))).items,
              hits: (await search(ctx, SearchInput.parse({ query: 'prop', limit: 100 }))).results,
              dashboard: (await getDashboard(ctx, DashboardInput.parse({}))).counts,
            }));
            await runtime.run('write', tenant, async (ctx) => {
              for (let jobs = await takeEmbeddingWork(ctx, 500, 60_000); jobs.length; jobs = await takeEmbeddingWork(ctx, 500, 60_000)) {
                await storeEmbeddings(
                  ctx,
                  model,
                  jobs.map((job) => ({ job, vectors: job.passages.map((p) => standInEmbedding(p, 64)) })),
                );
              }
            });
            const near = await runtime.run('read', tenant, (ctx) =>
              search(ctx, SearchInput.parse({ query: 'prop', mode: 'semantic', limit: 100 }), { vector: { model, vector: standInEmbedding('prop', 64) } }),
            );
            const mine = known.filter((k) => k.owner === index);
            const live = (kind: Known['kind']) => mine.filter((k) => k.kind === kind && !k.trashed);
            assert.deepEqual(
              seen.todos.map((t) => t.id).sort(),
              live('todo')
                .map((k) => k.id)
                .sort(),
            );
            assert.deepEqual(
              seen.todos.map((t) => t.title).sort(),
              live('todo')
                .map((k) => k.title)
                .sort(),
            );
            assert.deepEqual(
              seen.todos.map((t) => `${t.id} ${t.tags.join(',')}`).sort(),
              live('todo')
                .map((k) => `${k.id} ${k.tags.join(',')}`)
                .sort(),
              'own tags only',
            );
            assert.deepEqual(
              seen.projects.map((p) => p.id).sort(),
              live('project')
                .map((k) => k.id)
                .sort(),
            );
            assert.deepEqual(
              seen.projects.map((p) => p.name).sort(),
              live('project')
                .map((k) => k.title)
                .sort(),
            );
            // Every live item with a word starting "prop" (a tenant's name, or a new title) is found, and nothing else.
            const titled = mine.filter((k) => !k.trashed && k.title.split(/[^a-z0-9]+/).some((w) => w.startsWith('prop')));
            assert.deepEqual(
              seen.hits.map((h) => `${h.kind} ${h.id} ${h.title}`).sort(),
              titled.map((k) => `${k.kind} ${k.id} ${k.title}`).sort(),
              'search: own items only',
            );
            assert.equal(seen.dashboard.todos_open, live('todo').length, 'dashboard: own totals only');
            assert.deepEqual(
              near.results.map((h) => `${h.kind} ${h.id}`).sort(),
              mine
                .filter((k) => !k.trashed)
                .map((k) => `${k.kind} ${k.id}`)
                .sort(),
              'search by meaning: every own live item (each is embedded), and nothing else',
            );
            if (rowLevelSecurity) {
              const rows = await runtime.engine.transaction('read', tenant, (trx) =>
                sql<{ id: string }>`SELECT id FROM todos UNION ALL SELECT id FROM projects`.execute(trx),
              );
              assert.deepEqual(rows.rows.map((r) => r.id).sort(), mine.map((k) => k.id).sort(), 'raw SELECT without WHERE: own rows only');
            }
          }
        }),
        { numRuns: 12 },
      );
    });

    it(
      'under the application role, SELECT * without WHERE returns only the tenant’s rows in every table',
      { skip: !rowLevelSecurity && 'SQLite has no row-level security' },
      async () => {
        const model = await registerEmbeddingModel(runtime.engine, 'isolation-model', 3, '2026-11-02T08:00:00.000Z');
        for (const t of ['raw-a', 'raw-b']) {
          await runtime.ensureTenant(t);
          await runtime.run('write', t, async (ctx) => {
            const todo = await createTodo(ctx, CreateTodoInput.parse({ title: `todo of ${t}`, tags: ['x'] }));
            await createProject(ctx, CreateProjectInput.parse({ name: `project of ${t}` }));
            // Document bytes too, so their table (document_blob_chunks on PostgreSQL) holds both tenants' rows,
            // with its text, attached to the todo; the todo embedded, and queued again.
            const file = await uploadDocument(
              ctx,
              UploadDocumentInput.parse({ title: `file of ${t}`, content_base64: Buffer.from(`bytes of ${t}`).toString('base64') }),
            );
            await attachDocument(ctx, { document_id: file.id, kind: 'todo', id: todo.id });
            await ctx.vectors.replace(model, 'todo', todo.id, [{ passage: 0, text: `todo of ${t}`, vector: [1, 0, 0] }]);
            await ctx.embeddingQueue.add([{ kind: 'todo', id: todo.id }], '2026-11-02T08:00:00.000Z');
            // And a todo in the trash, so the due-work queue holds both tenants' rows.
            const trashed = await createTodo(ctx, CreateTodoInput.parse({ title: `trashed of ${t}` }));
            await deleteItem(ctx, { kind: 'todo', id: trashed.id });
            // A recurring event (its kept occurrences), a delivery record and a calendar feed.
            const series = await createEvent(
              ctx,
              CreateEventInput.parse({ title: `weekly of ${t}`, start_time: '2026-11-02T09:00Z', end_time: '2026-11-02T10:00Z', recurrence: 'FREQ=WEEKLY' }),
            );
            await ctx.deliveries.record({
              delivery_id: `delivery-${t}`,
              item_kind: 'event',
              item_id: series.id,
              remind_at: '2026-11-02T08:00:00.000Z',
              status: 'sent',
              attempts: 1,
              last_attempt_at: '2026-11-02T08:00:00.000Z',
              last_error: null,
              sent_at: '2026-11-02T08:00:00.000Z',
            });
            await ctx.feeds.create({ secret_hash: `hash-of-${t}`, secret_sealed: 'sealed', created_at: '2026-11-02T08:00:00.000Z' });
          });
        }
        const WRITTEN_HERE: readonly string[] = [
          'todos',
          'projects',
          'documents',
          'document_blob_chunks',
          'due_work',
          'events',
          'event_occurrences',
          'reminder_deliveries',
          'calendar_feeds',
          'item_changes',
          'item_vectors',
          'embedding_queue',
          'item_attachments',
          'document_texts',
        ];
        await runtime.engine.transaction('read', 'raw-a', async (trx) => {
          const role = await sql<{ role: string; tenant: string }>`SELECT current_user AS role, current_setting('app.tenant_id') AS tenant`.execute(trx);
          assert.equal(role.rows[0]?.tenant, 'raw-a');
          assert.notEqual(role.rows[0]?.role, 'postgres', 'queries do not run as the login role');
          for (const table of TENANT_TABLES) {
            const column = table === 'tenants' ? null : 'tenant_id';
            if (!column) continue;
            const rows = await sql<{ tenant_id: string }>`SELECT * FROM ${sql.table(table)}`.execute(trx);
            if (WRITTEN_HERE.includes(table)) assert.ok(rows.rows.length > 0, `${table} shows the tenant its own rows`);
            assert.ok(
              rows.rows.every((r) => r.tenant_id === 'raw-a'),
              `${table} shows another tenant's rows`,
            );
          }
        });
      },
    );

    it(
      'refuses to write a row for another tenant, and UPDATE or DELETE without WHERE touch only the tenant’s rows',
      { skip: !rowLevelSecurity && 'SQLite has no row-level security' },
      async () => {
        await runtime.ensureTenant('w-a');
        await runtime.ensureTenant('w-b');
        const theirs = await runtime.run('write', 'w-b', (ctx) => createTodo(ctx, CreateTodoInput.parse({ title: 'belongs to b' })));
        await assert.rejects(
          runtime.engine.transaction('write', 'w-a', (trx) =>
            sql`INSERT INTO todos (tenant_id, id, title, priority, created_at, updated_at) VALUES ('w-b', 'forged', 'forged', 2, 'x', 'x')`.execute(trx),
          ),
          /row-level security/,
        );
        await assert.rejects(
          runtime.engine.transaction('write', 'w-a', (trx) =>
            sql`UPDATE todos SET tenant_id = 'w-b'`.execute(trx).then(() => trx.insertInto('tenants').values({ id: 'w-a-2', created_at: 'x' }).execute()),
          ),
          /row-level security/,
        );
        await runtime.engine.transaction('write', 'w-a', async (trx) => {
          await sql`UPDATE todos SET title = 'overwritten'`.execute(trx);
          await sql`DELETE FROM todos`.execute(trx);
          await sql`DELETE FROM tenants`.execute(trx);
        });
        const still = await runtime.run('read', 'w-b', (ctx) => listTodos(ctx, ListTodosInput.parse({})));
        assert.deepEqual(
          still.items.map((t) => [t.id, t.title]),
          [[theirs.id, 'belongs to b']],
        );
      },
    );
  });
}
