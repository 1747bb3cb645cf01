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
  await sql
    .raw(
      `CREATE FUNCTION ${table}_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
          UPDATE item_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND bucket = ${bucketOf(counted, 'old')};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL THEN
          INSERT INTO item_counts (tenant_id, bucket, n) VALUES (NEW.tenant_id, ${bucketOf(counted, 'new')}, 1)
          ON CONFLICT (tenant_id, bucket) DO UPDATE SET n = item_counts.n + 1;
        END IF;
        RETURN NULL;
      END $$`,
    )
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER ${table}_count AFTER INSERT OR DELETE OR UPDATE OF ${columns.join(', ')} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_count()`)
    .execute(db);
}

export async function createCounters(db: Kysely<unknown>, dialect: Dialect) {
  for (const counted of COUNTED) await (dialect === 'sqlite' ? sqliteTriggers(db, counted) : postgresTriggers(db, counted));
}
