import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ENGINE, rawSql } from '../helpers/engines.js';
import { TestServer, dataDir } from '../helpers/server.js';

interface Document {
  id: string;
  title: string;
  source: string;
  type: string;
  mime_type: string | null;
  size_bytes: number | null;
  sha256: string | null;
  external_url: string | null;
  encrypted: boolean;
  tags: string[];
}
interface Content {
  document: Document;
  encoding: string;
  text: string | null;
  content_base64: string | null;
  truncated: boolean;
}

// The first bytes of a real PNG (signature and IHDR chunk), enough for its type to be recognised.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a2d3d3a30000000049454e44ae426082',
  'hex',
);

describe('document tools', () => {
  let server: TestServer;
  const docs = () => path.join(dataDir(server.home), 'documents');
  // A small limit so the oversize case stays small.
  before(async () => (server = await TestServer.start({ env: { MCP_PA_MAX_FILE_SIZE_MB: '1' } })));
  after(() => server.close());

  it('stores a text document with its checksum and reads it back', async () => {
    const text = '# Plan\n\nGrow *tomatoes* — ünïcödé ✓\n';
    const doc = await server.ok<Document>('upload_document', {
      title: 'Garden plan',
      content_base64: Buffer.from(text).toString('base64'),
      filename: 'plan.md',
      tags: ['garden'],
    });
    assert.equal(doc.source, 'upload');
    assert.equal(doc.mime_type, 'text/markdown');
    assert.equal(doc.type, 'text');
    assert.equal(doc.size_bytes, Buffer.byteLength(text));
    assert.equal(doc.sha256, crypto.createHash('sha256').update(text).digest('hex'));
    assert.equal(doc.encrypted, false);
    const content = await server.ok<Content>('read_document', { document_id: doc.id });
    assert.equal(content.encoding, 'text');
    assert.equal(content.text, text);
    const meta = await server.ok<Document>('get_document', { document_id: doc.id });
    assert.deepEqual(meta, { ...doc, attached_to: [] }, 'get_document: the upload’s details, and what it is attached to');
    const truncated = await server.ok<Content>('read_document', { document_id: doc.id, max_chars: 6 });
    assert.equal(truncated.text, '# Plan');
    assert.equal(truncated.truncated, true);
  });

  it('recognises binary types by their bytes, not the declared type', async () => {
    const png = await server.ok<Document>('upload_document', { title: 'Pixel', content_base64: PNG.toString('base64'), mime_type: 'text/plain' });
    assert.equal(png.mime_type, 'image/png');
    assert.equal(png.type, 'image');
    const result = await server.call('read_document', { document_id: png.id });
    const content = result.structuredContent as unknown as Content;
    assert.equal(content.encoding, 'base64');
    assert.deepEqual(Buffer.from(content.content_base64!, 'base64'), PNG);
    const blob = (result.content as { type: string; resource?: { blob?: string; mimeType?: string } }[]).find((c) => c.type === 'resource');
    assert.equal(blob?.resource?.mimeType, 'image/png');

    const pdf = await server.ok<Document>('upload_document', {
      title: 'Scan',
      content_base64: Buffer.from('%PDF-1.7\n%\xff\xff\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'latin1').toString('base64'),
    });
    assert.equal(pdf.mime_type, 'application/pdf');
    assert.equal(pdf.type, 'pdf');
  });

  it('accepts data: URLs and line-wrapped base64', async () => {
    const body = Buffer.from('a,b\n1,2\n').toString('base64');
    const doc = await server.ok<Document>('upload_document', { title: 'CSV', content_base64: `data:text/csv;base64,${body}` });
    assert.equal(doc.mime_type, 'text/csv');
    const wrapped = Buffer.from('x'.repeat(300))
      .toString('base64')
      .replace(/(.{76})/g, '$1\n');
    const plain = await server.ok<Document>('upload_document', { title: 'Wrapped', content_base64: wrapped });
    assert.equal(plain.size_bytes, 300);
  });

  it('refuses oversize, invalid and empty uploads, and stores nothing', async () => {
    const files = () => (ENGINE === 'sqlite' ? fs.readdirSync(docs()).length : 0); // PostgreSQL keeps bytes in rows
    const before = files();
    const oversize = Buffer.alloc(1024 * 1024 + 1, 1).toString('base64');
    const message = await server.fails('upload_document', { title: 'Big', content_base64: oversize });
    assert.match(message, /content_base64: the document is 1\.0 MB, over the 1\.0 MB limit \(MCP_PA_MAX_FILE_SIZE_MB\)/);
    assert.match(await server.fails('upload_document', { title: 'Bad', content_base64: 'aGVsbG8*d29ybGQ=' }), /not valid base64: "\*" at position 7/);
    assert.match(await server.fails('upload_document', { title: 'Bad', content_base64: 'abcde' }), /not valid base64/);
    assert.match(await server.fails('upload_document', { title: 'Empty', content_base64: '' }), /empty/);
    assert.match(await server.fails('upload_document', { title: 'T', content_base64: 'aGk=', mime_type: 'not a type' }), /mime_type/);
    assert.equal(files(), before, 'no file left behind');
  });

  it('saves http and https links only', async () => {
    const link = await server.ok<Document>('create_external_document', { title: 'Spec', external_url: 'https://example.com/spec#top', tags: ['ref'] });
    assert.equal(link.source, 'external');
    assert.equal(link.type, 'link');
    assert.equal(link.external_url, 'https://example.com/spec#top');
    const content = await server.ok<Content>('read_document', { document_id: link.id });
    assert.equal(content.encoding, 'none');
    for (const url of ['javascript:alert(1)', 'data:text/html,<script>x</script>', 'file:///etc/passwd', 'ftp://example.com/x']) {
      assert.match(await server.fails('create_external_document', { title: 'Bad', external_url: url }), /external_url: only http and https/);
    }
    assert.match(await server.fails('create_external_document', { title: 'Bad', external_url: 'not a url' }), /external_url: .* is not a URL/);
    assert.match(await server.fails('create_external_document', { title: 'Bad', external_url: 'https://user:pw@example.com/' }), /user name or password/);
  });

  it('lists newest first, by type and by tags', async () => {
    await server.ok('upload_document', { title: 'Tagged A', content_base64: Buffer.from('a').toString('base64'), tags: ['t1', 't2'] });
    await server.ok('upload_document', { title: 'Tagged B', content_base64: Buffer.from('b').toString('base64'), tags: ['t1'] });
    const both = await server.ok<{ items: Document[] }>('list_documents', { tags: ['t1', 't2'] });
    assert.deepEqual(
      both.items.map((d) => d.title),
      ['Tagged A'],
    );
    const t1 = await server.ok<{ items: Document[] }>('list_documents', { tags: ['t1'] });
    assert.deepEqual(
      t1.items.map((d) => d.title),
      ['Tagged B', 'Tagged A'],
    );
    const links = await server.ok<{ items: Document[] }>('list_documents', { type: 'link' });
    assert.ok(links.items.every((d) => d.source === 'external') && links.items.length > 0);
    const images = await server.ok<{ items: Document[] }>('list_documents', { type: 'image' });
    assert.deepEqual(
      images.items.map((d) => d.title),
      ['Pixel'],
    );
    assert.match(await server.fails('list_documents', { type: 'spreadsheet' }), /type/);
  });

  it('refuses to return bytes that no longer match their checksum', async () => {
    const doc = await server.ok<Document>('upload_document', { title: 'Fragile', content_base64: Buffer.from('original').toString('base64') });
    // Change the stored bytes behind the server's back, then remove them.
    await server.close();
    await replaceStoredBytes(server.home, doc.id, Buffer.from('tampered'));
    server = await TestServer.start({ home: server.home, env: { MCP_PA_MAX_FILE_SIZE_MB: '1' } });
    assert.match(await server.fails('read_document', { document_id: doc.id }), /no longer match their checksum/);
    await server.close();
    await replaceStoredBytes(server.home, doc.id, undefined);
    server = await TestServer.start({ home: server.home, env: { MCP_PA_MAX_FILE_SIZE_MB: '1' } });
    assert.match(await server.fails('read_document', { document_id: doc.id }), /missing/);
    assert.match(await server.fails('get_document', { document_id: 'nope' }), /document_id: no document/);
  });
});

/** Overwrites (or, with undefined, deletes) a document's stored bytes while its server is stopped. */
async function replaceStoredBytes(home: string, id: string, bytes: Buffer | undefined) {
  if (ENGINE === 'sqlite') {
    const file = path.join(dataDir(home), 'documents', `${id}.bin`);
    if (bytes) fs.writeFileSync(file, bytes);
    else fs.rmSync(file);
  } else {
    await rawSql(home, 'DELETE FROM document_blob_chunks WHERE document_id = $1', [id]);
    if (bytes) {
      await rawSql(home, 'INSERT INTO document_blob_chunks (tenant_id, document_id, seq, bytes) SELECT tenant_id, id, 0, $1 FROM documents WHERE id = $2', [
        bytes,
        id,
      ]);
    }
  }
}
