import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import ICAL from 'ical.js';
import { TestServer } from '../helpers/server.js';

interface Event {
  id: string;
  title: string;
  start_time: string;
  end_time: string;
  all_day: boolean;
  timezone: string;
  recurrence: string | null;
  reminder_minutes: number | null;
  occurrence_of: string | null;
}
type Page = { items: Event[]; next_cursor: string | null };
interface Imported {
  created: number;
  updated: number;
  items: { kind: string; id: string; uid: string; title: string; action: string }[];
}

const fixture = (name: string) => fs.readFileSync(`test/fixtures/ics/${name}`, 'utf8');

async function listAll(server: TestServer, start_date: string, end_date: string): Promise<Event[]> {
  const all: Event[] = [];
  let cursor: string | undefined;
  do {
    const page = await server.ok<Page>('list_calendar_events', { start_date, end_date, limit: 200, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

/** What an occurrence is, whatever zone label it is shown in: title and UTC span (dates for all-day). */
const instant = (s: string) => (s.length === 10 ? s : new Date(s).toISOString());
const shape = (events: readonly Event[]) => events.map((e) => `${e.title} ${instant(e.start_time)} ${instant(e.end_time)}`).sort();

describe('iCalendar in and out', () => {
  let server: TestServer;
  let other: TestServer;
  before(async () => {
    [server, other] = await Promise.all([TestServer.start(), TestServer.start()]);
    for (const s of [server, other]) await s.ok('update_status', { timezone: 'Europe/Berlin' });
  });
  after(async () => {
    await Promise.all([server.close(), other.close()]);
  });

  it('imports an Apple Calendar file: series across DST, a skipped and a moved occurrence, all-day, alarms, a repeating todo', async () => {
    const result = await server.ok<Imported>('import_ics', { ics_text: fixture('apple-recurring-with-exceptions.ics') });
    assert.equal(result.created, 3);
    const list = await listAll(server, '2026-03-01', '2026-06-30');
    const standup = list.filter((e) => e.title.startsWith('Team-Standup'));
    assert.equal(standup.length, 19);
    assert.ok(standup.filter((e) => e.title === 'Team-Standup').every((e) => e.start_time.slice(11, 16) === '09:00'));
    assert.ok(!standup.some((e) => e.start_time.startsWith('2026-04-06')), 'the EXDATE is skipped');
    const moved = standup.find((e) => e.title === 'Team-Standup (verschoben)')!;
    assert.equal(moved.start_time, '2026-03-26T10:30:00+01:00');
    assert.equal(moved.reminder_minutes, 15);
    const outing = list.find((e) => e.title === 'Betriebsausflug')!;
    assert.deepEqual([outing.all_day, outing.start_time, outing.end_time], [true, '2026-06-11', '2026-06-12']);
    const todos = await server.ok<{ items: { title: string; recurrence: string | null; due_date: string; reminder_date: string }[] }>('list_todos', {});
    const paper = todos.items.find((t) => t.title === 'Altpapier rausstellen')!;
    assert.equal(paper.recurrence, 'FREQ=WEEKLY;INTERVAL=2');
    assert.equal(paper.due_date, '2026-03-02T18:00:00+01:00');
    assert.equal(paper.reminder_date, '2026-03-02T18:00:00+01:00');

    // The same file again: updated in place, nothing duplicated.
    const again = await server.ok<Imported>('import_ics', { ics_text: fixture('apple-recurring-with-exceptions.ics') });
    assert.deepEqual([again.created, again.updated], [0, 3]);
    assert.deepEqual(shape(await listAll(server, '2026-03-01', '2026-06-30')), shape(list));
  });

  it('reads Outlook’s Windows zone names and Exchange’s all-day exceptions', async () => {
    await server.ok<Imported>('import_ics', { content_base64: Buffer.from(fixture('outlook-recurring.ics')).toString('base64') });
    const fixe = (await listAll(server, '2026-03-01', '2026-05-10')).filter((e) => e.title.startsWith('Jour fixe'));
    assert.equal(fixe[0]!.timezone, 'Europe/Berlin');
    assert.ok(fixe.some((e) => e.start_time === '2026-03-24T14:00:00+01:00'));
    assert.ok(fixe.some((e) => e.start_time === '2026-03-30T10:00:00+02:00'));
    assert.ok(!fixe.some((e) => e.start_time.startsWith('2026-03-23') || e.start_time.startsWith('2026-04-06')));
    // An imported series splits like any other (the new part does not take the file's UID).
    const later = await server.ok<{ id: string; start_time: string }>('update_calendar_event', {
      event_id: fixe[0]!.id,
      scope: 'following',
      occurrence_start: '2026-04-13T09:00:00+02:00',
      start_time: '2026-04-13T11:00',
    });
    assert.equal(later.start_time, '2026-04-13T11:00:00+02:00');

    const exchange = await server.ok<Imported>('import_ics', { ics_text: fixture('exchange_whole_day_moved_recurrence.ics') });
    const title = exchange.items[0]!.title;
    const days = (await listAll(server, '2026-02-01', '2026-03-31')).filter((e) => e.title === title || e.occurrence_of === exchange.items[0]!.id);
    assert.deepEqual(
      days.map((e) => [e.start_time, e.all_day]),
      [
        ['2026-02-19', true],
        ['2026-02-24', true],
        ['2026-02-27', true], // moved from the 26th, which Exchange names by its local midnight
        ['2026-03-03', true],
        ['2026-03-05', true],
        ['2026-03-10', true],
        ['2026-03-12', true],
        ['2026-03-17', true],
        ['2026-03-19', true],
        ['2026-03-24', true],
        ['2026-03-26', true],
        ['2026-03-31', true],
      ],
    );
  });

  it('reads a zone only the file’s VTIMEZONE describes', async () => {
    const r = await server.ok<Imported>('import_ics', { ics_text: fixture('bad_ms_tz.ics') });
    const [first] = await server
      .ok<Page>('list_calendar_events', { start_date: '2000-01-01', limit: 1 })
      .then((p) => p.items.filter((e) => e.id === r.items[0]!.id));
    const parsed = new ICAL.Component(ICAL.parse(fixture('bad_ms_tz.ics')) as unknown[]);
    const vevent = parsed.getFirstSubcomponent('vevent')!;
    const tz = new ICAL.Timezone(parsed.getFirstSubcomponent('vtimezone')!);
    const start = (vevent.getFirstPropertyValue('dtstart') as ICAL.Time).clone();
    start.zone = tz;
    assert.equal(new Date(first!.start_time).getTime(), start.toUnixTime() * 1000);
  });

  it('round-trips the vendors’ files: export what was imported, import it elsewhere, the same occurrences', async () => {
    for (const name of [
      'apple-recurring-with-exceptions.ics',
      'outlook-recurring.ics',
      'google-calendar-kiev-tz.ics',
      'exchange_whole_day_moved_recurrence.ics',
      'ms_timezones.repaired.ics',
    ]) {
      const a = await TestServer.start();
      const b = await TestServer.start();
      try {
        await a.ok('import_ics', { ics_text: fixture(name) });
        const exported = await a.ok<{ ics_text: string; events: number }>('export_ics', {});
        assert.ok(exported.events > 0, name);
        // The export is an iCalendar file other programs read: ical.js parses it, VTIMEZONEs included.
        const parsed = new ICAL.Component(ICAL.parse(exported.ics_text) as unknown[]);
        assert.ok(parsed.getAllSubcomponents('vevent').length >= exported.events, name);
        await b.ok('import_ics', { ics_text: exported.ics_text });
        const range = ['2019-01-01', '2028-12-31'] as const;
        assert.deepEqual(shape(await listAll(b, ...range)), shape(await listAll(a, ...range)), name);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
  });

  it('refuses a file with one bad component whole, naming it, and imports nothing of it', async () => {
    const good =
      'BEGIN:VEVENT\r\nUID:good-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270101T090000Z\r\nDTEND:20270101T100000Z\r\nSUMMARY:Fine\r\nEND:VEVENT\r\n';
    const bad = 'BEGIN:VEVENT\r\nUID:bad-2\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Atlantis/Lost:20270102T090000\r\nSUMMARY:Nowhere\r\nEND:VEVENT\r\n';
    const file = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n${good}${bad}END:VCALENDAR\r\n`;
    const message = await other.fails('import_ics', { ics_text: file });
    assert.match(message, /VEVENT 2 \(UID bad-2, "Nowhere"\): DTSTART names the zone "Atlantis\/Lost"/);
    assert.deepEqual((await other.ok<Page>('list_calendar_events', { start_date: '2027-01-01', end_date: '2027-01-03' })).items, []);
    assert.match(await other.fails('import_ics', { ics_text: fixture('ms_timezones.ics') }), /ics_text: /);
    assert.match(await other.fails('import_ics', { ics_text: 'hello' }), /ics_text: is not an iCalendar file/);
    const longUid = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:${'u'.repeat(300)}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270101T090000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    assert.match(await other.fails('import_ics', { ics_text: longUid }), /has a UID of 300 characters; at most 255 are kept/);
    // A zone whose observances repeat every minute (ical.js would expand them for minutes): unknown.
    const runaway =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VTIMEZONE\r\nTZID:Custom Zone\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nRRULE:FREQ=MINUTELY\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:r-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Custom Zone:20270101T090000\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    assert.match(await other.fails('import_ics', { ics_text: runaway }), /VEVENT 2 .*"Custom Zone", which is neither an IANA nor a Windows zone/);
    assert.match(await other.fails('import_ics', {}), /give ics_text or content_base64/);
  });

  it('a repeating todo without DUE repeats from its DTSTART', async () => {
    const file =
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VTODO\r\nUID:water-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270103\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Water the plants\r\nEND:VTODO\r\nEND:VCALENDAR\r\n';
    const [item] = (await other.ok<Imported>('import_ics', { ics_text: file })).items;
    const todo = await other.ok<{ due_date: string; recurrence: string }>('update_todo', { todo_id: item!.id, priority: 'low' });
    assert.deepEqual([todo.due_date, todo.recurrence], ['2027-01-03', 'FREQ=WEEKLY']);
  });

  it('exports a range and kinds, with alarms and VTIMEZONEs', async () => {
    await other.ok('create_calendar_event', { title: 'Dentist', start_time: '2027-05-04T10:00', end_time: '2027-05-04T11:00', reminder_minutes: 30 });
    await other.ok('create_todo', { title: 'Pay tax', due_date: '2027-05-10', reminder_date: '2027-05-09T09:00' });
    const both = await other.ok<{ ics_text: string; events: number; todos: number }>('export_ics', { start_date: '2027-05-01', end_date: '2027-05-31' });
    assert.deepEqual([both.events, both.todos], [1, 1]);
    const cal = new ICAL.Component(ICAL.parse(both.ics_text) as unknown[]);
    const event = cal.getFirstSubcomponent('vevent')!;
    assert.equal(event.getFirstProperty('dtstart')!.getParameter('tzid'), 'Europe/Berlin');
    assert.equal(cal.getFirstSubcomponent('vtimezone')!.getFirstPropertyValue('tzid'), 'Europe/Berlin');
    assert.equal(String(event.getFirstSubcomponent('valarm')!.getFirstPropertyValue('trigger')), '-PT30M');
    const todo = cal.getFirstSubcomponent('vtodo')!;
    assert.equal(String(todo.getFirstPropertyValue('due')), '2027-05-10');
    const onlyTodos = await other.ok<{ events: number; todos: number }>('export_ics', { start_date: '2027-05-01', end_date: '2027-05-31', kinds: ['todo'] });
    assert.deepEqual([onlyTodos.events, onlyTodos.todos], [0, 1]);
  });

  it('writes an UNTIL of the type RFC 5545 asks for: UTC for a timed start, a date for an all-day one', async () => {
    await other.ok('create_calendar_event', {
      title: 'Standup until',
      start_time: '2027-06-01T09:00',
      end_time: '2027-06-01T09:15',
      recurrence: 'daily until 2027-06-03',
      tags: ['until'],
    });
    await other.ok('create_calendar_event', {
      title: 'Holiday until',
      start_time: '2027-07-01',
      end_time: '2027-07-01',
      all_day: true,
      recurrence: 'FREQ=DAILY;UNTIL=20270703T120000Z',
    });
    const file = await other.ok<{ ics_text: string }>('export_ics', { start_date: '2027-06-01', end_date: '2027-07-31', kinds: ['event'] });
    const cal = new ICAL.Component(ICAL.parse(file.ics_text) as unknown[]);
    const rules = Object.fromEntries(
      cal.getAllSubcomponents('vevent').map((e) => [e.getFirstPropertyValue('summary'), String(e.getFirstPropertyValue('rrule'))]),
    );
    assert.equal(rules['Standup until'], 'FREQ=DAILY;UNTIL=20270603T215959Z', 'the end of 3 June in Berlin, in UTC');
    assert.equal(rules['Holiday until'], 'FREQ=DAILY;UNTIL=20270703');
    const copy = await other.ok<{ items: { title: string }[] }>('list_calendar_events', { start_date: '2027-06-01', end_date: '2027-06-10', tag: 'until' });
    assert.equal(copy.items.length, 3, 'three mornings, the 3rd included');
  });
});
