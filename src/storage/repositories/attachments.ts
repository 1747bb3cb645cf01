import type { ItemKind } from '../schema.js';
import type { TenantScope } from './scope.js';
import type { Fetch } from './fetches.js';
import { byColumns } from './windows.js';

/** A link between a document and an item (todo, task, event or project). */
export interface AttachmentRow {
  document_id: string;
  item_kind: ItemKind;
  item_id: string;
  created_at: string;
}

/**
 * One tenant's attachments. A link outlives the trash (either side may go and come back); it
 * goes when either side is removed for good (the document by its foreign key, items by purge).
 */
export class AttachmentRepository {
  constructor(private readonly scope: TenantScope) {}

  private rows() {
    return this.scope.db.selectFrom('item_attachments').where('item_attachments.tenant_id', '=', this.scope.tenantId);
  }

  /** Links them; false when they were linked already. */
  async attach(documentId: string, kind: ItemKind, id: string, at: string): Promise<boolean> {
    const added = await this.scope.db
      .insertInto('item_attachments')
      .values({ tenant_id: this.scope.tenantId, document_id: documentId, item_kind: kind, item_id: id, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(added.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Unlinks them; false when they were not linked. */
  async detach(documentId: string, kind: ItemKind, id: string): Promise<boolean> {
    const removed = await this.scope.db
      .deleteFrom('item_attachments')
      .where('tenant_id', '=', this.scope.tenantId)
      .where('document_id', '=', documentId)
      .where('item_kind', '=', kind)
      .where('item_id', '=', id)
      .executeTakeFirst();
    return Number(removed.numDeletedRows) > 0;
  }

  /** The live documents attached to each item, oldest link first. */
  fetchDocumentsOf(kind: ItemKind, ids: readonly string[]): Fetch<Map<string, { id: string; title: string }[]>> {
    const query =
      ids.length === 0
        ? undefined
        : this.rows()
            .innerJoin('documents as d', (join) =>
              join.onRef('d.tenant_id', '=', 'item_attachments.tenant_id').onRef('d.id', '=', 'item_attachments.document_id'),
            )
            .select(['item_attachments.item_id', 'item_attachments.created_at', 'd.id', 'd.title'])
            .where('item_attachments.item_kind', '=', kind)
            .where('item_attachments.item_id', 'in', [...ids])
            .where('d.deleted_at', 'is', null);
    return {
      query,
      read: (rows) => {
        const byItem = new Map<string, { id: string; title: string }[]>(ids.map((id) => [id, []]));
        type Link = { item_id: string; created_at: string; id: string; title: string };
        for (const r of (rows as Link[]).sort(byColumns<Link>('created_at', 'id'))) byItem.get(r.item_id)?.push({ id: r.id, title: r.title });
        return byItem;
      },
    };
  }

  /** The items each document is attached to (live or not: the caller shows the live ones), oldest link first. */
  async itemsOfDocuments(documentIds: readonly string[]): Promise<Map<string, { kind: ItemKind; id: string }[]>> {
    const byDocument = new Map<string, { kind: ItemKind; id: string }[]>(documentIds.map((id) => [id, []]));
    if (documentIds.length === 0) return byDocument;
    const rows = await this.rows()
      .select(['document_id', 'item_kind', 'item_id'])
      .where('document_id', 'in', [...documentIds])
      .orderBy('created_at')
      .orderBy('item_kind')
      .orderBy('item_id')
      .execute();
    for (const r of rows) byDocument.get(r.document_id)?.push({ kind: r.item_kind as ItemKind, id: r.item_id });
    return byDocument;
  }

  /** Forgets the links of items removed for good. */
  async dropItems(kind: ItemKind, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.scope.db
        .deleteFrom('item_attachments')
        .where('tenant_id', '=', this.scope.tenantId)
        .where('item_kind', '=', kind)
        .where('item_id', 'in', ids.slice(i, i + 500))
        .execute();
    }
  }

  /** Every link (an export). */
  async all(): Promise<AttachmentRow[]> {
    const rows = await this.rows()
      .select(['document_id', 'item_kind', 'item_id', 'created_at'])
      .orderBy('document_id')
      .orderBy('item_kind')
      .orderBy('item_id')
      .execute();
    return rows.map((r) => ({ ...r, item_kind: r.item_kind as ItemKind }));
  }

  /** Links from an import. */
  async insertMany(rows: readonly AttachmentRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      await this.scope.db
        .insertInto('item_attachments')
        .values(rows.slice(i, i + 500).map((r) => ({ ...r, tenant_id: this.scope.tenantId })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  }
}
