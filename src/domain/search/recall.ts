import type { EmbeddingModel } from '../../storage/vectors.js';

/** Recall by meaning as the server has it set up. */
export interface Recall {
  /** Whether items are embedded: features.vector_search is on and a provider is set. */
  readonly enabled: boolean;
  /** The model whose vectors are compared, once known (its dimension comes with its first answer). */
  model(): EmbeddingModel | undefined;
  /** What is wrong, if anything: a missing setting, the provider failing. */
  warning(): string | undefined;
}

export const RECALL_OFF: Recall = { enabled: false, model: () => undefined, warning: () => undefined };

/** A query's embedding, made before the call's transaction (a provider call never holds one open). */
export interface QueryVector {
  model: EmbeddingModel;
  vector: number[];
}

/** What semantic search is given: the query's vector, or why there is none (said with the results). */
export type SemanticQuery = { vector: QueryVector } | { unavailable: string };

/** Makes a query's embedding (the provider's answer), or says why it cannot. */
export interface QueryEmbedder {
  readonly enabled: boolean;
  embedQuery(text: string): Promise<SemanticQuery>;
  /** What is wrong, if anything (for /readyz). */
  warning(): string | undefined;
}

/** Where embeddings come from: a provider's model, many texts per request. */
export interface Embedder {
  readonly model: string;
  /**
   * One vector per text, in order; throws with a message fit for get_status (never the provider's
   * own words, which may quote a person's text: those are in the error's `detail`, for the log).
   */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/** Where no embeddings are made (a command, a test): every query is searched by its words. */
export const NO_QUERY_EMBEDDINGS: QueryEmbedder = {
  enabled: false,
  embedQuery: () => Promise.resolve({ unavailable: 'embeddings are off' }),
  warning: () => undefined,
};
