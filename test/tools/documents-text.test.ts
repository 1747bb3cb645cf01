import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/server.js';

interface Doc {
  id: string;
  title: string;
  type: string;
  text: string | null;
  text_note?: string | null;
  attached_to?: { kind: string; id: string; title: string }[];
}
interface Content {
  encoding: string;
  text: string | null;
  truncated: boolean;
  text_note?: string | null;
}
interface Hit {
  id: string;
  snippet: string;
}
type Page<T> = { items: T[]; next_cursor: string | null };

/** A zip of these entries (deflated), as the smallest Word document needs: local headers, then the central directory. */
function zipOf(entries: [string, Buffer][], deflate: (b: Buffer) => Buffer): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const packed = deflate(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(packed.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    central.push(header, nameBytes);
    offset += 30 + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/documents/${name}`, import.meta.url)).toString('base64');
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('documents that can be read', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  const searchIds = async (query: string) => (await server.ok<{ results: Hit[] }>('search', { query, kinds: ['document'] })).results.map((h) => h.id);

  it('reads the text of a PDF, a Word document and an HTML page at upload: searchable, and read back with as_text', async () => {
    const pdf = await server.ok<Doc>('upload_document', { title: 'Agreement', content_base64: fixture('tenancy.pdf') });
    const docx = await server.ok<Doc>('upload_document', { title: 'Quote', content_base64: fixture('removal-quote.docx'), filename: 'quote.docx' });
    const html = await server.ok<Doc>('upload_document', {
      title: 'Saved page',
      content_base64: b64(
        '<html><head><style>p{color:red}</style></head><body><p>Council <b>parking permit</b> renewal</p><script>var secret=1</script></body></html>',
      ),
      filename: 'page.html',
    });
    assert.deepEqual([pdf.type, pdf.text, docx.type, docx.text, html.text], ['pdf', 'extracted', 'office', 'extracted', 'extracted']);
    assert.deepEqual(await searchIds('tenancy'), [pdf.id]);
    assert.deepEqual(await searchIds('forty boxes'), [docx.id]);
    assert.deepEqual(await searchIds('parking permit'), [html.id]);
    assert.deepEqual(await searchIds('secret'), [], 'a script is not text');

    const asText = await server.ok<Content>('read_document', { document_id: pdf.id, as_text: true });
    assert.equal(asText.encoding, 'text');
    assert.match(asText.text!, /Tenancy agreement: the lease ends on 31 May\./);
    const bytes = await server.ok<Content>('read_document', { document_id: pdf.id });
    assert.equal(bytes.encoding, 'base64', 'without as_text a PDF is its bytes, as before');
    const cut = await server.ok<Content>('read_document', { document_id: docx.id, as_text: true, max_chars: 13 });
    assert.deepEqual([cut.text, cut.truncated], ['Removal quote', true]);
  });

  it('keeps a PDF that cannot be read, says it is not searchable by content, and never refuses it', async () => {
    const broken = await server.call('upload_document', { title: 'Scanned bill', content_base64: b64('%PDF-1.7\nthis is not really a PDF at all') });
    assert.notEqual(broken.isError, true);
    const doc = broken.structuredContent as unknown as Doc;
    assert.equal(doc.text, 'failed');
    assert.match(doc.text_note!, /could not be read/);
    assert.match((broken.content as { text: string }[])[0]!.text, /Its text could not be read: .*search finds it by its title, description and tags/);
    assert.deepEqual(await searchIds('scanned'), [doc.id], 'found by its title');
    const asText = await server.ok<Content>('read_document', { document_id: doc.id, as_text: true });
    assert.equal(asText.encoding, 'none');
    assert.match(asText.text_note!, /^No text: it could not be read/);
    const listed = await server.ok<Page<Doc>>('list_documents', { type: 'pdf' });
    assert.ok(listed.items.some((d) => d.id === doc.id && d.text === 'failed'));
  });

  it('refuses to unpack a Word file that would unpack to more than 64 MB (a zip bomb), and keeps it', async () => {
    // 80 KB that unpack to 80 MB of XML: parsed, it would take the server's memory for every person.
    const zip = await import('node:zlib');
    const xml = Buffer.concat([Buffer.from('<w:document xmlns:w="x"><w:body>'), Buffer.alloc(80 * 1024 * 1024, 0x20), Buffer.from('</w:body></w:document>')]);
    const bomb = zipOf(
      [
        [
          '[Content_Types].xml',
          Buffer.from(
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
          ),
        ],
        ['word/document.xml', xml],
      ],
      zip.deflateRawSync,
    );
    assert.ok(bomb.length < 200_000);
    const doc = await server.ok<Doc>('upload_document', { title: 'Bomb', content_base64: bomb.toString('base64'), filename: 'bomb.docx' });
    assert.equal(doc.text, 'failed');
    assert.match(doc.text_note!, /unpacks to more than 64 MB/);
  });

  it('says an image has no text, and a link has no text status', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex').toString('base64');
    const image = await server.ok<Doc>('upload_document', { title: 'Photo', content_base64: png });
    assert.equal(image.text, 'none');
    const link = await server.ok<Doc>('create_external_document', { title: 'Wiki', external_url: 'https://example.org/wiki' });
    assert.equal(link.text, null);
  });
});

describe('attachments', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('links a document to a todo, task, event and project; their results list it, get_document lists them', async () => {
    const doc = await server.ok<Doc>('upload_document', { title: 'Lease', content_base64: b64('the lease') });
    const todo = await server.ok<{ id: string }>('create_todo', { title: 'Sign the lease' });
    const project = await server.ok<{ id: string }>('create_project', { name: 'Move' });
    const task = await server.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'Pack' });
    const event = await server.ok<{ id: string }>('create_calendar_event', { title: 'Viewing', start_time: '2026-03-02T09:00', end_time: '2026-03-02T10:00' });
    for (const [kind, id] of [
      ['todo', todo.id],
      ['task', task.id],
      ['event', event.id],
      ['project', project.id],
    ]) {
      const r = await server.ok<{ attached: boolean; changed: boolean }>('attach_document', { document_id: doc.id, kind, id });
      assert.deepEqual(r, { ...r, attached: true, changed: true });
    }
    const again = await server.ok<{ changed: boolean }>('attach_document', { document_id: doc.id, kind: 'todo', id: todo.id });
    assert.equal(again.changed, false, 'attaching twice changes nothing');
    const todos = await server.ok<Page<{ id: string; attachments: string[] }>>('list_todos');
    assert.deepEqual(todos.items.find((t) => t.id === todo.id)!.attachments, [doc.id]);
    const detail = await server.ok<{ attachments: string[]; tasks: Page<{ id: string; attachments: string[] }> }>('get_project', { project_id: project.id });
    assert.deepEqual(detail.attachments, [doc.id]);
    assert.deepEqual(detail.tasks.items[0]!.attachments, [doc.id]);
    const events = await server.ok<Page<{ id: string; attachments: string[] }>>('list_calendar_events', { start_date: '2026-03-01', end_date: '2026-03-03' });
    assert.deepEqual(events.items[0]!.attachments, [doc.id]);
    const got = await server.ok<Doc>('get_document', { document_id: doc.id });
    assert.deepEqual(
      got.attached_to!.map((a) => `${a.kind} ${a.title}`),
      ['todo Sign the lease', 'task Pack', 'event Viewing', 'project Move'],
    );
  });

  it('keeps links through the trash: hidden while one side is there, back when it returns', async () => {
    const doc = await server.ok<Doc>('upload_document', { title: 'Receipt', content_base64: b64('paid') });
    const todo = await server.ok<{ id: string }>('create_todo', { title: 'Claim expenses' });
    await server.ok('attach_document', { document_id: doc.id, kind: 'todo', id: todo.id });
    const attachmentsOfTodo = async () =>
      (await server.ok<Page<{ id: string; attachments: string[] }>>('list_todos')).items.find((t) => t.id === todo.id)!.attachments;
    await server.ok('delete_item', { kind: 'document', id: doc.id });
    assert.deepEqual(await attachmentsOfTodo(), []);
    await server.ok('restore_item', { kind: 'document', id: doc.id });
    assert.deepEqual(await attachmentsOfTodo(), [doc.id]);
    await server.ok('delete_item', { kind: 'todo', id: todo.id });
    assert.deepEqual((await server.ok<Doc>('get_document', { document_id: doc.id })).attached_to, []);
    await server.ok('restore_item', { kind: 'todo', id: todo.id });
    assert.deepEqual((await server.ok<Doc>('get_document', { document_id: doc.id })).attached_to!.length, 1);
  });

  it('refuses what cannot be linked, naming the field; detach of what is not linked says so', async () => {
    const doc = await server.ok<Doc>('upload_document', { title: 'Note', content_base64: b64('n') });
    const todo = await server.ok<{ id: string }>('create_todo', { title: 'Something' });
    assert.match(await server.fails('attach_document', { document_id: 'nope', kind: 'todo', id: todo.id }), /document_id: no document has the id "nope"/);
    assert.match(await server.fails('attach_document', { document_id: doc.id, kind: 'todo', id: 'nope' }), /id: no todo has the id "nope"/);
    assert.match(await server.fails('attach_document', { document_id: doc.id, kind: 'document', id: doc.id }), /kind/);
    assert.match(await server.fails('detach_document', { document_id: doc.id, kind: 'todo', id: todo.id }), /is not attached to the todo/);
    await server.ok('attach_document', { document_id: doc.id, kind: 'todo', id: todo.id });
    const detached = await server.ok<{ attached: boolean }>('detach_document', { document_id: doc.id, kind: 'todo', id: todo.id });
    assert.equal(detached.attached, false);
  });
});
