import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Which tenants have work due by `now`, earliest first, at most `max`: an engine's way of asking. */
export type DueTenantsQuery = (trx: Kysely<Database>, now: string, max: number) => Promise<string[]>;

/** Where nothing keeps tenants apart below us (SQLite: one process, no row-level security). */
export const dueTenantsDirectly: DueTenantsQuery = async (trx, now, max) => {
  const rows = await trx
    .selectFrom('due_work')
    .select('tenant_id')
    .where('due_at', '<=', now)
    .groupBy('tenant_id')
    .orderBy(sql`min(due_at)`)
    .orderBy('tenant_id')
    .limit(max)
    .execute();
  return rows.map((r) => r.tenant_id);
};

/**
 * Under row-level security: the owner's function, which returns tenant ids and nothing else (the
 * application role sees no other tenant's rows). See migration 016.
 */
export const dueTenantsThroughOwner: DueTenantsQuery = async (trx, now, max) => {
  const result = await sql<{ tenant_id: string }>`SELECT tenant_id FROM due_work_tenants(${now}, ${max})`.execute(trx);
  return result.rows.map((r) => r.tenant_id);
};

/** Whose calendar feed a secret's keyed hash opens, if anyone's: an engine's way of asking. */
export type FeedOwnerQuery = (trx: Kysely<Database>, secretHash: string) => Promise<string | undefined>;

export const feedOwnerDirectly: FeedOwnerQuery = async (trx, secretHash) =>
  (await trx.selectFrom('calendar_feeds').select('tenant_id').where('secret_hash', '=', secretHash).executeTakeFirst())?.tenant_id;

/** Under row-level security: the owner's function, which returns the tenant id and nothing else (migration 017). */
export const feedOwnerThroughOwner: FeedOwnerQuery = async (trx, secretHash) =>
  (await sql<{ tenant_id: string | null }>`SELECT calendar_feed_tenant(${secretHash}) AS tenant_id`.execute(trx)).rows[0]?.tenant_id ?? undefined;

/** Items waiting for embeddings across every tenant (counts only): an engine's way of asking. */
export type EmbeddingBacklogQuery = (trx: Kysely<Database>) => Promise<{ waiting: number; failing: number }>;

export const embeddingBacklogDirectly: EmbeddingBacklogQuery = async (trx) => {
  const row = await trx
    .selectFrom('embedding_queue')
    .select((eb) => [eb.fn.countAll<number>().as('waiting'), eb.fn.sum<number>(sql`CASE WHEN attempts > 0 THEN 1 ELSE 0 END`).as('failing')])
    .executeTakeFirst();
  return { waiting: Number(row?.waiting ?? 0), failing: Number(row?.failing ?? 0) };
};

/** Under row-level security: the owner's function, which returns two counts and nothing else (migration 020). */
export const embeddingBacklogThroughOwner: EmbeddingBacklogQuery = async (trx) => {
  const row = (await sql<{ waiting: string; failing: string }>`SELECT waiting, failing FROM embedding_backlog()`.execute(trx)).rows[0];
  return { waiting: Number(row?.waiting ?? 0), failing: Number(row?.failing ?? 0) };
};
