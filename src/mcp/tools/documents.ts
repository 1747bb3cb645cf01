import {
  CreateExternalDocumentInput,
  Document,
  DocumentContent,
  DocumentDetail,
  DocumentIdInput,
  DocumentPage,
  ListDocumentsInput,
  ReadDocumentInput,
  UploadDocumentInput,
  UploadedDocument,
} from '../../domain/documents/schema.js';
import { createExternalDocument, getDocument, listDocuments, prepareUpload, readDocument, uploadDocument } from '../../domain/documents/service.js';
import { AttachInput, AttachResult, attachDocument, detachDocument } from '../../domain/documents/attachments.js';
import { documentLine, listText } from '../text.js';
import { defineTool } from '../tool.js';

export const uploadDocumentTool = defineTool({
  name: 'upload_document',
  title: 'Upload document',
  description: ({ maxFileSizeMb }) =>
    `Store a file of up to ${maxFileSizeMb} MB, base64-encoded in content_base64. Its type is recognised from its content; the text of text, HTML, PDF and Word files is read and searchable.`,
  input: UploadDocumentInput,
  output: UploadedDocument,
  access: 'write',
  // Its text is read before the transaction (a long PDF takes a while): nothing waits on it.
  prepare: (input, { offer }) => prepareUpload(input, Math.floor(offer.maxFileSizeMb * 1024 * 1024)),
  run: (ctx, input, prepared) => uploadDocument(ctx, input, prepared),
  summarize: (d) =>
    `Stored document ${documentLine(d)}, sha256 ${d.sha256}.${d.text_note ? ` Its text could not be read: ${d.text_note}; search finds it by its title, description and tags.` : ''}`,
});

export const createExternalDocumentTool = defineTool({
  name: 'create_external_document',
  title: 'Save a link',
  description: 'Keep a link to a document stored elsewhere (http or https only). The server does not fetch it.',
  input: CreateExternalDocumentInput,
  output: Document,
  access: 'write',
  run: (ctx, input) => createExternalDocument(ctx, input),
  summarize: (d) => `Saved link ${documentLine(d)}.`,
});

export const listDocumentsTool = defineTool({
  name: 'list_documents',
  title: 'List documents',
  description: 'List documents, newest first; filter by tags (all must match) and type. Paginated.',
  input: ListDocumentsInput,
  output: DocumentPage,
  access: 'read',
  run: (ctx, input) => listDocuments(ctx, input),
  summarize: (page) => listText('documents', page, documentLine),
});

export const getDocumentTool = defineTool({
  name: 'get_document',
  title: 'Get document',
  description: 'A document’s details without its content (read_document returns that).',
  input: DocumentIdInput,
  output: DocumentDetail,
  access: 'read',
  run: (ctx, input) => getDocument(ctx, input.document_id),
  summarize: (d) => documentLine(d),
});

export const readDocumentTool = defineTool({
  name: 'read_document',
  title: 'Read document',
  description: 'A document’s content, checked against its checksum: text for text files (up to max_chars), else base64; as_text: the text read from it.',
  input: ReadDocumentInput,
  output: DocumentContent,
  access: 'read',
  run: (ctx, input) => readDocument(ctx, input),
  summarize: (c) =>
    c.encoding === 'text'
      ? `${c.document.title}${c.truncated ? ' (truncated)' : ''}:\n\n${c.text}`
      : c.encoding === 'base64'
        ? `${documentLine(c.document)}: binary content attached.`
        : c.text_note
          ? `${c.document.title}: ${c.text_note}`
          : `${c.document.title} is a link: ${c.document.external_url}`,
  content: (c) =>
    c.encoding === 'base64'
      ? [
          {
            type: 'resource',
            resource: { uri: `pa://documents/${c.document.id}`, mimeType: c.document.mime_type ?? 'application/octet-stream', blob: c.content_base64! },
          },
        ]
      : [],
});

export const attachDocumentTool = defineTool({
  name: 'attach_document',
  title: 'Attach document',
  description: 'Link a document to a todo, task, event or project (many to many); the item then lists its id in attachments.',
  input: AttachInput,
  output: AttachResult,
  access: 'write',
  idempotent: true,
  run: (ctx, input) => attachDocument(ctx, input),
  summarize: (r) =>
    `${r.changed ? 'Attached' : 'Already attached:'} ${r.document.title} (id ${r.document.id}) to the ${r.item.kind} ${r.item.title} (id ${r.item.id}).`,
});

export const detachDocumentTool = defineTool({
  name: 'detach_document',
  title: 'Detach document',
  description: 'Unlink a document from a todo, task, event or project; both stay.',
  input: AttachInput,
  output: AttachResult,
  access: 'write',
  run: (ctx, input) => detachDocument(ctx, input),
  summarize: (r) => `Detached ${r.document.title} (id ${r.document.id}) from the ${r.item.kind} ${r.item.title} (id ${r.item.id}).`,
});
