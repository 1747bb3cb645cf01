import crypto from 'node:crypto';
import type { DomainContext } from '../context.js';
import { UserError } from '../../errors.js';
import { toStored } from '../common/time.js';
import { WHOLE_TENANT } from '../../storage/repositories/due-work.js';
import type { ItemKind } from '../../storage/schema.js';
import { LONG_EVENT_MS, SPAN } from '../../storage/repositories/events.js';
import { keepOccurrences } from '../calendar/series.js';
import { extractText } from '../documents/extract.js';
import { searchEntry, type ItemRow } from '../search/entries.js';
import { EXPORT_FORMAT, EXPORT_VERSION, type ImportReport, type TenantExport } from './schema.js';

const KINDS = ['project', 'task', 'todo', 'event', 'document'] as const;

const longEvent = (start: string, end: string) => (Date.parse(end) - Date.parse(start) > LONG_EVENT_MS ? 1 : 0);

/** One tenant's data, all of it (trash included), as the export format holds it. */
export async function exportTenant(ctx: DomainContext): Promise<TenantExport> {
  const tags = await ctx.tags.all();
  const tagged = <R extends { id: string }>(kind: ItemKind, rows: readonly R[]) => rows.map((row) => ({ ...row, tags: tags.get(`${kind}:${row.id}`) ?? [] }));
  const profile = await ctx.profiles.find();
  const documents = [];
  for (const { encrypted, ...doc } of tagged('document', await ctx.documents.all())) {
    let content: string | null = null;
    if (doc.source === 'upload') {
      const bytes = await ctx.blobs.read(doc.id, encrypted === 1).catch((err: Error) => {
        throw new UserError(`document ${doc.id} ("${doc.title}") cannot be exported: its stored bytes cannot be read (${err.message}).`);
      });
      content = bytes.toString('base64');
    }
    documents.push({ ...doc, content_base64: content });
  }
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exported_at: toStored(ctx.now),
    // The reminder webhook is not moved: its secret is sealed under this server's key.
    profile: profile
      ? (({ reminder_webhook_url: _url, reminder_webhook_format: _format, reminder_webhook_secret: _secret, reminder_webhook_since: _since, ...rest }) =>
          rest as TenantExport['profile'])(profile)
      : null,
    projects: tagged('project', await ctx.projects.all()) as TenantExport['projects'],
    // A sort key derived from due_at is not data: import derives it again.
    tasks: tagged(
      'task',
      (await ctx.tasks.all()).map(({ due_sort: _sort, ...task }) => task),
    ) as TenantExport['tasks'],
    todos: tagged(
      'todo',
      (await ctx.todos.all()).map(({ due_sort: _sort, ...todo }) => todo),
    ) as TenantExport['todos'],
    // What a series derives from its rule (its end, the kept window) is derived again on import.
    events: tagged(
      'event',
      (await ctx.events.all()).map(({ series_end: _end, covered_from: _from, covered_to: _to, ...event }) => event),
    ) as TenantExport['events'],
    documents: documents as TenantExport['documents'],
    // Embeddings belong to a provider's model: an import makes them again where embeddings are on.
    embeddings: [],
    history: (await ctx.changes.all()) as TenantExport['history'],
    attachments: (await ctx.attachments.all()) as TenantExport['attachments'],
  };
}

/** Rows ordered so that every parent comes before its subtasks (the file was checked for loops). */
function parentsFirst<R extends { id: string; parent_id: string | null }>(rows: readonly R[]): R[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const depth = (row: R): number => (row.parent_id === null ? 0 : 1 + depth(byId.get(row.parent_id)!));
  return [...rows].sort((a, b) => depth(a) - depth(b));
}

async function hasData(ctx: DomainContext): Promise<boolean> {
  if (await ctx.profiles.find()) return true;
  for (const kind of KINDS) if (await ctx.items(kind).any()) return true;
  return false;
}

/** Deletes every item of the tenant, document bytes and search entries included; the tenant itself stays. */
export async function clearTenant(ctx: DomainContext) {
  await ctx.changes.clear();
  await ctx.blobs.remove(await ctx.documents.ids());
  await ctx.search.clear();
  await ctx.tags.clear();
  await ctx.todos.detachFrom();
  for (const kind of ['task', 'todo', 'event', 'document', 'project'] as const) await ctx.items(kind).deleteAll();
  await ctx.profiles.delete();
}

/**
 * Loads an export into the tenant, in the caller's one transaction: all of it or nothing. `data`
 * comes from parseExport (validate.ts), which checked every row as the tools check their input.
 * The tenant must hold nothing yet, unless `replace` clears it first. Document bytes are checked
 * against their checksums and sizes and stored (encrypted) the way this server stores them.
 */
export async function importTenant(ctx: DomainContext, data: TenantExport, options: { replace: boolean }): Promise<ImportReport> {
  if (await hasData(ctx)) {
    if (!options.replace) throw new UserError('import: this tenant already holds data; pass --replace to delete it and load the file instead.');
    await clearTenant(ctx);
  }
  // What the file brings is not a change the person made now: the file carries its own history.
  ctx.recorder.off();
  const base = <R extends { tags: string[] }>({ tags: _tags, ...row }: R) => row;
  if (data.profile) await ctx.profiles.save(data.profile);
  await ctx.projects.insertMany(data.projects.map(base));
  // Parents before their subtasks: a row's parent must exist when its batch of rows is written (PostgreSQL's key).
  await ctx.tasks.insertMany(parentsFirst(data.tasks).map(base));
  await ctx.todos.insertMany(parentsFirst(data.todos).map(base));
  // long_event is an index hint derived from the span, like due_sort: derived again, never trusted.
  await ctx.events.insertMany(
    data.events.map((event) => ({ ...base(event), long_event: event.recurrence === null ? longEvent(event.start_at, event.end_at) : SPAN.series })),
  );
  for (const event of data.events) {
    if (event.recurrence === null) continue;
    const row = await ctx.events.findAny(event.id);
    if (row) await keepOccurrences(ctx, row);
  }

  const texts = new Map<string, string>();
  const documents = data.documents.map(({ content_base64, ...doc }) => {
    if (doc.source !== 'upload') return { ...base(doc), encrypted: 0, bytes: undefined };
    const bytes = Buffer.from(content_base64 ?? '', 'base64');
    if (crypto.createHash('sha256').update(bytes).digest('hex') !== doc.sha256 || bytes.length !== doc.size_bytes) {
      throw new UserError(`import: the bytes of document ${doc.id} ("${doc.title}") do not match its checksum or size; the file is damaged.`);
    }
    return { ...base(doc), encrypted: ctx.blobs.encrypted ? 1 : 0, bytes };
  });
  await ctx.documents.insertMany(documents.map(({ bytes: _bytes, ...row }) => row as Record<string, unknown>));
  for (const doc of documents) {
    if (!doc.bytes) continue;
    await ctx.blobs.save(doc.id, doc.bytes);
    // The text is read again here, as at upload (the file carries bytes, not what was read from them).
    const text = await extractText(doc.bytes, doc.mime_type);
    await ctx.documentTexts.set(doc.id, text);
    texts.set(doc.id, text.content ?? '');
  }

  const items: [ItemRow, string[]][] = [
    ...data.projects.map(({ tags, ...row }) => [{ kind: 'project', row }, tags] as [ItemRow, string[]]),
    ...data.tasks.map(({ tags, ...row }) => [{ kind: 'task', row }, tags] as [ItemRow, string[]]),
    ...data.todos.map(({ tags, ...row }) => [{ kind: 'todo', row }, tags] as [ItemRow, string[]]),
    ...data.events.map(({ tags, ...row }) => [{ kind: 'event', row }, tags] as [ItemRow, string[]]),
    ...documents.map(({ bytes: _bytes, ...row }, i) => [{ kind: 'document', row }, data.documents[i]!.tags] as [ItemRow, string[]]),
  ];
  await ctx.tags.insertMany(items.flatMap(([item, tags]) => tags.map((tag) => ({ item_kind: item.kind, item_id: item.row.id, tag }))));
  // The trash is not searchable.
  // Items that arrive in the trash are purged on the usual schedule: the next run finds them.
  if (items.some(([item]) => item.row.deleted_at !== null)) await ctx.dueWork.schedule('trash.purge', WHOLE_TENANT, toStored(ctx.now));
  const entries = items.filter(([item]) => item.row.deleted_at === null).map(([item, tags]) => searchEntry(item, tags, texts.get(item.row.id)));
  await ctx.search.upsertMany(entries);

  await ctx.changes.insertMany(data.history);
  if (data.history.length) await ctx.dueWork.schedule('history.purge', WHOLE_TENANT, toStored(ctx.now));

  await ctx.attachments.insertMany(data.attachments);
  return {
    projects: data.projects.length,
    tasks: data.tasks.length,
    todos: data.todos.length,
    events: data.events.length,
    documents: data.documents.length,
    history: data.history.length,
    attachments: data.attachments.length,
    embeddings_skipped: data.embeddings.length,
  };
}
