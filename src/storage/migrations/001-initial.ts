import { sql, type ColumnDataType, type CreateTableBuilder, type Expression, type Kysely } from 'kysely';
import type { Dialect } from '../engine.js';
import { createCounters } from './counters.js';
import type { Migration } from './migration.js';
import { forceRowSecurityOn } from './row-security.js';
import { createSearch } from './search.js';

// Column names are checked by the database, not by the builder's types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyTableBuilder = CreateTableBuilder<any, any>;

/**
 * Text that is compared and sorted (ids, instants, dates, statuses, tags): byte order on
 * PostgreSQL whatever the database's locale, as on SQLite, so both sort ISO instants the same.
 */
const key = (dialect: Dialect): ColumnDataType | Expression<unknown> => (dialect === 'postgresql' ? sql`text COLLATE "C"` : 'text');

/** Columns every user item has: tenant, id, timestamps, and the trash marker. */
async function createItemTable(db: Kysely<unknown>, dialect: Dialect, table: string, addColumns: (t: AnyTableBuilder) => AnyTableBuilder) {
  let builder: AnyTableBuilder = db.schema
    .createTable(table)
    .addColumn('tenant_id', key(dialect), (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('id', key(dialect), (c) => c.notNull());
  builder = addColumns(builder)
    .addColumn('created_at', key(dialect), (c) => c.notNull())
    .addColumn('updated_at', key(dialect), (c) => c.notNull())
    .addColumn('deleted_at', key(dialect))
    .addPrimaryKeyConstraint(`${table}_pk`, ['tenant_id', 'id']);
  await builder.execute();
  // The trash is emptied by age.
  await sql`CREATE INDEX ${sql.id(`${table}_trash`)} ON ${sql.table(table)} (tenant_id, deleted_at) WHERE deleted_at IS NOT NULL`.execute(db);
}

async function createTables(db: Kysely<unknown>, dialect: Dialect) {
  const k = key(dialect);
  await db.schema
    .createTable('tenants')
    .addColumn('id', k, (c) => c.primaryKey())
    .addColumn('created_at', k, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('profiles')
    .addColumn('tenant_id', k, (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
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
    .addColumn('updated_at', k, (c) => c.notNull())
    .execute();

  await createItemTable(db, dialect, 'projects', (t) =>
    t
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('status', k, (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('start_date', k)
      .addColumn('end_date', k)
      .addColumn('notes', 'text')
      .addColumn('progress_override', 'integer'),
  );

  await createItemTable(db, dialect, 'tasks', (t) =>
    t
      .addColumn('project_id', k, (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('status', k, (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('due_at', k)
      .addColumn('due_date', k)
      .addColumn('completed_at', k)
      .addColumn('trashed_with_project', 'integer', (c) => c.notNull().defaultTo(0))
      // A task cannot point at another tenant's project: the key includes the tenant.
      .addForeignKeyConstraint('tasks_project_fk', ['tenant_id', 'project_id'], 'projects', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade')),
  );

  await createItemTable(db, dialect, 'todos', (t) =>
    t
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('due_at', k)
      .addColumn('due_date', k)
      .addColumn('reminder_at', k)
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('completed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('completed_at', k)
      .addColumn('project_id', k)
      // Lists sort by due date, undated last: due_at, or a date after all others (set with due_at;
      // not a generated column, which SQLite will not read from an index alone).
      .addColumn('due_sort', k, (c) => c.notNull())
      .addForeignKeyConstraint('todos_project_fk', ['tenant_id', 'project_id'], 'projects', ['tenant_id', 'id']),
  );

  await createItemTable(db, dialect, 'events', (t) =>
    t
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('start_at', k, (c) => c.notNull())
      .addColumn('end_at', k, (c) => c.notNull())
      .addColumn('all_day', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('long_event', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('location', 'text')
      .addColumn('attendees', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('reminder_minutes', 'integer'),
  );

  await createItemTable(db, dialect, 'documents', (t) =>
    t
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('source', k, (c) => c.notNull())
      .addColumn('category', k, (c) => c.notNull())
      .addColumn('mime_type', 'text')
      .addColumn('filename', 'text')
      .addColumn('size_bytes', 'integer')
      .addColumn('sha256', 'text')
      .addColumn('external_url', 'text')
      .addColumn('encrypted', 'integer', (c) => c.notNull().defaultTo(0)),
  );

  if (dialect === 'postgresql') {
    // Document bytes live in the database where instances share nothing on disk; SQLite keeps files.
    await db.schema
      .createTable('document_blobs')
      .addColumn('tenant_id', k, (c) => c.notNull())
      .addColumn('document_id', k, (c) => c.notNull())
      .addColumn('bytes', 'bytea', (c) => c.notNull())
      .addPrimaryKeyConstraint('document_blobs_pk', ['tenant_id', 'document_id'])
      .addForeignKeyConstraint('document_blobs_document_fk', ['tenant_id', 'document_id'], 'documents', ['tenant_id', 'id'], (fk) => fk.onDelete('cascade'))
      .execute();
  }

  await db.schema
    .createTable('item_tags')
    .addColumn('tenant_id', k, (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('item_kind', k, (c) => c.notNull())
    .addColumn('item_id', k, (c) => c.notNull())
    .addColumn('tag', k, (c) => c.notNull())
    .addPrimaryKeyConstraint('item_tags_pk', ['tenant_id', 'item_kind', 'item_id', 'tag'])
    .execute();

  await db.schema
    .createTable('item_counts')
    .addColumn('tenant_id', k, (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('bucket', k, (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('item_counts_pk', ['tenant_id', 'bucket'])
    .execute();

  // Installation-wide settings (e.g. the salt of the document key); not user data.
  await db.schema
    .createTable('meta')
    .addColumn('key', k, (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

/**
 * Indexes: every one leads with tenant_id, and each matches a query of the repositories exactly
 * (partial-index conditions are written as literals in the queries so both planners use them).
 * Some end with columns their partial condition already fixes (deleted_at, ...): SQLite counts
 * a range from the index alone only when every column the query names is in it.
 */
async function createIndexes(db: Kysely<unknown>) {
  const statements = [
    sql`CREATE INDEX projects_list ON projects (tenant_id, created_at, id) WHERE deleted_at IS NULL`,
    // Active projects, most urgent first and then by end date, straight from the index.
    sql`CREATE INDEX projects_status ON projects (tenant_id, status, priority DESC, end_date) WHERE deleted_at IS NULL`,
    sql`CREATE INDEX tasks_by_project ON tasks (tenant_id, project_id, status) WHERE deleted_at IS NULL`,
    sql`CREATE INDEX tasks_open_due ON tasks (tenant_id, due_at, id, deleted_at, completed_at) WHERE deleted_at IS NULL AND completed_at IS NULL AND due_at IS NOT NULL`,
    sql`CREATE INDEX todos_list ON todos (tenant_id, completed, due_sort, id, deleted_at) WHERE deleted_at IS NULL`,
    sql`CREATE INDEX todos_by_project ON todos (tenant_id, project_id) WHERE deleted_at IS NULL AND project_id IS NOT NULL`,
    sql`CREATE INDEX todos_recent ON todos (tenant_id, updated_at) WHERE deleted_at IS NULL`,
    // Overlap queries scan a bounded window of start times (end_at rides along so "ends after the
    // range starts" is answered from the index); long events have their own small index.
    sql`CREATE INDEX events_start ON events (tenant_id, start_at, id, end_at, deleted_at, long_event) WHERE deleted_at IS NULL AND long_event = 0`,
    sql`CREATE INDEX events_long ON events (tenant_id, start_at, id, end_at, deleted_at, long_event) WHERE deleted_at IS NULL AND long_event = 1`,
    sql`CREATE INDEX documents_list ON documents (tenant_id, created_at, id) WHERE deleted_at IS NULL`,
    sql`CREATE INDEX documents_category ON documents (tenant_id, category, created_at, id) WHERE deleted_at IS NULL`,
    sql`CREATE INDEX item_tags_by_tag ON item_tags (tenant_id, item_kind, tag, item_id)`,
    // The tags of a page of items of several kinds at once (ids are unique across kinds).
    sql`CREATE INDEX item_tags_by_item ON item_tags (tenant_id, item_id, item_kind, tag)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

/** The tenant tables this migration creates: a fixed list, as the schema stood then. */
const INITIAL_TENANT_TABLES = [
  'tenants',
  'profiles',
  'projects',
  'tasks',
  'todos',
  'events',
  'documents',
  'document_blobs',
  'item_tags',
  'item_counts',
  'search_items',
];

export const initial: Migration = {
  version: 1,
  name: 'initial schema',
  async up(db, dialect) {
    await createTables(db, dialect);
    await createIndexes(db);
    await createCounters(db, dialect);
    await createSearch(db, dialect);
    if (dialect === 'postgresql') await forceRowSecurityOn(db, INITIAL_TENANT_TABLES);
  },
};
