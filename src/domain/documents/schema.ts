import { z } from 'zod';
import { cursor, description, id, limit, pageOf, shortText, tag, tags, timestamps, title } from '../common/fields.js';
import { DOCUMENT_TYPES } from './content-type.js';

export const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

export const UploadDocumentInput = z.strictObject({
  title: title(),
  content_base64: z.string().describe('The file’s bytes in base64 (or a data: URL).'),
  description: description().optional(),
  tags: tags().default([]),
  mime_type: z
    .string()
    .trim()
    .toLowerCase()
    .regex(MIME_TYPE, 'must be a MIME type such as text/markdown')
    .optional()
    .describe('The MIME type, if known; the content’s own signature takes precedence.'),
  filename: shortText('The original file name; helps recognise text formats such as .md or .csv.', 255).optional(),
});
export type UploadDocumentInput = z.output<typeof UploadDocumentInput>;

export const CreateExternalDocumentInput = z.strictObject({
  title: title(),
  external_url: z.string().trim().max(2048, 'must be at most 2048 characters').describe('An http or https URL.'),
  description: description().optional(),
  tags: tags().default([]),
});
export type CreateExternalDocumentInput = z.output<typeof CreateExternalDocumentInput>;

export const DocumentIdInput = z.strictObject({ document_id: id('document_id') });

export const ReadDocumentInput = z.strictObject({
  document_id: id('document_id'),
  as_text: z.boolean().default(false).describe('The text read from it (PDF, Word, HTML…) instead of its bytes.'),
  max_chars: z.number().int().min(1).max(5_000_000).default(200_000).describe('For text documents: return at most this many characters (default 200,000).'),
});
export type ReadDocumentInput = z.output<typeof ReadDocumentInput>;

export const ListDocumentsInput = z.strictObject({
  tags: z.array(tag()).max(10).optional().describe('Only documents with every one of these tags.'),
  type: z
    .enum(DOCUMENT_TYPES)
    .optional()
    .describe(`Only documents of this type: ${DOCUMENT_TYPES.join(', ')} (link = external).`),
  cursor: cursor(),
  limit: limit(),
});
export type ListDocumentsInput = z.output<typeof ListDocumentsInput>;

export const Document = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  source: z.enum(['upload', 'external']),
  type: z.enum(DOCUMENT_TYPES),
  mime_type: z.string().nullable(),
  filename: z.string().nullable(),
  size_bytes: z.number().nullable(),
  sha256: z.string().nullable(),
  external_url: z.string().nullable(),
  encrypted: z.boolean(),
  text: z.enum(['extracted', 'none', 'failed']).nullable().describe('Its text read (searchable): extracted, none or failed.'),
  tags: z.array(z.string()),
  ...timestamps,
});
export type Document = z.infer<typeof Document>;

/** get_document's answer: the document and what it is attached to. */
export const DocumentDetail = Document.extend({ attached_to: z.array(z.object({ kind: z.string(), id: z.string(), title: z.string() })) });
export type DocumentDetail = z.infer<typeof DocumentDetail>;

export const UploadedDocument = Document.extend({ text_note: z.string().nullable().optional() });
export type UploadedDocument = z.infer<typeof UploadedDocument>;

export const DocumentPage = pageOf(Document);

export const DocumentContent = z.object({
  document: Document,
  encoding: z.enum(['text', 'base64', 'none']).describe('text: in `text`; base64: in `content_base64`; none: an external link.'),
  text: z.string().nullable(),
  content_base64: z.string().nullable(),
  truncated: z.boolean(),
  text_note: z.string().nullable().optional(),
});
export type DocumentContent = z.infer<typeof DocumentContent>;
