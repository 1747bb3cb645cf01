import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { AVAILABLE_ENGINES, engineEnv, type EngineName } from './helpers/engines.js';
import { seedPgliteHome } from './helpers/pglite-template.js';
import type { TestServer } from './helpers/server.js';
import { runBinary, runCli, tempHome, withServer } from './helpers/server.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a2d3d3a30000000049454e44ae426082',
  'hex',
);

/** A home on an engine, with the environment its commands need. */
async function home(engine: EngineName) {
  const dir = tempHome();
  const env = await engineEnv(dir, engine);
  await seedPgliteHome(dir, env); // an empty, migrated database, as a server would leave it
  return { dir, env };
}

async function seed(server: TestServer) {
  await server.ok('update_status', { name: 'Ada', city: 'Porto', timezone: 'Europe/Lisbon', permissions: ['read calendar'] });
  const project = await server.ok<{ id: string }>('create_project', {
    name: 'Book',
    status: 'in_progress',
    start_date: '2031-01-01',
    tags: ['writing', 'work'],
  });
  const chapter = await server.ok<{ id: string }>('add_project_task', {
    project_id: project.id,
    title: 'Chapter 1',
    status: 'done',
    due_date: '2031-02-01',
    tags: ['draft'],
  });
  await server.ok('add_project_task', { project_id: project.id, title: 'Chapter 2', due_date: '2031-03-01T17:00' });
  // A subtask made before its parent: the export lists it first, and an import must still write the parent first.
  const part = await server.ok<{ id: string }>('add_project_task', { project_id: project.id, title: 'Part one' });
  await server.ok('update_project_task', { task_id: chapter.id, parent_id: part.id });
  await server.ok('update_project', { project_id: project.id, progress: 40 });
  const call = await server.ok<{ id: string }>('create_todo', {
    title: 'Call editor',
    project_id: project.id,
    due_date: '2031-01-15',
    reminder_date: '2031-01-14T09:00',
    priority: 'high',
  });
  await server.ok('create_todo', { title: 'Ask about the cover', parent_id: call.id });
  const gone = await server.ok<{ id: string }>('create_todo', { title: 'Old idea' });
  await server.ok('delete_item', { kind: 'todo', id: gone.id });
  const done = await server.ok<{ id: string }>('create_todo', { title: 'Buy ink', tags: ['errand'] });
  await server.ok('complete_todo', { todo_id: done.id });
  await server.ok('create_calendar_event', { title: 'Launch', start_time: '2031-04-01', end_time: '2031-04-02', all_day: true, attendees: ['bo@example.com'] });
  await server.ok('create_calendar_event', {
    title: 'Call',
    start_time: '2031-04-05T10:00',
    end_time: '2031-04-05T10:30',
    timezone: 'America/New_York',
    reminder_minutes: 15,
  });
  const outline = await server.ok<{ id: string }>('upload_document', {
    title: 'Outline',
    filename: 'outline.md',
    content_base64: Buffer.from('# Outline\nAct one: ünïcödé\n').toString('base64'),
    tags: ['plan'],
  });
  await server.ok('attach_document', { document_id: outline.id, kind: 'todo', id: call.id });
  // A PDF: its text is read again by the importing server.
  await server.ok('upload_document', {
    title: 'Agreement',
    content_base64: fs.readFileSync(new URL('./fixtures/documents/tenancy.pdf', import.meta.url)).toString('base64'),
  });
  await server.ok('upload_document', { title: 'Cover', content_base64: PNG.toString('base64') });
  await server.ok('create_external_document', { title: 'Style guide', external_url: 'https://example.com/style' });
}

async function exportOf(h: { dir: string; env: Record<string, string> }): Promise<Record<string, unknown>> {
  const file = path.join(h.dir, 'export.json');
  const result = await runCli(['export', '--output', file], h.dir, h.env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the export is readable by its owner only');
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  delete data.exported_at;
  return data;
}

describe('export and import', () => {
  const chain: EngineName[] = ['sqlite', 'pglite', ...(AVAILABLE_ENGINES.includes('postgres') ? (['postgres'] as const) : []), 'sqlite'];

  it(`moves a tenant ${chain.join(' → ')} with every field intact`, async () => {
    const source = await home('sqlite');
    await withServer({ home: source.dir }, seed);
    const original = await exportOf(source);
    assert.equal((original.documents as unknown[]).length, 4);
    assert.equal((original.attachments as unknown[]).length, 1);
    assert.equal(original.version, 4);
    assert.equal((original.todos as unknown[]).length, 4, 'the trash is exported too');
    assert.ok(
      (original.tasks as { title: string; parent_id: string | null }[]).some((t) => t.title === 'Chapter 1' && t.parent_id !== null),
      'subtasks keep their parent',
    );

    let previous = source;
    for (const engine of chain.slice(1)) {
      const target = await home(engine);
      const file = path.join(previous.dir, 'export.json');
      const imported = await runCli(['import', file], target.dir, target.env);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /imported 1 projects, 3 tasks, 4 todos, 2 events, 4 documents and 1 attachments/);
      assert.deepEqual(await exportOf(target), original, `the export after ${engine} differs`);
      previous = target;
    }

    // The last copy works as the first did: search, bytes, totals.
    await withServer({ home: previous.dir, env: previous.env }, async (server) => {
      const hits = await server.ok<{ results: { title: string }[] }>('search', { query: 'act one' });
      assert.deepEqual(
        hits.results.map((h) => h.title),
        ['Outline'],
      );
      const docs = await server.ok<{ items: { id: string; title: string }[] }>('list_documents', { type: 'image' });
      const cover = await server.ok<{ content_base64: string }>('read_document', { document_id: docs.items[0]!.id });
      assert.deepEqual(Buffer.from(cover.content_base64, 'base64'), PNG);
      const dashboard = await server.ok<{ counts: { todos_open: number; todos_completed: number; documents: number } }>('get_dashboard');
      assert.deepEqual([dashboard.counts.todos_open, dashboard.counts.todos_completed, dashboard.counts.documents], [2, 1, 4]);
      const agreement = await server.ok<{ results: { title: string }[] }>('search', { query: 'tenancy' });
      assert.deepEqual(
        agreement.results.map((h) => h.title),
        ['Agreement'],
        "a PDF's text is read again on import",
      );
      const outline = (await server.ok<{ items: { id: string; title: string }[] }>('list_documents', { type: 'text' })).items[0]!;
      const attached = await server.ok<{ attached_to: { kind: string; id: string; title: string }[] }>('get_document', { document_id: outline.id });
      assert.deepEqual(attached.attached_to, [{ kind: 'todo', id: attached.attached_to[0]!.id, title: 'Call editor' }]);
      assert.equal((await server.ok<{ timezone: string }>('get_status')).timezone, 'Europe/Lisbon');
    });
  });

  it('imports a file of version 3: its stored embeddings are left out (and said so), an attachment naming nothing in the file is refused', async () => {
    const source = await home('sqlite');
    const todo = await withServer({ home: source.dir }, (server) => server.ok<{ id: string }>('create_todo', { title: 'Old file' }));
    const data = await exportOf(source);
    const file = path.join(source.dir, 'v3.json');
    const { attachments: _none, ...v3 } = data;
    fs.writeFileSync(file, JSON.stringify({ ...v3, version: 3, exported_at: 'x', embeddings: [{ kind: 'todo', id: todo.id, embedding: [0.1, 0.2, 0.3] }] }));
    const target = await home('sqlite');
    const imported = await runCli(['import', file], target.dir, target.env);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(
      imported.stdout,
      /imported 0 projects, 0 tasks, 1 todos, 0 events, 0 documents and 0 attachments \(1 stored embeddings left out: they are made again where embeddings are on\)/,
    );

    const broken = path.join(source.dir, 'broken.json');
    fs.writeFileSync(
      broken,
      JSON.stringify({
        ...data,
        exported_at: 'x',
        attachments: [{ document_id: 'nope', item_kind: 'todo', item_id: todo.id, created_at: '2031-01-01T00:00:00.000Z' }],
      }),
    );
    const refused = await runCli(['import', broken], (await home('sqlite')).dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /attachments\[0\]: document_id: no document in the file has the id "nope"/);
  });

  it('refuses to import over data unless told to replace it, and a damaged file changes nothing', async () => {
    const source = await home('sqlite');
    await withServer({ home: source.dir }, seed);
    await exportOf(source);
    const file = path.join(source.dir, 'export.json');

    const target = await home('pglite');
    await withServer({ home: target.dir, env: target.env }, (server) => server.ok('create_todo', { title: 'already here' }));
    const refused = await runCli(['import', file], target.dir, target.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already holds data; pass --replace/);

    const damaged = JSON.parse(fs.readFileSync(file, 'utf8'));
    damaged.documents[0].content_base64 = Buffer.from('something else').toString('base64');
    const damagedFile = path.join(source.dir, 'damaged.json');
    fs.writeFileSync(damagedFile, JSON.stringify(damaged));
    const rejected = await runCli(['import', damagedFile, '--replace'], target.dir, target.env);
    assert.equal(rejected.code, 2);
    assert.match(rejected.stderr, /do not match its checksum/);
    await withServer({ home: target.dir, env: target.env }, async (server) => {
      const todos = await server.ok<{ items: { title: string }[] }>('list_todos');
      assert.deepEqual(
        todos.items.map((t) => t.title),
        ['already here'],
        'the failed import changed nothing',
      );
    });

    const replaced = await runCli(['import', file, '--replace'], target.dir, target.env);
    assert.equal(replaced.code, 0, replaced.stderr);
    await withServer({ home: target.dir, env: target.env }, async (server) => {
      const todos = await server.ok<{ items: { title: string }[] }>('list_todos');
      assert.deepEqual(todos.items.map((t) => t.title).sort(), ['Ask about the cover', 'Buy ink', 'Call editor']);
    });

    const notAnExport = path.join(source.dir, 'bad.json');
    fs.writeFileSync(notAnExport, JSON.stringify({ format: 'something' }));
    const bad = await runCli(['import', notAnExport], target.dir, target.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not an mcp-pa export: format/);
  });

  it('never opens the embedded database twice: commands refuse while the server runs', async () => {
    const target = await home('pglite');
    await withServer({ home: target.dir, env: target.env }, async (server) => {
      await server.ok('get_status'); // the server has opened its database (connecting alone does not wait for that)
      // Another process, as an administrator's command would be.
      const result = await runBinary(['export'], target.dir, target.env);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`in use by another mcp-pa process \\(pid ${process.pid}\\): stop the server first`));
    });
    const after = await runCli(['export'], target.dir, target.env);
    assert.equal(after.code, 0, 'once the server stopped, the command runs');
  });
});
