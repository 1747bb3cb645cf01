import type { TenantScope } from './scope.js';
import type { Fetch } from './fetches.js';

/** extracted: `content` holds the text; pending: being extracted in the background; failed or none: `reason` says why there is none. */
export type TextStatus = 'extracted' | 'pending' | 'failed' | 'none';

export interface DocumentText {
  status: TextStatus;
  reason: string | null;
  content: string | null;
}

/** The text extracted from one tenant's documents. */
export class DocumentTextRepository {
  constructor(private readonly scope: TenantScope) {}

  async set(documentId: string, text: DocumentText): Promise<void> {
    await this.scope.db
      .insertInto('document_texts')
      .values({ tenant_id: this.scope.tenantId, document_id: documentId, ...text })
      .onConflict((oc) => oc.columns(['tenant_id', 'document_id']).doUpdateSet(text))
      .execute();
  }

  async get(documentId: string): Promise<DocumentText | undefined> {
    const row = await this.scope.db
      .selectFrom('document_texts')
      .select(['status', 'reason', 'content'])
      .where('tenant_id', '=', this.scope.tenantId)
      .where('document_id', '=', documentId)
      .executeTakeFirst();
    return row && { status: row.status as TextStatus, reason: row.reason, content: row.content };
  }

  /** The statuses of many documents (a list), without their text. */
  statusOf(documentIds: readonly string[]): Fetch<Map<string, TextStatus>> {
    const query =
      documentIds.length === 0
        ? undefined
        : this.scope.db
            .selectFrom('document_texts')
            .select(['document_id', 'status'])
            .where('tenant_id', '=', this.scope.tenantId)
            .where('document_id', 'in', [...documentIds]);
    return { query, read: (rows) => new Map((rows as { document_id: string; status: TextStatus }[]).map((r) => [r.document_id, r.status])) };
  }
}
