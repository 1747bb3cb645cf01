import { embeddingsMissing, type ResolvedConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import type { OpenedRuntime } from '../runtime.js';
import { embeddingFailed, storeEmbeddings, takeEmbeddingWork, queueAllForEmbedding, type EmbeddingJob } from '../domain/search/embedding-work.js';
import type { Embedder, QueryEmbedder, Recall, SemanticQuery } from '../domain/search/recall.js';
import { createEmbeddingsClient } from '../net/embeddings-client.js';
import {
  allTenantIds,
  currentEmbeddingModelName,
  knownEmbeddingModel,
  registerEmbeddingModel,
  setCurrentEmbeddingModelName,
} from '../storage/embedding-models.js';
import type { EmbeddingModel } from '../storage/vectors.js';
import { runDueWork, type DueWorkHandlers } from './due-work.js';
import { WHOLE_TENANT } from '../storage/repositories/due-work.js';
import { toStored } from '../domain/common/time.js';

/** Tenants whose batches are taken in one round (each then embedded before the next round). */
const TENANTS_PER_ROUND = 8;
/** Items taken from a tenant's queue at a time. */
const ITEMS_PER_TAKE = 64;
/** How long taken items are held before another instance may take them (longer than a slow provider's answers). */
const LEASE_MS = 10 * 60_000;
/** Writes that queue embeddings within this long are embedded together. */
const GATHER_MS = 200;
/** How long a search waits for its query's embedding before it answers with words. */
const QUERY_DEADLINE_MS = 5_000;
/** After the provider failed, searches do not ask it for this long. */
const QUERY_SKIP_AFTER_FAILURE_MS = 30_000;
/** How often the queue is looked at besides (retries that fall due). */
const LOOK_EVERY_MS = 30_000;

type Parts = Pick<OpenedRuntime, 'run' | 'engine' | 'clock' | 'config' | 'provide'>;

/** Recall by meaning as a server runs it: the queue worker, the query embedder, and what get_status says. */
export interface RecallWorker extends Recall, QueryEmbedder {
  /** Resolves once the queue has nothing ready (what the worker is doing, and anything asked of it meanwhile, done). */
  settled(): Promise<void>;
  /** Queues every item of every tenant (mcp-pa reindex); reports progress per tenant. */
  reindexAll(progress?: (done: number, total: number) => void): Promise<number>;
  stop(): void;
}

const nowStored = (parts: Parts) => new Date(parts.clock.now()).toISOString();

/**
 * Starts recall: with features.vector_search on and a provider set, items are embedded in the
 * background (a write only queues them), queries are embedded before their transaction, and a
 * change of model queues everything again. Otherwise nothing calls a provider, ever.
 */
export interface RecallOptions {
  /** Where embeddings come from instead of the configured provider (a test's). */
  embedder?: Embedder;
  /** Told after each batch: how many items were embedded, and how many failed (mcp-pa reindex's progress). */
  onBatch?: (stored: number, failed: number) => void;
  /** false: a changed model does not queue everything by itself (mcp-pa reindex does it, and waits). */
  followModelChange?: boolean;
}

export async function startRecall(parts: Parts, logger: Logger, options: RecallOptions = {}): Promise<RecallWorker> {
  const { config, engine } = parts;
  const { embedder, onBatch, followModelChange = true } = options;
  const missing = embeddingsMissing(config);
  const client = embedder ?? providerOf(config);
  if (!config.features.vector_search || !client) {
    const why = config.features.vector_search ? `${missing} is not set` : 'features.vector_search is off';
    const off: RecallWorker = {
      enabled: false,
      model: () => undefined,
      warning: () => (config.features.vector_search ? `vector search is on but ${missing} is not set` : undefined),
      embedQuery: () => Promise.resolve({ unavailable: why }),
      settled: () => Promise.resolve(),
      reindexAll: () => Promise.resolve(0),
      stop: () => undefined,
    };
    parts.provide({ recall: { ...off, queued: () => undefined } });
    // Writes made meanwhile queue nothing: when embeddings come back on, everything is queued again.
    if ((await currentEmbeddingModelName(engine)) !== undefined) {
      await setCurrentEmbeddingModelName(engine, undefined).catch((err: unknown) =>
        logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'cannot record that embeddings are off; turning them on again will not re-embed by itself (run mcp-pa reindex)',
        ),
      );
    }
    return off;
  }

  let model: EmbeddingModel | undefined = await knownEmbeddingModel(engine, client.model);
  let lastError: string | undefined;
  /** When the provider last failed (wall time): searches skip it for a while after. */
  let lastFailureAt = 0;
  /** The model of a vector of `dimensions` numbers: registered on first sight (its index made). */
  const modelFor = async (dimensions: number): Promise<EmbeddingModel> => {
    if (model?.dimensions !== dimensions) model = await registerEmbeddingModel(engine, client.model, dimensions, nowStored(parts));
    return model;
  };

  const embedJobs = async (tenant: string, jobs: readonly EmbeddingJob[]) => {
    const texts = jobs.flatMap((j) => j.passages);
    const vectors: number[][] = [];
    let used: EmbeddingModel;
    try {
      for (let i = 0; i < texts.length; i += config.embeddings.batch_size)
        vectors.push(...(await client.embed(texts.slice(i, i + config.embeddings.batch_size))));
      // A new model is recorded (and indexed) by the login role: where it may not, say so like a provider's failure.
      used = await modelFor(vectors[0]!.length);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const detail = (err as { detail?: string }).detail;
      if (message !== lastError) logger.warn({ err: message, detail, items: jobs.length }, 'embedding failed; the items are retried with back-off');
      lastError = message;
      lastFailureAt = Date.now();
      await parts.run('write', tenant, (ctx) => embeddingFailed(ctx, jobs, message));
      onBatch?.(0, jobs.length);
      return;
    }
    lastError = undefined;
    let next = 0;
    const done = jobs.map((job) => ({ job, vectors: vectors.slice(next, (next += job.passages.length)) }));
    const stored = await parts.run('write', tenant, (ctx) => storeEmbeddings(ctx, used, done));
    onBatch?.(stored, 0);
  };

  // One sweep at a time: take batches tenant by tenant (due work finds who has some), embed them
  // outside any transaction, store them, and go on while more is ready.
  let running: Promise<void> | undefined;
  let again = false;
  const sweep = async () => {
    for (;;) {
      again = false;
      const taken: [string, EmbeddingJob[]][] = [];
      let deferred = false;
      const handlers: DueWorkHandlers = {
        'embeddings.embed': async (ctx, _item, tenant) => {
          // A few tenants' batches at a time, embedded well within their lease; the rest next round.
          if (taken.length >= TENANTS_PER_ROUND) {
            deferred = true;
            return ctx.dueWork.reschedule('embeddings.embed', WHOLE_TENANT, toStored(ctx.now));
          }
          taken.push([tenant, await takeEmbeddingWork(ctx, ITEMS_PER_TAKE, LEASE_MS)]);
        },
      };
      await runDueWork(parts, parts.clock, handlers, logger);
      for (const [tenant, jobs] of taken) if (jobs.length) await embedJobs(tenant, jobs);
      if (!again && !deferred && !taken.some(([, jobs]) => jobs.length === ITEMS_PER_TAKE)) return;
    }
  };
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = sweep()
      .catch((err: unknown) => logger.error({ err }, 'the embedding worker failed; it tries again shortly'))
      .finally(() => (running = undefined));
    return running;
  };
  let gathering: ReturnType<typeof setTimeout> | undefined;
  /** Queueing everything for a new model, in the background. */
  let backfilling: Promise<void> | undefined;
  const timer = setInterval(() => void run(), LOOK_EVERY_MS);
  timer.unref();

  const worker: RecallWorker = {
    enabled: true,
    model: () => model,
    warning: () => (lastError ? `the embeddings provider failed: ${lastError}` : undefined),
    async embedQuery(text): Promise<SemanticQuery> {
      // A provider that just failed, or hangs, must not hold every search up: words answer meanwhile.
      if (lastError !== undefined && Date.now() - lastFailureAt < QUERY_SKIP_AFTER_FAILURE_MS)
        return { unavailable: `the embeddings provider failed: ${lastError}` };
      try {
        const [vector] = await client.embed([text], AbortSignal.timeout(QUERY_DEADLINE_MS));
        const model = await modelFor(vector!.length);
        lastError = undefined;
        return { vector: { model, vector: vector! } };
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        lastFailureAt = Date.now();
        return { unavailable: `the embeddings provider failed: ${lastError}` };
      }
    },
    async settled() {
      await backfilling;
      clearTimeout(gathering);
      gathering = undefined;
      while (running) await running;
      await run();
    },
    async reindexAll(progress) {
      const tenants = await allTenantIds(engine);
      let queued = 0;
      for (const [i, tenant] of tenants.entries()) {
        queued += await parts.run('write', tenant, queueAllForEmbedding);
        progress?.(i + 1, tenants.length);
      }
      await setCurrentEmbeddingModelName(engine, client.model);
      return queued;
    },
    stop: () => {
      clearInterval(timer);
      clearTimeout(gathering);
    },
  };
  parts.provide({
    recall: {
      ...worker,
      queued: () => {
        gathering ??= setTimeout(() => {
          gathering = undefined;
          void run();
        }, GATHER_MS);
        gathering.unref?.();
      },
    },
  });

  // A model other than the one the installation's vectors were made with: everything again, in the background.
  if (followModelChange && (await currentEmbeddingModelName(engine)) !== client.model) {
    backfilling = worker
      .reindexAll()
      .then(async (queued) => {
        if (queued) logger.info({ model: client.model, queued }, 'embedding model changed: every item is embedded again in the background');
        await run();
      })
      .catch((err: unknown) => logger.error({ err }, 'queueing items for the new embedding model failed'));
  } else {
    void run();
  }
  return worker;
}

/** The configured provider, if both its URL and model are set. */
export function providerOf(config: ResolvedConfig): Embedder | undefined {
  const { url, model, api_key: apiKey, timeout_seconds: timeout } = config.embeddings;
  if (url === undefined || model === undefined) return undefined;
  return createEmbeddingsClient({ url, model, apiKey, timeoutMs: timeout * 1000 });
}
