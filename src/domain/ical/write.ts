import ICAL from 'ical.js';
import { Temporal } from '../common/time.js';

/**
 * Writing iCalendar (RFC 5545) with ical.js: VEVENT (series with RRULE, EXDATE, RDATE and one
 * VEVENT per changed occurrence, RECURRENCE-ID) and to-do components, times in their IANA zone with a
 * VTIMEZONE for each zone used, all-day events as dates (DTEND the day after the last), one
 * DISPLAY alarm per reminder.
 */

const PRODID = '-//mcp-pa//mcp-pa//EN';

/** A time to write: an instant shown in a zone, or a date. */
export type WrittenTime = { date: string } | { instant: string; zone: string };

export interface WrittenEvent {
  uid: string;
  title: string;
  description: string | null;
  location: string | null;
  start: WrittenTime;
  end: WrittenTime;
  recurrence: string | null;
  exdates: WrittenTime[];
  rdates: WrittenTime[];
  reminder_minutes: number | null;
  /** For a changed occurrence: its original start. */
  recurrence_id?: WrittenTime;
  /** An alarm's text. */
  alarm?: string;
}

export interface WrittenTodo {
  uid: string;
  title: string;
  description: string | null;
  due: WrittenTime | null;
  completed_at: string | null;
  priority: number;
  recurrence: string | null;
  exdates: WrittenTime[];
  rdates: WrittenTime[];
  reminder_at: string | null;
}

function timeValue(t: WrittenTime): ICAL.Time {
  if ('date' in t) {
    const d = Temporal.PlainDate.from(t.date);
    return ICAL.Time.fromData({ year: d.year, month: d.month, day: d.day, isDate: true });
  }
  if (t.zone === 'UTC') return ICAL.Time.fromJSDate(new Date(t.instant), true);
  const local = Temporal.Instant.from(t.instant).toZonedDateTimeISO(t.zone);
  return ICAL.Time.fromData({ year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second });
}

/**
 * The rule with its UNTIL of the value type RFC 5545 requires: a date when the start is a date, a
 * UTC date-time when it has a time (an UNTIL given as a date, as "daily until 2027-03-01" makes it,
 * means the end of that day in the start's zone).
 */
function ruleFor(rule: string, start: WrittenTime | null): ICAL.Recur {
  const until = /(^|;)UNTIL=(\d{8})(T\d{6}Z?)?(?=;|$)/.exec(rule);
  if (!until || !start) return ICAL.Recur.fromString(rule);
  const [, lead, day, time] = until;
  let value = `${day}${time ?? ''}`;
  if ('date' in start) value = day!;
  else if (!time) {
    const date = Temporal.PlainDate.from(`${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6)}`);
    const end = date.add({ days: 1 }).toZonedDateTime({ timeZone: start.zone }).toInstant().subtract({ seconds: 1 });
    value = `${end.toString().slice(0, 19).replace(/[-:]/g, '')}Z`;
  }
  return ICAL.Recur.fromString(rule.replace(until[0], `${lead}UNTIL=${value}`));
}

/** Adds a time property, with its TZID (or VALUE=DATE). */
function addTime(component: ICAL.Component, name: string, t: WrittenTime) {
  const prop = new ICAL.Property(name, component);
  prop.setValue(timeValue(t));
  if ('zone' in t && t.zone !== 'UTC') prop.setParameter('tzid', t.zone);
  component.addProperty(prop);
}

function addTimes(component: ICAL.Component, name: string, times: readonly WrittenTime[]) {
  for (const t of times) addTime(component, name, t);
}

function addText(component: ICAL.Component, name: string, value: string | null) {
  if (value) component.addPropertyWithValue(name, value);
}

const utc = (instant: string) => ICAL.Time.fromJSDate(new Date(instant), true);

function alarm(trigger: ICAL.Duration | ICAL.Time, description: string): ICAL.Component {
  const valarm = new ICAL.Component('valarm');
  valarm.addPropertyWithValue('action', 'DISPLAY');
  valarm.addPropertyWithValue('description', description);
  const prop = valarm.addPropertyWithValue('trigger', trigger);
  if (trigger instanceof ICAL.Time) prop.setParameter('value', 'DATE-TIME');
  return valarm;
}

function vevent(event: WrittenEvent, stamp: string): ICAL.Component {
  const c = new ICAL.Component('vevent');
  c.addPropertyWithValue('uid', event.uid);
  c.addPropertyWithValue('dtstamp', utc(stamp));
  addTime(c, 'dtstart', event.start);
  addTime(c, 'dtend', event.end);
  if (event.recurrence_id) addTime(c, 'recurrence-id', event.recurrence_id);
  c.addPropertyWithValue('summary', event.title);
  addText(c, 'description', event.description);
  addText(c, 'location', event.location);
  if (event.recurrence) c.addPropertyWithValue('rrule', ruleFor(event.recurrence, event.start));
  addTimes(c, 'exdate', event.exdates);
  addTimes(c, 'rdate', event.rdates);
  if (event.reminder_minutes !== null) c.addSubcomponent(alarm(ICAL.Duration.fromSeconds(-event.reminder_minutes * 60), event.title));
  return c;
}

const ICAL_PRIORITY = [0, 9, 5, 3, 1]; // our ranks 1 (low) .. 4 (urgent)

function vtodo(todo: WrittenTodo, stamp: string): ICAL.Component {
  const c = new ICAL.Component('vtodo');
  c.addPropertyWithValue('uid', todo.uid);
  c.addPropertyWithValue('dtstamp', utc(stamp));
  c.addPropertyWithValue('summary', todo.title);
  addText(c, 'description', todo.description);
  if (todo.due) addTime(c, 'due', todo.due);
  c.addPropertyWithValue('priority', ICAL_PRIORITY[todo.priority] ?? 0);
  c.addPropertyWithValue('status', todo.completed_at ? 'COMPLETED' : 'NEEDS-ACTION');
  if (todo.completed_at) c.addPropertyWithValue('completed', utc(todo.completed_at));
  if (todo.recurrence) c.addPropertyWithValue('rrule', ruleFor(todo.recurrence, todo.due));
  addTimes(c, 'exdate', todo.exdates);
  addTimes(c, 'rdate', todo.rdates);
  if (todo.reminder_at) c.addSubcomponent(alarm(utc(todo.reminder_at), todo.title));
  return c;
}

/** A VTIMEZONE for an IANA zone: its transitions over the years given (RFC 5545 3.6.5). */
function vtimezone(zone: string, fromYear: number, toYear: number): ICAL.Component {
  const c = new ICAL.Component('vtimezone');
  c.addPropertyWithValue('tzid', zone);
  const offset = (ns: number) => ICAL.UtcOffset.fromSeconds(ns / 1e9);
  const observance = (kind: 'standard' | 'daylight', at: Temporal.ZonedDateTime, from: number, to: number) => {
    const o = new ICAL.Component(kind);
    // DTSTART is the local time of the onset, read in the offset in effect before it.
    const local = at.toInstant().toZonedDateTimeISO('UTC').add({ nanoseconds: from });
    o.addPropertyWithValue(
      'dtstart',
      ICAL.Time.fromData({ year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second }),
    );
    o.addPropertyWithValue('tzoffsetfrom', offset(from));
    o.addPropertyWithValue('tzoffsetto', offset(to));
    c.addSubcomponent(o);
  };
  const start = Temporal.PlainDate.from({ year: fromYear, month: 1, day: 1 }).toZonedDateTime({ timeZone: zone });
  const end = Temporal.PlainDate.from({ year: toYear + 1, month: 1, day: 1 }).toZonedDateTime({ timeZone: zone });
  const change = (at: Temporal.ZonedDateTime) => ({ at, from: at.subtract({ nanoseconds: 1 }).offsetNanoseconds, to: at.offsetNanoseconds });
  // The change in effect at the start of the span (or the zone's one offset), then every change until its end.
  const previous = start.getTimeZoneTransition('previous');
  const changes = [previous ? change(previous) : { at: start, from: start.offsetNanoseconds, to: start.offsetNanoseconds }];
  for (
    let next = start.getTimeZoneTransition('next');
    next && Temporal.ZonedDateTime.compare(next, end) < 0 && changes.length < 1000;
    next = next.getTimeZoneTransition('next')
  ) {
    changes.push(change(next));
  }
  for (const { at, from, to } of changes) observance(to > from ? 'daylight' : 'standard', at, from, to);
  return c;
}

/** A whole calendar: the zones it uses (over the years it covers), its events and todos. */
export function writeIcs(events: readonly WrittenEvent[], todos: readonly WrittenTodo[], stamp: string, name?: string): string {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('version', '2.0');
  cal.addPropertyWithValue('prodid', PRODID);
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  if (name) cal.addPropertyWithValue('x-wr-calname', name);
  const years = new Map<string, [number, number]>();
  const note = (t: WrittenTime | null | undefined) => {
    if (!t || 'date' in t || t.zone === 'UTC') return;
    const year = Temporal.Instant.from(t.instant).toZonedDateTimeISO('UTC').year;
    const [lo, hi] = years.get(t.zone) ?? [year, year];
    years.set(t.zone, [Math.min(lo, year), Math.max(hi, year + 1)]);
  };
  for (const e of events) [e.start, e.end, e.recurrence_id, ...e.exdates, ...e.rdates].forEach(note);
  for (const t of todos) [t.due, ...t.exdates, ...t.rdates].forEach(note);
  for (const [zone, [lo, hi]] of years) cal.addSubcomponent(vtimezone(zone, lo, Math.min(hi + 5, lo + 60)));
  for (const e of events) cal.addSubcomponent(vevent(e, stamp));
  for (const t of todos) cal.addSubcomponent(vtodo(t, stamp));
  return cal.toString() + '\r\n';
}
