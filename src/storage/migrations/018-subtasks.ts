import { sql } from 'kysely';
import type { Migration } from './migration.js';
import { keyType } from './key-type.js';

/**
 * Subtasks (issue 15): a todo or project task may have a parent of its own kind (`parent_id`, at
 * most four levels, kept by the services); children go to the trash with their parent, marked
 * `trashed_with_parent` so that restoring the parent brings back those and only those. Tasks get
 * the sort key todos have (`due_sort`: due_at, or a date after all), for list_tasks across projects.
 */
export const subtasks: Migration = {
  version: 18,
  name: 'subtasks',
  async up(db, dialect) {
    const key = keyType(dialect);
    for (const table of ['todos', 'tasks']) {
      const t = sql.table(table);
      await sql`ALTER TABLE ${t} ADD COLUMN parent_id ${key}`.execute(db);
      await sql`ALTER TABLE ${t} ADD COLUMN trashed_with_parent integer NOT NULL DEFAULT 0`.execute(db);
      await sql`CREATE INDEX ${sql.id(`${table}_children`)} ON ${t} (tenant_id, parent_id, id) WHERE parent_id IS NOT NULL`.execute(db);
      // A parent of the same tenant (the key holds it); on SQLite, whose ALTER TABLE cannot add a
      // key of two columns, the services alone find parents, through repositories bound to the tenant.
      if (dialect === 'postgresql') {
        await sql`ALTER TABLE ${t} ADD CONSTRAINT ${sql.id(`${table}_parent_fk`)} FOREIGN KEY (tenant_id, parent_id) REFERENCES ${t} (tenant_id, id) ON DELETE CASCADE`.execute(
          db,
        );
      }
    }
    await sql`ALTER TABLE tasks ADD COLUMN due_sort ${key} NOT NULL DEFAULT '9999-12-31T23:59:59.999Z'`.execute(db);
    await sql`UPDATE tasks SET due_sort = due_at WHERE due_at IS NOT NULL`.execute(db);
    await sql`CREATE INDEX tasks_list ON tasks (tenant_id, due_sort, id) WHERE deleted_at IS NULL`.execute(db);
  },
};
