import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { engineEnv, rawSql } from './helpers/engines.js';
import { type TestServer, dataDir, runCli, tempHome, withServer } from './helpers/server.js';

const KEY = 'correct horse battery staple';
const MARKER = 'ZEBRA-PLAINTEXT-7731';

/** Every file mcp-pa wrote: the database, its WAL and shared memory, and the document files. */
function writtenFiles(home: string): string[] {
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return walk(dataDir(home));
}

function assertNoPlaintext(home: string) {
  const files = writtenFiles(home);
  assert.ok(files.some((f) => f.endsWith('database.sqlite')));
  assert.ok(
    files.some((f) => f.endsWith('.bin')),
    'a document file exists',
  );
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    for (const needle of [MARKER, Buffer.from(MARKER, 'utf16le').toString('latin1'), 'SQLite format 3', 'CREATE TABLE']) {
      assert.equal(bytes.includes(Buffer.from(needle, 'latin1')), false, `${path.basename(file)} contains ${JSON.stringify(needle)}`);
    }
  }
}

async function seed(server: TestServer): Promise<string> {
  await server.ok('update_status', { name: `${MARKER} name`, notes: MARKER });
  const project = await server.ok<{ id: string }>('create_project', { name: `${MARKER} project`, tags: [MARKER.toLowerCase()] });
  await server.ok('add_project_task', { project_id: project.id, title: MARKER });
  await server.ok('create_todo', { title: `${MARKER} todo` });
  await server.ok('create_calendar_event', { title: MARKER, start_time: '2031-01-01T10:00Z', end_time: '2031-01-01T11:00Z', attendees: [MARKER] });
  const doc = await server.ok<{ id: string; encrypted: boolean }>('upload_document', {
    title: 'secret',
    content_base64: Buffer.from(`${MARKER} document body\n`.repeat(50)).toString('base64'),
  });
  assert.equal(doc.encrypted, true);
  return doc.id;
}

describe('encryption at rest', () => {
  it('leaves no plaintext in any file, while running and after, and reads back with the key', async () => {
    const home = tempHome();
    const env = { MCP_PA_ENCRYPTION_KEY: KEY };
    // The binary: what a process leaves in its files while it runs and once it has exited.
    const docId = await withServer({ home, env, binary: true }, async (server) => {
      const id = await seed(server);
      assertNoPlaintext(home); // the WAL holds the latest writes while the server runs
      return id;
    });
    assertNoPlaintext(home);

    await withServer({ home, env, binary: true }, async (again) => {
      const hits = await again.ok<{ results: { kind: string }[] }>('search', { query: MARKER });
      assert.deepEqual(hits.results.map((h) => h.kind).sort(), ['document', 'event', 'project', 'task', 'todo'], 'search works inside the encrypted file');
      const content = await again.ok<{ text: string }>('read_document', { document_id: docId });
      assert.ok(content.text.startsWith(`${MARKER} document body`));
    });
  });

  it('refuses to start with a wrong key, or none, saying what to do', async () => {
    const home = tempHome();
    await withServer({ home, env: { MCP_PA_ENCRYPTION_KEY: KEY } }, (server) => server.ok('create_todo', { title: 'x' }));

    const wrong = await runCli([], home, { MCP_PA_ENCRYPTION_KEY: 'not the right key at all' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /MCP_PA_ENCRYPTION_KEY does not open the database .*: the key is wrong/);
    assert.doesNotMatch(wrong.stderr, /not the right key/, 'the key is never printed');
    const none = await runCli([], home);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /is encrypted .*set MCP_PA_ENCRYPTION_KEY/);
  });

  it('refuses a key for a database that was created without one', async () => {
    const home = tempHome();
    await withServer({ home }, async () => undefined);
    const result = await runCli([], home, { MCP_PA_ENCRYPTION_KEY: KEY });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is set, but the database .* is not encrypted/);
  });

  it('without a key, says the documents are not encrypted', async () => {
    await withServer({}, async (server) => {
      const doc = await server.ok<{ encrypted: boolean }>('upload_document', { title: 'plain', content_base64: 'aGk=' });
      assert.equal(doc.encrypted, false);
    });
  });

  it('on PostgreSQL (embedded), seals document bytes in the database and reads them back', async () => {
    const home = tempHome();
    const env = { MCP_PA_ENCRYPTION_KEY: KEY, ...(await engineEnv(home, 'pglite')) };
    const id = await withServer({ home, env }, async (server) => {
      const doc = await server.ok<{ id: string; encrypted: boolean }>('upload_document', {
        title: 'sealed',
        content_base64: Buffer.from(`${MARKER} in a row`).toString('base64'),
      });
      assert.equal(doc.encrypted, true);
      return doc.id;
    });
    const pieces = await rawSql(home, 'SELECT bytes FROM document_blob_chunks WHERE document_id = $1 ORDER BY seq', [id], 'pglite');
    assert.equal(Buffer.concat(pieces.map((p) => p.bytes as Uint8Array)).includes(Buffer.from(MARKER)), false, 'the stored bytes are not the plaintext');
    await withServer({ home, env }, async (server) => {
      assert.equal((await server.ok<{ text: string }>('read_document', { document_id: id })).text, `${MARKER} in a row`);
    });
    const wrongKey = await runCli([], home, { ...env, MCP_PA_ENCRYPTION_KEY: 'another long passphrase' });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /MCP_PA_ENCRYPTION_KEY is not the key this database's documents were encrypted with/);
  });
});
