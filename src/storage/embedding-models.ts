import type { Engine } from './engine.js';
import type { EmbeddingModel } from './vectors.js';

/**
 * The installation's record of an embedding model and its dimension: found, or added (with its
 * index, where the engine has one) by the login connection, which owns the tables. Instances that
 * add the same model at once take turns under a named lock.
 */
export async function registerEmbeddingModel(engine: Engine, name: string, dimensions: number, at: string): Promise<EmbeddingModel> {
  const model = await engine.db.transaction().execute(async (trx) => {
    await engine.lockNamed(trx, 'mcp-pa embedding models');
    const known = await trx
      .selectFrom('embedding_models')
      .select(['id', 'name', 'dimensions'])
      .where('name', '=', name)
      .where('dimensions', '=', dimensions)
      .executeTakeFirst();
    if (known) return known;
    const last = await trx
      .selectFrom('embedding_models')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    const id = Number(last?.id ?? 0) + 1;
    await trx.insertInto('embedding_models').values({ id, name, dimensions, created_at: at }).execute();
    return { id, name, dimensions };
  });
  await engine.vectorIndex.prepare(engine.db, model);
  return model;
}

/** The model of this name most recently added (its dimension known from an earlier answer), if any. */
export async function knownEmbeddingModel(engine: Engine, name: string): Promise<EmbeddingModel | undefined> {
  return engine.db
    .selectFrom('embedding_models')
    .select(['id', 'name', 'dimensions'])
    .where('name', '=', name)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

const CURRENT_MODEL = 'embedding_model';

/** The model the installation's items were last all queued for (a different one configured: queue them again). */
export async function currentEmbeddingModelName(engine: Engine): Promise<string | undefined> {
  return (await engine.db.selectFrom('meta').select('value').where('key', '=', CURRENT_MODEL).executeTakeFirst())?.value;
}

/** Records the model every item has been queued for; undefined forgets it (vector search turned off). */
export async function setCurrentEmbeddingModelName(engine: Engine, name: string | undefined): Promise<void> {
  if (name === undefined) {
    await engine.db.deleteFrom('meta').where('key', '=', CURRENT_MODEL).execute();
    return;
  }
  await engine.db
    .insertInto('meta')
    .values({ key: CURRENT_MODEL, value: name })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: name }))
    .execute();
}

/** Every tenant's id (ids are opaque; the list is readable under row-level security, see row-security.ts). */
export async function allTenantIds(engine: Engine): Promise<string[]> {
  return (await engine.db.selectFrom('tenants').select('id').orderBy('id').execute()).map((r) => r.id);
}
