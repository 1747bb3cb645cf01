import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, ItemKind } from './schema.js';

/** An embedding model the installation has used: vectors are compared only within one. */
export interface EmbeddingModel {
  id: number;
  name: string;
  dimensions: number;
}

/** One passage of an item (its title and part of its text) and the passage's embedding. */
export interface PassageVector {
  passage: number;
  text: string;
  vector: readonly number[];
}

export interface PassageHit {
  kind: ItemKind;
  id: string;
  passage: number;
  text: string;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

/**
 * Embeddings of items' passages and nearest-neighbour queries, in an engine's dialect. Vectors are
 * stored unit-length, so cosine similarity is their dot product.
 */
export interface VectorIndex {
  /** How queries find neighbours, for logs and docs: an index (pgvector) or an exact scan of the tenant's vectors. */
  readonly method: 'pgvector' | 'sqlite-vec' | 'exact scan';
  /** Makes the model's index where the engine has one (the login connection, which owns the tables). */
  prepare(db: Kysely<Database>, model: EmbeddingModel): Promise<void>;
  /** The item's passages for this model, replacing whatever the item had (of any model). */
  replace(db: Kysely<Database>, tenantId: string, model: EmbeddingModel, kind: ItemKind, id: string, passages: readonly PassageVector[]): Promise<void>;
  remove(db: Kysely<Database>, tenantId: string, kind: ItemKind, id: string): Promise<void>;
  clear(db: Kysely<Database>, tenantId: string): Promise<void>;
  /** The passages nearest to `vector`, most similar first. */
  nearest(
    db: Kysely<Database>,
    tenantId: string,
    model: EmbeddingModel,
    vector: readonly number[],
    kinds: readonly ItemKind[],
    limit: number,
  ): Promise<PassageHit[]>;
  /** An item's passage vectors under this model (none: not embedded yet). */
  vectorsOf(db: Kysely<Database>, tenantId: string, model: EmbeddingModel, kind: ItemKind, id: string): Promise<number[][]>;
}

/** Scaled to length 1 (a zero vector stays zero: it is similar to nothing). */
function unitLength(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? [...vector] : vector.map((x) => x / norm);
}

const float32Bytes = (vector: readonly number[]) => Buffer.from(new Float32Array(vector).buffer);
const fromFloat32Bytes = (bytes: Uint8Array) => [...new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))];

/** The shared statements; each engine says how a vector is written and how distance is computed. */
function vectorIndex(options: {
  method: VectorIndex['method'];
  encode: (vector: readonly number[]) => unknown;
  decode: (stored: unknown) => number[];
  /** SQL for the cosine distance between the stored embedding and the query. */
  distance: (model: EmbeddingModel, query: readonly number[]) => RawBuilder<number>;
  prepare?: VectorIndex['prepare'];
  /** Statements to run before a nearest-neighbour query (index settings). */
  beforeQuery?: (db: Kysely<Database>) => Promise<void>;
  /** The same distance written so that no index serves it: asked when an index found fewer than wanted. */
  exactDistance?: (model: EmbeddingModel, query: readonly number[]) => RawBuilder<number>;
}): VectorIndex {
  const itemRows = (db: Kysely<Database>, tenantId: string, kind: ItemKind, id: string) =>
    db.deleteFrom('item_vectors').where('tenant_id', '=', tenantId).where('item_kind', '=', kind).where('item_id', '=', id);
  return {
    method: options.method,
    prepare: options.prepare ?? (async () => undefined),
    async replace(db, tenantId, model, kind, id, passages) {
      await itemRows(db, tenantId, kind, id).execute();
      if (passages.length === 0) return;
      await db
        .insertInto('item_vectors')
        .values(
          passages.map((p) => ({
            tenant_id: tenantId,
            model_id: model.id,
            item_kind: kind,
            item_id: id,
            passage: p.passage,
            passage_text: p.text,
            embedding: options.encode(unitLength(p.vector)),
          })),
        )
        .execute();
    },
    async remove(db, tenantId, kind, id) {
      await itemRows(db, tenantId, kind, id).execute();
    },
    async clear(db, tenantId) {
      await db.deleteFrom('item_vectors').where('tenant_id', '=', tenantId).execute();
    },
    async nearest(db, tenantId, model, vector, kinds, limit) {
      if (kinds.length === 0 || limit <= 0) return [];
      await options.beforeQuery?.(db);
      const query = unitLength(vector);
      // The model's id is written into the statement so that a partial index on it can serve the query.
      const nearestBy = async (distance: RawBuilder<number>) =>
        (
          await sql<{ kind: ItemKind; id: string; passage: number; text: string; distance: number }>`
          SELECT * FROM (
            SELECT item_kind AS kind, item_id AS id, passage, passage_text AS text, ${distance} AS distance
            FROM item_vectors
            WHERE tenant_id = ${tenantId} AND model_id = ${sql.lit(model.id)} AND item_kind IN (${sql.join(kinds)})
            ORDER BY ${distance}
            LIMIT ${limit}
          ) nearest ORDER BY distance, kind, id, passage`.execute(db)
        ).rows;
      let rows = await nearestBy(options.distance(model, query));
      // An approximate index can come back short (a small tenant whose rows sit among many near
      // duplicates of others'); the tenant's own rows, scanned exactly, then answer.
      if (rows.length < limit && options.exactDistance) rows = await nearestBy(options.exactDistance(model, query));
      return rows.map((r) => ({ kind: r.kind, id: r.id, passage: Number(r.passage), text: r.text, similarity: 1 - Number(r.distance) }));
    },
    async vectorsOf(db, tenantId, model, kind, id) {
      const rows = await db
        .selectFrom('item_vectors')
        .select('embedding')
        .where('tenant_id', '=', tenantId)
        .where('model_id', '=', model.id)
        .where('item_kind', '=', kind)
        .where('item_id', '=', id)
        .orderBy('passage')
        .execute();
      return rows.map((r) => options.decode(r.embedding));
    },
  };
}

/**
 * SQLite: float32 bytes, compared by sqlite-vec's vec_distance_cosine over the tenant's rows (an
 * exact scan: a person's items are few; see ADR 0015). Where sqlite-vec cannot load, the engine
 * registers a function of the same name computed in JavaScript.
 */
export const sqliteVectorIndex = (sqliteVec: boolean): VectorIndex =>
  vectorIndex({
    method: sqliteVec ? 'sqlite-vec' : 'exact scan',
    encode: float32Bytes,
    decode: (stored) => fromFloat32Bytes(stored as Uint8Array),
    distance: (_model, query) => sql<number>`vec_distance_cosine(embedding, ${float32Bytes(query)})`,
  });

/** The cosine distance of two float32 byte strings, for SQLite without sqlite-vec. */
export function cosineDistanceOfBytes(a: Uint8Array, b: Uint8Array): number {
  const x = fromFloat32Bytes(a);
  const y = fromFloat32Bytes(b);
  if (x.length !== y.length) throw new Error(`vector dimensions differ (${x.length} and ${y.length})`);
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i]! * y[i]!;
    nx += x[i]! * x[i]!;
    ny += y[i]! * y[i]!;
  }
  return nx === 0 || ny === 0 ? 1 : 1 - dot / Math.sqrt(nx * ny);
}

const arrayLiteral = (vector: readonly number[]) => `{${vector.join(',')}}`;
const vectorLiteral = (vector: readonly number[]) => `[${vector.join(',')}]`;

/** PostgreSQL without pgvector: `real[]`, the dot product of unit vectors summed over the tenant's rows. */
export const postgresArrayVectorIndex: VectorIndex = vectorIndex({
  method: 'exact scan',
  encode: arrayLiteral,
  decode: (stored) => (stored as number[]).map(Number),
  distance: (_model, query) => sql<number>`(1 - (SELECT coalesce(sum(a * b), 0) FROM unnest(embedding, ${arrayLiteral(query)}::real[]) AS v (a, b)))`,
});

/** The name of a model's pgvector index. */
const indexName = (model: EmbeddingModel) => `item_vectors_hnsw_${model.id}`;

/**
 * PostgreSQL with pgvector: the same `real[]` column, with an HNSW index per model on the column
 * cast to that model's dimension (partial, on its model id). Iterative scans keep walking the
 * graph until enough rows pass row-level security, so a small tenant among many still gets its
 * nearest items; the outer query re-sorts what relaxed order returns.
 */
export const pgvectorIndex: VectorIndex = vectorIndex({
  method: 'pgvector',
  encode: arrayLiteral,
  decode: (stored) => (stored as number[]).map(Number),
  distance: (model, query) =>
    sql<number>`((embedding::vector(${sql.lit(model.dimensions)})) <=> ${vectorLiteral(query)}::vector(${sql.lit(model.dimensions)}))`,
  // "+ 0": an expression the index does not match, so the tenant's rows are read by its key.
  exactDistance: (model, query) =>
    sql<number>`(((embedding::vector(${sql.lit(model.dimensions)})) <=> ${vectorLiteral(query)}::vector(${sql.lit(model.dimensions)})) + 0)`,
  async prepare(db, model) {
    await sql
      .raw(
        `CREATE INDEX IF NOT EXISTS ${indexName(model)} ON item_vectors
         USING hnsw ((embedding::vector(${Number(model.dimensions)})) vector_cosine_ops) WHERE model_id = ${Number(model.id)}`,
      )
      .execute(db);
  },
  async beforeQuery(db) {
    await sql`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', '100', true)`.execute(db);
  },
});

/** Whether the `vector` extension is installed in this database (installed by migrate when available). */
async function vectorExtensionInstalled(db: Kysely<unknown>): Promise<boolean> {
  const row = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'vector'`.execute(db);
  return Number(row.rows[0]?.n) > 0;
}

/**
 * Installs pgvector where the server has it, and indexes every model already used (a server that
 * gains pgvector later gains the indexes at its next start). Returns whether it installed anything.
 */
export async function ensureVectorSupport(db: Kysely<unknown>): Promise<boolean> {
  const installed = await vectorExtensionInstalled(db);
  if (!installed) await sql`CREATE EXTENSION IF NOT EXISTS vector`.execute(db);
  const models = await sql<EmbeddingModel>`SELECT id, name, dimensions FROM embedding_models`.execute(db);
  for (const model of models.rows) await pgvectorIndex.prepare(db as Kysely<Database>, model);
  return !installed;
}
