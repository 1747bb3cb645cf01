import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DomainContext } from '../context.js';
import { UserError } from '../common/errors.js';
import { toStored } from '../common/time.js';
import type { Database, ItemKind } from '../../storage/schema.js';
import { TABLE_OF_KIND } from '../../storage/schema.js';
import { decodeText } from '../documents/content-type.js';
import { hasIndexableText, searchEntry, type ItemRow } from '../search/entries.js';
import { dueSort } from '../todos/repository.js';
import { LONG_EVENT_MS } from '../calendar/repository.js';
import { EXPORT_FORMAT, EXPORT_VERSION, type ImportReport, type TenantExport } from './schema.js';

const KINDS = ['project', 'task', 'todo', 'event', 'document'] as const;
const BATCH = 200;

const longEvent = (start: string, end: string) => (Date.parse(end) - Date.parse(start) > LONG_EVENT_MS ? 1 : 0);

/** Every row of a tenant's table, trash included, in id order, without the tenant column. */
async function rowsOf(db: Kysely<Database>, tenantId: string, kind: ItemKind) {
  const rows = await db.selectFrom(TABLE_OF_KIND[kind]).selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
  return rows.map(({ tenant_id: _tenant, ...row }) => {
    // A sort key derived from due_at is not data: import derives it again.
    if ('due_sort' in row) delete (row as { due_sort?: string }).due_sort;
    return row;
  });
}

async function allTags(db: Kysely<Database>, tenantId: string): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('item_tags').select(['item_kind', 'item_id', 'tag']).where('tenant_id', '=', tenantId).execute();
  const tags = new Map<string, string[]>();
  for (const r of rows) {
    const key = `${r.item_kind}:${r.item_id}`;
    tags.set(key, [...(tags.get(key) ?? []), r.tag]);
  }
  for (const list of tags.values()) list.sort();
  return tags;
}

/** One tenant's data, all of it (trash included), as the export format holds it. */
export async function exportTenant(ctx: DomainContext): Promise<TenantExport> {
  const { db, tenantId } = ctx;
  const tags = await allTags(db, tenantId);
  const tagged = async <K extends ItemKind>(kind: K) =>
    (await rowsOf(db, tenantId, kind)).map((row) => ({ ...row, tags: tags.get(`${kind}:${row.id}`) ?? [] }));
  const profileRow = await db.selectFrom('profiles').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  const documents = [];
  for (const { encrypted, ...doc } of await tagged('document')) {
    let content: string | null = null;
    if (doc.source === 'upload') {
      const bytes = await ctx.blobs.read(ctx, doc.id, encrypted === 1).catch((err: Error) => {
        throw new UserError(`document ${doc.id} ("${doc.title}") cannot be exported: its stored bytes cannot be read (${err.message}).`);
      });
      content = bytes.toString('base64');
    }
    documents.push({ ...doc, content_base64: content });
  }
  const { tenant_id: _tenant, ...profile } = profileRow ?? { tenant_id: '' };
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exported_at: toStored(ctx.now),
    profile: profileRow ? (profile as TenantExport['profile']) : null,
    projects: (await tagged('project')) as TenantExport['projects'],
    tasks: (await tagged('task')) as TenantExport['tasks'],
    todos: (await tagged('todo')) as TenantExport['todos'],
    events: (await tagged('event')) as TenantExport['events'],
    documents: documents as TenantExport['documents'],
    embeddings: await ctx.vectors.all(db, tenantId),
  };
}

async function hasData(db: Kysely<Database>, tenantId: string): Promise<boolean> {
  if (await db.selectFrom('profiles').select('tenant_id').where('tenant_id', '=', tenantId).executeTakeFirst()) return true;
  for (const kind of KINDS) {
    if (await db.selectFrom(TABLE_OF_KIND[kind]).select('id').where('tenant_id', '=', tenantId).limit(1).executeTakeFirst()) return true;
  }
  return false;
}

/** Deletes every item of the tenant, document bytes and search entries included; the tenant itself stays. */
export async function clearTenant(ctx: DomainContext) {
  const { db, tenantId } = ctx;
  const documents = await db.selectFrom('documents').select('id').where('tenant_id', '=', tenantId).execute();
  await ctx.blobs.remove(ctx, documents.map((d) => d.id));
  await ctx.search.clear(db, tenantId);
  for (const e of await ctx.vectors.all(db, tenantId)) await ctx.vectors.remove(db, tenantId, e.kind, e.id);
  await db.deleteFrom('item_tags').where('tenant_id', '=', tenantId).execute();
  await db.updateTable('todos').set({ project_id: null }).where('tenant_id', '=', tenantId).execute();
  for (const table of ['tasks', 'todos', 'events', 'documents', 'projects', 'profiles'] as const) {
    await db.deleteFrom(table).where('tenant_id', '=', tenantId).execute();
  }
}

async function insertRows<T extends 'projects' | 'tasks' | 'todos' | 'events' | 'documents'>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Record<string, unknown>[],
) {
  for (let i = 0; i < rows.length; i += BATCH) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await (db as Kysely<any>).insertInto(table).values(rows.slice(i, i + BATCH)).execute();
  }
}

/**
 * Loads an export into the tenant, in the caller's one transaction: all of it or nothing. `data`
 * comes from parseExport (validate.ts), which checked every row as the tools check their input.
 * The tenant must hold nothing yet, unless `replace` clears it first. Document bytes are checked
 * against their checksums and sizes and stored (encrypted) the way this server stores them.
 */
export async function importTenant(ctx: DomainContext, data: TenantExport, options: { replace: boolean }): Promise<ImportReport> {
  const { db, tenantId } = ctx;
  if (await hasData(db, tenantId)) {
    if (!options.replace) throw new UserError('import: this tenant already holds data; pass --replace to delete it and load the file instead.');
    await clearTenant(ctx);
  }
  const base = <R extends { tags: string[] }>({ tags: _tags, ...row }: R) => ({ ...row, tenant_id: tenantId });
  if (data.profile) await db.insertInto('profiles').values({ ...data.profile, tenant_id: tenantId }).execute();
  await insertRows(db, 'projects', data.projects.map(base));
  await insertRows(db, 'tasks', data.tasks.map(base));
  await insertRows(db, 'todos', data.todos.map((todo) => ({ ...base(todo), due_sort: dueSort(todo.due_at) })));
  // long_event is an index hint derived from the span, like due_sort: derived again, never trusted.
  await insertRows(db, 'events', data.events.map((event) => ({ ...base(event), long_event: longEvent(event.start_at, event.end_at) })));

  const texts = new Map<string, string>();
  const documents = data.documents.map(({ content_base64, ...doc }) => {
    if (doc.source !== 'upload') return { ...base(doc), encrypted: 0, bytes: undefined };
    const bytes = Buffer.from(content_base64 ?? '', 'base64');
    if (crypto.createHash('sha256').update(bytes).digest('hex') !== doc.sha256 || bytes.length !== doc.size_bytes) {
      throw new UserError(`import: the bytes of document ${doc.id} ("${doc.title}") do not match its checksum or size; the file is damaged.`);
    }
    return { ...base(doc), encrypted: ctx.blobs.encrypted ? 1 : 0, bytes };
  });
  await insertRows(db, 'documents', documents.map(({ bytes: _bytes, ...row }) => row as Record<string, unknown>));
  for (const doc of documents) {
    if (!doc.bytes) continue;
    await ctx.blobs.save(ctx, doc.id, doc.bytes);
    if (hasIndexableText(doc)) texts.set(doc.id, decodeText(doc.bytes) ?? '');
  }

  const items: [ItemRow, string[]][] = [
    ...data.projects.map(({ tags, ...row }) => [{ kind: 'project', row: { ...row, tenant_id: tenantId } }, tags] as [ItemRow, string[]]),
    ...data.tasks.map(({ tags, ...row }) => [{ kind: 'task', row: { ...row, tenant_id: tenantId } }, tags] as [ItemRow, string[]]),
    ...data.todos.map(({ tags, ...row }) => [{ kind: 'todo', row: { ...row, tenant_id: tenantId } }, tags] as [ItemRow, string[]]),
    ...data.events.map(({ tags, ...row }) => [{ kind: 'event', row: { ...row, tenant_id: tenantId } }, tags] as [ItemRow, string[]]),
    ...documents.map(({ bytes: _bytes, ...row }, i) => [{ kind: 'document', row }, data.documents[i]!.tags] as [ItemRow, string[]]),
  ];
  const tagRows = items.flatMap(([item, tags]) => tags.map((tag) => ({ tenant_id: tenantId, item_kind: item.kind, item_id: item.row.id, tag })));
  for (let i = 0; i < tagRows.length; i += BATCH) await db.insertInto('item_tags').values(tagRows.slice(i, i + BATCH)).execute();
  // The trash is not searchable.
  const entries = items.filter(([item]) => item.row.deleted_at === null).map(([item, tags]) => searchEntry(item, tags, texts.get(item.row.id)));
  await ctx.search.insertMany(db, tenantId, entries);

  let embeddings = 0;
  if (ctx.vectors.available) {
    for (const e of data.embeddings) {
      await ctx.vectors.upsert(db, tenantId, e.kind as ItemKind, e.id, e.embedding);
      embeddings++;
    }
  }
  return {
    projects: data.projects.length,
    tasks: data.tasks.length,
    todos: data.todos.length,
    events: data.events.length,
    documents: data.documents.length,
    embeddings,
    embeddings_skipped: data.embeddings.length - embeddings,
  };
}
