import { sql, type Kysely } from 'kysely';
import type { ItemKind } from './schema.js';
import type { Database } from './schema.js';
import { forceRowSecurity } from './migrations/row-security.js';

/** Length of the stored embeddings (the common size of small sentence-embedding models). */
export const EMBEDDING_DIMENSIONS = 384;

export interface VectorHit {
  kind: ItemKind;
  id: string;
  /** Cosine similarity, 1 = same direction. */
  similarity: number;
}

/** Embeddings of items and nearest-neighbour queries; available only with pgvector. */
export interface VectorIndex {
  readonly available: boolean;
  upsert(db: Kysely<Database>, tenantId: string, kind: ItemKind, id: string, embedding: readonly number[]): Promise<void>;
  remove(db: Kysely<Database>, tenantId: string, kind: ItemKind, id: string): Promise<void>;
  nearest(db: Kysely<Database>, tenantId: string, embedding: readonly number[], kinds: readonly ItemKind[], limit: number): Promise<VectorHit[]>;
  /** Every embedding of the tenant (for export). */
  all(db: Kysely<Database>, tenantId: string): Promise<{ kind: ItemKind; id: string; embedding: number[] }[]>;
}

const literal = (embedding: readonly number[]) => `[${embedding.join(',')}]`;

export const pgvectorIndex: VectorIndex = {
  available: true,
  async upsert(db, tenantId, kind, id, embedding) {
    await sql`INSERT INTO item_embeddings (tenant_id, item_kind, item_id, embedding)
      VALUES (${tenantId}, ${kind}, ${id}, ${literal(embedding)}::vector)
      ON CONFLICT (tenant_id, item_kind, item_id) DO UPDATE SET embedding = EXCLUDED.embedding`.execute(db);
  },
  async remove(db, tenantId, kind, id) {
    await sql`DELETE FROM item_embeddings WHERE tenant_id = ${tenantId} AND item_kind = ${kind} AND item_id = ${id}`.execute(db);
  },
  async nearest(db, tenantId, embedding, kinds, limit) {
    // pgvector 0.8 keeps scanning the HNSW graph until enough rows pass the tenant filter.
    await sql`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)`.execute(db).catch(() => undefined);
    const rows = await sql<{ kind: ItemKind; id: string; similarity: number }>`
      SELECT item_kind AS kind, item_id AS id, 1 - (embedding <=> ${literal(embedding)}::vector) AS similarity
      FROM item_embeddings
      WHERE tenant_id = ${tenantId} AND item_kind IN (${sql.join(kinds)})
      ORDER BY embedding <=> ${literal(embedding)}::vector
      LIMIT ${limit}`.execute(db);
    return rows.rows.map((r) => ({ ...r, similarity: Number(r.similarity) }));
  },
  async all(db, tenantId) {
    const rows = await sql<{ kind: ItemKind; id: string; embedding: string }>`
      SELECT item_kind AS kind, item_id AS id, embedding::text AS embedding
      FROM item_embeddings WHERE tenant_id = ${tenantId} ORDER BY item_kind, item_id`.execute(db);
    return rows.rows.map((r) => ({ kind: r.kind, id: r.id, embedding: JSON.parse(r.embedding) as number[] }));
  },
};

/** Where there is no vector extension: says so, and stores nothing. */
export const noVectorIndex: VectorIndex = {
  available: false,
  upsert: async () => {
    throw new Error('vector search is not available on this database');
  },
  remove: async () => undefined,
  nearest: async () => {
    throw new Error('vector search is not available on this database');
  },
  all: async () => [],
};

/**
 * Creates the embeddings table (and the extension) when the `vector` extension can be installed;
 * idempotent, so a server that gains pgvector later gains vector search at its next start.
 * Returns whether it created anything.
 */
export async function ensureVectorSupport(db: Kysely<unknown>): Promise<boolean> {
  const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = 'item_embeddings' AND relkind = 'r'`.execute(db);
  if (Number(exists.rows[0]?.n) > 0) return false;
  await sql`CREATE EXTENSION IF NOT EXISTS vector`.execute(db);
  await sql
    .raw(
      `CREATE TABLE item_embeddings (
        tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        item_kind text COLLATE "C" NOT NULL,
        item_id text COLLATE "C" NOT NULL,
        embedding vector(${EMBEDDING_DIMENSIONS}) NOT NULL,
        PRIMARY KEY (tenant_id, item_kind, item_id)
      )`,
    )
    .execute(db);
  await sql`CREATE INDEX item_embeddings_hnsw ON item_embeddings USING hnsw (embedding vector_cosine_ops)`.execute(db);
  await forceRowSecurity(db, 'item_embeddings');
  return true;
}
