import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/server.js';

interface Event {
  id: string;
  title: string;
  start_time: string;
  end_time: string;
  location: string | null;
  recurrence: string | null;
  exdates: string[];
  occurrence_of: string | null;
  occurrence_start: string | null;
}
type Page = { items: Event[]; next_cursor: string | null };

/** Every entry of a range, page by page. */
async function listAll(server: TestServer, args: Record<string, unknown>, limit = 200): Promise<Event[]> {
  const all: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await server.ok<Page>('list_calendar_events', { ...args, limit, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

const starts = (events: readonly Event[]) => events.map((e) => e.start_time);

describe('recurring events', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('keeps 09:00 at 09:00 across daylight-saving changes, in two zones', async () => {
    for (const [zone, tag, before, afterOffset] of [
      ['Europe/Berlin', 'berlin', '+01:00', '+02:00'],
      ['America/New_York', 'newyork', '-05:00', '-04:00'],
    ] as const) {
      const series = await server.ok<Event>('create_calendar_event', {
        title: `Standup ${tag}`,
        start_time: '2027-03-01T09:00',
        end_time: '2027-03-01T09:15',
        timezone: zone,
        recurrence: 'FREQ=WEEKLY;BYDAY=MO',
        tags: [tag],
      });
      assert.equal(series.recurrence, 'FREQ=WEEKLY;BYDAY=MO');
      const list = await listAll(server, { start_date: '2027-03-01', end_date: '2027-04-05', tag });
      assert.deepEqual(
        list.map((e) => e.start_time.slice(0, 10)),
        ['2027-03-01', '2027-03-08', '2027-03-15', '2027-03-22', '2027-03-29', '2027-04-05'],
      );
      for (const e of list) {
        assert.equal(e.start_time.slice(11, 16), '09:00');
        assert.equal(e.end_time.slice(11, 16), '09:15');
        assert.equal(e.id, series.id);
        assert.equal(e.occurrence_of, series.id);
        assert.equal(e.occurrence_start, e.start_time);
      }
      assert.ok(list[0]!.start_time.endsWith(before));
      assert.ok(list.at(-1)!.start_time.endsWith(afterOffset));
    }
  });

  it('expands ranges far from now the same way, and pages without gaps or repeats', async () => {
    const series = await server.ok<Event>('create_calendar_event', {
      title: 'Far',
      start_time: '2027-01-04T18:00',
      end_time: '2027-01-04T19:00',
      timezone: 'Europe/Berlin',
      recurrence: 'FREQ=DAILY',
      tags: ['far'],
    });
    await server.ok('create_calendar_event', {
      title: 'Single',
      start_time: '2031-03-30T12:00',
      end_time: '2031-03-30T13:00',
      timezone: 'Europe/Berlin',
      tags: ['far'],
    });
    // Years beyond the window the server keeps occurrences for: expanded when read.
    const whole = await listAll(server, { start_date: '2031-03-25', end_date: '2031-04-03', tag: 'far' });
    assert.equal(whole.length, 11);
    assert.equal(whole.filter((e) => e.occurrence_of === series.id).length, 10);
    assert.ok(whole.filter((e) => e.occurrence_of).every((e) => e.start_time.slice(11, 16) === '18:00'));
    assert.equal(whole[5]!.title, 'Single');
    const paged = await listAll(server, { start_date: '2031-03-25', end_date: '2031-04-03', tag: 'far' }, 3);
    assert.deepEqual(starts(paged), starts(whole));
    // An occurrence already under way when a range far from now begins is in it.
    const underWay = await server.ok<Page>('list_calendar_events', {
      start_date: '2031-03-25T18:30:00+01:00',
      end_date: '2031-03-25T18:45:00+01:00',
      tag: 'far',
    });
    assert.deepEqual(
      underWay.items.map((e) => e.start_time),
      ['2031-03-25T18:00:00+01:00'],
    );
    // And near now, where they are kept: the same answers page by page.
    const near = await listAll(server, { start_date: '2027-02-01', end_date: '2027-02-10', tag: 'far' }, 4);
    assert.equal(near.length, 10);
    assert.equal(new Set(starts(near)).size, 10);
  });

  it('changes one occurrence, the following ones, or all; an exception keeps what it overrode', async () => {
    const series = await server.ok<Event>('create_calendar_event', {
      title: 'Review',
      start_time: '2027-05-03T10:00',
      end_time: '2027-05-03T11:00',
      timezone: 'UTC',
      recurrence: 'FREQ=WEEKLY;COUNT=6',
      tags: ['scopes'],
    });
    const moved = await server.ok<Event>('update_calendar_event', {
      event_id: series.id,
      scope: 'this',
      occurrence_start: '2027-05-10T10:00:00Z',
      start_time: '2027-05-11T15:00',
      title: 'Review (moved)',
    });
    assert.equal(moved.start_time, '2027-05-11T15:00:00+00:00');
    assert.equal(moved.end_time, '2027-05-11T16:00:00+00:00');
    assert.equal(moved.occurrence_start, '2027-05-10T10:00:00+00:00');
    const range = { start_date: '2027-05-01', end_date: '2027-06-30', tag: 'scopes' };
    let list = await listAll(server, range);
    assert.deepEqual(
      list.map((e) => [e.start_time.slice(0, 16), e.title]),
      [
        ['2027-05-03T10:00', 'Review'],
        ['2027-05-11T15:00', 'Review (moved)'],
        ['2027-05-17T10:00', 'Review'],
        ['2027-05-24T10:00', 'Review'],
        ['2027-05-31T10:00', 'Review'],
        ['2027-06-07T10:00', 'Review'],
      ],
    );

    // A change to the series reaches the exception in the fields it did not override.
    await server.ok('update_calendar_event', { event_id: series.id, location: 'Room 2', title: 'Weekly review' });
    list = await listAll(server, range);
    assert.deepEqual(
      list.map((e) => [e.title, e.location]),
      [
        ['Weekly review', 'Room 2'],
        ['Review (moved)', 'Room 2'],
        ['Weekly review', 'Room 2'],
        ['Weekly review', 'Room 2'],
        ['Weekly review', 'Room 2'],
        ['Weekly review', 'Room 2'],
      ],
    );

    // Following: the series ends before the occurrence; a new one carries the change (and the rest of COUNT).
    const later = await server.ok<Event>('update_calendar_event', {
      event_id: series.id,
      scope: 'following',
      occurrence_start: '2027-05-24T10:00:00Z',
      start_time: '2027-05-24T14:00',
    });
    assert.notEqual(later.id, series.id);
    assert.equal(later.recurrence, 'FREQ=WEEKLY;COUNT=3');
    list = await listAll(server, range);
    assert.deepEqual(
      list.map((e) => [e.id === series.id ? 'old' : 'new', e.start_time.slice(0, 16)]),
      [
        ['old', '2027-05-03T10:00'],
        ['old', '2027-05-11T15:00'],
        ['old', '2027-05-17T10:00'],
        ['new', '2027-05-24T14:00'],
        ['new', '2027-05-31T14:00'],
        ['new', '2027-06-07T14:00'],
      ],
    );
    assert.deepEqual(list.find((e) => e.id === later.id)!.title, 'Weekly review');

    // Moving the whole series keeps a left-out occurrence left out, at the new time.
    const daily = await server.ok<Event>('create_calendar_event', {
      title: 'Pills',
      start_time: '2027-01-10T09:00',
      end_time: '2027-01-10T09:05',
      timezone: 'UTC',
      recurrence: 'FREQ=DAILY;COUNT=3',
      tags: ['pills'],
    });
    await server.ok('delete_item', { kind: 'event', id: daily.id, scope: 'this', occurrence_start: '2027-01-11T09:00:00Z' });
    const moved10 = await server.ok<Event>('update_calendar_event', { event_id: daily.id, start_time: '2027-01-10T10:00' });
    assert.deepEqual(moved10.exdates, ['2027-01-11T10:00:00+00:00']);
    assert.deepEqual(starts(await listAll(server, { start_date: '2027-01-10', end_date: '2027-01-13', tag: 'pills' })), [
      '2027-01-10T10:00:00+00:00',
      '2027-01-12T10:00:00+00:00',
    ]);

    // A new time for the whole series removes the exception whose original occurrence is gone.
    await server.ok('update_calendar_event', { event_id: series.id, start_time: '2027-05-03T11:00' });
    list = await listAll(server, range);
    assert.deepEqual(
      list.filter((e) => e.id === series.id).map((e) => [e.start_time.slice(0, 16), e.title]),
      [
        ['2027-05-03T11:00', 'Weekly review'],
        ['2027-05-10T11:00', 'Weekly review'],
        ['2027-05-17T11:00', 'Weekly review'],
      ],
    );
  });

  it('deletes one occurrence, the following ones, or the whole series', async () => {
    const series = await server.ok<Event>('create_calendar_event', {
      title: 'Yoga',
      start_time: '2027-07-01',
      end_time: '2027-07-01',
      all_day: true,
      recurrence: 'FREQ=DAILY;COUNT=5',
      tags: ['yoga'],
    });
    const range = { start_date: '2027-07-01', end_date: '2027-07-31', tag: 'yoga' };
    assert.deepEqual(starts(await listAll(server, range)), ['2027-07-01', '2027-07-02', '2027-07-03', '2027-07-04', '2027-07-05']);
    const one = await server.ok<{ in_trash: boolean; removed_occurrences: string }>('delete_item', {
      kind: 'event',
      id: series.id,
      scope: 'this',
      occurrence_start: '2027-07-02',
    });
    assert.equal(one.in_trash, false);
    assert.equal(one.removed_occurrences, 'this');
    const after = await listAll(server, range);
    assert.deepEqual(starts(after), ['2027-07-01', '2027-07-03', '2027-07-04', '2027-07-05']);
    assert.deepEqual(after[0]!.exdates, ['2027-07-02']);
    await server.ok('delete_item', { kind: 'event', id: series.id, scope: 'following', occurrence_start: '2027-07-04' });
    assert.deepEqual(starts(await listAll(server, range)), ['2027-07-01', '2027-07-03']);
    // Following from the first occurrence is the whole series: to the trash, restorable as it was.
    const first = await server.ok<{ in_trash: boolean }>('delete_item', { kind: 'event', id: series.id, scope: 'following', occurrence_start: '2027-07-01' });
    assert.equal(first.in_trash, true);
    await server.ok('restore_item', { kind: 'event', id: series.id });
    assert.deepEqual(starts(await listAll(server, range)), ['2027-07-01', '2027-07-03']);
    const all = await server.ok<{ in_trash: boolean }>('delete_item', { kind: 'event', id: series.id });
    assert.equal(all.in_trash, true);
    assert.deepEqual(await listAll(server, range), []);
    await server.ok('restore_item', { kind: 'event', id: series.id });
    assert.deepEqual(starts(await listAll(server, range)), ['2027-07-01', '2027-07-03']);
  });

  it('refuses bad rules and scopes, naming the field', async () => {
    const base = { title: 'Bad', start_time: '2027-09-01T09:00', end_time: '2027-09-01T10:00' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ recurrence: 'FREQ=SECONDLY' }, /recurrence: .*SECONDLY/],
      [{ recurrence: 'FREQ=WEEKLY;BYDAY=XX' }, /recurrence: .*BYDAY=XX/],
      [{ recurrence: 'FREQ=DAILY;COUNT=2;UNTIL=20280101T000000Z' }, /both COUNT and UNTIL/],
      [{ recurrence: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' }, /never repeats/],
      // With an end it would still walk the library's whole iteration cap (100 s) on every change.
      [{ recurrence: 'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;COUNT=5' }, /never repeats/],
      [{ recurrence: 'FREQ=HOURLY;BYSECOND=0,1,2' }, /BYSECOND/],
      [{ recurrence: `FREQ=HOURLY;BYMINUTE=${Array.from({ length: 30 }, (_, i) => i).join(',')}` }, /BYMINUTE=.*more than 12 minutes/],
      [{ exdates: ['2027-09-02'] }, /exdates: belongs to a recurring event/],
    ];
    for (const [args, message] of cases) assert.match(await server.fails('create_calendar_event', { ...base, ...args }), message);
    const single = await server.ok<Event>('create_calendar_event', base);
    assert.match(await server.fails('update_calendar_event', { event_id: single.id, scope: 'this', occurrence_start: '2027-09-01T09:00' }), /does not repeat/);
    const series = await server.ok<Event>('create_calendar_event', { ...base, recurrence: 'FREQ=DAILY' });
    assert.match(await server.fails('update_calendar_event', { event_id: series.id, scope: 'this', title: 'x' }), /occurrence_start: is needed/);
    assert.match(
      await server.fails('update_calendar_event', { event_id: series.id, scope: 'this', occurrence_start: '2027-09-02T09:30', title: 'x' }),
      /not an occurrence/,
    );
    assert.match(
      await server.fails('update_calendar_event', { event_id: series.id, scope: 'this', occurrence_start: '2027-09-02', tags: ['x'] }),
      /tags: belongs to the whole series/,
    );
  });
});

interface Todo {
  id: string;
  due_date: string | null;
  reminder_date: string | null;
  completed: boolean;
  recurrence: string | null;
  completions: number;
}

describe('repeating todos and tasks', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('completing a repeating todo records it and moves it, with its reminder, to the next occurrence', async () => {
    await server.ok('update_status', { timezone: 'Europe/Berlin' });
    const todo = await server.ok<Todo>('create_todo', {
      title: 'Take out the bins',
      due_date: '2027-03-22T07:00',
      reminder_date: '2027-03-21T20:00',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
    });
    const second = await server.ok<Todo>('complete_todo', { todo_id: todo.id });
    // Across the change to summer time: 07:00 stays 07:00, the reminder stays 11 hours before.
    assert.equal(second.due_date, '2027-03-29T07:00:00+02:00');
    assert.equal(second.reminder_date, '2027-03-28T20:00:00+02:00');
    assert.equal(second.completed, false);
    assert.equal(second.completions, 1);
    assert.equal(second.recurrence, 'FREQ=WEEKLY;COUNT=2');
    const third = await server.ok<Todo>('update_todo', { todo_id: todo.id, completed: true });
    assert.equal(third.due_date, '2027-04-05T07:00:00+02:00');
    const last = await server.ok<Todo>('complete_todo', { todo_id: todo.id });
    assert.equal(last.completed, true);
    assert.equal(last.completions, 3);
    assert.equal(last.due_date, '2027-04-05T07:00:00+02:00');
  });

  it('a date-only todo repeats by days, skipping its exdates; a rule needs a due date', async () => {
    const todo = await server.ok<Todo>('create_todo', {
      title: 'Rent',
      due_date: '2027-01-31',
      recurrence: 'FREQ=MONTHLY;BYMONTHDAY=-1',
      exdates: ['2027-02-28'],
    });
    assert.equal((await server.ok<Todo>('complete_todo', { todo_id: todo.id })).due_date, '2027-03-31');
    assert.match(await server.fails('create_todo', { title: 'x', recurrence: 'FREQ=DAILY' }), /recurrence: needs a due_date/);
  });

  it('a repeating project task goes back to its status with the next due date when done', async () => {
    const project = await server.ok<{ id: string }>('create_project', { name: 'House' });
    const task = await server.ok<{ id: string }>('add_project_task', {
      project_id: project.id,
      title: 'Change the filter',
      due_date: '2027-06-01',
      recurrence: 'FREQ=MONTHLY;INTERVAL=3',
    });
    const moved = await server.ok<{ status: string; due_date: string; completions: number }>('update_project_task', { task_id: task.id, status: 'done' });
    assert.deepEqual([moved.status, moved.due_date, moved.completions], ['todo', '2027-09-01', 1]);
  });
});
