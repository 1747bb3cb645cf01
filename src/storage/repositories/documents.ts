import { sql } from 'kysely';
import { ItemRepository, type Row } from './items.js';
import { after, type Key } from './keyset.js';
import { hasTags } from './tags.js';
import type { Fetch } from './fetches.js';
import { byColumns } from './windows.js';

const oldestFirst = byColumns<Record<string, unknown>>('created_at', 'id');

export type DocumentRow = Row<'documents'>;

export interface DocumentFilter {
  tags?: readonly string[];
  type?: string;
}

export class DocumentRepository extends ItemRepository<'documents'> {
  /** Newest first, limit + 1 rows for paging. */
  list(filter: DocumentFilter, afterKey: Key[] | undefined, limit: number): Fetch<DocumentRow[]> {
    let q = this.scope.db.selectFrom('documents').selectAll().where('tenant_id', '=', this.scope.tenantId).where('deleted_at', 'is', null);
    if (filter.type) q = q.where('category', '=', filter.type);
    if (filter.tags?.length) q = q.where(hasTags(this.scope, 'document', 'documents', filter.tags));
    if (afterKey) q = q.where(after([sql.ref('created_at'), sql.ref('id')], afterKey, 'desc'));
    return {
      query: q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1),
      read: (rows) => rows as DocumentRow[],
      order: (a, b) => oldestFirst(b, a),
    };
  }
}
