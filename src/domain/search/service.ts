import { sql } from 'kysely';
import type { DomainContext } from '../context.js';
import { ITEM_KINDS, TABLE_OF_KIND, type ItemKind } from '../../storage/schema.js';
import type { SearchInput, SearchResults } from './schema.js';

interface Found {
  title: string;
  projectId: string | null;
}

/** Titles of the hits, per kind in one query each; trashed items never show. */
export async function describeHits(ctx: DomainContext, kind: ItemKind, ids: string[]): Promise<Map<string, Found>> {
  const found = new Map<string, Found>();
  if (ids.length === 0) return found;
  if (kind === 'task') {
    const rows = await ctx.db
      .selectFrom('tasks')
      .select(['id', 'title', 'project_id'])
      .where('tenant_id', '=', ctx.tenantId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
    for (const r of rows) found.set(r.id, { title: r.title, projectId: r.project_id });
    return found;
  }
  const table = TABLE_OF_KIND[kind];
  const titleColumn = kind === 'project' ? 'name' : 'title';
  const rows = await ctx.db
    .selectFrom(table)
    .select(['id', sql<string>`${sql.ref(titleColumn)}`.as('title')])
    .where('tenant_id', '=', ctx.tenantId)
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
  for (const r of rows) found.set(r.id, { title: r.title, projectId: null });
  return found;
}

export async function search(ctx: DomainContext, input: SearchInput): Promise<SearchResults> {
  const kinds = input.kinds ? [...new Set(input.kinds)] : [...ITEM_KINDS];
  const hits = await ctx.search.query(ctx.db, ctx.tenantId, input.query, kinds, input.limit);
  const byKind = new Map<ItemKind, Map<string, Found>>();
  for (const kind of kinds) {
    byKind.set(kind, await describeHits(ctx, kind, hits.filter((h) => h.kind === kind).map((h) => h.id)));
  }
  const results = hits.flatMap((h) => {
    const found = byKind.get(h.kind)?.get(h.id);
    return found ? [{ kind: h.kind, id: h.id, title: found.title, snippet: h.snippet, score: h.score, project_id: found.projectId }] : [];
  });
  return { results };
}
