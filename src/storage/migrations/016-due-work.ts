import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';
import { forceRowSecurity } from './row-security.js';

/** What the application role may call to find tenants with work due; granted in the role step. */
export const DUE_TENANTS_FUNCTION = 'due_work_tenants(text, integer)';

/**
 * The due-work queue: work that falls due at a moment for one tenant (emptying the trash today;
 * reminders, embeddings and history retention later). A row holds only ids and times, never
 * content. Every tenant gets one trash run due now, so the first sweep after the upgrade visits
 * each tenant once, as sweeps did before, and schedules the next one precisely.
 */
export const dueWork: Migration = {
  version: 16,
  name: 'due-work queue',
  async up(db, dialect) {
    const key = keyType(dialect);
    await sql`CREATE TABLE due_work (
      tenant_id ${key} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      kind ${key} NOT NULL,
      item_id ${key} NOT NULL,
      due_at ${key} NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      CONSTRAINT due_work_pk PRIMARY KEY (tenant_id, kind, item_id)
    )`.execute(db);
    await sql`CREATE INDEX due_work_due ON due_work (due_at)`.execute(db);
    // Before row-level security is forced: the owner, who runs this, has no tenant of its own.
    await sql`INSERT INTO due_work (tenant_id, kind, item_id, due_at) SELECT id, 'trash.purge', '', created_at FROM tenants`.execute(db);
    if (dialect !== 'postgresql') return;
    await forceRowSecurity(db, 'due_work');
    // Which tenants have work due, and nothing else, for the sweeper that then works as each
    // tenant under the usual policies: the function runs as the owner, whose own SELECT policy
    // (as for search, ADR 0006) is the only one that sees every tenant's rows.
    await sql`CREATE POLICY due_work_owner_select ON due_work FOR SELECT TO CURRENT_USER USING (true)`.execute(db);
    await sql`
      CREATE FUNCTION public.due_work_tenants(due_by text, max_tenants integer)
      RETURNS TABLE (tenant_id text)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp
      AS $$
        SELECT d.tenant_id FROM public.due_work d
        WHERE d.due_at <= due_by
        GROUP BY d.tenant_id
        ORDER BY min(d.due_at), d.tenant_id
        LIMIT max_tenants
      $$`.execute(db);
    await sql.raw(`REVOKE ALL ON FUNCTION public.${DUE_TENANTS_FUNCTION} FROM PUBLIC`).execute(db);
  },
};
