import type { BlobStore } from '../blob-store.js';
import type { TransactionHooks } from '../engine.js';
import type { ItemKind } from '../schema.js';
import type { SearchEntry, SearchHit, SearchIndex } from '../search.js';
import type { VectorHit, VectorIndex } from '../vectors.js';
import type { TenantScope } from './scope.js';

const keyOf = (kind: ItemKind, id: string) => `${kind}:${id}`;

/** The full-text index, of one tenant. */
export class TenantSearch {
  /** While a batch runs: the entries to write when it ends, by kind and id (the last one wins). */
  private pending: Map<string, SearchEntry> | undefined;

  constructor(
    private readonly index: SearchIndex,
    private readonly scope: TenantScope,
  ) {}

  upsert(entry: SearchEntry): Promise<void> {
    if (this.pending) {
      this.pending.set(keyOf(entry.kind, entry.id), entry);
      return Promise.resolve();
    }
    return this.index.upsert(this.scope.db, this.scope.tenantId, entry);
  }

  /** Many entries at once (an import). */
  upsertMany(entries: readonly SearchEntry[]): Promise<void> {
    return this.index.upsertMany(this.scope.db, this.scope.tenantId, entries);
  }

  /**
   * Runs fn with the index updates it makes held back and written in one round when it ends (a
   * bulk call: 50 items, one statement on PostgreSQL). Nothing is written if fn throws.
   */
  async batch<T>(fn: () => Promise<T>): Promise<T> {
    if (this.pending) return fn();
    this.pending = new Map();
    try {
      const result = await fn();
      await this.upsertMany([...this.pending.values()]);
      return result;
    } finally {
      this.pending = undefined;
    }
  }

  /** The held-back entries as they are now, and a way back to that (a savepoint rolled back). */
  mark(): () => void {
    const saved = this.pending && new Map(this.pending);
    return () => {
      if (saved) this.pending = saved;
    };
  }

  async remove(kind: ItemKind, id: string): Promise<void> {
    this.pending?.delete(keyOf(kind, id));
    await this.index.remove(this.scope.db, this.scope.tenantId, kind, id);
  }

  async query(text: string, kinds: readonly ItemKind[], limit: number): Promise<SearchHit[]> {
    if (this.pending?.size) {
      await this.upsertMany([...this.pending.values()]);
      this.pending.clear();
    }
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
