import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../engine.js';

/**
 * Live items per tenant and bucket (todos open/completed, projects per status, documents), kept by
 * triggers so no code path can forget them: the dashboard reads its totals in one indexed query
 * instead of counting whole tables.
 */
interface Counted {
  table: string;
  /** SQL for the bucket of a row, written against the alias `r` (replaced by NEW or OLD). */
  bucket: string;
  /** Columns whose change can move a row between buckets or in/out of the trash. */
  columns: string[];
}

const COUNTED: readonly Counted[] = [
  { table: 'todos', bucket: "'todos.' || CASE r.completed WHEN 1 THEN 'completed' ELSE 'open' END", columns: ['completed', 'deleted_at'] },
  { table: 'projects', bucket: "'projects.' || r.status", columns: ['status', 'deleted_at'] },
  { table: 'documents', bucket: "'documents'", columns: ['deleted_at'] },
];

const bucketOf = (counted: Counted, row: 'new' | 'old') => counted.bucket.replaceAll('r.', `${row}.`);

async function sqliteTriggers(db: Kysely<unknown>, counted: Counted) {
  const { table, columns } = counted;
  const add = (row: 'new' | 'old') =>
    `INSERT INTO item_counts (tenant_id, bucket, n) SELECT ${row}.tenant_id, ${bucketOf(counted, row)}, 1 WHERE ${row}.deleted_at IS NULL
     ON CONFLICT (tenant_id, bucket) DO UPDATE SET n = n + 1;`;
  const remove = (row: 'new' | 'old') =>
    `UPDATE item_counts SET n = n - 1 WHERE ${row}.deleted_at IS NULL AND tenant_id = ${row}.tenant_id AND bucket = ${bucketOf(counted, row)};`;
  await sql.raw(`CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${table} BEGIN ${add('new')} END`).execute(db);
  await sql.raw(`CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${table} BEGIN ${remove('old')} END`).execute(db);
  await sql.raw(`CREATE TRIGGER ${table}_count_update AFTER UPDATE OF ${columns.join(', ')} ON ${table} BEGIN ${remove('old')} ${add('new')} END`).execute(db);
}

async function postgresTriggers(db: Kysely<unknown>, counted: Counted) {
  const { table, columns } = counted;
  // SECURITY INVOKER (the default): the counters obey the same row-level security as the rows.
  // A row that moves between buckets changes the two counters in bucket order, so two opposite
  // moves (complete one todo, reopen another) cannot deadlock on them; a row that stays in its
  // bucket touches no counter at all.
  await sql
    .raw(
      `CREATE FUNCTION ${table}_count() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        old_bucket text;
        new_bucket text;
        tenant text := CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END;
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN old_bucket := ${bucketOf(counted, 'old')}; END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN new_bucket := ${bucketOf(counted, 'new')}; END IF;
        IF old_bucket IS NOT DISTINCT FROM new_bucket THEN RETURN NULL; END IF;
        IF new_bucket IS NULL OR (old_bucket IS NOT NULL AND old_bucket < new_bucket) THEN
          PERFORM item_count_add(tenant, old_bucket, -1);
          PERFORM item_count_add(tenant, new_bucket, 1);
        ELSE
          PERFORM item_count_add(tenant, new_bucket, 1);
          PERFORM item_count_add(tenant, old_bucket, -1);
        END IF;
        RETURN NULL;
      END $$`,
    )
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER ${table}_count AFTER INSERT OR DELETE OR UPDATE OF ${columns.join(', ')} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_count()`)
    .execute(db);
}

async function createAddFunction(db: Kysely<unknown>) {
  await sql`CREATE FUNCTION item_count_add(tenant text, bucket text, delta integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO item_counts (tenant_id, bucket, n) SELECT tenant, bucket, delta WHERE bucket IS NOT NULL
    ON CONFLICT (tenant_id, bucket) DO UPDATE SET n = item_counts.n + delta
  $$`.execute(db);
}

export async function createCounters(db: Kysely<unknown>, dialect: Dialect) {
  if (dialect === 'postgresql') await createAddFunction(db);
  for (const counted of COUNTED) await (dialect === 'sqlite' ? sqliteTriggers(db, counted) : postgresTriggers(db, counted));
}
