import { sql, type Kysely } from 'kysely';
import type { Database, ItemKind } from './schema.js';

/** What the index holds for one item. */
export interface SearchEntry {
  kind: ItemKind;
  id: string;
  title: string;
  body: string;
  tags: readonly string[];
}

export interface SearchHit {
  kind: ItemKind;
  id: string;
  score: number;
  snippet: string;
}

/** Full-text index over every kind of item; dialect-specific, so it lives in storage/. */
export interface SearchIndex {
  upsert(db: Kysely<Database>, tenantId: string, entry: SearchEntry): Promise<void>;
  /** Many entries at once (an import, a bulk call): in as few statements as the engine allows. */
  upsertMany(db: Kysely<Database>, tenantId: string, entries: readonly SearchEntry[]): Promise<void>;
  remove(db: Kysely<Database>, tenantId: string, kind: ItemKind, id: string): Promise<void>;
  query(db: Kysely<Database>, tenantId: string, text: string, kinds: readonly ItemKind[], limit: number): Promise<SearchHit[]>;
  /** Forgets every entry of the tenant. */
  clear(db: Kysely<Database>, tenantId: string): Promise<void>;
  /** What the index holds for these items (those it has), as the text to embed. */
  entries(db: Kysely<Database>, tenantId: string, keys: readonly { kind: ItemKind; id: string }[]): Promise<SearchEntry[]>;
}

/** Rows of an index's text as entries (tags were joined by spaces). */
const asEntries = (rows: readonly { kind: string; id: string; title: string; body: string; tags: string }[]): SearchEntry[] =>
  rows.map((r) => ({ kind: r.kind as ItemKind, id: r.id, title: r.title, body: r.body, tags: r.tags.split(' ').filter(Boolean) }));

/** The entries of `keys` (a few hundred at most), asked kind by kind so the key's index serves each query. */
async function entriesOf(
  keys: readonly { kind: ItemKind; id: string }[],
  read: (kind: ItemKind, ids: string[]) => Promise<{ kind: string; id: string; title: string; body: string; tags: string }[]>,
): Promise<SearchEntry[]> {
  const entries: SearchEntry[] = [];
  for (const kind of new Set(keys.map((k) => k.kind))) {
    entries.push(...asEntries(await read(kind, [...new Set(keys.filter((k) => k.kind === kind).map((k) => k.id))])));
  }
  return entries;
}

/** The words of a query, letters and digits only (at most 32): nothing of it is ever query syntax. */
function queryWords(text: string): string[] {
  return text
    .normalize('NFC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 32);
}

/**
 * Words of the user's query, each quoted so FTS5 never parses user text as its own syntax
 * (a stray `"`, `-` or `NEAR(` is just text); the last word matches as a prefix.
 */
function toFtsQuery(text: string): string | undefined {
  const words = queryWords(text);
  if (words.length === 0) return undefined;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

/** SQLite FTS5: one virtual table for every kind, ranked by BM25 with titles weighted highest. */
export const sqliteSearchIndex: SearchIndex = {
  async upsert(db, tenantId, entry) {
    const existing = await db
      .selectFrom('search_items')
      .select('rowid')
      .where('tenant_id', '=', tenantId)
      .where('item_kind', '=', entry.kind)
      .where('item_id', '=', entry.id)
      .executeTakeFirst();
    let rowid = existing?.rowid;
    if (rowid === undefined) {
      const inserted = await db
        .insertInto('search_items')
        .values({ tenant_id: tenantId, item_kind: entry.kind, item_id: entry.id })
        .returning('rowid')
        .executeTakeFirstOrThrow();
      rowid = inserted.rowid;
    } else {
      await sql`DELETE FROM search_fts WHERE rowid = ${rowid}`.execute(db);
    }
    await sql`INSERT INTO search_fts (rowid, title, body, tags) VALUES (${rowid}, ${entry.title}, ${entry.body}, ${entry.tags.join(' ')})`.execute(db);
  },

  // A bulk call's entries in a few statements per 200: find those indexed already, drop their
  // text, add rows for the new ones, then all the text at once.
  async upsertMany(db, tenantId, entries) {
    const key = (kind: string, id: string) => `${kind}:${id}`;
    for (let i = 0; i < entries.length; i += 200) {
      const chunk = entries.slice(i, i + 200);
      const rowids = new Map<string, number>();
      const known = await db
        .selectFrom('search_items')
        .select(['rowid', 'item_kind', 'item_id'])
        .where('tenant_id', '=', tenantId)
        // The kinds too: the key is (tenant, kind, id), and without them SQLite reads every entry of the tenant.
        .where('item_kind', 'in', [...new Set(chunk.map((e) => e.kind))])
        .where('item_id', 'in', [...new Set(chunk.map((e) => e.id))])
        .execute();
      for (const r of known) rowids.set(key(r.item_kind, r.item_id), r.rowid);
      const stale = chunk.map((e) => rowids.get(key(e.kind, e.id))).filter((rowid) => rowid !== undefined);
      if (stale.length) await sql`DELETE FROM search_fts WHERE rowid IN (${sql.join(stale)})`.execute(db);
      const fresh = [...new Map(chunk.filter((e) => !rowids.has(key(e.kind, e.id))).map((e) => [key(e.kind, e.id), e])).values()];
      if (fresh.length) {
        const added = await db
          .insertInto('search_items')
          .values(fresh.map((e) => ({ tenant_id: tenantId, item_kind: e.kind, item_id: e.id })))
          .returning(['rowid', 'item_kind', 'item_id'])
          .execute();
        for (const r of added) rowids.set(key(r.item_kind, r.item_id), r.rowid);
      }
      const latest = new Map(chunk.map((e) => [key(e.kind, e.id), e]));
      const rows = [...latest].map(([k, e]) => sql`(${rowids.get(k)!}, ${e.title}, ${e.body}, ${e.tags.join(' ')})`);
      await sql`INSERT INTO search_fts (rowid, title, body, tags) VALUES ${sql.join(rows)}`.execute(db);
    }
  },

  async remove(db, tenantId, kind, id) {
    const existing = await db
      .deleteFrom('search_items')
      .where('tenant_id', '=', tenantId)
      .where('item_kind', '=', kind)
      .where('item_id', '=', id)
      .returning('rowid')
      .executeTakeFirst();
    if (existing) await sql`DELETE FROM search_fts WHERE rowid = ${existing.rowid}`.execute(db);
  },

  async clear(db, tenantId) {
    await sql`DELETE FROM search_fts WHERE rowid IN (SELECT rowid FROM search_items WHERE tenant_id = ${tenantId})`.execute(db);
    await db.deleteFrom('search_items').where('tenant_id', '=', tenantId).execute();
  },

  entries: (db, tenantId, keys) =>
    entriesOf(keys, async (kind, ids) => {
      const rows = await sql<{ kind: string; id: string; title: string; body: string; tags: string }>`
        SELECT si.item_kind AS kind, si.item_id AS id, f.title, f.body, f.tags
        FROM search_items si JOIN search_fts f ON f.rowid = si.rowid
        WHERE si.tenant_id = ${tenantId} AND si.item_kind = ${kind} AND si.item_id IN (${sql.join(ids)})`.execute(db);
      return rows.rows;
    }),

  async query(db, tenantId, text, kinds, limit) {
    const match = toFtsQuery(text);
    if (!match || kinds.length === 0) return [];
    const rows = await sql<{ kind: ItemKind; id: string; score: number; snippet: string }>`
      SELECT si.item_kind AS kind, si.item_id AS id, bm25(search_fts, 10.0, 1.0, 4.0) AS score,
             snippet(search_fts, -1, '[', ']', '…', 16) AS snippet
      FROM search_fts JOIN search_items si ON si.rowid = search_fts.rowid
      WHERE search_fts MATCH ${match} AND si.tenant_id = ${tenantId}
        AND si.item_kind IN (${sql.join(kinds)})
      ORDER BY score
      LIMIT ${limit}`.execute(db);
    // BM25 is "lower is better" in FTS5; report a positive relevance instead.
    return rows.rows.map((r) => ({ ...r, score: Math.round(-r.score * 1000) / 1000 }));
  },
};

/**
 * PostgreSQL full-text search: `search_items.document` is a tsvector the database computes, each
 * lexeme marked with its tenant (migration 022), so the GIN index finds one tenant's words only;
 * queries go through websearch_to_tsquery (which never fails on user text) and the last word also
 * matches as a prefix. Queries go through search_tenant_items (migrations 002, 004, 022), which
 * marks the query's words with the tenant: the one way the GIN index can serve a search under
 * row-level security.
 */
export const postgresSearchIndex: SearchIndex = {
  async upsert(db, tenantId, entry) {
    const values = { title: entry.title, body: entry.body, tags: entry.tags.join(' ') };
    await db
      .insertInto('search_items')
      .values({ tenant_id: tenantId, item_kind: entry.kind, item_id: entry.id, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'item_kind', 'item_id']).doUpdateSet(values))
      .execute();
  },

  async upsertMany(db, tenantId, entries) {
    for (let i = 0; i < entries.length; i += 500) {
      await db
        .insertInto('search_items')
        .values(
          entries
            .slice(i, i + 500)
            .map((e) => ({ tenant_id: tenantId, item_kind: e.kind, item_id: e.id, title: e.title, body: e.body, tags: e.tags.join(' ') })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'item_kind', 'item_id']).doUpdateSet((eb) => ({
            title: eb.ref('excluded.title'),
            body: eb.ref('excluded.body'),
            tags: eb.ref('excluded.tags'),
          })),
        )
        .execute();
    }
  },

  async remove(db, tenantId, kind, id) {
    await db.deleteFrom('search_items').where('tenant_id', '=', tenantId).where('item_kind', '=', kind).where('item_id', '=', id).execute();
  },

  async clear(db, tenantId) {
    await db.deleteFrom('search_items').where('tenant_id', '=', tenantId).execute();
  },

  entries: (db, tenantId, keys) =>
    entriesOf(keys, (kind, ids) =>
      db
        .selectFrom('search_items')
        .select(['item_kind as kind', 'item_id as id', 'title', 'body', 'tags'])
        .where('tenant_id', '=', tenantId)
        .where('item_kind', '=', kind)
        .where('item_id', 'in', ids)
        .execute(),
    ),

  async query(db, tenantId, text, kinds, limit) {
    const words = queryWords(text);
    if (words.length === 0 || kinds.length === 0) return [];
    const last = words[words.length - 1]!.toLowerCase();
    // All words must match; the last one may be the start of a word (as it is being typed). The
    // whole words find the rows through the index, and the prefix then filters them.
    const prefix = sql`to_tsquery('simple', ${`${last}:*`})`;
    const indexed = words.length > 1 ? sql`websearch_to_tsquery('simple', ${words.slice(0, -1).join(' ')})` : prefix;
    const query = sql`(${indexed} && ${prefix})`;
    // The tenant comes from the transaction's setting, as in every row-level security policy.
    const rows = await sql<{ kind: ItemKind; id: string; score: number; snippet: string }>`
      SELECT item_kind AS kind, item_id AS id, score,
             ts_headline('simple', title || ' … ' || body || ' ' || tags, ${query},
                         'StartSel=[, StopSel=], MaxWords=16, MinWords=4, ShortWord=1, HighlightAll=false') AS snippet
      FROM search_tenant_items(${indexed}, ${prefix}, ARRAY[${sql.join(kinds)}]::text[], ${limit})
      ORDER BY score DESC, item_id`.execute(db);
    return rows.rows.map((r) => ({ ...r, score: Math.round(Number(r.score) * 1000) / 1000 }));
  },
};
