import type { BlobStore } from '../blob-store.js';
import type { TransactionHooks } from '../engine.js';
import type { ItemKind } from '../schema.js';
import type { SearchEntry, SearchHit, SearchIndex } from '../search.js';
import type { EmbeddingModel, PassageHit, PassageVector, VectorIndex } from '../vectors.js';
import type { EmbeddingQueueRepository } from './embedding-queue.js';
import type { TenantScope } from './scope.js';

const keyOf = (kind: ItemKind, id: string) => `${kind}:${id}`;

/**
 * Where an item's indexed text goes besides the full-text index, when embeddings are on: the
 * embedding queue (worked in the background, never in the write's transaction).
 */
export interface EmbeddingFeed {
  readonly queue: EmbeddingQueueRepository;
  /** The call's time, which the queued items are ready from. */
  now(): string;
  /** Tells the background worker this tenant has items waiting (once per unit of work). */
  announce(): Promise<void>;
}

/**
 * The full-text index of one tenant, and what follows it: an item's vectors and queued embedding
 * go when it leaves the index, and are queued again when its text changes.
 */
export class TenantSearch {
  /** While a batch runs: the entries to write when it ends, by kind and id (the last one wins). */
  private pending: Map<string, SearchEntry> | undefined;
  private announced = false;

  constructor(
    private readonly index: SearchIndex,
    private readonly scope: TenantScope,
    private readonly vectors: TenantVectors,
    private readonly queue: EmbeddingQueueRepository,
    private readonly feed?: EmbeddingFeed,
  ) {}

  async upsert(entry: SearchEntry): Promise<void> {
    if (this.pending) {
      this.pending.set(keyOf(entry.kind, entry.id), entry);
      return;
    }
    await this.index.upsert(this.scope.db, this.scope.tenantId, entry);
    await this.queueEmbeddings([entry]);
  }

  /** Many entries at once (an import). */
  async upsertMany(entries: readonly SearchEntry[]): Promise<void> {
    await this.index.upsertMany(this.scope.db, this.scope.tenantId, entries);
    await this.queueEmbeddings(entries);
  }

  private async queueEmbeddings(entries: readonly SearchEntry[]): Promise<void> {
    if (!this.feed || entries.length === 0) return;
    await this.feed.queue.add(entries, this.feed.now());
    if (!this.announced) {
      this.announced = true;
      await this.feed.announce();
    }
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
    const announced = this.announced;
    return () => {
      if (saved) this.pending = saved;
      this.announced = announced;
    };
  }

  async remove(kind: ItemKind, id: string): Promise<void> {
    this.pending?.delete(keyOf(kind, id));
    await this.index.remove(this.scope.db, this.scope.tenantId, kind, id);
    await this.vectors.remove(kind, id);
    await this.queue.remove(kind, id);
  }

  /** What the index holds for these items (the text their embeddings are made from). */
  entries(keys: readonly { kind: ItemKind; id: string }[]): Promise<SearchEntry[]> {
    return this.index.entries(this.scope.db, this.scope.tenantId, keys);
  }

  async query(text: string, kinds: readonly ItemKind[], limit: number): Promise<SearchHit[]> {
    if (this.pending?.size) {
      await this.upsertMany([...this.pending.values()]);
      this.pending.clear();
    }
    return this.index.query(this.scope.db, this.scope.tenantId, text, kinds, limit);
  }

  /** Forgets every entry of the tenant, with its vectors and queued embeddings. */
  async clear(): Promise<void> {
    await this.index.clear(this.scope.db, this.scope.tenantId);
    await this.vectors.clear();
    await this.queue.clear();
  }
}

/** Embeddings of one tenant's items, and nearest-neighbour queries. */
export class TenantVectors {
  constructor(
    private readonly index: VectorIndex,
    private readonly scope: TenantScope,
  ) {}

  replace(model: EmbeddingModel, kind: ItemKind, id: string, passages: readonly PassageVector[]): Promise<void> {
    return this.index.replace(this.scope.db, this.scope.tenantId, model, kind, id, passages);
  }

  remove(kind: ItemKind, id: string): Promise<void> {
    return this.index.remove(this.scope.db, this.scope.tenantId, kind, id);
  }

  clear(): Promise<void> {
    return this.index.clear(this.scope.db, this.scope.tenantId);
  }

  nearest(model: EmbeddingModel, vector: readonly number[], kinds: readonly ItemKind[], limit: number): Promise<PassageHit[]> {
    return this.index.nearest(this.scope.db, this.scope.tenantId, model, vector, kinds, limit);
  }

  vectorsOf(model: EmbeddingModel, kind: ItemKind, id: string): Promise<number[][]> {
    return this.index.vectorsOf(this.scope.db, this.scope.tenantId, model, kind, id);
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
