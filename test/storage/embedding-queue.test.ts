import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OpenedRuntime } from '../../src/runtime.js';
import { registerEmbeddingModel } from '../../src/storage/embedding-models.js';
import type { EmbeddingModel } from '../../src/storage/vectors.js';
import { storeEmbeddings, takeEmbeddingWork, type EmbeddingJob } from '../../src/domain/search/embedding-work.js';
import { createTodo, updateTodo } from '../../src/domain/todos/service.js';
import { CreateTodoInput } from '../../src/domain/todos/schema.js';
import { deleteItem, restoreItem } from '../../src/domain/trash/service.js';
import { standInEmbedding } from '../helpers/embedding-stand-in.js';
import { AVAILABLE_ENGINES, openTestRuntime } from '../helpers/engines.js';

for (const engine of AVAILABLE_ENGINES) {
  describe(`the embedding queue on ${engine}: a batch taken before a change stores nothing stale`, () => {
    let runtime: OpenedRuntime;
    let model: EmbeddingModel;
    before(async () => {
      ({ runtime } = await openTestRuntime(engine));
      model = await registerEmbeddingModel(runtime.engine, 'queue-test', 16, '2026-11-02T08:00:00.000Z');
      runtime.provide({ recall: { enabled: true, model: () => model, warning: () => undefined, queued: () => undefined } });
      await runtime.ensureTenant('q');
    });
    after(() => runtime.close());

    const take = () => runtime.run('write', 'q', (ctx) => takeEmbeddingWork(ctx, 50, 0));
    const store = (jobs: EmbeddingJob[]) =>
      runtime.run('write', 'q', (ctx) =>
        storeEmbeddings(
          ctx,
          model,
          jobs.map((job) => ({ job, vectors: job.passages.map((p) => standInEmbedding(p, 16)) })),
        ),
      );
    const passagesOf = (id: string) =>
      runtime
        .run('read', 'q', (ctx) => ctx.vectors.nearest(model, standInEmbedding('x', 16), ['todo'], 100))
        .then((hits) => hits.filter((h) => h.id === id).map((h) => h.text));
    const waiting = () => runtime.run('read', 'q', (ctx) => ctx.embeddingQueue.backlog()).then((b) => b.waiting);

    it('an edit while the batch was out: the old text is not stored, the new one stays queued and is stored next', async () => {
      const todo = await runtime.run('write', 'q', (ctx) => createTodo(ctx, CreateTodoInput.parse({ title: 'old title' })));
      const stale = await take();
      await runtime.run('write', 'q', (ctx) => updateTodo(ctx, { todo_id: todo.id, title: 'new title' }));
      assert.equal(await store(stale), 0);
      assert.deepEqual(await passagesOf(todo.id), []);
      assert.equal(await waiting(), 1);
      assert.equal(await store(await take()), 1);
      assert.deepEqual(await passagesOf(todo.id), ['new title']);
      assert.equal(await waiting(), 0);
    });

    it('trashed and restored while the batch was out: the batch does not pass for the new entry', async () => {
      const todo = await runtime.run('write', 'q', (ctx) => createTodo(ctx, CreateTodoInput.parse({ title: 'first' })));
      const stale = await take();
      await runtime.run('write', 'q', async (ctx) => {
        await deleteItem(ctx, { kind: 'todo', id: todo.id });
        await restoreItem(ctx, { kind: 'todo', id: todo.id });
      });
      assert.equal(await store(stale), 0);
      assert.equal(await waiting(), 1, 'the restored entry is still queued');
    });
  });
}
