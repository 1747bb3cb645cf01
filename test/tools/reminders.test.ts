import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer, day } from '../helpers/server.js';

interface Reminder {
  remind_at: string;
  kind: string;
  id: string;
  title: string;
  due: string;
  occurrence_start: string | null;
  past: boolean;
  delivery: unknown;
}
type Page = { items: Reminder[]; next_cursor: string | null };

const line = (r: Reminder) => `${r.remind_at} ${r.kind} ${r.title}`;

describe('reminders', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.ok('update_status', { timezone: 'UTC' });
  });
  after(() => server.close());

  it('lists todo reminders and event reminders before each occurrence, at the right instants', async () => {
    const todo = await server.ok<{ id: string }>('create_todo', { title: 'Call the bank', due_date: `${day(0)}T16:00Z`, reminder_date: `${day(0)}T15:00Z` });
    await server
      .ok('create_todo', { title: 'Done already', reminder_date: `${day(0)}T14:00Z` })
      .then((t) => server.ok('complete_todo', { todo_id: (t as { id: string }).id }));
    const series = await server.ok<{ id: string }>('create_calendar_event', {
      title: 'Physio',
      start_time: `${day(1)}T09:00Z`,
      end_time: `${day(1)}T10:00Z`,
      timezone: 'UTC',
      recurrence: 'FREQ=DAILY;COUNT=4',
      reminder_minutes: 30,
    });
    await server.ok('create_calendar_event', { title: 'No reminder', start_time: `${day(1)}T11:00Z`, end_time: `${day(1)}T12:00Z` });

    // Default: from now (noon) to 24 hours on.
    const next = await server.ok<Page>('list_reminders');
    assert.deepEqual(next.items.map(line), [`${day(0)}T15:00:00+00:00 todo Call the bank`, `${day(1)}T08:30:00+00:00 event Physio`]);
    assert.equal(next.items[0]!.id, todo.id);
    assert.equal(next.items[1]!.occurrence_start, `${day(1)}T09:00:00+00:00`);
    assert.equal(next.items[1]!.due, `${day(1)}T09:00:00+00:00`);
    assert.equal(next.items[1]!.delivery, null);

    // One occurrence reminds earlier: its exception's own reminder.
    await server.ok('update_calendar_event', { event_id: series.id, scope: 'this', occurrence_start: `${day(3)}T09:00Z`, reminder_minutes: 120 });
    const later = await server.ok<Page>('list_reminders', { start_date: day(2), end_date: day(9) });
    assert.deepEqual(later.items.map(line), [
      `${day(2)}T08:30:00+00:00 event Physio`,
      `${day(3)}T07:00:00+00:00 event Physio`,
      `${day(4)}T08:30:00+00:00 event Physio`,
    ]);
    const paged = await server.ok<Page>('list_reminders', { start_date: day(2), end_date: day(9), limit: 2 });
    const rest = await server.ok<Page>('list_reminders', { start_date: day(2), end_date: day(9), limit: 2, cursor: paged.next_cursor });
    assert.deepEqual([...paged.items, ...rest.items].map(line), later.items.map(line));

    // The resource and the dashboard show the same next day.
    const resource = await server.client.readResource({ uri: 'pa://reminders' });
    assert.deepEqual((JSON.parse((resource.contents[0] as { text: string }).text) as Page).items.map(line), next.items.map(line));
    const dashboard = await server.ok<{ reminders: { items: Reminder[]; total: number } }>('get_dashboard', { limit_per_section: 1 });
    assert.equal(dashboard.reminders.total, 2);
    assert.deepEqual(dashboard.reminders.items.map(line), [next.items[0]!].map(line));
  });

  it('refuses a range that ends before it starts', async () => {
    assert.match(await server.fails('list_reminders', { start_date: day(3), end_date: day(2) }), /end_date: must be after start_date/);
  });
});
