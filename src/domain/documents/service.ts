import crypto from 'node:crypto';
import { newItemColumns, tagsOf } from '../common/rows.js';
import type { DomainContext } from '../context.js';
import type { DocumentRow } from '../../storage/repositories/documents.js';
import { mapped, type Fetch } from '../../storage/repositories/fetches.js';
import { NotFoundError, UserError } from '../../errors.js';
import { decodeCursor, toPage } from '../common/pagination.js';
import { indexItem } from '../search/entries.js';
import { formatInstant } from '../common/time.js';
import { MissingBlobError } from '../../errors.js';
import { decodeUpload } from './base64.js';
import { decodeText, detectMimeType, documentType, isTextType, type DocumentType } from './content-type.js';
import { extractText } from './extract.js';
import { attachedTo } from './attachments.js';
import type { DocumentText, TextStatus } from '../../storage/repositories/document-texts.js';
import { checkExternalUrl } from './external-url.js';
import type {
  CreateExternalDocumentInput,
  Document,
  DocumentContent,
  ListDocumentsInput,
  ReadDocumentInput,
  UploadDocumentInput,
  UploadedDocument,
  DocumentDetail,
} from './schema.js';

const HINT = 'Use list_documents to find document ids.';

/** A document's text status as shown: a link has none; an upload from before text extraction counts as read when it is text. */
function textStatusOf(row: DocumentRow, stored: TextStatus | undefined): Document['text'] {
  if (row.source !== 'upload') return null;
  if (stored === 'extracted' || stored === 'none' || stored === 'failed') return stored;
  return row.mime_type !== null && isTextType(row.mime_type) ? 'extracted' : 'none';
}

async function requireDocument(ctx: DomainContext, id: string): Promise<DocumentRow> {
  const row = await ctx.documents.findLive(id);
  if (!row) throw new NotFoundError('document', id, 'document_id', HINT);
  return row;
}

async function presentDocuments(ctx: DomainContext, rows: readonly DocumentRow[]): Promise<Document[]> {
  return ctx.fetch(presentingDocuments(ctx, rows, await ctx.zone()));
}

/** Documents as users see them, as one fetch: their tags and the state of their text. */
export function presentingDocuments(ctx: DomainContext, rows: readonly DocumentRow[], zone: string): Fetch<Document[]> {
  const ids = rows.map((r) => r.id);
  return mapped(ctx.gathered([tagsOf(ctx, 'document', ids), ctx.documentTexts.statusOf(ids)]), ([tags, texts]) =>
    rows.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      source: r.source as Document['source'],
      type: r.category as DocumentType,
      mime_type: r.mime_type,
      filename: r.filename,
      size_bytes: r.size_bytes,
      sha256: r.sha256,
      external_url: r.external_url,
      encrypted: r.encrypted === 1,
      text: textStatusOf(r, texts.get(r.id)),
      tags: tags.get(r.id) ?? [],
      created_at: formatInstant(r.created_at, zone),
      updated_at: formatInstant(r.updated_at, zone),
    })),
  );
}

async function present(ctx: DomainContext, row: DocumentRow): Promise<Document> {
  const [doc] = await presentDocuments(ctx, [row]);
  return doc!;
}

/** An upload's bytes, type and text, read before the transaction (reading a PDF's text takes a while). */
export interface PreparedUpload {
  bytes: Buffer;
  mime: string;
  text: DocumentText;
}

async function readUpload(input: UploadDocumentInput, maxBytes: number): Promise<PreparedUpload> {
  const { bytes, declaredType } = decodeUpload(input.content_base64, maxBytes);
  const mime = await detectMimeType(bytes, input.filename, input.mime_type ?? declaredType);
  return { bytes, mime, text: await extractText(bytes, mime) };
}

/** Reads an upload before its transaction; undefined when it is refused (uploadDocument then says why). */
export function prepareUpload(input: UploadDocumentInput, maxBytes: number): Promise<PreparedUpload | undefined> {
  return readUpload(input, maxBytes).catch(() => undefined);
}

export async function uploadDocument(ctx: DomainContext, input: UploadDocumentInput, prepared?: PreparedUpload): Promise<UploadedDocument> {
  const { bytes, mime, text } = prepared ?? (await readUpload(input, ctx.limits.maxDocumentBytes));
  const { id, ...lifecycle } = newItemColumns(ctx);
  const row: DocumentRow = {
    id,
    ...lifecycle,
    title: input.title,
    description: input.description || null,
    source: 'upload',
    category: documentType(mime),
    mime_type: mime,
    filename: input.filename || null,
    size_bytes: bytes.length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    external_url: null,
    encrypted: ctx.blobs.encrypted ? 1 : 0,
  };
  await ctx.documents.insert(row);
  // The bytes become visible with the row: if the call fails later, neither is kept.
  await ctx.blobs.save(id, bytes);
  await ctx.tags.set('document', id, input.tags);
  await ctx.documentTexts.set(id, text);
  await indexItem(ctx, { kind: 'document', row }, text.content ?? '');
  return { ...(await present(ctx, row)), ...(text.status === 'extracted' ? {} : { text_note: text.reason }) };
}

export async function createExternalDocument(ctx: DomainContext, input: CreateExternalDocumentInput): Promise<Document> {
  const href = checkExternalUrl(input.external_url);
  const { id, ...lifecycle } = newItemColumns(ctx);
  const row: DocumentRow = {
    id,
    ...lifecycle,
    title: input.title,
    description: input.description || null,
    source: 'external',
    category: 'link',
    mime_type: null,
    filename: null,
    size_bytes: null,
    sha256: null,
    external_url: href,
    encrypted: 0,
  };
  await ctx.documents.insert(row);
  await ctx.tags.set('document', id, input.tags);
  await indexItem(ctx, { kind: 'document', row });
  return present(ctx, row);
}

export async function getDocument(ctx: DomainContext, id: string): Promise<DocumentDetail> {
  const document = await present(ctx, await requireDocument(ctx, id));
  return { ...document, attached_to: (await attachedTo(ctx, [id])).get(id) ?? [] };
}

/** The stored bytes of an upload, after checking them against the checksum taken at upload. */
async function documentBytes(ctx: DomainContext, row: DocumentRow): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await ctx.blobs.read(row.id, row.encrypted === 1);
  } catch (err) {
    if (err instanceof MissingBlobError) throw new UserError(`document_id: the stored bytes of document ${row.id} are missing.`);
    throw new UserError(`document_id: the stored bytes of document ${row.id} cannot be read or decrypted: they were changed or damaged.`);
  }
  const sha = crypto.createHash('sha256').update(bytes).digest('hex');
  if (sha !== row.sha256) {
    throw new UserError(`document_id: the stored bytes of document ${row.id} no longer match their checksum: they were changed or damaged.`);
  }
  return bytes;
}

export async function readDocument(ctx: DomainContext, input: ReadDocumentInput): Promise<DocumentContent> {
  const row = await requireDocument(ctx, input.document_id);
  const document = await present(ctx, row);
  if (row.source !== 'upload') {
    return { document, encoding: 'none', text: null, content_base64: null, truncated: false };
  }
  const asText = (text: string) => {
    const truncated = text.length > input.max_chars;
    return { document, encoding: 'text' as const, text: truncated ? text.slice(0, input.max_chars) : text, content_base64: null, truncated };
  };
  if (input.as_text) {
    // Read at upload; a document from before then is read now (and not kept: this is a read).
    const stored = (await ctx.documentTexts.get(row.id)) ?? (await extractText(await documentBytes(ctx, row), row.mime_type));
    if (stored.content !== null) return { ...asText(stored.content), ...(stored.reason ? { text_note: stored.reason } : {}) };
    return { document, encoding: 'none', text: null, content_base64: null, truncated: false, text_note: `No text: ${stored.reason ?? 'none was found'}.` };
  }
  const bytes = await documentBytes(ctx, row);
  const text = row.mime_type && isTextType(row.mime_type) ? decodeText(bytes) : undefined;
  if (text !== undefined) return asText(text);
  return { document, encoding: 'base64', text: null, content_base64: bytes.toString('base64'), truncated: false };
}

export async function listDocuments(ctx: DomainContext, input: ListDocumentsInput) {
  const rows = await ctx.fetch(ctx.documents.list({ tags: input.tags, type: input.type }, decodeCursor(input.cursor, 2), input.limit));
  const page = toPage(
    rows,
    input.limit,
    (r) => [r.created_at, r.id],
    (r) => r,
  );
  return { items: await presentDocuments(ctx, page.items), next_cursor: page.next_cursor };
}
