import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/server.js';

interface Slot {
  start_time: string;
  end_time: string;
}
interface Conflict {
  id: string;
  title: string;
  occurrence_start: string | null;
}
interface Event {
  id: string;
  title: string;
  start_time: string;
  end_time: string;
  todo_id: string | null;
  conflicts?: Conflict[];
}

const short = (s: Slot) => `${s.start_time.slice(5, 16)}-${s.end_time.slice(11, 16)}`;

describe('finding time', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.ok('update_status', { timezone: 'Europe/Berlin' });
  });
  after(() => server.close());

  it('working hours default to 09:00-17:00 Monday to Friday and can be set', async () => {
    const status = await server.ok<{ working_hours: unknown }>('get_status');
    assert.deepEqual(status.working_hours, { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' });
    const set = await server.ok<{ working_hours: unknown }>('update_status', { working_hours: { days: ['sat'], start: '10:00', end: '12:00' } });
    assert.deepEqual(set.working_hours, { days: ['sat'], start: '10:00', end: '12:00' });
    assert.match(await server.fails('update_status', { working_hours: { days: ['mon'], start: '12:00', end: '10:00' } }), /end must be after start/);
    assert.match(await server.fails('update_status', { working_hours: { days: ['someday'], start: '09:00', end: '10:00' } }), /working_hours/);
    const reset = await server.ok<{ working_hours: { start: string } }>('update_status', { working_hours: null });
    assert.equal(reset.working_hours.start, '09:00');
  });

  it('finds free slots around events and every occurrence, inside working hours; all-day events block nothing', async () => {
    await server.ok('create_calendar_event', {
      title: 'Standup',
      start_time: '2027-03-01T09:30',
      end_time: '2027-03-01T10:00',
      recurrence: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
    });
    await server.ok('create_calendar_event', { title: 'Workshop', start_time: '2027-03-02T13:00', end_time: '2027-03-02T15:00' });
    await server.ok('create_calendar_event', { title: 'Conference', start_time: '2027-03-03', end_time: '2027-03-03', all_day: true });
    const free = await server.ok<{ slots: Slot[] }>('find_free_time', { start_date: '2027-03-01', end_date: '2027-03-07', duration_minutes: 60 });
    assert.deepEqual(free.slots.map(short), [
      '03-01T10:00-17:00',
      '03-02T10:00-13:00',
      '03-02T15:00-17:00',
      '03-03T10:00-17:00',
      '03-04T10:00-17:00',
      '03-05T10:00-17:00',
    ]);
    assert.equal(free.slots[0]!.start_time, '2027-03-01T10:00:00+01:00');
    const half = await server.ok<{ slots: Slot[] }>('find_free_time', { start_date: '2027-03-01', end_date: '2027-03-01', duration_minutes: 30 });
    assert.deepEqual(half.slots.map(short), ['03-01T09:00-09:30', '03-01T10:00-17:00']);
    assert.match(
      await server.fails('find_free_time', { start_date: '2027-03-01', end_date: '2027-12-01', duration_minutes: 30 }),
      /end_date: must be at most 92 days/,
    );
    assert.match(await server.fails('find_free_time', { duration_minutes: 2 }), /duration_minutes/);
  });

  it('an event that overlaps others says so, and is still created', async () => {
    const e = await server.ok<Event>('create_calendar_event', { title: 'Dentist', start_time: '2027-03-02T09:45', end_time: '2027-03-02T14:00' });
    assert.deepEqual(
      e.conflicts!.map((c) => [c.title, c.occurrence_start]),
      [
        ['Standup', '2027-03-02T09:30:00+01:00'],
        ['Workshop', null],
      ],
    );
    const moved = await server.ok<Event>('update_calendar_event', { event_id: e.id, start_time: '2027-03-02T16:00', end_time: '2027-03-02T16:30' });
    assert.deepEqual(moved.conflicts, []);
    const allDay = await server.ok<Event>('create_calendar_event', { title: 'Trip', start_time: '2027-03-02', end_time: '2027-03-02', all_day: true });
    assert.deepEqual(allDay.conflicts, []);
  });

  it('books a todo into the calendar, linked both ways; completing it keeps the event, moving the event keeps the link', async () => {
    const todo = await server.ok<{ id: string }>('create_todo', { title: 'Write report' });
    const booked = await server.ok<Event>('schedule_todo', { todo_id: todo.id, duration_minutes: 90, start_time: '2027-03-04T13:00' });
    assert.equal(booked.title, 'Write report');
    assert.equal(booked.todo_id, todo.id);
    assert.equal(booked.start_time, '2027-03-04T13:00:00+01:00');
    assert.equal(booked.end_time, '2027-03-04T14:30:00+01:00');
    const linked = await server.ok<{ scheduled_event_id: string }>('update_todo', { todo_id: todo.id, priority: 'high' });
    assert.equal(linked.scheduled_event_id, booked.id);
    const moved = await server.ok<Event>('update_calendar_event', { event_id: booked.id, start_time: '2027-03-05T11:00' });
    assert.equal(moved.todo_id, todo.id);
    await server.ok('complete_todo', { todo_id: todo.id });
    const still = await server.ok<{ items: Event[] }>('list_calendar_events', { start_date: '2027-03-05', end_date: '2027-03-05' });
    assert.ok(still.items.some((e) => e.id === booked.id && e.todo_id === todo.id));

    // Without a start: the first free slot of that length, as find_free_time finds it.
    const next = await server.ok<{ id: string }>('create_todo', { title: 'Plan trip' });
    const [first] = (await server.ok<{ slots: Slot[] }>('find_free_time', { duration_minutes: 45, limit: 1 })).slots;
    const auto = await server.ok<Event>('schedule_todo', { todo_id: next.id, duration_minutes: 45 });
    assert.equal(auto.start_time, first!.start_time);
    assert.match(await server.fails('schedule_todo', { todo_id: todo.id, duration_minutes: 30 }), /already completed/);
    assert.match(
      await server.fails('schedule_todo', { todo_id: next.id, duration_minutes: 30, start_time: '2027-03-04' }),
      /start_time: .*a date without a time/,
    );
  });
});
