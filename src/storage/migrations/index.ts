import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { initial } from './001-initial.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Every migration, in order. A released migration is never edited: add the next one. */
export const MIGRATIONS: readonly Migration[] = [initial];

export interface AppliedMigration {
  version: number;
  name: string;
}

/**
 * Applies the pending migrations in one write transaction. On SQLite it starts with BEGIN IMMEDIATE,
 * so two processes starting at once on a new file take turns instead of failing.
 */
export async function migrate(db: Kysely<unknown>, dialect: Dialect): Promise<AppliedMigration[]> {
  return db.connection().execute(async (conn) => {
    await sql.raw(dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`.execute(conn);
      const rows = await sql<{ version: number }>`SELECT version FROM schema_migrations`.execute(conn);
      const done = new Set(rows.rows.map((r) => Number(r.version)));
      const newest = Math.max(0, ...done);
      const known = Math.max(...MIGRATIONS.map((m) => m.version));
      if (newest > known) {
        throw new Error(
          `The database schema is version ${newest}, newer than this mcp-pa understands (${known}). Upgrade mcp-pa.`,
        );
      }
      const applied: AppliedMigration[] = [];
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        await migration.up(conn, dialect);
        await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${new Date().toISOString()})`.execute(conn);
        applied.push({ version: migration.version, name: migration.name });
      }
      await sql`COMMIT`.execute(conn);
      return applied;
    } catch (err) {
      await sql`ROLLBACK`.execute(conn);
      throw err;
    }
  });
}
