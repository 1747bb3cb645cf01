import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';
import { forceRowSecurity } from './row-security.js';

/**
 * Recall by meaning (issue 16):
 * - `embedding_models`: every embedding model the installation has used, with its dimension (a
 *   vector is only ever compared with vectors of its own model). Installation data, no tenant.
 * - `item_vectors`: an item's passages and their embeddings, one row per passage and model. The
 *   vector is float32 bytes on SQLite (sqlite-vec reads them) and `real[]` on PostgreSQL, which
 *   pgvector can index by casting (an index per model, see storage/vectors.ts).
 * - `embedding_queue`: items to (re)embed, worked in the background; `version` tells a change made
 *   while a batch was out from the batch's own.
 * - `item_attachments`: documents linked to todos, tasks, events and projects (many to many).
 * - `document_texts`: the text extracted from a document, or why there is none.
 */
/** What the application role may call to learn the embedding backlog; granted in the role step. */
export const EMBEDDING_BACKLOG_FUNCTION = 'embedding_backlog()';

export const recall: Migration = {
  version: 20,
  name: 'recall by meaning',
  async up(db, dialect) {
    const key = keyType(dialect);
    const vector = dialect === 'postgresql' ? sql`real[]` : sql`blob`;
    await sql`CREATE TABLE embedding_models (
      id integer NOT NULL PRIMARY KEY,
      name text NOT NULL,
      dimensions integer NOT NULL,
      created_at ${key} NOT NULL,
      CONSTRAINT embedding_models_name UNIQUE (name, dimensions)
    )`.execute(db);
    await sql`CREATE TABLE item_vectors (
      tenant_id ${key} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      model_id integer NOT NULL REFERENCES embedding_models (id),
      item_kind ${key} NOT NULL,
      item_id ${key} NOT NULL,
      passage integer NOT NULL,
      passage_text text NOT NULL,
      embedding ${vector} NOT NULL,
      CONSTRAINT item_vectors_pk PRIMARY KEY (tenant_id, model_id, item_kind, item_id, passage)
    )`.execute(db);
    await sql`CREATE INDEX item_vectors_item ON item_vectors (tenant_id, item_kind, item_id)`.execute(db);
    await sql`CREATE TABLE embedding_queue (
      tenant_id ${key} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      item_kind ${key} NOT NULL,
      item_id ${key} NOT NULL,
      version integer NOT NULL DEFAULT 1,
      attempts integer NOT NULL DEFAULT 0,
      ready_at ${key} NOT NULL,
      last_error text,
      CONSTRAINT embedding_queue_pk PRIMARY KEY (tenant_id, item_kind, item_id)
    )`.execute(db);
    await sql`CREATE INDEX embedding_queue_ready ON embedding_queue (tenant_id, ready_at)`.execute(db);
    await sql`CREATE TABLE item_attachments (
      tenant_id ${key} NOT NULL,
      document_id ${key} NOT NULL,
      item_kind ${key} NOT NULL,
      item_id ${key} NOT NULL,
      created_at ${key} NOT NULL,
      CONSTRAINT item_attachments_pk PRIMARY KEY (tenant_id, document_id, item_kind, item_id),
      CONSTRAINT item_attachments_document_fk FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
    )`.execute(db);
    await sql`CREATE INDEX item_attachments_item ON item_attachments (tenant_id, item_kind, item_id)`.execute(db);
    await sql`CREATE TABLE document_texts (
      tenant_id ${key} NOT NULL,
      document_id ${key} NOT NULL,
      status ${key} NOT NULL,
      reason text,
      content text,
      CONSTRAINT document_texts_pk PRIMARY KEY (tenant_id, document_id),
      CONSTRAINT document_texts_document_fk FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
    )`.execute(db);
    if (dialect !== 'postgresql') return;
    for (const table of ['item_vectors', 'embedding_queue', 'item_attachments', 'document_texts']) await forceRowSecurity(db, table);
    // How many items wait for embeddings across every tenant, and nothing else (for /readyz and
    // doctor): the owner's function, as for due work (migration 016).
    await sql`CREATE POLICY embedding_queue_owner_select ON embedding_queue FOR SELECT TO CURRENT_USER USING (true)`.execute(db);
    await sql`
      CREATE FUNCTION public.embedding_backlog()
      RETURNS TABLE (waiting bigint, failing bigint)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
        SELECT count(*), count(*) FILTER (WHERE q.attempts > 0) FROM public.embedding_queue q
      $$`.execute(db);
    await sql.raw(`REVOKE ALL ON FUNCTION public.${EMBEDDING_BACKLOG_FUNCTION} FROM PUBLIC`).execute(db);
    // The fixed-size table of earlier versions, which nothing ever filled.
    await sql`DROP TABLE IF EXISTS item_embeddings`.execute(db);
  },
};
