import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * One tenant inside one transaction: the only way repositories reach the database. Every query
 * they build starts from `tenantId`, so code above storage never names a tenant (on SQLite, with
 * no row-level security, that condition is all that keeps tenants apart).
 */
export interface TenantScope {
  readonly db: Kysely<Database>;
  readonly tenantId: string;
  /** Whether reading a row to change it locks it (SELECT ... FOR UPDATE): see Engine.supportsRowLocks. */
  readonly rowLocks: boolean;
  /** Whether several queries go in one statement: see Engine.supportsBatching. */
  readonly batching: boolean;
}
