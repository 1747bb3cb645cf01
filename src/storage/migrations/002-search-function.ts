import { sql } from 'kysely';
import type { Migration } from './migration.js';

/** Replaced by migration 004's SEARCH_FUNCTION. */
const FIRST_SEARCH_FUNCTION = 'search_tenant_items(tsquery, text[], integer)';

/**
 * PostgreSQL: full-text search that can use its GIN index. Under row-level security the planner
 * refuses to scan an index with an operator that is not LEAKPROOF, and `@@` is not, so every search
 * read all of the tenant's rows. This function runs as the owner of `search_items`, which a policy
 * lets read the table without the tenant filter, and applies that filter itself, from the same
 * transaction setting the policies use: it shows the caller nothing row-level security would not.
 * See docs/adr/0006-search-under-row-level-security.md.
 */
export const searchFunction: Migration = {
  version: 2,
  name: 'full-text search through its index under row-level security',
  async up(db, dialect) {
    if (dialect !== 'postgresql') return;
    await sql`CREATE POLICY search_items_owner_select ON search_items FOR SELECT TO CURRENT_USER USING (true)`.execute(db);
    await sql`
      CREATE FUNCTION public.search_tenant_items(query tsquery, kinds text[], max_hits integer)
      RETURNS TABLE (item_kind text, item_id text, score real, title text, body text, tags text)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
        SELECT s.item_kind, s.item_id, ts_rank('{0, 0.2, 0.4, 1.0}', s.document, query), s.title, s.body, s.tags
        FROM public.search_items s
        WHERE s.tenant_id = current_setting('app.tenant_id', true)
          AND s.item_kind = ANY (kinds)
          AND s.document @@ (query && to_tsquery('simple', 'tenant' || md5(current_setting('app.tenant_id', true))))
        ORDER BY 3 DESC, s.item_id
        LIMIT max_hits
      $$`.execute(db);
    await sql.raw(`REVOKE ALL ON FUNCTION public.${FIRST_SEARCH_FUNCTION} FROM PUBLIC`).execute(db);
  },
};
