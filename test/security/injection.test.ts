import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from '../helpers/server.js';

/** SQL, HTML, script and template payloads: text to be stored as written and never acted on. */
const PAYLOADS = [
  "Robert'); DROP TABLE todos;--",
  "' OR '1'='1' --",
  '"; DELETE FROM projects; SELECT "',
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror=alert(1)>',
  '${7*7} {{7*7}} %s %n',
  '1; UPDATE accounts SET disabled_at = NULL; --',
];

/** The free-text fields of every tool that writes (what a person types, not ids, dates or choices). */
const TEXT_FIELDS: Record<string, string[]> = {
  update_status: ['name', 'city', 'state', 'country', 'location_details', 'laptop_os', 'laptop_model', 'laptop_specs', 'notes'],
  create_project: ['name', 'description', 'notes'],
  update_project: ['name', 'description', 'notes'],
  add_project_task: ['title', 'description'],
  update_project_task: ['title', 'description'],
  create_todo: ['title', 'description'],
  update_todo: ['title', 'description'],
  create_calendar_event: ['title', 'description', 'location'],
  update_calendar_event: ['title', 'description', 'location'],
  upload_document: ['title', 'description', 'filename'],
  create_external_document: ['title', 'description'],
};
/** Names that are not free text: identifiers, dates, choices, URLs, encodings, files (an iCalendar file is checked component by component), queries. */
const NOT_FREE_TEXT = /(^|_)(id|date|time|start|timezone|url|base64|ics_text|mime_type|status|priority|kind|type|cursor|tag|query|recurrence)$/;

/** Every string in a result, however nested (the status groups its fields). */
const stringsOf = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(stringsOf) : [];

describe('injection payloads in every text field of every tool', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('covers every free-text field the tools declare', async () => {
    const { tools } = await server.client.listTools();
    const declared: Record<string, string[]> = {};
    for (const tool of tools) {
      type Property = { type?: string | string[]; enum?: unknown; format?: string; pattern?: string; anyOf?: Property[] };
      const properties = (tool.inputSchema.properties ?? {}) as Record<string, Property>;
      // A field that may be cleared is declared as type [its type, "null"], or anyOf [its schema, null].
      const unwrap = (p: Property) => p.anyOf?.find((v) => v.type !== 'null') ?? p;
      const isString = (p: Property) => p.type === 'string' || (Array.isArray(p.type) && p.type.includes('string'));
      const text = Object.entries(properties)
        .map(([name, p]) => [name, unwrap(p)] as const)
        .filter(([name, p]) => isString(p) && !p.enum && !p.format && !p.pattern && !NOT_FREE_TEXT.test(name))
        .map(([name]) => name);
      if (text.length && !tool.annotations?.readOnlyHint) declared[tool.name] = text.sort();
    }
    assert.deepEqual(declared, Object.fromEntries(Object.entries(TEXT_FIELDS).map(([tool, fields]) => [tool, [...fields].sort()])));
  });

  for (const payload of PAYLOADS) {
    it(`stores ${JSON.stringify(payload)} as text, returns it as written, and nothing else changes`, async () => {
      const fill = (tool: string) => Object.fromEntries(TEXT_FIELDS[tool]!.map((field) => [field, payload]));
      const status = await server.ok('update_status', fill('update_status'));
      assert.equal(
        stringsOf(status).filter((value) => value === payload).length,
        TEXT_FIELDS.update_status!.length,
        'every status field holds the payload as written',
      );

      const project = await server.ok<Record<string, string>>('create_project', fill('create_project'));
      await server.ok('update_project', { project_id: project.id, ...fill('update_project') });
      const task = await server.ok<Record<string, string>>('add_project_task', { project_id: project.id, ...fill('add_project_task') });
      await server.ok('update_project_task', { task_id: task.id, ...fill('update_project_task') });
      const todo = await server.ok<Record<string, string>>('create_todo', fill('create_todo'));
      await server.ok('update_todo', { todo_id: todo.id, ...fill('update_todo') });
      const event = await server.ok<Record<string, string>>('create_calendar_event', {
        start_time: `${day(1)}T09:00:00Z`,
        end_time: `${day(1)}T10:00:00Z`,
        ...fill('create_calendar_event'),
      });
      await server.ok('update_calendar_event', { event_id: event.id, ...fill('update_calendar_event') });
      const upload = await server.ok<Record<string, string>>('upload_document', {
        content_base64: Buffer.from(payload).toString('base64'),
        mime_type: 'text/plain',
        ...fill('upload_document'),
      });
      const external = await server.ok<Record<string, string>>('create_external_document', {
        external_url: 'https://example.com/doc',
        ...fill('create_external_document'),
      });

      // Read back through other tools: stored as written.
      const stored = await server.ok<Record<string, unknown> & { tasks: { items: Record<string, string>[] } }>('get_project', { project_id: project.id });
      for (const field of TEXT_FIELDS.create_project!) assert.equal(stored[field], payload, `project.${field}`);
      assert.equal(stored.tasks.items.find((t) => t.id === task.id)?.title, payload);
      const todos = await server.ok<{ items: Record<string, string>[] }>('list_todos', {});
      assert.equal(todos.items.find((t) => t.id === todo.id)?.description, payload);
      for (const id of [upload.id, external.id]) assert.equal((await server.ok<Record<string, string>>('get_document', { document_id: id })).title, payload);
      assert.equal((await server.ok<{ text: string }>('read_document', { document_id: upload.id })).text, payload, 'the document content, as uploaded');
      const hits = await server.ok<{ results: unknown[] }>('search', { query: payload });
      assert.ok(Array.isArray(hits.results));

      // Every table is still there and answers.
      for (const tool of ['list_projects', 'list_todos', 'list_calendar_events', 'list_documents', 'get_dashboard', 'get_status']) await server.ok(tool, {});
    });
  }
});
