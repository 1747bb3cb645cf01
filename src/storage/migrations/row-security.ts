import { sql, type Kysely } from 'kysely';

const TENANT = `current_setting('app.tenant_id', true)`;

/**
 * Forced row-level security on a tenant table: one policy per command, all on the transaction's
 * app.tenant_id. FORCE makes it bind the table owner too; only superusers and BYPASSRLS roles
 * escape it, and the server checks at start that it never queries as one.
 */
export async function forceRowSecurity(db: Kysely<unknown>, table: string, column = 'tenant_id') {
  const t = sql.table(table);
  const mine = `${column} = ${TENANT}`;
  await sql`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`.execute(db);
  await sql`ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`.execute(db);
  // The list of tenant ids (opaque hashes, nothing else) is readable, so the trash can be emptied
  // tenant by tenant; everything else a tenant owns is visible to that tenant only.
  const readable = table === 'tenants' ? 'true' : mine;
  await sql.raw(`CREATE POLICY ${table}_select ON ${table} FOR SELECT USING (${readable})`).execute(db);
  await sql.raw(`CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK (${mine})`).execute(db);
  await sql.raw(`CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING (${mine}) WITH CHECK (${mine})`).execute(db);
  await sql.raw(`CREATE POLICY ${table}_delete ON ${table} FOR DELETE USING (${mine})`).execute(db);
}

/** On the tables a migration creates (named there, not taken from TENANT_TABLES, which grows later). */
export async function forceRowSecurityOn(db: Kysely<unknown>, tables: readonly string[]) {
  for (const table of tables) await forceRowSecurity(db, table, table === 'tenants' ? 'id' : 'tenant_id');
}
