import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, DocumentTable } from '../../storage/schema.js';
import { after } from '../common/pagination.js';
import { hasTags } from '../common/tags.js';

export type DocumentRow = Selectable<DocumentTable>;

export interface DocumentFilter {
  tags?: readonly string[];
  type?: string;
}

/** Newest first. */
export function listDocumentRows(db: Kysely<Database>, tenantId: string, filter: DocumentFilter, afterKey: (string | number)[] | undefined, limit: number) {
  let q = db.selectFrom('documents').selectAll().where('tenant_id', '=', tenantId).where('deleted_at', 'is', null);
  if (filter.type) q = q.where('category', '=', filter.type);
  if (filter.tags?.length) q = q.where(hasTags(tenantId, 'document', 'documents', filter.tags));
  if (afterKey) q = q.where(after([sql.ref('created_at'), sql.ref('id')], afterKey, 'desc'));
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}
