import type { DomainContext } from '../context.js';
import { toStored } from '../common/time.js';
import { WHOLE_TENANT } from '../../storage/repositories/due-work.js';
import type { QueuedItem } from '../../storage/repositories/embedding-queue.js';
import type { EmbeddingModel } from '../../storage/vectors.js';
import { passagesOf } from './passages.js';

/** An item taken for embedding, with the passages to embed. */
export interface EmbeddingJob {
  item: QueuedItem;
  passages: string[];
}

const MINUTE_MS = 60_000;
/** After n failed attempts, wait 2^n minutes, at most six hours. */
const embeddingBackoffMs = (attempts: number) => Math.min(6 * 60 * MINUTE_MS, MINUTE_MS * 2 ** attempts);

/** The worker comes back for this tenant when its next item is ready (at once when more wait). */
async function scheduleNext(ctx: DomainContext): Promise<void> {
  const next = await ctx.embeddingQueue.nextReady();
  if (next === undefined) await ctx.dueWork.cancel('embeddings.embed', WHOLE_TENANT);
  else await ctx.dueWork.reschedule('embeddings.embed', WHOLE_TENANT, next);
}

/**
 * Takes up to `max` items to embed, held for `leaseMs` (an instance that stops meanwhile lets
 * them go then), with the passages each is embedded as. Items no longer indexed leave the queue.
 */
export async function takeEmbeddingWork(ctx: DomainContext, max: number, leaseMs: number): Promise<EmbeddingJob[]> {
  const now = toStored(ctx.now);
  const items = await ctx.embeddingQueue.take(now, toStored(ctx.now.add({ milliseconds: leaseMs })), max);
  const entries = new Map((await ctx.search.entries(items)).map((e) => [`${e.kind}:${e.id}`, e]));
  const jobs: EmbeddingJob[] = [];
  for (const item of items) {
    const entry = entries.get(`${item.kind}:${item.id}`);
    if (entry) jobs.push({ item, passages: passagesOf(entry) });
    else await ctx.embeddingQueue.done(item);
  }
  await scheduleNext(ctx);
  return jobs;
}

/**
 * Keeps the vectors the provider made (one per passage) for the items whose queued version is
 * still the one taken (changed, trashed or done by another instance meanwhile: nothing is kept,
 * and a newer version stays queued), and lets those go from the queue.
 */
export async function storeEmbeddings(ctx: DomainContext, model: EmbeddingModel, done: readonly { job: EmbeddingJob; vectors: number[][] }[]): Promise<number> {
  const versions = await ctx.embeddingQueue.versionsOf(done.map((d) => d.job.item));
  let stored = 0;
  for (const { job, vectors } of done) {
    const { kind, id } = job.item;
    if (versions.get(`${kind}:${id}`) === job.item.version) {
      await ctx.vectors.replace(
        model,
        kind,
        id,
        job.passages.map((text, passage) => ({ passage, text, vector: vectors[passage]! })),
      );
      stored++;
    }
    await ctx.embeddingQueue.done(job.item);
  }
  await scheduleNext(ctx);
  return stored;
}

/** The provider failed: each item is tried again after its back-off. */
export async function embeddingFailed(ctx: DomainContext, jobs: readonly EmbeddingJob[], error: string): Promise<void> {
  for (const { item } of jobs) await ctx.embeddingQueue.failed(item, toStored(ctx.now.add({ milliseconds: embeddingBackoffMs(item.attempts) })), error);
  await scheduleNext(ctx);
}

/** Queues every indexed item of the tenant again (a reindex, a new model). Returns how many. */
export async function queueAllForEmbedding(ctx: DomainContext): Promise<number> {
  const queued = await ctx.embeddingQueue.addAllIndexed(toStored(ctx.now));
  if (queued) await ctx.dueWork.reschedule('embeddings.embed', WHOLE_TENANT, toStored(ctx.now));
  return queued;
}
