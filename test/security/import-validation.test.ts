import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { engineEnv } from '../helpers/engines.js';
import { dataDir, runCli, tempHome, withServer, type TestServer } from '../helpers/server.js';

/**
 * `mcp-pa import` is a door around the tools: a hand-edited or hostile export must not store what
 * the tools would refuse. Each attack edits one field of a good export; the import must refuse
 * the whole file, naming the row and the field, and leave the tenant as it was.
 */

type Row = Record<string, unknown> & { id: string };
type Export = Record<string, unknown> & Record<'projects' | 'tasks' | 'todos' | 'events' | 'documents', Row[]>;

async function seed(server: TestServer) {
  await server.ok('update_status', { name: 'Ada', timezone: 'Europe/Lisbon', permissions: ['read calendar'] });
  const project = await server.ok<{ id: string }>('create_project', {
    name: 'Book',
    status: 'in_progress',
    start_date: '2031-01-01',
    end_date: '2031-06-30',
    tags: ['writing'],
  });
  await server.ok('add_project_task', { project_id: project.id, title: 'Chapter 1', status: 'done', due_date: '2031-02-01', tags: ['draft'] });
  await server.ok('update_project', { project_id: project.id, progress: 40 });
  await server.ok('create_todo', {
    title: 'Call editor',
    project_id: project.id,
    due_date: '2031-01-15',
    reminder_date: '2031-01-14T09:00',
    priority: 'high',
    tags: ['phone'],
  });
  const gone = await server.ok<{ id: string }>('create_todo', { title: 'Old idea' });
  await server.ok('delete_item', { kind: 'todo', id: gone.id });
  const done = await server.ok<{ id: string }>('create_todo', { title: 'Buy ink' });
  await server.ok('complete_todo', { todo_id: done.id });
  await server.ok('create_calendar_event', { title: 'Launch', start_time: '2031-04-01', end_time: '2031-04-20', all_day: true, attendees: ['bo@example.com'] });
  await server.ok('create_calendar_event', {
    title: 'Call',
    start_time: '2031-04-05T10:00',
    end_time: '2031-04-05T10:30',
    timezone: 'America/New_York',
    reminder_minutes: 15,
  });
  await server.ok('upload_document', {
    title: 'Outline',
    filename: 'outline.md',
    content_base64: Buffer.from('# Outline\n').toString('base64'),
    tags: ['plan'],
  });
  await server.ok('create_external_document', { title: 'Style guide', external_url: 'https://example.com/style' });
}

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Export;

async function exportOf(home: string, env: Record<string, string>): Promise<Export> {
  const file = path.join(home, `export-${Date.now()}-${Math.random()}.json`);
  const result = await runCli(['export', '--output', file], home, env);
  assert.equal(result.code, 0, result.stderr);
  const data = read(file);
  delete data.exported_at;
  return data;
}

const find = (rows: Row[], test: (row: Row) => boolean) => {
  const index = rows.findIndex(test);
  assert.ok(index >= 0, 'the seed has such a row');
  return index;
};

/** An edit of one field of a good export, and how the refusal must name it. */
interface Attack {
  name: string;
  edit(data: Export): void;
  refusal: RegExp;
}

const ATTACKS: Attack[] = [
  {
    name: 'a javascript: link',
    edit: (d) => void (d.documents[find(d.documents, (r) => r.source === 'external')]!.external_url = 'javascript:alert(document.cookie)'),
    refusal: /documents\[\d\] \(id [0-9a-f-]{36}\): external_url: only http and https links are allowed, not javascript:/,
  },
  {
    name: 'terminal escapes in a title',
    edit: (d) => void (d.todos[0]!.title = 'Call \u001b]0;pwned\u0007\u001b[2J editor'),
    refusal: /todos\[0\] \(id [0-9a-f-]{36}\): title: must not contain control characters/,
  },
  {
    name: 'a bidirectional override in a task title',
    edit: (d) => void (d.tasks[0]!.title = 'invoice\u202Etxt.exe'),
    refusal: /tasks\[0\] \(id [0-9a-f-]{36}\): title: must not contain control characters/,
  },
  {
    name: 'a 5,000-character project name',
    edit: (d) => void (d.projects[0]!.name = 'n'.repeat(5000)),
    refusal: /projects\[0\] \(id [0-9a-f-]{36}\): name: must be at most 500 characters/,
  },
  {
    name: 'a 10,000-character tag',
    edit: (d) => void (d.todos[0]!.tags = ['t'.repeat(10_000)]),
    refusal: /todos\[0\] \(id [0-9a-f-]{36}\): tags\.0: must be at most 64 characters/,
  },
  {
    name: 'an unknown project status',
    edit: (d) => void (d.projects[0]!.status = 'exploded'),
    refusal: /projects\[0\] \(id [0-9a-f-]{36}\): status: .*not_started, in_progress, on_hold, completed/,
  },
  {
    name: 'priority 99',
    edit: (d) => void (d.todos[0]!.priority = 99),
    refusal: /todos\[0\] \(id [0-9a-f-]{36}\): priority: must be a rank from 1 \(low\) to 4 \(urgent\)/,
  },
  {
    name: 'a document id that climbs out of the blob directory',
    edit: (d) => void (d.documents[find(d.documents, (r) => r.source === 'upload')]!.id = '../../x'),
    refusal: /documents\[\d\] \(id "\.\.\/\.\.\/x"\): id: must be 1-64 letters, digits or hyphens/,
  },
  {
    name: 'an event in year 0000',
    edit: (d) => void (d.events[0]!.start_at = '0000-01-01T00:00:00.000Z'),
    refusal: /events\[0\] \(id [0-9a-f-]{36}\): start_at: .*years from 1900 to 2200/,
  },
  {
    name: 'an event ending before it starts',
    edit: (d) => void (d.events[0]!.end_at = '2000-01-01T00:00:00.000Z'),
    refusal: /events\[0\] \(id [0-9a-f-]{36}\): end_at: must not come before start_at/,
  },
  {
    name: 'a time zone that does not exist',
    edit: (d) => void (d.events[0]!.timezone = 'Mars/Olympus_Mons'),
    refusal: /events\[0\] \(id [0-9a-f-]{36}\): timezone: "Mars\/Olympus_Mons" is not an IANA time zone/,
  },
  {
    name: 'attendees that are not a list of names',
    edit: (d) => void (d.events[0]!.attendees = '{"$gt":""}'),
    refusal: /events\[0\] \(id [0-9a-f-]{36}\): attendees: /,
  },
  {
    name: 'a NUL byte in the profile',
    edit: (d) => void ((d.profile as Record<string, unknown>).name = 'Ada\u0000'),
    refusal: /profile: name: must not contain control characters/,
  },
  {
    name: 'an id used twice',
    edit: (d) => void (d.todos[1]!.id = d.todos[0]!.id),
    refusal: /todos\[1\] \(id [0-9a-f-]{36}\): id: is used by todos\[0\] too/,
  },
  {
    name: 'an embedding of an item that is not in the file',
    edit: (d) => void (d.embeddings as unknown[]).push({ kind: 'todo', id: 'not-here', embedding: new Array(384).fill(0.5) }),
    refusal: /embeddings\[0\]: id: no todo in the file has the id "not-here"/,
  },
];

describe('import refuses what the tools would refuse', () => {
  const home = tempHome();
  let env: Record<string, string>;
  let good: Export;
  let goodFile: string;

  before(async () => {
    env = await engineEnv(home);
    await withServer({ home, env }, seed);
    goodFile = path.join(home, 'good.json');
    const result = await runCli(['export', '--output', goodFile], home, env);
    assert.equal(result.code, 0, result.stderr);
    good = read(goodFile);
  });

  it('imports the unedited export (every kind of row passes the checks)', async () => {
    const result = await runCli(['import', '--replace', goodFile], home, env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /imported 1 projects, 1 tasks, 3 todos, 2 events, 2 documents/);
  });

  for (const attack of ATTACKS) {
    it(`refuses ${attack.name}, naming the row and the field; nothing is imported`, async () => {
      const before = await exportOf(home, env);
      const data = structuredClone(good);
      attack.edit(data);
      const file = path.join(home, 'bad.json');
      fs.writeFileSync(file, JSON.stringify(data));

      const result = await runCli(['import', '--replace', file], home, env);
      assert.notEqual(result.code, 0, `the import was accepted: ${result.stdout}`);
      assert.match(result.stderr, attack.refusal);
      assert.match(result.stderr, /Nothing was imported/);
      assert.doesNotMatch(result.stderr, /internal error|SQLITE|constraint/i);

      assert.deepEqual(await exportOf(home, env), before, 'the tenant is as it was');
      assert.equal(fs.existsSync(path.join(dataDir(home), '..', 'x.bin')), false, 'no file was written outside the blob directory');
    });
  }

  it('after every refused file, the tools read the data as before', async () => {
    await withServer({ home, env }, async (server) => {
      for (const tool of ['list_projects', 'list_todos', 'list_calendar_events', 'list_documents', 'get_status', 'get_dashboard']) await server.ok(tool);
      const todos = await server.ok<{ items: { title: string }[] }>('list_todos', {});
      assert.deepEqual(todos.items.map((t) => t.title).sort(), ['Buy ink', 'Call editor']);
    });
  });
});
