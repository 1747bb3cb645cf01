import type { BlobStore } from '../blob-store.js';
import type { Access, Engine, Opened, TransactionHooks } from '../engine.js';
import { TABLE_OF_KIND, type ItemKind } from '../schema.js';
import { CountRepository } from './counts.js';
import { DocumentRepository } from './documents.js';
import { DueWorkRepository } from './due-work.js';
import { EventRepository } from './events.js';
import { TenantBlobs, TenantSearch, TenantVectors, type EmbeddingFeed } from './indexes.js';
import { EmbeddingQueueRepository } from './embedding-queue.js';
import { AttachmentRepository } from './attachments.js';
import { DocumentTextRepository } from './document-texts.js';
import type { ItemRepository, ItemTable } from './items.js';
import { ProfileRepository } from './profiles.js';
import { ReminderDeliveryRepository } from './reminders.js';
import { CalendarFeedRepository } from './feeds.js';
import { ProjectRepository, TaskRepository } from './projects.js';
import type { TenantScope } from './scope.js';
import { TagRepository } from './tags.js';
import { TenantRepository } from './tenant.js';
import { TodoRepository } from './todos.js';
import { withSavepoint } from './savepoint.js';
import { ChangeRecorder, ChangeRepository } from './changes.js';
import { WHOLE_TENANT } from './due-work.js';
import { fetchEach, fetchOne, gathered, type Fetch, type Results } from './fetches.js';

/**
 * Everything stored of one tenant, inside one transaction: repositories, indexes and document
 * bytes, each already bound to the tenant. Domain code gets this and nothing lower: it cannot
 * name a tenant, nor reach a table except through a repository that adds the tenant itself.
 */
export interface TenantStore {
  readonly projects: ProjectRepository;
  readonly tasks: TaskRepository;
  readonly todos: TodoRepository;
  readonly events: EventRepository;
  readonly documents: DocumentRepository;
  readonly profiles: ProfileRepository;
  readonly tags: TagRepository;
  readonly counts: CountRepository;
  readonly tenant: TenantRepository;
  /** Work that falls due later for this tenant (emptying the trash), run by the server's sweeper. */
  readonly dueWork: DueWorkRepository;
  /** Reminders pushed to the person's webhook, and the attempts. */
  readonly deliveries: ReminderDeliveryRepository;
  /** The person's calendar feed. */
  readonly feeds: CalendarFeedRepository;
  readonly search: TenantSearch;
  readonly vectors: TenantVectors;
  /** Items waiting for their embeddings. */
  readonly embeddingQueue: EmbeddingQueueRepository;
  /** Documents linked to todos, tasks, events and projects. */
  readonly attachments: AttachmentRepository;
  /** The text extracted from documents. */
  readonly documentTexts: DocumentTextRepository;
  readonly blobs: TenantBlobs;
  /** The repository of a kind of item, for what works on every kind alike (trash, search results). */
  items(kind: ItemKind): ItemRepository<ItemTable>;
  /** Runs fn so that, if it throws, what it wrote (index updates included) is undone and the rest of the transaction stands. */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** The history: what was changed, by whom, and what it was before. */
  readonly changes: ChangeRepository;
  /** The changes of this unit of work, gathered as the repositories write, recorded when it ends. */
  readonly recorder: ChangeRecorder;
  /** Runs several repositories' fetches, in one round trip where that saves one (see fetchEach). */
  fetchEach<const F extends readonly Fetch<unknown>[]>(fetches: F): Promise<Results<F>>;
  /** Runs one fetch (a gathered one in one round trip). */
  fetch<T>(fetch: Fetch<T>): Promise<T>;
  /** Several fetches as one, to run with others (see gathered). */
  gathered<const F extends readonly Fetch<unknown>[]>(fetches: F): Fetch<Results<F>>;
}

/** Who made the changes of a unit of work, and how the history keeps them. */
export interface ChangeCall {
  actor: string;
  at: string;
  /** The call's id: every change it makes carries it. */
  batchId: string;
  newId(): string;
  /** When the oldest of these changes is to be forgotten. */
  forgetAt: string;
}

/** Writes the changes a unit of work gathered into the history, and asks for their retention sweep. */
export async function recordChanges(store: TenantStore, call: ChangeCall): Promise<string[]> {
  const changes = store.recorder.drain();
  if (changes.length === 0) return [];
  const rows = changes.map((c) => ({
    change_id: call.newId(),
    batch_id: call.batchId,
    at: call.at,
    actor: call.actor,
    action: c.action,
    item_kind: c.kind,
    item_id: c.id,
    before: c.before === null ? null : JSON.stringify(c.before),
    after: JSON.stringify(c.after),
    undone_by: null,
  }));
  await store.changes.insertMany(rows);
  await store.changes.markUndone(store.recorder.undoing, call.batchId);
  await store.dueWork.schedule('history.purge', WHOLE_TENANT, call.forgetAt);
  return rows.map((r) => r.change_id);
}

/** What a unit of work does besides its own writes: queue embeddings of what it indexes (when they are on). */
export interface UnitOptions {
  /** The time items are queued at, and the worker to tell; absent: embeddings are off, nothing is queued. */
  embeddings?: { now(): string; announced(): void };
}

function bindTenant(engine: Engine, blobs: BlobStore, scope: TenantScope, hooks: TransactionHooks, opened: Opened, options: UnitOptions): TenantStore {
  const recorder = new ChangeRecorder();
  const byTable = {
    projects: new ProjectRepository(scope, 'projects', recorder),
    tasks: new TaskRepository(scope, 'tasks', recorder),
    todos: new TodoRepository(scope, 'todos', recorder),
    events: new EventRepository(scope, 'events', recorder),
    documents: new DocumentRepository(scope, 'documents', recorder),
  };
  const vectors = new TenantVectors(engine.vectorIndex, scope);
  const embeddingQueue = new EmbeddingQueueRepository(scope);
  const dueWork = new DueWorkRepository(scope);
  const { embeddings } = options;
  const feed: EmbeddingFeed | undefined = embeddings && {
    queue: embeddingQueue,
    now: embeddings.now,
    // The sweeper finds tenants through their due work; the worker is told once the write commits.
    announce: async () => {
      await dueWork.schedule('embeddings.embed', WHOLE_TENANT, embeddings.now());
      hooks.afterCommit(embeddings.announced);
    },
  };
  const search = new TenantSearch(engine.searchIndex, scope, vectors, embeddingQueue, feed);
  return {
    ...byTable,
    profiles: new ProfileRepository(scope, opened.profile),
    tags: new TagRepository(scope, recorder),
    changes: new ChangeRepository(scope),
    recorder,
    counts: new CountRepository(scope),
    tenant: new TenantRepository(scope),
    dueWork,
    deliveries: new ReminderDeliveryRepository(scope),
    feeds: new CalendarFeedRepository(scope),
    search,
    vectors,
    embeddingQueue,
    attachments: new AttachmentRepository(scope),
    documentTexts: new DocumentTextRepository(scope),
    blobs: new TenantBlobs(blobs, scope, hooks),
    items: (kind) => byTable[TABLE_OF_KIND[kind]] as unknown as ItemRepository<ItemTable>,
    fetchEach: (fetches) => fetchEach(scope, fetches),
    fetch: fetchOne,
    gathered: (fetches) => gathered(scope, fetches),
    savepoint: async (fn) => {
      const restoreIndex = search.mark();
      const restoreChanges = recorder.mark();
      try {
        return await withSavepoint(scope.db, fn);
      } catch (err) {
        restoreIndex();
        restoreChanges();
        throw err;
      }
    },
  };
}

/** Runs fn in one transaction of the engine, as one tenant, with that tenant's store. */
export function runAsTenant<T>(
  engine: Engine,
  blobs: BlobStore,
  access: Access,
  tenantId: string,
  fn: (store: TenantStore) => Promise<T>,
  options: UnitOptions = {},
): Promise<T> {
  return engine.transaction(access, tenantId, (db, hooks, opened) =>
    fn(bindTenant(engine, blobs, { db, tenantId, rowLocks: engine.supportsRowLocks, batching: engine.supportsBatching }, hooks, opened, options)),
  );
}

export { tenantsWithDueWork, type DueWorkItem, type DueWorkKind } from './due-work.js';
