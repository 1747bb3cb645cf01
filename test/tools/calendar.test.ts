import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from '../helpers/server.js';

interface Event {
  id: string;
  title: string;
  start_time: string;
  end_time: string;
  all_day: boolean;
  timezone: string;
  location: string | null;
  attendees: string[];
  reminder_minutes: number | null;
  tags: string[];
}
type Page = { items: Event[]; next_cursor: string | null };

describe('calendar tools', () => {
  let server: TestServer;
  before(async () => (server = await TestServer.start()));
  after(() => server.close());

  it('creates timed events in their own zone and shows offsets', async () => {
    const e = await server.ok<Event>('create_calendar_event', {
      title: 'Standup',
      start_time: '2031-06-02T09:00',
      end_time: '2031-06-02T09:15',
      timezone: 'Europe/Paris',
      attendees: ['ana@example.com', 'Bo'],
      reminder_minutes: 10,
      location: 'Room 4',
    });
    assert.equal(e.start_time, '2031-06-02T09:00:00+02:00');
    assert.equal(e.end_time, '2031-06-02T09:15:00+02:00');
    assert.equal(e.timezone, 'Europe/Paris');
    assert.deepEqual(e.attendees, ['ana@example.com', 'Bo']);
    assert.equal(e.reminder_minutes, 10);
  });

  it('all-day events take dates and end on their last day', async () => {
    const e = await server.ok<Event>('create_calendar_event', { title: 'Holiday', start_time: '2031-08-01', end_time: '2031-08-03', all_day: true });
    assert.equal(e.all_day, true);
    assert.equal(e.start_time, '2031-08-01');
    assert.equal(e.end_time, '2031-08-03');
    const inside = await server.ok<Page>('list_calendar_events', { start_date: '2031-08-03', end_date: '2031-08-03' });
    assert.deepEqual(
      inside.items.map((i) => i.title),
      ['Holiday'],
    );
    const after = await server.ok<Page>('list_calendar_events', { start_date: '2031-08-04', end_date: '2031-08-05' });
    assert.equal(after.items.length, 0);
  });

  it('lists events overlapping the range, long ones included, by start', async () => {
    await server.ok('create_calendar_event', { title: 'Sabbatical', start_time: '2032-01-01', end_time: '2032-06-30', all_day: true, tags: ['range'] });
    await server.ok('create_calendar_event', { title: 'Late dinner', start_time: '2032-03-09T22:00Z', end_time: '2032-03-10T01:00Z', tags: ['range'] });
    await server.ok('create_calendar_event', { title: 'Lunch', start_time: '2032-03-10T12:00Z', end_time: '2032-03-10T13:00Z', tags: ['range'] });
    await server.ok('create_calendar_event', { title: 'Next day', start_time: '2032-03-11T12:00Z', end_time: '2032-03-11T13:00Z', tags: ['range'] });
    const page = await server.ok<Page>('list_calendar_events', { start_date: '2032-03-10', end_date: '2032-03-10', tag: 'range' });
    assert.deepEqual(
      page.items.map((e) => e.title),
      ['Sabbatical', 'Late dinner', 'Lunch'],
    );
    const first = await server.ok<Page>('list_calendar_events', { start_date: '2032-03-10', end_date: '2032-03-10', tag: 'range', limit: 2 });
    const rest = await server.ok<Page>('list_calendar_events', {
      start_date: '2032-03-10',
      end_date: '2032-03-10',
      tag: 'range',
      limit: 2,
      cursor: first.next_cursor,
    });
    assert.deepEqual(
      [...first.items, ...rest.items].map((e) => e.title),
      ['Sabbatical', 'Late dinner', 'Lunch'],
    );
    assert.equal(rest.next_cursor, null);
  });

  it('defaults to events from today on', async () => {
    await server.ok('create_calendar_event', { title: 'Yesterday', start_time: `${day(-1)}T10:00Z`, end_time: `${day(-1)}T11:00Z`, tags: ['dflt'] });
    await server.ok('create_calendar_event', { title: 'Tomorrow', start_time: `${day(1)}T10:00Z`, end_time: `${day(1)}T11:00Z`, tags: ['dflt'] });
    const page = await server.ok<Page>('list_calendar_events', { tag: 'dflt' });
    assert.deepEqual(
      page.items.map((e) => e.title),
      ['Tomorrow'],
    );
  });

  it('moving the start keeps the length; fields can be cleared', async () => {
    const e = await server.ok<Event>('create_calendar_event', {
      title: 'Dentist',
      start_time: '2031-05-05T10:00Z',
      end_time: '2031-05-05T11:30Z',
      location: 'Clinic',
    });
    const moved = await server.ok<Event>('update_calendar_event', { event_id: e.id, start_time: '2031-05-06T14:00Z', location: null });
    assert.equal(moved.start_time, '2031-05-06T14:00:00+00:00');
    assert.equal(moved.end_time, '2031-05-06T15:30:00+00:00');
    assert.equal(moved.location, null);
    const allDay = await server.ok<Event>('update_calendar_event', { event_id: e.id, all_day: true });
    assert.equal(allDay.start_time, '2031-05-06');
    assert.equal(allDay.end_time, '2031-05-06');
  });

  it('refuses an end before the start and other bad input', async () => {
    const message = await server.fails('create_calendar_event', { title: 'Backwards', start_time: '2031-01-02T10:00Z', end_time: '2031-01-02T09:00Z' });
    assert.match(message, /end_time/);
    assert.match(message, /before start_time/);
    assert.match(await server.fails('create_calendar_event', { title: 'D', start_time: '2031-01-05', end_time: '2031-01-04', all_day: true }), /end_time/);
    assert.match(await server.fails('create_calendar_event', { title: 'D', start_time: '2031-01-05', end_time: '2031-01-06' }), /all_day/);
    assert.match(await server.fails('create_calendar_event', { title: 'T', start_time: 'soon', end_time: 'later' }), /start_time/);
    assert.match(
      await server.fails('create_calendar_event', { title: 'T', start_time: '2031-01-05T10:00', end_time: '2031-01-05T11:00', timezone: 'Nowhere/City' }),
      /timezone/,
    );
    assert.match(
      await server.fails('create_calendar_event', { title: 'T', start_time: '2031-01-05T10:00Z', end_time: '2031-01-05T11:00Z', reminder_minutes: -5 }),
      /reminder_minutes/,
    );
    assert.match(
      await server.fails('create_calendar_event', {
        title: 'T',
        start_time: '2031-01-05T10:00Z',
        end_time: '2031-01-05T11:00Z',
        attendees: Array.from({ length: 101 }, (_, i) => `p${i}`),
      }),
      /attendees/,
    );
    assert.match(await server.fails('update_calendar_event', { event_id: 'missing', title: 'x' }), /event_id: no event/);
    assert.match(await server.fails('list_calendar_events', { start_date: '2031-02-01', end_date: '2031-01-01' }), /end_date/);
  });
});
