import { InvalidInputError } from '../../errors.js';

const FIELD = 'content_base64';
const DATA_URL = /^data:([^,;]*)((?:;[^,;]*)*?);base64,/i;

export interface DecodedUpload {
  bytes: Buffer;
  /** The MIME type a data: URL declared, if any. */
  declaredType?: string;
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;

/** Characters decoded at a time: a multiple of 4, so every slice is whole base64 quanta. */
const SLICE = 4 * 1024 * 1024;

/**
 * Decodes slice by slice into one Buffer. Node decodes a string held in V8's heap by copying all
 * of it out first: a 32 MiB upload would briefly cost another 32 MiB; this copies 4 MiB at a time.
 */
function decodeInSlices(body: string, size: number, encoding: 'base64' | 'base64url'): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let written = 0;
  for (let at = 0; at < body.length; at += SLICE) written += bytes.write(body.slice(at, at + SLICE), written, encoding);
  return bytes.subarray(0, written);
}

/**
 * Decodes an upload, refusing it before decoding when its length already proves it too large, and
 * refusing anything that is not base64 (Node's decoder would silently skip bad characters).
 */
export function decodeUpload(input: string, maxBytes: number): DecodedUpload {
  let body = input;
  let declaredType: string | undefined;
  const dataUrl = DATA_URL.exec(body);
  if (dataUrl) {
    declaredType = dataUrl[1] || undefined;
    body = body.slice(dataUrl[0].length);
  }
  // Line breaks are common in base64 written by tools; nothing else is skipped.
  if (/[\r\n\t ]/.test(body)) body = body.replace(/[\r\n\t ]+/g, '');
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  const size = Math.floor((body.length * 3) / 4) - padding;
  if (size > maxBytes) {
    throw new InvalidInputError(FIELD, `the document is ${mb(size)}, over the ${mb(maxBytes)} limit (MCP_PA_MAX_FILE_SIZE_MB); split it or raise the limit`);
  }
  const bad = /[^A-Za-z0-9+/=_-]/.exec(body) ?? /=[^=]/.exec(body);
  if (bad || body.length % 4 === 1) {
    const where = bad ? `: ${JSON.stringify(bad[0][0])} at position ${bad.index}` : ': its length is not possible for base64';
    throw new InvalidInputError(FIELD, `is not valid base64${where}; send the file's bytes encoded with standard base64`);
  }
  const bytes = decodeInSlices(body, size, /[-_]/.test(body) ? 'base64url' : 'base64');
  if (bytes.length === 0) throw new InvalidInputError(FIELD, 'is empty; a document needs at least one byte');
  return { bytes, declaredType };
}
