import { sql } from 'kysely';
import type { Migration } from './migration.js';

/**
 * PostgreSQL: every lexeme of the search index is written with its tenant's mark in front
 * (`search_scope`: eight hex digits of the tenant's md5 and `_`), and queries are marked the same
 * way before they reach the GIN index. A word's posting list is then that tenant's alone: a
 * typical word was the intersection of its list over all 100 tenants (8,500 entries) with the
 * tenant's own lexeme (10,000), and is now a list of 85; a prefix (`word:*`) expands over the
 * tenant's own words only. The function still filters by tenant (two tenants' marks may collide:
 * that costs time, never a row of another tenant). See docs/adr/0006-search-under-row-level-security.md.
 *
 * The functions are immutable and pinned to pg_catalog, as a generated column needs; EXECUTE stays
 * granted to PUBLIC (they compute text, read nothing). `search_tenant_items` keeps its signature,
 * so its grant to the application role stands.
 */
export const searchTenantLexemes: Migration = {
  version: 22,
  name: "full-text search: each tenant's own lexemes",
  async up(db, dialect) {
    if (dialect !== 'postgresql') return;
    await sql`
      CREATE FUNCTION public.search_scope(tenant text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      SET search_path = pg_catalog, pg_temp
      AS $$ SELECT left(md5(tenant), 8) || '_' $$`.execute(db);
    // A tsvector's text form: 'lexeme':1A,2C ... (quotes doubled, backslashes escaped). A lexeme
    // too long to take the mark (PostgreSQL's limit is 2046 bytes) is left out, as to_tsvector
    // leaves out longer words.
    await sql`
      CREATE FUNCTION public.search_document(tenant text, title text, tags text, body text) RETURNS tsvector
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      SET search_path = pg_catalog, pg_temp
      AS $$
        SELECT coalesce(string_agg(
                 '''' || replace(replace(m.mark || u.lexeme, '\\', '\\\\'), '''', '''''') || ''':'
                   || (SELECT string_agg(x.p::text || x.w, ',') FROM unnest(u.positions, u.weights) AS x(p, w)),
                 ' '), '')::tsvector
        FROM (SELECT public.search_scope(tenant) AS mark) AS m,
             unnest(setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||
                    setweight(to_tsvector('simple', coalesce(tags, '')), 'B') ||
                    setweight(to_tsvector('simple', coalesce(body, '')), 'C')) AS u
        WHERE octet_length(u.lexeme) <= 2000
      $$`.execute(db);
    // A query's lexemes with the tenant's mark (user words are letters, digits and _ only; the
    // quoted-lexeme pattern also keeps '' inside a lexeme whole).
    await sql`
      CREATE FUNCTION public.search_scoped_query(tenant text, query tsquery) RETURNS tsquery
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      SET search_path = pg_catalog, pg_temp
      AS $$ SELECT regexp_replace(query::text, '''((?:[^'']|'''')*)''', '''' || public.search_scope(tenant) || '\\1''', 'g')::tsquery $$`.execute(db);
    await sql`DROP INDEX search_items_document`.execute(db);
    await sql`ALTER TABLE search_items DROP COLUMN document`.execute(db);
    await sql`ALTER TABLE search_items ADD COLUMN document tsvector GENERATED ALWAYS AS (public.search_document(tenant_id, title, tags, body)) STORED`.execute(
      db,
    );
    await sql`CREATE INDEX search_items_document ON search_items USING gin (document)`.execute(db);
    // Same signature as migration 004's: its grant to the application role stands. The statement
    // is planned with the marked query as a value (EXECUTE ... USING), so the planner sees how rare
    // the tenant's words are and goes through the GIN index; a plan made for an unknown query
    // expected half the table. Whole words and the prefix both go through the index now that a
    // prefix expands over the tenant's own words only. No tenant set: no row (NULL matches nothing).
    await sql`
      CREATE OR REPLACE FUNCTION public.search_tenant_items(indexed tsquery, also tsquery, kinds text[], max_hits integer)
      RETURNS TABLE (item_kind text, item_id text, score real, title text, body text, tags text)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
      BEGIN
        RETURN QUERY EXECUTE
          'SELECT s.item_kind, s.item_id, ts_rank(''{0, 0.2, 0.4, 1.0}'', s.document, $1), s.title, s.body, s.tags
           FROM public.search_items s
           WHERE s.tenant_id = $2 AND s.item_kind = ANY ($3) AND s.document @@ $1
           ORDER BY 3 DESC, s.item_id
           LIMIT $4'
          USING public.search_scoped_query(current_setting('app.tenant_id', true), indexed && also),
                current_setting('app.tenant_id', true), kinds, max_hits;
      END
      $$`.execute(db);
  },
};
