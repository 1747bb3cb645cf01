import { decodeText, isTextType } from './content-type.js';
import type { DocumentText } from '../../storage/repositories/document-texts.js';

/** The most text kept of one document (about 500 pages); search and embeddings read its start. */
const MAX_TEXT_CHARS = 2_000_000;
/** How long reading one document's text may take before it is given up (a pathological PDF). */
const EXTRACT_DEADLINE_MS = 20_000;
/** PDF pages read at most. */
const MAX_PDF_PAGES = 2_000;

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
/** The most a DOCX may unpack to (a zip bomb would exhaust the server's memory in the XML parser). */
const MAX_UNZIPPED_BYTES = 64 * 1024 * 1024;
/** The most HTML converted (the conversion runs in one go, on the server's thread). */
const MAX_HTML_BYTES = 4 * 1024 * 1024;

/**
 * What a zip says its entries unpack to, from its central directory (entry headers, signature
 * PK\x01\x02, the uncompressed size at offset 24), read before anything is unpacked. A size the
 * directory hides (ZIP64's 0xFFFFFFFF) counts as too large.
 */
function unzippedSize(bytes: Buffer): number {
  let total = 0;
  for (let at = bytes.indexOf('PK\x01\x02', 0, 'latin1'); at !== -1 && at + 46 <= bytes.length; at = bytes.indexOf('PK\x01\x02', at + 46, 'latin1')) {
    const size = bytes.readUInt32LE(at + 24);
    total += size === 0xffffffff ? Infinity : size;
  }
  return total;
}

/** Whether a document of this type has text we can read. */
const hasReadableText = (mime: string | null) => mime !== null && (isTextType(mime) || mime === 'application/pdf' || mime === DOCX);

const extracted = (text: string): DocumentText => {
  const trimmed = text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (trimmed === '') return { status: 'none', reason: 'the document holds no text (a scan or an image needs OCR, which mcp-pa does not do)', content: null };
  return {
    status: 'extracted',
    reason: trimmed.length > MAX_TEXT_CHARS ? `kept the first ${MAX_TEXT_CHARS} characters` : null,
    content: trimmed.slice(0, MAX_TEXT_CHARS),
  };
};

const failed = (why: string): DocumentText => ({ status: 'failed', reason: why, content: null });

/** A PDF's text, page by page, until the deadline or the cap (pdf.js through unpdf). */
async function pdfText(bytes: Buffer, deadline: number): Promise<DocumentText> {
  // verbosity 0: pdf.js logs its warnings with console.log, which over stdio is the protocol's channel.
  const { getDocumentProxy } = await import('unpdf');
  const pdf = await getDocumentProxy(new Uint8Array(bytes), { stopAtErrors: false, verbosity: 0 });
  try {
    const pages: string[] = [];
    let chars = 0;
    for (let n = 1; n <= Math.min(pdf.numPages, MAX_PDF_PAGES) && chars < MAX_TEXT_CHARS; n++) {
      if (Date.now() > deadline) return failed(`reading its text took longer than ${EXTRACT_DEADLINE_MS / 1000} s (stopped at page ${n} of ${pdf.numPages})`);
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      const text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : ' ') : '')).join('');
      pages.push(text);
      chars += text.length;
      page.cleanup();
    }
    return extracted(pages.join('\n\n'));
  } finally {
    await pdf.cleanup();
  }
}

async function docxText(bytes: Buffer): Promise<DocumentText> {
  if (unzippedSize(bytes) > MAX_UNZIPPED_BYTES) return failed(`it unpacks to more than ${MAX_UNZIPPED_BYTES / 1024 / 1024} MB`);
  const mammoth = await import('mammoth');
  const result = await mammoth.extractRawText({ buffer: bytes });
  return extracted(result.value);
}

/**
 * The text of a document's bytes, for search, embeddings and read_document's as_text: text files
 * as they are (HTML as its readable text), PDF and Word (DOCX) documents read by their libraries.
 * Never throws: a document that cannot be read is kept, and the result says why it has no text.
 */
export async function extractText(bytes: Buffer, mime: string | null, now: () => number = Date.now): Promise<DocumentText> {
  if (!hasReadableText(mime)) return { status: 'none', reason: `mcp-pa does not read text from ${mime ?? 'this kind of'} files`, content: null };
  try {
    if (mime === 'application/pdf') return await pdfText(bytes, now() + EXTRACT_DEADLINE_MS);
    if (mime === DOCX) return await docxText(bytes);
    const text = decodeText(bytes);
    if (text === undefined) return failed('its bytes are not UTF-8 text');
    if (mime !== 'text/html') return extracted(text);
    if (bytes.length > MAX_HTML_BYTES) return failed(`it is HTML of more than ${MAX_HTML_BYTES / 1024 / 1024} MB`);
    const { convert: htmlToText } = await import('html-to-text');
    return extracted(htmlToText(text, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return failed(`it could not be read (${message.slice(0, 200)}); it is kept, but search finds it by its title, description and tags only`);
  }
}
