import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Temporal } from 'temporal-polyfill';
import { TEST_NOON } from '../helpers/clock.js';
import { TestServer } from '../helpers/server.js';

interface Todo {
  id: string;
  due_date: string | null;
  reminder_date: string | null;
  recurrence: string | null;
}
interface Event {
  id: string;
  start_time: string;
  end_time: string;
  recurrence: string | null;
}

const ZONE = 'America/New_York';
/** Today as the person sees it: the test clock's noon (UTC) in their zone. */
const today = Temporal.Instant.fromEpochMilliseconds(TEST_NOON).toZonedDateTimeISO(ZONE).toPlainDate();
/** A local wall-clock time on a date, as the server shows it (with the zone's offset that day). */
const shown = (date: Temporal.PlainDate, time: string) => {
  const zoned = date.toPlainDateTime(Temporal.PlainTime.from(time)).toZonedDateTime(ZONE);
  return `${zoned.toPlainDateTime().toString()}${zoned.offset}`;
};

describe('dates and repetition in words', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
    await server.ok('update_status', { timezone: ZONE });
  });
  after(() => server.close());

  const due = async (said: string) => (await server.ok<Todo>('create_todo', { title: `due ${said}`, due_date: said })).due_date;

  it('reads common phrases in the person’s zone against the server’s clock', async () => {
    assert.equal(await due('today'), today.toString());
    assert.equal(await due('tomorrow'), today.add({ days: 1 }).toString());
    assert.equal(await due('tomorrow 9am'), shown(today.add({ days: 1 }), '09:00'));
    assert.equal(await due('in 2 weeks'), today.add({ days: 14 }).toString());
    assert.equal(await due('in 3 days at 09:30'), shown(today.add({ days: 3 }), '09:30'));
    assert.equal(await due('end of month'), today.with({ day: today.daysInMonth }).toString());
    assert.equal(await due('End of the year'), today.with({ month: 12, day: 31 }).toString());
    assert.equal(await due('tomorrow at 15:00'), shown(today.add({ days: 1 }), '15:00'));
    assert.equal(await due('tomorrow noon'), shown(today.add({ days: 1 }), '12:00'));
  });

  it('"next <weekday>" is the first such day after today', async () => {
    for (const [said, weekday] of [
      ['next fri', 5],
      ['next monday', 1],
      ['next Sunday 10am', 7],
    ] as const) {
      const ahead = (weekday - today.dayOfWeek + 7) % 7 || 7;
      const date = today.add({ days: ahead });
      assert.equal(await due(said), said.endsWith('10am') ? shown(date, '10:00') : date.toString(), said);
    }
  });

  it('states each reading in the result text', async () => {
    const result = await server.client.callTool({
      name: 'create_todo',
      arguments: { title: 'Call the bank', due_date: 'tomorrow', reminder_date: 'tomorrow 8am' },
    });
    const text = (result.content as { text: string }[])[0]!.text;
    const tomorrow = today.add({ days: 1 }).toString();
    assert.match(text, new RegExp(`Read due_date "tomorrow" as ${tomorrow}; reminder_date "tomorrow 8am" as ${tomorrow}T08:00\\.`));
  });

  it('refuses ambiguous phrases with their readings, and words it cannot read with examples', async () => {
    const swap = await server.fails('create_todo', { title: 'x', due_date: '03/04' });
    assert.match(swap, /^due_date: "03\/04" could be \d{4}-03-04 \(month\/day\) or \d{4}-04-03 \(day\/month\)/);
    const clock = await server.fails('create_todo', { title: 'x', due_date: 'tomorrow at 3' });
    assert.match(clock, new RegExp(`${today.add({ days: 1 }).toString()}T03:00 or ${today.add({ days: 1 }).toString()}T15:00`));
    const nonsense = await server.fails('create_todo', { title: 'x', due_date: 'when pigs fly' });
    assert.match(nonsense, /^due_date: "when pigs fly" is neither an ISO 8601 date nor a date in words we read; try e\.g\. today, tomorrow 9am, next fri/);
    assert.match(
      await server.fails('create_todo', { title: 'x', due_date: 'buy milk tomorrow' }),
      /neither an ISO 8601 date/,
      'the whole field must be a date',
    );
  });

  it('an unambiguous numeric date is read, and ISO input behaves exactly as before', async () => {
    const made = await server.ok<Todo>('create_todo', { title: 'numeric', due_date: '13/04/2027' });
    assert.equal(made.due_date, '2027-04-13');
    assert.equal(await due('2030-03-01'), '2030-03-01');
    assert.equal(await due('2030-07-01T09:30'), '2030-07-01T09:30:00-04:00');
    const plain = await server.client.callTool({ name: 'create_todo', arguments: { title: 'iso', due_date: '2030-03-01' } });
    assert.doesNotMatch((plain.content as { text: string }[])[0]!.text, /Read /, 'nothing to state for ISO input');
  });

  it('filters and events take words too', async () => {
    const soon = await server.ok<{ items: { title: string }[] }>('list_todos', { due_before: 'in 2 days', due_after: 'today' });
    assert.ok(soon.items.some((t) => t.title === 'due tomorrow'));
    const event = await server.ok<Event>('create_calendar_event', { title: 'Dentist', start_time: 'next tue 10am', end_time: 'next tue 11am' });
    const ahead = (2 - today.dayOfWeek + 7) % 7 || 7;
    assert.equal(event.start_time, shown(today.add({ days: ahead }), '10:00'));
  });

  it('turns repetition phrases into RRULEs, and refuses others with the accepted phrases', async () => {
    const rule = async (said: string) => (await server.ok<Todo>('create_todo', { title: `repeat ${said}`, due_date: 'tomorrow', recurrence: said })).recurrence;
    assert.equal(await rule('every weekday'), 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    assert.equal(await rule('every monday'), 'FREQ=WEEKLY;BYDAY=MO');
    assert.equal(await rule('every 2 weeks on tue and thu'), 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH');
    assert.equal(await rule('every month on the 1st'), 'FREQ=MONTHLY;BYMONTHDAY=1');
    assert.equal(await rule('monthly on the last friday'), 'FREQ=MONTHLY;BYDAY=-1FR');
    assert.equal(await rule('daily until 2027-03-01'), 'FREQ=DAILY;UNTIL=20270301');
    assert.equal(await rule('every other week'), 'FREQ=WEEKLY;INTERVAL=2');
    assert.equal(await rule('weekly for 10 times'), 'FREQ=WEEKLY;COUNT=10');
    assert.equal(await rule('FREQ=DAILY;COUNT=3'), 'FREQ=DAILY;COUNT=3', 'an RRULE is read as before');
    const series = await server.ok<Event>('create_calendar_event', {
      title: 'Gym',
      start_time: 'tomorrow 07:00',
      end_time: 'tomorrow 08:00',
      recurrence: 'every mon, wed, fri',
    });
    assert.equal(series.recurrence, 'FREQ=WEEKLY;BYDAY=MO,WE,FR');
    const refused = await server.fails('create_todo', { title: 'x', due_date: 'tomorrow', recurrence: 'whenever I feel like it' });
    assert.match(refused, /^recurrence: "whenever I feel like it" is neither an RFC 5545 rule nor a repetition we read; say e\.g\. "daily", "every weekday"/);
  });

  it('bulk items take words, each reading named by its item', async () => {
    const result = await server.client.callTool({
      name: 'create_todos',
      arguments: {
        items: [
          { title: 'a', due_date: 'tomorrow' },
          { title: 'b', due_date: 'in 2 weeks' },
        ],
      },
    });
    const text = (result.content as { text: string }[])[0]!.text;
    assert.match(text, /items\[0\]\.due_date "tomorrow" as/);
    assert.match(text, /items\[1\]\.due_date "in 2 weeks" as/);
    const bad = await server.fails('create_todos', {
      items: [
        { title: 'a', due_date: 'tomorrow' },
        { title: 'b', due_date: '03/04' },
      ],
    });
    assert.match(bad, /^items\[1\]: due_date: "03\/04" could be/);
  });
});
