import type { BlobStore } from '../blob-store.js';
import type { TransactionHooks } from '../engine.js';
import type { ItemKind } from '../schema.js';
import type { SearchEntry, SearchHit, SearchIndex } from '../search.js';
import type { VectorHit, VectorIndex } from '../vectors.js';
import type { TenantScope } from './scope.js';

/** The full-text index, of one tenant. */
export class TenantSearch {
  constructor(
    private readonly index: SearchIndex,
    private readonly scope: TenantScope,
  ) {}

  upsert(entry: SearchEntry): Promise<void> {
    return this.index.upsert(this.scope.db, this.scope.tenantId, entry);
  }

  /** Many new entries at once (an import). */
  insertMany(entries: readonly SearchEntry[]): Promise<void> {
    return this.index.insertMany(this.scope.db, this.scope.tenantId, entries);
  }

  remove(kind: ItemKind, id: string): Promise<void> {
    return this.index.remove(this.scope.db, this.scope.tenantId, kind, id);
  }

  query(text: string, kinds: readonly ItemKind[], limit: number): Promise<SearchHit[]> {
    return this.index.query(this.scope.db, this.scope.tenantId, text, kinds, limit);
  }

  /** Forgets every entry of the tenant. */
  clear(): Promise<void> {
    return this.index.clear(this.scope.db, this.scope.tenantId);
  }
}

/** Embeddings and nearest-neighbour queries, of one tenant. */
export class TenantVectors {
  constructor(
    private readonly index: VectorIndex,
    private readonly scope: TenantScope,
  ) {}

  get available(): boolean {
    return this.index.available;
  }

  upsert(kind: ItemKind, id: string, embedding: readonly number[]): Promise<void> {
    return this.index.upsert(this.scope.db, this.scope.tenantId, kind, id, embedding);
  }

  remove(kind: ItemKind, id: string): Promise<void> {
    return this.index.remove(this.scope.db, this.scope.tenantId, kind, id);
  }

  nearest(embedding: readonly number[], kinds: readonly ItemKind[], limit: number): Promise<VectorHit[]> {
    return this.index.nearest(this.scope.db, this.scope.tenantId, embedding, kinds, limit);
  }

  /** Every embedding of the tenant (for export). */
  all(): Promise<{ kind: ItemKind; id: string; embedding: number[] }[]> {
    return this.index.all(this.scope.db, this.scope.tenantId);
  }
}

/** Document bytes, of one tenant, within the transaction (saved bytes appear if, and once, it commits). */
export class TenantBlobs {
  constructor(
    private readonly store: BlobStore,
    private readonly scope: TenantScope,
    private readonly hooks: TransactionHooks,
  ) {}

  get encrypted(): boolean {
    return this.store.encrypted;
  }

  save(id: string, bytes: Buffer): Promise<void> {
    return this.store.save({ ...this.scope, hooks: this.hooks }, id, bytes);
  }

  /** `encrypted` is what the document's row says, so a mismatch is an error rather than garbage. */
  read(id: string, encrypted: boolean): Promise<Buffer> {
    return this.store.read(this.scope, id, encrypted);
  }

  /** Drops the bytes of documents removed for good (once the removal commits). */
  remove(ids: readonly string[]): Promise<void> {
    return this.store.remove({ ...this.scope, hooks: this.hooks }, ids);
  }
}
