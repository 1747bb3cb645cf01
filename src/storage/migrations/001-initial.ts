import { sql, type CreateTableBuilder, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import type { Migration } from './index.js';

// Column names are checked by the database, not by the builder's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTableBuilder = CreateTableBuilder<any, any>;

/** Columns every user item has: tenant, id, timestamps, and the trash marker. */
async function createItemTable(
  db: Kysely<unknown>,
  table: string,
  addColumns: (t: AnyTableBuilder) => AnyTableBuilder,
) {
  let builder: AnyTableBuilder = db.schema
    .createTable(table)
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull());
  builder = addColumns(builder)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .addPrimaryKeyConstraint(`${table}_pk`, ['tenant_id', 'id']);
  await builder.execute();
  // The trash is emptied across tenants by age.
  await sql`CREATE INDEX ${sql.id(`${table}_trash`)} ON ${sql.table(table)} (deleted_at) WHERE deleted_at IS NOT NULL`.execute(db);
}

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

export const COUNTED: readonly Counted[] = [
  { table: 'todos', bucket: "'todos.' || CASE r.completed WHEN 1 THEN 'completed' ELSE 'open' END", columns: ['completed', 'deleted_at'] },
  { table: 'projects', bucket: "'projects.' || r.status", columns: ['status', 'deleted_at'] },
  { table: 'documents', bucket: "'documents'", columns: ['deleted_at'] },
];

async function createCountTriggers(db: Kysely<unknown>, dialect: Dialect, { table, bucket, columns }: Counted) {
  if (dialect !== 'sqlite') throw new Error(`count triggers for ${dialect} are not written yet`);
  const of = (row: 'new' | 'old') => bucket.replaceAll('r.', `${row}.`);
  const add = (row: 'new' | 'old') =>
    `INSERT INTO item_counts (tenant_id, bucket, n) SELECT ${row}.tenant_id, ${of(row)}, 1 WHERE ${row}.deleted_at IS NULL
     ON CONFLICT (tenant_id, bucket) DO UPDATE SET n = n + 1;`;
  const remove = (row: 'new' | 'old') =>
    `UPDATE item_counts SET n = n - 1 WHERE ${row}.deleted_at IS NULL AND tenant_id = ${row}.tenant_id AND bucket = ${of(row)};`;
  await sql.raw(`CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${table} BEGIN ${add('new')} END`).execute(db);
  await sql.raw(`CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${table} BEGIN ${remove('old')} END`).execute(db);
  await sql.raw(`CREATE TRIGGER ${table}_count_update AFTER UPDATE OF ${columns.join(', ')} ON ${table} BEGIN ${remove('old')} ${add('new')} END`).execute(db);
}

export const initial: Migration = {
  version: 1,
  name: 'initial schema',
  async up(db, dialect) {
    // Installation-wide settings (e.g. the salt of the document key); not user data.
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('profiles')
      .addColumn('tenant_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text')
      .addColumn('city', 'text')
      .addColumn('state', 'text')
      .addColumn('country', 'text')
      .addColumn('location_details', 'text')
      .addColumn('laptop_os', 'text')
      .addColumn('laptop_model', 'text')
      .addColumn('laptop_specs', 'text')
      .addColumn('permissions', 'text')
      .addColumn('notes', 'text')
      .addColumn('timezone', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await createItemTable(db, 'projects', (t) =>
      t
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('start_date', 'text')
        .addColumn('end_date', 'text')
        .addColumn('notes', 'text')
        .addColumn('progress_override', 'integer'),
    );
    await sql`CREATE INDEX projects_list ON projects (tenant_id, created_at, id) WHERE deleted_at IS NULL`.execute(db);
    // Active projects, most urgent first and then by end date, straight from the index.
    await sql`CREATE INDEX projects_status ON projects (tenant_id, status, priority DESC, end_date) WHERE deleted_at IS NULL`.execute(db);

    await createItemTable(db, 'tasks', (t) =>
      t
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('due_at', 'text')
        .addColumn('due_date', 'text')
        .addColumn('completed_at', 'text')
        .addColumn('trashed_with_project', 'integer', (c) => c.notNull().defaultTo(0))
        // A task cannot point at another tenant's project: the key includes the tenant.
        .addForeignKeyConstraint('tasks_project_fk', ['tenant_id', 'project_id'], 'projects', ['tenant_id', 'id'], (fk) =>
          fk.onDelete('cascade'),
        ),
    );
    await sql`CREATE INDEX tasks_by_project ON tasks (tenant_id, project_id, status) WHERE deleted_at IS NULL`.execute(db);
    await sql`CREATE INDEX tasks_open_due ON tasks (tenant_id, due_at) WHERE deleted_at IS NULL AND completed_at IS NULL AND due_at IS NOT NULL`.execute(db);

    await createItemTable(db, 'todos', (t) =>
      t
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('due_at', 'text')
        .addColumn('due_date', 'text')
        .addColumn('reminder_at', 'text')
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('completed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('completed_at', 'text')
        .addColumn('project_id', 'text')
        .addForeignKeyConstraint('todos_project_fk', ['tenant_id', 'project_id'], 'projects', ['tenant_id', 'id']),
    );
    // Lists sort by due date, undated last; the same expression is used by the queries (storage/order.ts).
    await sql`CREATE INDEX todos_list ON todos (tenant_id, completed, (coalesce(due_at, '9999-12-31T23:59:59.999Z')), id) WHERE deleted_at IS NULL`.execute(db);
    await sql`CREATE INDEX todos_by_project ON todos (tenant_id, project_id) WHERE deleted_at IS NULL AND project_id IS NOT NULL`.execute(db);
    await sql`CREATE INDEX todos_recent ON todos (tenant_id, updated_at) WHERE deleted_at IS NULL`.execute(db);

    await createItemTable(db, 'events', (t) =>
      t
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('start_at', 'text', (c) => c.notNull())
        .addColumn('end_at', 'text', (c) => c.notNull())
        .addColumn('all_day', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('long_event', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('location', 'text')
        .addColumn('attendees', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('reminder_minutes', 'integer'),
    );
    // Overlap queries scan a bounded window of start times; events longer than that window are few
    // and flagged, so they get their own small index (see domain/calendar/repository.ts).
    // end_at rides along so "does it end after the range starts" is answered from the index.
    await sql`CREATE INDEX events_start ON events (tenant_id, start_at, id, end_at) WHERE deleted_at IS NULL AND long_event = 0`.execute(db);
    await sql`CREATE INDEX events_long ON events (tenant_id, start_at, id, end_at) WHERE deleted_at IS NULL AND long_event = 1`.execute(db);

    await createItemTable(db, 'documents', (t) =>
      t
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('mime_type', 'text')
        .addColumn('filename', 'text')
        .addColumn('size_bytes', 'integer')
        .addColumn('sha256', 'text')
        .addColumn('external_url', 'text')
        .addColumn('encrypted', 'integer', (c) => c.notNull().defaultTo(0)),
    );
    await sql`CREATE INDEX documents_list ON documents (tenant_id, created_at, id) WHERE deleted_at IS NULL`.execute(db);
    await sql`CREATE INDEX documents_category ON documents (tenant_id, category, created_at, id) WHERE deleted_at IS NULL`.execute(db);

    await db.schema
      .createTable('item_tags')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('item_kind', 'text', (c) => c.notNull())
      .addColumn('item_id', 'text', (c) => c.notNull())
      .addColumn('tag', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('item_tags_pk', ['tenant_id', 'item_kind', 'item_id', 'tag'])
      .execute();
    await sql`CREATE INDEX item_tags_by_tag ON item_tags (tenant_id, item_kind, tag, item_id)`.execute(db);

    await db.schema
      .createTable('item_counts')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('item_counts_pk', ['tenant_id', 'bucket'])
      .execute();
    for (const counted of COUNTED) await createCountTriggers(db, dialect, counted);

    if (dialect === 'sqlite') {
      // Full-text search: one FTS5 table over every kind; search_items maps its rowids to items.
      await sql`CREATE TABLE search_items (
        rowid INTEGER PRIMARY KEY,
        tenant_id TEXT NOT NULL,
        item_kind TEXT NOT NULL,
        item_id TEXT NOT NULL,
        UNIQUE (tenant_id, item_kind, item_id)
      )`.execute(db);
      await sql`CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tags, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
    }
  },
};
