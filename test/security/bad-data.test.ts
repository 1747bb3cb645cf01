import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINE, engineEnv, rawSql } from '../helpers/engines.js';
import { TestServer, tempHome, withServer } from '../helpers/server.js';

/**
 * Bad data through the doors other than a tool's text fields: control characters in ids, cursors,
 * resource URIs, prompt arguments and completions; characters that make text display differently
 * from what it holds; times that do not exist and years nobody means. Run on every engine (the
 * domain suite): PostgreSQL refuses a NUL byte with an error of its own.
 */

/** What a database says when it fails: none of it may reach a client. */
const DATABASE_TEXT = /invalid byte sequence|0x00|syntax error|SQLITE|postgres|pglite|relation|constraint|at character/i;
const INTERNAL = /internal error/i;

function assertClearRefusal(message: string, expected: RegExp, what: string) {
  assert.doesNotMatch(message, DATABASE_TEXT, `${what}: the client saw database text: ${message}`);
  assert.doesNotMatch(message, INTERNAL, `${what}: an internal error instead of a refusal: ${message}`);
  assert.match(message, expected, `${what}: ${message}`);
}

/** The message of a request the server must refuse with a JSON-RPC error. */
async function rejection(promise: Promise<unknown>, what: string): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`${what} was accepted`);
}

const CONTROL = /must not contain control characters/;

const NUL = 'a\u0000b';

/** A next_cursor with a NUL appended to each string in it: what a forger would send. */
function poisoned(cursor: string): string {
  const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
  return Buffer.from(JSON.stringify(key.map((k) => (typeof k === 'string' ? `${k}\u0000` : k))), 'utf8').toString('base64url');
}

describe(`NUL bytes in ids, cursors, resources, prompts and completions (${ENGINE})`, () => {
  let server: TestServer;
  let projectId: string;
  before(async () => {
    server = await TestServer.start();
    projectId = (await server.ok<{ id: string }>('create_project', { name: 'Shed' })).id;
    await server.ok('create_project', { name: 'Garden' });
    for (const title of ['one', 'two']) {
      await server.ok('create_todo', { title, due_date: '2031-01-01' });
      await server.ok('add_project_task', { project_id: projectId, title });
      await server.ok('create_calendar_event', { title, start_time: '2031-01-01T09:00Z', end_time: '2031-01-01T10:00Z' });
      await server.ok('create_external_document', { title, external_url: 'https://example.com/' });
    }
  });
  after(() => server.close());

  const ids: [string, Record<string, unknown>, RegExp][] = [
    ['get_project', { project_id: NUL }, /project_id/],
    ['update_todo', { todo_id: NUL, title: 'x' }, /todo_id/],
    ['get_document', { document_id: NUL }, /document_id/],
    ['delete_item', { kind: 'event', id: NUL }, /\bid\b/],
    ['list_todos', { project_id: NUL }, /project_id/],
    ['add_project_task', { project_id: NUL, title: 'x' }, /project_id/],
  ];
  for (const [tool, args, field] of ids) {
    it(`${tool} refuses an id with a NUL byte, naming the field`, async () => {
      const message = await server.fails(tool, args);
      assertClearRefusal(message, CONTROL, tool);
      assert.match(message, field);
    });
  }

  it('search and the tag filter refuse a NUL byte', async () => {
    assertClearRefusal(await server.fails('search', { query: NUL }), CONTROL, 'search');
    assertClearRefusal(await server.fails('list_documents', { tags: [NUL] }), CONTROL, 'list_documents tags');
  });

  const lists: [string, Record<string, unknown>, (r: Record<string, unknown>) => string | null, string][] = [
    ['list_todos', {}, (r) => r.next_cursor as string | null, 'cursor'],
    ['list_projects', {}, (r) => r.next_cursor as string | null, 'cursor'],
    ['list_calendar_events', { start_date: '2030-01-01' }, (r) => r.next_cursor as string | null, 'cursor'],
    ['list_documents', {}, (r) => r.next_cursor as string | null, 'cursor'],
  ];
  for (const [tool, args, next, field] of lists) {
    it(`${tool} refuses a forged cursor holding a NUL byte`, async () => {
      const cursor = next(await server.ok(tool, { ...args, limit: 1 }));
      assert.ok(cursor, 'a second page exists');
      const message = await server.fails(tool, { ...args, limit: 1, [field]: poisoned(cursor) });
      assertClearRefusal(message, /cursor: is not a next_cursor/, tool);
    });
  }

  it('get_project refuses a forged task_cursor holding a NUL byte', async () => {
    const page = await server.ok<{ tasks: { next_cursor: string } }>('get_project', { project_id: projectId, task_limit: 1 });
    const message = await server.fails('get_project', { project_id: projectId, task_limit: 1, task_cursor: poisoned(page.tasks.next_cursor) });
    assertClearRefusal(message, /task_cursor: is not a next_cursor/, 'task_cursor');
  });

  it('a resource URI with a NUL byte is refused as bad input, not as a server failure', async () => {
    for (const uri of ['pa://projects/a%00b', 'pa://documents/a%00b']) {
      const message = await rejection(server.client.readResource({ uri }), uri);
      assertClearRefusal(message, CONTROL, uri);
    }
  });

  it('a prompt argument with a NUL byte is refused as bad input', async () => {
    const message = await rejection(server.client.getPrompt({ name: 'plan_project', arguments: { project_id: NUL } }), 'plan_project');
    assertClearRefusal(message, CONTROL, 'plan_project');
    const focus = await rejection(server.client.getPrompt({ name: 'daily_briefing', arguments: { focus: NUL } }), 'daily_briefing');
    assertClearRefusal(focus, CONTROL, 'daily_briefing');
  });

  it('a completion with a NUL byte is refused as bad input, without database text', async () => {
    for (const ref of [
      { type: 'ref/resource', uri: 'pa://projects/{id}' },
      { type: 'ref/resource', uri: 'pa://documents/{id}' },
    ] as const) {
      const message = await rejection(server.client.complete({ ref, argument: { name: 'id', value: NUL } }), ref.uri);
      assertClearRefusal(message, CONTROL, ref.uri);
    }
    const message = await rejection(
      server.client.complete({ ref: { type: 'ref/prompt', name: 'plan_project' }, argument: { name: 'project_id', value: NUL } }),
      'plan_project completion',
    );
    assertClearRefusal(message, CONTROL, 'plan_project completion');
    // Completion still works for what a person types.
    const ok = await server.client.complete({ ref: { type: 'ref/resource', uri: 'pa://projects/{id}' }, argument: { name: 'id', value: 'shed' } });
    assert.deepEqual(ok.completion.values, [projectId]);
  });
});

describe(`a database failure reaches no client through any door (${ENGINE})`, () => {
  it('tools, resources, prompts and completions answer with a reference into the log, never the database’s text', async () => {
    const home = tempHome();
    const env = await engineEnv(home);
    const { id } = await withServer({ home, env }, (server) => server.ok<{ id: string }>('create_project', { name: 'Shed' }));
    // A fault inside the database whenever a project row is read: on SQLite the table is gone from
    // under the server; on PostgreSQL a row-security policy divides by zero (the server re-creates
    // missing tables' grants and checks their row security at start, so the table must stay).
    await rawSql(
      home,
      ENGINE === 'sqlite' ? 'ALTER TABLE projects RENAME TO projects_gone' : 'CREATE POLICY broken ON projects AS RESTRICTIVE USING (1 / 0 = 1)',
    );
    await withServer({ home, env }, async (server) => {
      const doors: [string, () => Promise<unknown>][] = [
        ['completion', () => server.client.complete({ ref: { type: 'ref/resource', uri: 'pa://projects/{id}' }, argument: { name: 'id', value: 'sh' } })],
        [
          'prompt completion',
          () => server.client.complete({ ref: { type: 'ref/prompt', name: 'plan_project' }, argument: { name: 'project_id', value: 'sh' } }),
        ],
        ['tool', () => server.fails('get_project', { project_id: id }).then((m) => Promise.reject(new Error(m)))],
        ['resource', () => server.client.readResource({ uri: `pa://projects/${id}` })],
        ['prompt', () => server.client.getPrompt({ name: 'plan_project', arguments: { project_id: id } })],
      ];
      for (const [door, call] of doors) {
        const message = await rejection(call(), door);
        assert.doesNotMatch(message, DATABASE_TEXT, `${door}: the client saw database text: ${message}`);
        assert.doesNotMatch(message, /projects_gone|no such table|division by zero|policy/i, `${door}: ${message}`);
        const reference = /internal error \(reference ([0-9a-f]{8});/.exec(message)?.[1];
        assert.ok(reference, `${door}: no reference in ${message}`);
        await server.waitForLog(reference); // the log line that the reference points to
      }
    });
  });
});

describe('text that displays differently from what it holds', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  // U+202E turns "exe.txt" round; U+0085 is a C1 line break; U+009B is the 8-bit CSI of terminal escapes.
  const DECEPTIVE = {
    'right-to-left override': 'invoice\u202Etxt.exe',
    'left-to-right embedding': 'a\u202Ab',
    'pop directional formatting': 'a\u202Cb',
    'first strong isolate': 'a\u2068b',
    'pop directional isolate': 'a\u2069b',
    'C1 next line': 'a\u0085b',
    'C1 control sequence introducer': 'a\u009B31mred',
    'C1 first': '\u0080x',
    'C1 last': 'x\u009F',
  };
  for (const [name, value] of Object.entries(DECEPTIVE)) {
    it(`refuses a ${name} in titles, tags, descriptions and names`, async () => {
      assert.match(await server.fails('create_todo', { title: value }), /title: must not contain control characters/);
      assert.match(await server.fails('create_todo', { title: 'ok', tags: [value] }), /tags\.0: must not contain control characters/);
      assert.match(await server.fails('create_project', { name: 'ok', description: `line\n${value}` }), /description: must not contain control characters/);
      assert.match(await server.fails('update_status', { name: value }), /name: must not contain control characters/);
      assert.match(await server.fails('upload_document', { title: value, content_base64: 'aGk=' }), /title: must not contain control characters/);
    });
  }

  it('still takes right-to-left and mixed scripts, which need no override', async () => {
    const todo = await server.ok<{ title: string; tags: string[] }>('create_todo', { title: 'שלום world مرحبا', tags: ['עברית'] });
    assert.equal(todo.title, 'שלום world مرحبا');
    assert.deepEqual(todo.tags, ['עברית']);
  });
});

describe('times that do not exist and years nobody means', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.ok('update_status', { timezone: 'Europe/Berlin' });
  });
  after(() => server.close());

  // 2027-03-28 is the last Sunday of March: in Berlin the clocks go from 02:00 straight to 03:00.
  const GAP = /2027-03-28T02:30 does not exist in Europe\/Berlin: the clocks jump from 02:00 to 03:00/;

  it('refuses an event starting in the daylight-saving gap instead of making it zero-length', async () => {
    const message = await server.fails('create_calendar_event', { title: 'Night train', start_time: '2027-03-28T02:30', end_time: '2027-03-28T03:30' });
    assert.match(message, /^start_time: /);
    assert.match(message, GAP);
    assert.match(message, /2027-03-28T03:30\+02:00|2027-03-28T01:30\+01:00/, 'it names the valid readings');
    const events = await server.ok<{ items: unknown[] }>('list_calendar_events', { start_date: '2027-03-27', end_date: '2027-03-29' });
    assert.equal(events.items.length, 0, 'nothing was created');
  });

  it('refuses a gap time in an event’s own zone, a todo, a task and a filter', async () => {
    const message = await server.fails('create_calendar_event', {
      title: 'x',
      start_time: '2027-03-14T02:30',
      end_time: '2027-03-14T04:00',
      timezone: 'America/New_York',
    });
    assert.match(message, /start_time: 2027-03-14T02:30 does not exist in America\/New_York/);
    assert.match(await server.fails('create_todo', { title: 'x', due_date: '2027-03-28T02:30' }), GAP);
    assert.match(await server.fails('create_todo', { title: 'x', reminder_date: '2027-03-28T02:30:00' }), /reminder_date: /);
    const project = await server.ok<{ id: string }>('create_project', { name: 'p' });
    assert.match(await server.fails('add_project_task', { project_id: project.id, title: 'x', due_date: '2027-03-28 02:30' }), /due_date: .*does not exist/);
    assert.match(await server.fails('list_todos', { due_before: '2027-03-28T02:30' }), /due_before: .*does not exist/);
  });

  it('accepts the same time with an offset, and a repeated (fall-back) time as its first occurrence', async () => {
    const explicit = await server.ok<{ start_time: string; end_time: string }>('create_calendar_event', {
      title: 'Night train',
      start_time: '2027-03-28T02:30+01:00',
      end_time: '2027-03-28T03:30',
    });
    assert.equal(explicit.start_time, '2027-03-28T03:30:00+02:00');
    // 2027-10-31 02:30 happens twice in Berlin (+02:00, then +01:00): the earlier one, as RFC 5545 says.
    const repeated = await server.ok<{ due_date: string }>('create_todo', { title: 'twice', due_date: '2027-10-31T02:30' });
    assert.equal(repeated.due_date, '2027-10-31T02:30:00+02:00');
  });

  const YEARS = ['0000-01-01', '0000-06-01T10:00:00Z', '1899-12-31', '2201-01-01', '9999-12-31T23:59:59Z', '1899-12-31T23:30:00-01:00'];
  for (const value of YEARS) {
    it(`refuses the date ${value}: years run from 1900 to 2200`, async () => {
      assert.match(await server.fails('create_todo', { title: 'x', due_date: value }), /due_date: .*years from 1900 to 2200/);
      assert.match(await server.fails('create_project', { name: 'x', start_date: value }), /start_date: .*years from 1900 to 2200/);
      assert.match(
        await server.fails('create_calendar_event', { title: 'x', start_time: value, end_time: '2031-01-01T10:00:00Z', all_day: value.length === 10 }),
        /start_time: .*years from 1900 to 2200/,
      );
    });
  }

  it('takes the first and last days of the range', async () => {
    assert.equal((await server.ok<{ due_date: string }>('create_todo', { title: 'first', due_date: '1900-01-01' })).due_date, '1900-01-01');
    assert.equal((await server.ok<{ due_date: string }>('create_todo', { title: 'last', due_date: '2200-12-31' })).due_date, '2200-12-31');
  });
});
