import path from 'node:path';

/** Broad kinds of document, for list_documents' `type` filter. */
export const DOCUMENT_TYPES = ['text', 'pdf', 'image', 'audio', 'video', 'archive', 'office', 'other', 'link'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

const TEXT_BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.xml': 'application/xml',
  '.ics': 'text/calendar',
  '.log': 'text/plain',
};

const TEXT_LIKE = /^(text\/|application\/(json|xml|yaml|x-yaml|javascript|ld\+json|x-ndjson)$)/;

export const isTextType = (mime: string) => TEXT_LIKE.test(mime);

/** The text of bytes that are valid UTF-8 without NUL characters; undefined for binary content. */
export function decodeText(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The MIME type of uploaded bytes. Magic bytes win over everything; text is recognised as such;
 * a declared type is kept only when the content does not contradict it (binary content is never
 * labelled as text, whatever the caller claims).
 */
export async function detectMimeType(bytes: Buffer, filename: string | undefined, declared: string | undefined): Promise<string> {
  const { fileTypeFromBuffer } = await import('file-type'); // loaded with the first upload, not the server
  const magic = await fileTypeFromBuffer(bytes);
  if (magic) return magic.mime;
  const isText = decodeText(bytes) !== undefined;
  const declaredType = declared?.toLowerCase();
  if (declaredType && (isText || !isTextType(declaredType))) return declaredType;
  if (isText) return TEXT_BY_EXTENSION[path.extname(filename ?? '').toLowerCase()] ?? 'text/plain';
  return 'application/octet-stream';
}

export function documentType(mime: string): DocumentType {
  if (isTextType(mime)) return 'text';
  if (mime === 'application/pdf') return 'pdf';
  const top = mime.split('/')[0];
  if (top === 'image' || top === 'audio' || top === 'video') return top;
  if (/(zip|gzip|x-tar|x-7z|x-rar|x-bzip2|x-xz|zstd)/.test(mime)) {
    return /officedocument|opendocument/.test(mime) ? 'office' : 'archive';
  }
  if (/(msword|ms-excel|ms-powerpoint|officedocument|opendocument|rtf)/.test(mime)) return 'office';
  return 'other';
}
