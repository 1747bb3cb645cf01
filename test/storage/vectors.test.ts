import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { OpenedRuntime } from '../../src/runtime.js';
import { registerEmbeddingModel } from '../../src/storage/embedding-models.js';
import type { EmbeddingModel } from '../../src/storage/vectors.js';
import { AVAILABLE_ENGINES, openTestRuntime } from '../helpers/engines.js';

const DIMENSIONS = 8;

/** A unit vector mostly along one axis, tilted a little towards the next. */
function direction(axis: number, tilt = 0): number[] {
  const v = new Array<number>(DIMENSIONS).fill(0);
  v[axis % DIMENSIONS] = 1;
  v[(axis + 1) % DIMENSIONS] = tilt;
  return v;
}

const METHOD = { sqlite: 'sqlite-vec', pglite: 'pgvector', postgres: 'exact scan' } as const;

for (const engine of AVAILABLE_ENGINES) {
  describe(`passage vectors on ${engine} (${METHOD[engine]})`, () => {
    let runtime: OpenedRuntime;
    let model: EmbeddingModel;
    before(async () => {
      ({ runtime } = await openTestRuntime(engine));
      model = await registerEmbeddingModel(runtime.engine, 'test-model', DIMENSIONS, new Date().toISOString());
      for (const t of ['va', 'vb']) await runtime.ensureTenant(t);
    });
    after(() => runtime.close());

    it('finds the tenant’s nearest passages, most similar first, by the engine’s own method', async () => {
      assert.equal(runtime.engine.vectorIndex.method, METHOD[engine]);
      await runtime.run('write', 'va', async (ctx) => {
        await ctx.vectors.replace(model, 'todo', 'north', [{ passage: 0, text: 'north', vector: direction(0) }]);
        await ctx.vectors.replace(model, 'todo', 'north-east', [{ passage: 0, text: 'north-east', vector: direction(0, 0.9) }]);
        await ctx.vectors.replace(model, 'document', 'book', [
          { passage: 0, text: 'chapter one', vector: direction(3) },
          { passage: 1, text: 'chapter two', vector: direction(7, 0.5) },
        ]);
      });
      await runtime.run('write', 'vb', (ctx) => ctx.vectors.replace(model, 'todo', 'theirs', [{ passage: 0, text: 'their north', vector: direction(0) }]));
      const hits = await runtime.run('read', 'va', (ctx) => ctx.vectors.nearest(model, direction(0), ['todo', 'document'], 3));
      assert.deepEqual(
        hits.map((h) => [h.id, h.passage]),
        [
          ['north', 0],
          ['north-east', 0],
          ['book', 1],
        ],
      );
      assert.ok(Math.abs(hits[0]!.similarity - 1) < 1e-6);
      assert.ok(!hits.some((h) => h.id === 'theirs'), 'another tenant’s vectors never show');
      const onlyDocuments = await runtime.run('read', 'va', (ctx) => ctx.vectors.nearest(model, direction(3), ['document'], 5));
      assert.deepEqual(
        onlyDocuments.map((h) => h.text),
        ['chapter one', 'chapter two'],
      );
    });

    it('replaces an item’s passages, and forgets them when asked', async () => {
      await runtime.run('write', 'va', (ctx) => ctx.vectors.replace(model, 'document', 'book', [{ passage: 0, text: 'rewritten', vector: direction(5) }]));
      assert.deepEqual(await runtime.run('read', 'va', (ctx) => ctx.vectors.vectorsOf(model, 'document', 'book')).then((v) => v.length), 1);
      await runtime.run('write', 'va', (ctx) => ctx.vectors.remove('document', 'book'));
      assert.deepEqual(await runtime.run('read', 'va', (ctx) => ctx.vectors.vectorsOf(model, 'document', 'book')), []);
    });

    it('keeps models apart: a vector is compared only within its model', async () => {
      const other = await registerEmbeddingModel(runtime.engine, 'other-model', 4, new Date().toISOString());
      assert.notEqual(other.id, model.id);
      await runtime.run('write', 'va', (ctx) => ctx.vectors.replace(other, 'todo', 'small', [{ passage: 0, text: 'small', vector: [1, 0, 0, 0] }]));
      const hits = await runtime.run('read', 'va', (ctx) => ctx.vectors.nearest(model, direction(0), ['todo'], 10));
      assert.ok(!hits.some((h) => h.id === 'small'));
      // Registering the same model again finds it.
      assert.equal((await registerEmbeddingModel(runtime.engine, 'test-model', DIMENSIONS, new Date().toISOString())).id, model.id);
    });
  });
}

describe('pgvector on PGlite: a small tenant among many', () => {
  let runtime: OpenedRuntime;
  let model: EmbeddingModel;
  before(async () => {
    ({ runtime } = await openTestRuntime('pglite'));
    model = await registerEmbeddingModel(runtime.engine, 'crowd-model', DIMENSIONS, new Date().toISOString());
    await runtime.ensureTenant('crowd');
    await runtime.ensureTenant('small');
  });
  after(() => runtime.close());

  it('gets its nearest items although the crowd’s near-duplicates fill the HNSW index', async () => {
    // 2,000 passages of one tenant right on the query's direction (50 distinct vectors, as many
    // people's "Buy milk" are), 3 of another a little off it: the index walk alone finds none of
    // the small tenant's rows among the duplicates; the exact scan of its own rows then answers.
    await runtime.run('write', 'crowd', async (ctx) => {
      for (let i = 0; i < 2000; i++) await ctx.vectors.replace(model, 'todo', `c${i}`, [{ passage: 0, text: 'crowd', vector: direction(0, (i % 50) / 1000) }]);
    });
    await runtime.run('write', 'small', async (ctx) => {
      for (const [id, tilt] of [
        ['mine-1', 0.3],
        ['mine-2', 0.5],
        ['mine-3', 0.9],
      ] as const)
        await ctx.vectors.replace(model, 'todo', id, [{ passage: 0, text: id, vector: direction(0, tilt) }]);
    });
    // The planner made to walk the HNSW index (no sort, no sequential scan), as it would with many tenants' rows.
    const { hits, plan } = await runtime.engine.transaction('read', 'small', async (trx) => {
      await sql`SET LOCAL enable_sort = off`.execute(trx);
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const hits = await runtime.engine.vectorIndex.nearest(trx, 'small', model, direction(0), ['todo'], 3);
      const query = `[${direction(0).join(',')}]`;
      const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT item_id FROM item_vectors
        WHERE tenant_id = 'small' AND model_id = ${sql.lit(model.id)} AND item_kind IN ('todo')
        ORDER BY ((embedding::vector(${sql.lit(DIMENSIONS)})) <=> ${query}::vector(${sql.lit(DIMENSIONS)})) LIMIT 3`.execute(trx);
      return { hits, plan: plan.rows.map((r) => r['QUERY PLAN']).join('\n') };
    });
    assert.match(plan, new RegExp(`item_vectors_hnsw_${model.id}`));
    assert.deepEqual(
      hits.map((h) => h.id),
      ['mine-1', 'mine-2', 'mine-3'],
    );
  });

  it('walks the index by itself once statistics are fresh (PGlite runs no autovacuum: the maintenance refreshes them)', async () => {
    const planOf = () =>
      runtime.engine.transaction('read', 'crowd', async (trx) => {
        const query = `[${direction(0).join(',')}]`;
        const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT item_id FROM item_vectors
          WHERE tenant_id = 'crowd' AND model_id = ${sql.lit(model.id)} AND item_kind IN ('todo')
          ORDER BY ((embedding::vector(${sql.lit(DIMENSIONS)})) <=> ${query}::vector(${sql.lit(DIMENSIONS)})) LIMIT 3`.execute(trx);
        return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    await runtime.engine.refreshStatistics();
    assert.match(await planOf(), new RegExp(`Index Scan using item_vectors_hnsw_${model.id}`));
  });
});
