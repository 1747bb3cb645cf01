import type { DomainContext } from '../context.js';
import { ITEM_KINDS, type ItemKind } from '../../storage/schema.js';
import type { Title } from '../../storage/repositories/items.js';
import type { SearchInput, SearchResults } from './schema.js';

export async function search(ctx: DomainContext, input: SearchInput): Promise<SearchResults> {
  const kinds = input.kinds ? [...new Set(input.kinds)] : [...ITEM_KINDS];
  const hits = await ctx.search.query(input.query, kinds, input.limit);
  // Titles of the hits, per kind in one query each; trashed items never show.
  const byKind = new Map<ItemKind, Map<string, Title>>();
  for (const kind of kinds) {
    byKind.set(kind, await ctx.items(kind).liveTitles(hits.filter((h) => h.kind === kind).map((h) => h.id)));
  }
  const results = hits.flatMap((h) => {
    const found = byKind.get(h.kind)?.get(h.id);
    return found ? [{ kind: h.kind, id: h.id, title: found.title, snippet: h.snippet, score: h.score, project_id: found.projectId }] : [];
  });
  return { results };
}
