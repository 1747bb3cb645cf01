import type { DomainContext } from '../context.js';
import { NotFoundError } from '../../errors.js';
import { ITEM_KINDS, type ItemKind } from '../../storage/schema.js';
import type { Title } from '../../storage/repositories/items.js';
import type { Fetch } from '../../storage/repositories/fetches.js';
import type { PassageHit } from '../../storage/vectors.js';
import type { QueryVector, SemanticQuery } from './recall.js';
import { passageSnippet } from './passages.js';
import type { FindRelatedInput, SearchInput, SearchMode, SearchResult, SearchResults } from './schema.js';

/** The most passages one search asks for, however many of them belong to the same long documents. */
const MAX_PASSAGES_ASKED = 2_000;

/** Reciprocal rank fusion's constant: how much the first places outweigh the later ones (the usual 60). */
const RRF_K = 60;

interface Hit {
  kind: ItemKind;
  id: string;
  score: number;
  snippet?: string;
  passage?: { index: number; text: string };
}

const keyOf = (h: { kind: ItemKind; id: string }) => `${h.kind}:${h.id}`;

/** The best passage of each item, items in the order of their best passage. */
function bestPassages(hits: readonly PassageHit[]): Hit[] {
  const seen = new Map<string, Hit>();
  for (const h of hits) {
    if (!seen.has(keyOf(h))) seen.set(keyOf(h), { kind: h.kind, id: h.id, score: h.similarity, passage: { index: h.passage, text: h.text } });
  }
  return [...seen.values()];
}

/**
 * The items nearest to a vector (passages asked for generously: an item may have several), and
 * `skipPassages` more where the caller will drop an item's own (find_related: a long document's
 * passages would otherwise fill the list with itself).
 */
async function nearestItems(ctx: DomainContext, query: QueryVector, kinds: readonly ItemKind[], limit: number, skipPassages = 0): Promise<Hit[]> {
  // A long document's passages can fill the list: ask again for more until enough items come back
  // (or there is nothing more, or the asking grows unreasonable).
  for (let ask = limit * 3 + skipPassages; ; ask *= 4) {
    const passages = await ctx.vectors.nearest(query.model, query.vector, kinds, ask);
    const items = bestPassages(passages);
    if (items.length >= limit || passages.length < ask || ask >= MAX_PASSAGES_ASKED) return items.slice(0, limit);
  }
}

/**
 * The live items among the hits, with their titles (one query per kind; trashed items never
 * show), as results; `foundBy` says which lists each came from.
 */
async function asResults(ctx: DomainContext, hits: readonly Hit[], foundBy: Map<string, SearchResult['found_by']>): Promise<SearchResult[]> {
  const kinds = [...new Set(hits.map((h) => h.kind))];
  const titles = await ctx.fetchEach<Fetch<Map<string, Title>>[]>(
    kinds.map((kind) => ctx.items(kind).fetchLiveTitles(hits.filter((h) => h.kind === kind).map((h) => h.id))),
  );
  const byKind = new Map<ItemKind, Map<string, Title>>(kinds.map((kind, i) => [kind, titles[i]!]));
  return hits.flatMap((h) => {
    const found = byKind.get(h.kind)?.get(h.id);
    if (!found) return [];
    const snippet = h.snippet ?? (h.passage ? passageSnippet(h.passage.text, found.title) : found.title);
    return [
      {
        kind: h.kind,
        id: h.id,
        title: found.title,
        snippet,
        score: Math.round(h.score * 1000) / 1000,
        project_id: found.projectId,
        found_by: foundBy.get(keyOf(h)) ?? [],
        passage: h.passage?.index ?? null,
      },
    ];
  });
}

/**
 * Reciprocal rank fusion: each item scores 1 / (60 + rank) in every list that has it, so an item
 * both lists rank well comes first, and neither list's own scale matters. The keyword snippet
 * (matched words marked) is kept where there is one, the semantic passage otherwise.
 */
function fuse(keyword: readonly Hit[], semantic: readonly Hit[]): Hit[] {
  const fused = new Map<string, Hit>();
  for (const list of [keyword, semantic]) {
    list.forEach((h, rank) => {
      const prior = fused.get(keyOf(h));
      const score = 1 / (RRF_K + rank + 1);
      fused.set(keyOf(h), prior ? { ...prior, score: prior.score + score, passage: prior.passage ?? h.passage } : { ...h, score });
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || keyOf(a).localeCompare(keyOf(b)));
}

function foundByOf(keyword: readonly Hit[], semantic: readonly Hit[]): Map<string, SearchResult['found_by']> {
  const foundBy = new Map<string, SearchResult['found_by']>();
  for (const h of keyword) foundBy.set(keyOf(h), ['keyword']);
  for (const h of semantic) foundBy.set(keyOf(h), [...(foundBy.get(keyOf(h)) ?? []), 'semantic']);
  return foundBy;
}

/**
 * Search by words, by meaning, or both. The query's vector was made before the transaction
 * (`semantic`); when there is none (embeddings off, the provider down), the words alone answer
 * and the result says why.
 */
export async function search(ctx: DomainContext, input: SearchInput, semantic?: SemanticQuery): Promise<SearchResults> {
  const kinds = input.kinds ? [...new Set(input.kinds)] : [...ITEM_KINDS];
  const asked: SearchMode = input.mode ?? (ctx.recall.enabled ? 'hybrid' : 'keyword');
  let mode = asked;
  let note: string | undefined;
  if (mode !== 'keyword' && !(semantic && 'vector' in semantic)) {
    note = `${asked} search is unavailable (${semantic && 'unavailable' in semantic ? semantic.unavailable : 'embeddings are off'}); these results match the words.`;
    mode = 'keyword';
  }
  // Hybrid asks each list for more than it returns, so fusion has candidates to rank.
  const depth = mode === 'hybrid' ? Math.min(100, input.limit * 2) : input.limit;
  const keyword: Hit[] = mode === 'semantic' ? [] : await ctx.search.query(input.query, kinds, depth);
  const vector = semantic && 'vector' in semantic ? semantic.vector : undefined;
  const meaning: Hit[] = mode === 'keyword' || !vector ? [] : await nearestItems(ctx, vector, kinds, depth);
  const ranked = mode === 'hybrid' ? fuse(keyword, meaning) : mode === 'semantic' ? meaning : keyword;
  const results = (await asResults(ctx, ranked, foundByOf(keyword, meaning))).slice(0, input.limit);
  return { results, mode, ...(note ? { note } : {}) };
}

/** The mean direction of an item's passages: what it is about as a whole. */
function meanVector(vectors: readonly number[][]): number[] {
  const mean = new Array<number>(vectors[0]!.length).fill(0);
  for (const v of vectors) v.forEach((x, i) => (mean[i]! += x));
  return mean;
}

/**
 * The items nearest in meaning to a given one, across kinds. Where it has no vectors (embeddings
 * off, or not embedded yet) its title's words are searched instead, and the result says so.
 */
export async function findRelated(ctx: DomainContext, input: FindRelatedInput): Promise<SearchResults> {
  const kinds = input.kinds ? [...new Set(input.kinds)] : [...ITEM_KINDS];
  const title = (await ctx.items(input.kind).liveTitles([input.id])).get(input.id);
  if (!title) throw new NotFoundError(input.kind, input.id, 'id', 'Check the kind and the id (items in the trash have no relations).');
  const isItself = (h: Hit) => h.kind === input.kind && h.id === input.id;
  const model = ctx.recall.model();
  const vectors = ctx.recall.enabled && model ? await ctx.vectors.vectorsOf(model, input.kind, input.id) : [];
  if (model && vectors.length > 0) {
    const near = await nearestItems(ctx, { model, vector: meanVector(vectors) }, kinds, input.limit + 1, vectors.length);
    const hits = near.filter((h) => !isItself(h)).slice(0, input.limit);
    return { results: await asResults(ctx, hits, new Map(hits.map((h) => [keyOf(h), ['semantic']]))), mode: 'semantic' };
  }
  const why = ctx.recall.enabled ? 'it is not embedded yet' : 'embeddings are off';
  const words = await ctx.search.query(title.title.split(/\s+/).slice(0, 8).join(' '), kinds, input.limit + 1);
  const hits = words.filter((h) => !isItself(h)).slice(0, input.limit);
  return {
    results: await asResults(ctx, hits, new Map(hits.map((h) => [keyOf(h), ['keyword']]))),
    mode: 'keyword',
    note: `Related by meaning is unavailable (${why}); these items share words with its title.`,
  };
}
