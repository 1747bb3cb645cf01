import { createSafeFetch } from './safe-fetch.js';

export interface EmbeddingsClientOptions {
  /** The API's base URL (…/v1) or its embeddings endpoint (…/v1/embeddings). */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

/** The most numbers a vector may have (the largest models have 4,096; room to spare). */
const MAX_DIMENSIONS = 8192;

export interface EmbeddingsClient {
  readonly model: string;
  /** One vector per text, in order; `signal` cuts it short (a search's tighter deadline). */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/**
 * Why a provider's answer cannot be used. The message (shown in get_status and /readyz) never
 * holds what the provider said: an error body may quote a person's text; `detail` does, for the
 * operator's log. Neither holds the key.
 */
class EmbeddingsProviderError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** The message of an error answer: OpenAI's `{ error: { message } }`, Ollama's `{ error }`, or the text itself. */
function errorMessageOf(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === 'string') return error;
    const message = (error as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: the text as it is
  }
  return text;
}

function vectorsOf(json: unknown, count: number): number[][] {
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length !== count) {
    throw new EmbeddingsProviderError(`the provider's answer holds ${Array.isArray(data) ? data.length : 'no'} embeddings for ${count} texts`);
  }
  // OpenAI says each item carries its index; some servers leave it out and keep the order.
  const ordered = data.every((d) => typeof (d as { index?: unknown }).index === 'number')
    ? [...data].sort((a, b) => (a as { index: number }).index - (b as { index: number }).index)
    : data;
  const vectors = ordered.map((d) => (d as { embedding?: unknown }).embedding);
  const size = Array.isArray(vectors[0]) ? vectors[0].length : 0;
  for (const v of vectors) {
    if (!Array.isArray(v) || v.length !== size || size === 0 || size > MAX_DIMENSIONS || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new EmbeddingsProviderError(`the provider's answer is not ${count} lists of numbers of one length (1 to ${MAX_DIMENSIONS})`);
    }
  }
  return vectors as number[][];
}

/**
 * An OpenAI-compatible embeddings endpoint (Ollama, LM Studio, llama.cpp's server, vLLM, OpenAI).
 * The request goes through the deployment's outbound fetch: the configured host is the operator's
 * own choice, so it is reached even on loopback or a private network (a local Ollama); no
 * redirect is followed, and every request has a deadline.
 */
export function createEmbeddingsClient(options: EmbeddingsClientOptions): EmbeddingsClient {
  const endpoint = options.url.endsWith('/embeddings') ? options.url : `${options.url}/embeddings`;
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const fetch = createSafeFetch({ allowPrivateTargets: false, allowedHosts: new Set([host]), timeoutMs: options.timeoutMs });
  return {
    model: options.model,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      const response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: options.model, input: texts, encoding_format: 'float' }),
        ...(signal ? { signal } : {}),
      }).catch((err: Error) => {
        const cause = err.cause instanceof Error ? err.cause : err;
        throw new EmbeddingsProviderError(`cannot reach the embeddings provider: ${cause.message}`, endpoint);
      });
      const text = await response.text().catch((err: Error) => {
        throw new EmbeddingsProviderError(`the embeddings provider's answer was cut off: ${err.message}`);
      });
      if (response.status < 200 || response.status > 299) {
        // A provider's error says what is wrong (an unknown model); a short, printable piece of it.
        const said = errorMessageOf(text)
          .replace(/[^\x20-\x7e]+/g, ' ')
          .slice(0, 200);
        throw new EmbeddingsProviderError(`the embeddings provider answered ${response.status}`, said || undefined);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new EmbeddingsProviderError("the embeddings provider's answer is not JSON");
      }
      return vectorsOf(json, texts.length);
    },
  };
}
