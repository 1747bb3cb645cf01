import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../engine.js';

/** The full-text index: one table over every kind of item, in each dialect's own engine. */
export async function createSearch(db: Kysely<unknown>, dialect: Dialect) {
  if (dialect === 'sqlite') {
    // FTS5: search_items maps the FTS table's rowids to items.
    await sql`CREATE TABLE search_items (
      rowid INTEGER PRIMARY KEY,
      tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      item_kind TEXT NOT NULL,
      item_id TEXT NOT NULL,
      UNIQUE (tenant_id, item_kind, item_id)
    )`.execute(db);
    await sql`CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
    return;
  }
  // PostgreSQL: a tsvector kept by the database itself. Titles weigh most (A), then tags (B), then
  // text (C). A lexeme made from the tenant (weight D, ranked 0) lets one GIN search intersect a
  // tenant's rows instead of filtering every tenant's matches.
  await sql`CREATE TABLE search_items (
    tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    item_kind text COLLATE "C" NOT NULL,
    item_id text COLLATE "C" NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    tags text NOT NULL,
    document tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('simple', title), 'A') ||
      setweight(to_tsvector('simple', tags), 'B') ||
      setweight(to_tsvector('simple', body), 'C') ||
      setweight(to_tsvector('simple', 'tenant' || md5(tenant_id)), 'D')
    ) STORED,
    PRIMARY KEY (tenant_id, item_kind, item_id)
  )`.execute(db);
  await sql`CREATE INDEX search_items_document ON search_items USING gin (document)`.execute(db);
}
