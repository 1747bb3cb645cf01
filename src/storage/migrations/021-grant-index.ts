import { sql } from 'kysely';
import type { Migration } from './migration.js';

/**
 * A grant found by its own id (issue 17): a grant row now keeps that id in grant_id too (its codes
 * and tokens keep their grant's id there), so that a token request reads its client, the refresh
 * token or code it presents and that token's grant in one statement. The index holds grant rows
 * only: the grant index of migration 005 would walk every token a long refresh chain left behind.
 * Grants written before this version get their id from their payload (grants are stored whole).
 */
export const grantIndex: Migration = {
  version: 21,
  name: 'grants by id',
  async up(db, dialect) {
    const jti = dialect === 'postgresql' ? sql`payload::json ->> 'jti'` : sql`json_extract(payload, '$.jti')`;
    await sql`UPDATE oauth_records SET grant_id = ${jti} WHERE model = 'Grant' AND grant_id IS NULL`.execute(db);
    await sql`CREATE INDEX oauth_records_grants ON oauth_records (grant_id) WHERE model = 'Grant'`.execute(db);
  },
};
