import { z } from 'zod';
import type { DomainContext } from '../context.js';
import { NotFoundError, UserError } from '../../errors.js';
import { toStored } from '../common/time.js';
import { id } from '../common/fields.js';
import type { ItemKind } from '../../storage/schema.js';
import { fetched, mapped, type Fetch } from '../../storage/repositories/fetches.js';

/** What a document can be attached to. */
const ATTACHABLE_KINDS = ['todo', 'task', 'event', 'project'] as const;
type Attachable = (typeof ATTACHABLE_KINDS)[number];

/** The ids of the documents attached to an item, as every item shows them (get_document has their details). */
export const Attachments = z.array(z.string());

export const AttachInput = z.strictObject({
  document_id: id('document_id'),
  kind: z.enum(ATTACHABLE_KINDS).describe('What to attach it to: todo, task, event or project.'),
  id: id('id'),
});
export type AttachInput = z.output<typeof AttachInput>;

export const AttachResult = z.object({
  document: z.object({ id: z.string(), title: z.string() }),
  item: z.object({ kind: z.enum(ATTACHABLE_KINDS), id: z.string(), title: z.string() }),
  attached: z.boolean(),
  // False when they were linked already (attach).
  changed: z.boolean(),
});
export type AttachResult = z.infer<typeof AttachResult>;

async function bothLive(ctx: DomainContext, input: AttachInput) {
  const document = (await ctx.items('document').liveTitles([input.document_id])).get(input.document_id);
  if (!document) throw new NotFoundError('document', input.document_id, 'document_id', 'Use list_documents or search to find document ids.');
  const item = (await ctx.items(input.kind).liveTitles([input.id])).get(input.id);
  if (!item) throw new NotFoundError(input.kind, input.id, 'id', `Check the kind (${ATTACHABLE_KINDS.join(', ')}) and the id.`);
  return { document: { id: input.document_id, title: document.title }, item: { kind: input.kind, id: input.id, title: item.title } };
}

/** Links a document to a todo, task, event or project (many to many; linking twice changes nothing). */
export async function attachDocument(ctx: DomainContext, input: AttachInput): Promise<AttachResult> {
  const both = await bothLive(ctx, input);
  const changed = await ctx.attachments.attach(input.document_id, input.kind, input.id, toStored(ctx.now));
  return { ...both, attached: true, changed };
}

/** Unlinks them (the document and the item stay). */
export async function detachDocument(ctx: DomainContext, input: AttachInput): Promise<AttachResult> {
  const both = await bothLive(ctx, input);
  const changed = await ctx.attachments.detach(input.document_id, input.kind, input.id);
  if (!changed) throw new UserError(`document_id: the document ${input.document_id} is not attached to the ${input.kind} ${input.id}.`);
  return { ...both, attached: false, changed };
}

/** The ids of the live documents attached to each of these items (none for new ones: nothing can be attached yet). */
export function attachmentsOf(ctx: DomainContext, kind: Attachable, ids: readonly string[], isNew = false): Fetch<Map<string, string[]>> {
  if (isNew) return fetched(new Map());
  return mapped(ctx.attachments.fetchDocumentsOf(kind, ids), (byItem) => new Map([...byItem].map(([id, documents]) => [id, documents.map((d) => d.id)])));
}

/** The live items each document is attached to. */
export async function attachedTo(ctx: DomainContext, documentIds: readonly string[]): Promise<Map<string, { kind: ItemKind; id: string; title: string }[]>> {
  const links = await ctx.attachments.itemsOfDocuments(documentIds);
  const byKind = new Map<ItemKind, Set<string>>();
  for (const list of links.values()) for (const l of list) byKind.set(l.kind, (byKind.get(l.kind) ?? new Set()).add(l.id));
  const titles = new Map<string, string>();
  for (const [kind, ids] of byKind) for (const [id, t] of await ctx.items(kind).liveTitles([...ids])) titles.set(`${kind}:${id}`, t.title);
  return new Map(
    [...links].map(([doc, list]) => [
      doc,
      list.flatMap((l) => {
        const title = titles.get(`${l.kind}:${l.id}`);
        return title === undefined ? [] : [{ kind: l.kind, id: l.id, title }];
      }),
    ]),
  );
}
