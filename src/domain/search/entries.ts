import type { ItemKind } from '../../storage/schema.js';
import type { SearchEntry } from '../../storage/search.js';
import type { DomainContext } from '../context.js';
import type { EventRow } from '../calendar/repository.js';
import { tagsOf } from '../common/tags.js';
import { decodeText, isTextType } from '../documents/content-type.js';
import type { DocumentRow } from '../documents/repository.js';
import type { ProjectRow, TaskRow } from '../projects/repository.js';
import type { TodoRow } from '../todos/repository.js';

/** How much of a text document goes into the search index. */
export const INDEXED_TEXT_CHARS = 100_000;

export type ItemRow =
  | { kind: 'project'; row: ProjectRow }
  | { kind: 'task'; row: TaskRow }
  | { kind: 'todo'; row: TodoRow }
  | { kind: 'event'; row: EventRow }
  | { kind: 'document'; row: DocumentRow };

const join = (parts: readonly (string | null | undefined)[]) => parts.filter(Boolean).join('\n');

/** What the index holds for an item: its title, the text to search, and its tags. */
export function searchEntry(item: ItemRow, tags: readonly string[], documentText?: string): SearchEntry {
  const base = { kind: item.kind as ItemKind, id: item.row.id, tags };
  switch (item.kind) {
    case 'project':
      return { ...base, title: item.row.name, body: join([item.row.description, item.row.notes]) };
    case 'task':
    case 'todo':
      return { ...base, title: item.row.title, body: join([item.row.description]) };
    case 'event':
      return {
        ...base,
        title: item.row.title,
        body: join([item.row.description, item.row.location, (JSON.parse(item.row.attendees) as string[]).join(', ')]),
      };
    case 'document':
      return {
        ...base,
        title: item.row.title,
        body: join([item.row.description, item.row.filename, item.row.external_url, documentText?.slice(0, INDEXED_TEXT_CHARS)]),
      };
  }
}

/** Whether a document's bytes are text worth indexing. */
export const hasIndexableText = (row: DocumentRow) => row.source === 'upload' && row.mime_type !== null && isTextType(row.mime_type);

/**
 * (Re)indexes an item with its current tags. A text document's content is read back from the blob
 * store unless the caller has it at hand (an upload does).
 */
export async function indexItem(ctx: DomainContext, item: ItemRow, documentText?: string): Promise<void> {
  const tags = (await tagsOf(ctx.db, ctx.tenantId, item.kind, [item.row.id])).get(item.row.id) ?? [];
  let text = documentText;
  if (text === undefined && item.kind === 'document' && hasIndexableText(item.row)) {
    text = decodeText(await ctx.blobs.read(ctx, item.row.id, item.row.encrypted === 1).catch(() => Buffer.alloc(0)));
  }
  await ctx.search.upsert(ctx.db, ctx.tenantId, searchEntry(item, tags, text));
}
