import type { DomainContext } from '../context.js';
import { InvalidInputError, NotFoundError, UserError } from '../../errors.js';
import { ITEM_KINDS, type ItemKind } from '../../storage/schema.js';
import { EMBEDDING_DIMENSIONS } from '../../storage/vectors.js';

/**
 * Vector search over items. Where embeddings come from (a provider) is decided elsewhere; here
 * they are stored, checked and queried. Without pgvector every call says vector search is off.
 */
function checkEmbedding(ctx: DomainContext, embedding: readonly number[]) {
  if (!ctx.vectors.available) throw new UserError('vector search is not available on this database (it needs PostgreSQL with pgvector).');
  if (embedding.length !== EMBEDDING_DIMENSIONS || !embedding.every(Number.isFinite)) {
    throw new InvalidInputError('embedding', `must be ${EMBEDDING_DIMENSIONS} finite numbers (got ${embedding.length})`);
  }
}

export async function setEmbedding(ctx: DomainContext, kind: ItemKind, id: string, embedding: readonly number[]): Promise<void> {
  checkEmbedding(ctx, embedding);
  if (!(await ctx.items(kind).findLive(id))) throw new NotFoundError(kind, id, 'id', 'Embed live items only.');
  await ctx.vectors.upsert(kind, id, embedding);
}

export interface SimilarItem {
  kind: ItemKind;
  id: string;
  title: string;
  similarity: number;
}

/** The live items nearest to an embedding, most similar first. */
export async function similarItems(
  ctx: DomainContext,
  embedding: readonly number[],
  kinds: readonly ItemKind[] = ITEM_KINDS,
  limit = 10,
): Promise<SimilarItem[]> {
  checkEmbedding(ctx, embedding);
  // Ask for a few more: trashed items are dropped after the nearest-neighbour search.
  const hits = await ctx.vectors.nearest(embedding, kinds, limit * 2);
  const titles = new Map<ItemKind, Map<string, { title: string }>>();
  for (const kind of kinds) titles.set(kind, await ctx.items(kind).liveTitles(hits.filter((h) => h.kind === kind).map((h) => h.id)));
  return hits
    .flatMap((h) => {
      const found = titles.get(h.kind)?.get(h.id);
      return found ? [{ kind: h.kind, id: h.id, title: found.title, similarity: h.similarity }] : [];
    })
    .slice(0, limit);
}
