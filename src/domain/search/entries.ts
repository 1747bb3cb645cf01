import type { ItemKind } from '../../storage/schema.js';
import type { SearchEntry } from '../../storage/search.js';
import type { DomainContext } from '../context.js';
import type { DocumentRow } from '../../storage/repositories/documents.js';
import type { EventRow } from '../../storage/repositories/events.js';
import type { ProjectRow, TaskRow } from '../../storage/repositories/projects.js';
import type { TodoRow } from '../../storage/repositories/todos.js';
import { decodeText, isTextType } from '../documents/content-type.js';

/** How much of a text document goes into the search index. */
const INDEXED_TEXT_CHARS = 100_000;

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
const hasIndexableText = (row: DocumentRow) => row.source === 'upload' && row.mime_type !== null && isTextType(row.mime_type);

/**
 * (Re)indexes an item with its current tags. A text document's content is read back from the blob
 * store unless the caller has it at hand (an upload does).
 */
export async function indexItem(ctx: DomainContext, item: ItemRow, documentText?: string): Promise<void> {
  const tags = (await ctx.tags.of(item.kind, [item.row.id])).get(item.row.id) ?? [];
  let text = documentText;
  if (text === undefined && item.kind === 'document' && item.row.source === 'upload') {
    const stored = await ctx.documentTexts.get(item.row.id);
    // A text file uploaded before text extraction has no stored text: its bytes are its text.
    if (stored) text = stored.content ?? undefined;
    else if (hasIndexableText(item.row)) text = decodeText(await ctx.blobs.read(item.row.id, item.row.encrypted === 1).catch(() => Buffer.alloc(0)));
  }
  await ctx.search.upsert(searchEntry(item, tags, text));
}
