import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateTodoInput } from '../../src/domain/todos/schema.js';
import { createTodo } from '../../src/domain/todos/service.js';
import { setEmbedding, similarItems } from '../../src/domain/search/semantic.js';
import { deleteItem } from '../../src/domain/trash/service.js';
import type { OpenedRuntime } from '../../src/runtime.js';
import { EMBEDDING_DIMENSIONS } from '../../src/storage/vectors.js';
import { AVAILABLE_ENGINES, openTestRuntime } from '../helpers/engines.js';

/** A unit vector pointing mostly along one axis, a little along another. */
function direction(axis: number, tilt = 0, other = (axis + 1) % EMBEDDING_DIMENSIONS): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  v[axis] = 1;
  v[other] = tilt;
  return v;
}

describe('vector search on PGlite (pgvector)', () => {
  let runtime: OpenedRuntime;
  before(async () => {
    ({ runtime } = await openTestRuntime('pglite'));
    for (const t of ['va', 'vb']) await runtime.ensureTenant(t);
  });
  after(() => runtime.close());

  it('stores embeddings and returns the nearest live items of the tenant, most similar first', async () => {
    const ids = await runtime.run('write', 'va', async (ctx) => {
      const made: Record<string, string> = {};
      for (const [title, axis, tilt] of [
        ['north', 0, 0],
        ['north-east', 0, 0.9],
        ['east', 1, 0],
        ['trashed north', 0, 0.05],
      ] as const) {
        made[title] = (await createTodo(ctx, CreateTodoInput.parse({ title }))).id;
        await setEmbedding(ctx, 'todo', made[title]!, direction(axis, tilt));
      }
      await deleteItem(ctx, { kind: 'todo', id: made['trashed north']! });
      return made;
    });
    await runtime.run('write', 'vb', async (ctx) => {
      const theirs = await createTodo(ctx, CreateTodoInput.parse({ title: 'their north' }));
      await setEmbedding(ctx, 'todo', theirs.id, direction(0));
    });
    const nearest = await runtime.run('read', 'va', (ctx) => similarItems(ctx, direction(0), ['todo'], 3));
    assert.deepEqual(
      nearest.map((n) => n.title),
      ['north', 'north-east', 'east'],
    );
    assert.equal(nearest[0]!.id, ids.north);
    assert.ok(Math.abs(nearest[0]!.similarity - 1) < 1e-6);
    assert.ok(nearest[1]!.similarity > nearest[2]!.similarity);
  });

  it('refuses embeddings of the wrong size and of unknown items', async () => {
    await assert.rejects(
      runtime.run('write', 'va', (ctx) => setEmbedding(ctx, 'todo', 'nope', direction(0))),
      /no todo/,
    );
    await assert.rejects(
      runtime.run('read', 'va', (ctx) => similarItems(ctx, [1, 2, 3])),
      new RegExp(`${EMBEDDING_DIMENSIONS} finite numbers`),
    );
  });
});

for (const engine of AVAILABLE_ENGINES.filter((e) => e !== 'pglite')) {
  describe(`without pgvector (${engine})`, () => {
    it('everything else works and vector search says it is unavailable', async () => {
      const { runtime } = await openTestRuntime(engine);
      try {
        assert.equal(runtime.engine.vectorSearch, false);
        await runtime.ensureTenant('nv');
        const todo = await runtime.run('write', 'nv', (ctx) => createTodo(ctx, CreateTodoInput.parse({ title: 'still works' })));
        await assert.rejects(
          runtime.run('write', 'nv', (ctx) => setEmbedding(ctx, 'todo', todo.id, direction(0))),
          /vector search is not available/,
        );
      } finally {
        await runtime.close();
      }
    });
  });
}
