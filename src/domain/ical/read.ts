import ICAL from 'ical.js';
import { InvalidInputError } from '../../errors.js';
import { Temporal, toStored } from '../common/time.js';
import { ZoneResolver } from './zones.js';

/**
 * Reading an iCalendar file (RFC 5545) into what the tools take: event and to-do components with their
 * times resolved to instants in a known zone, RRULE, EXDATE, RDATE, exceptions by RECURRENCE-ID,
 * and the first alarm as the reminder. ical.js parses the text (folding, escaping, parameters);
 * times and zones are ours (zones.ts). A component that cannot be read makes the whole file fail,
 * naming it.
 */

/** The most components one file may hold. */
const MAX_COMPONENTS = 5000;
const MAX_TEXT = 200;

export interface ImportedEvent {
  kind: 'event';
  uid: string;
  where: string;
  title: string;
  description?: string;
  location?: string;
  zone: string;
  all_day: boolean;
  /** ISO instants (timed) or dates (all-day: the last day inclusive). */
  start_time: string;
  end_time: string;
  recurrence?: string;
  exdates: string[];
  rdates: string[];
  reminder_minutes?: number;
  /** Changed occurrences, by original start (an ISO instant or date). */
  exceptions: ImportedException[];
}

interface ImportedException {
  where: string;
  occurrence_start: string;
  /** The RECURRENCE-ID's own date (Exchange names an all-day occurrence by its local midnight). */
  occurrence_date: string;
  cancelled: boolean;
  start_time: string;
  end_time: string;
  title: string;
  description?: string;
  location?: string;
  reminder_minutes?: number;
}

export interface ImportedTodo {
  kind: 'todo';
  uid: string;
  where: string;
  title: string;
  description?: string;
  due_date?: string;
  reminder_date?: string;
  priority: 'low' | 'medium' | 'high' | 'urgent';
  completed: boolean;
  recurrence?: string;
  exdates: string[];
  rdates: string[];
}

export type ImportedItem = ImportedEvent | ImportedTodo;

/** A problem with one component: the import fails, naming it. */
class ComponentError extends Error {}

const fail = (why: string): never => {
  throw new ComponentError(why);
};

/** A time as the file gives it, resolved: an instant, or a date. */
type Moment = { date: string } | { instant: string };

/** Reads the times of one file: each TZID to an IANA zone (once), floating times in the person's zone. */
class Times {
  constructor(
    private readonly zones: ZoneResolver,
    readonly personZone: string,
  ) {}

  /** The zone a property's time is in: its TZID's, UTC, or (floating) the person's. */
  zoneOf(prop: ICAL.Property, value: ICAL.Time): string {
    const tzid = prop.getParameter('tzid');
    if (value.zone === ICAL.Timezone.utcTimezone) return 'UTC';
    if (typeof tzid !== 'string') return this.personZone;
    return (
      this.zones.zoneOf(tzid, value.year) ??
      fail(
        `${prop.name.toUpperCase()} names the zone "${tzid}", which is neither an IANA nor a Windows zone, and the file has no VTIMEZONE that says what it is`,
      )
    );
  }

  moment(prop: ICAL.Property, value: ICAL.Time): Moment {
    const date = Temporal.PlainDate.from({ year: value.year, month: value.month, day: value.day });
    if (value.isDate) return { date: date.toString() };
    const zone = this.zoneOf(prop, value);
    const local = date.toPlainDateTime({ hour: value.hour, minute: value.minute, second: Math.min(value.second, 59) });
    return { instant: toStored(local.toZonedDateTime(zone, { disambiguation: 'compatible' }).toInstant()) };
  }

  /** Every value of a list property (EXDATE, RDATE), as moments. */
  list(component: ICAL.Component, name: string): Moment[] {
    return component
      .getAllProperties(name)
      .flatMap((prop) =>
        prop
          .getValues()
          .map((v) =>
            v instanceof ICAL.Time
              ? this.moment(prop, v)
              : v instanceof ICAL.Period
                ? this.moment(prop, v.start)
                : fail(`${name.toUpperCase()} holds a value that is not a date`),
          ),
      );
  }
}

const asText = (value: unknown) => (typeof value === 'string' ? value : value === null || value === undefined ? undefined : String(value));

function text(component: ICAL.Component, name: string): string | undefined {
  const value = asText(component.getFirstPropertyValue(name))?.trim();
  return value === '' ? undefined : value;
}

/** The most characters of a UID kept (Outlook's run to about 110). */
const MAX_UID = 255;

function uidOf(component: ICAL.Component): string {
  const uid = text(component, 'uid') ?? fail('has no UID');
  return uid.length <= MAX_UID ? uid : fail(`has a UID of ${uid.length} characters; at most ${MAX_UID} are kept`);
}

function required(component: ICAL.Component, name: string): ICAL.Property {
  return component.getFirstProperty(name) ?? fail(`has no ${name.toUpperCase()}`);
}

function timeOf(prop: ICAL.Property): ICAL.Time {
  const value = prop.getFirstValue();
  return value instanceof ICAL.Time ? value : fail(`${prop.name.toUpperCase()} is not a date or date-time`);
}

const isoOf = (m: Moment) => ('date' in m ? m.date : m.instant);

/** An instant of a moment: a date is midnight in `zone`. */
const instantOf = (m: Moment, zone: string) =>
  'instant' in m ? m.instant : toStored(Temporal.PlainDate.from(m.date).toZonedDateTime({ timeZone: zone }).toInstant());

/** The reminder of the first alarm that comes before the start: minutes before it. */
function reminderMinutes(component: ICAL.Component, start: string, end: string): number | undefined {
  for (const alarm of component.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const value = trigger?.getFirstValue();
    let at: number | undefined;
    if (value instanceof ICAL.Duration) at = Date.parse(trigger!.getParameter('related') === 'END' ? end : start) + value.toSeconds() * 1000;
    else if (value instanceof ICAL.Time) at = value.toJSDate().getTime();
    if (at === undefined) continue;
    const minutes = Math.round((Date.parse(start) - at) / 60_000);
    if (minutes >= 0 && minutes <= 40320) return minutes;
  }
  return undefined;
}

function rule(component: ICAL.Component): string | undefined {
  const props = component.getAllProperties('rrule');
  if (props.length > 1) fail('has more than one RRULE; mcp-pa keeps one rule per item');
  const value = props[0]?.getFirstValue();
  return value ? String(value) : undefined;
}

function readEvent(component: ICAL.Component, times: Times, where: string): ImportedEvent {
  const startProp = required(component, 'dtstart');
  const startValue = timeOf(startProp);
  const start = times.moment(startProp, startValue);
  const allDay = 'date' in start;
  const zone = allDay ? times.personZone : times.zoneOf(startProp, startValue);
  const endProp = component.getFirstProperty('dtend');
  const duration = component.getFirstPropertyValue('duration');
  let end: Moment;
  if (endProp) end = times.moment(endProp, timeOf(endProp));
  else if (duration instanceof ICAL.Duration) {
    const t = startValue.clone();
    t.addDuration(duration);
    end = allDay
      ? { date: Temporal.PlainDate.from({ year: t.year, month: t.month, day: t.day }).toString() }
      : { instant: new Date(Date.parse(isoOf(start)) + duration.toSeconds() * 1000).toISOString() };
  } else end = allDay ? { date: Temporal.PlainDate.from(isoOf(start)).add({ days: 1 }).toString() } : start;
  // DTEND of an all-day event is the day after its last (RFC 5545); the tools take the last day.
  const lastDay = allDay
    ? ('date' in end ? Temporal.PlainDate.from(end.date) : fail('DTEND is a date-time but DTSTART a date')).subtract({ days: 1 })
    : undefined;
  const endTime = allDay ? (Temporal.PlainDate.compare(lastDay!, Temporal.PlainDate.from(isoOf(start))) < 0 ? isoOf(start) : lastDay!.toString()) : isoOf(end);
  const startInstant = instantOf(start, zone);
  return {
    kind: 'event',
    uid: uidOf(component),
    where,
    title: text(component, 'summary') ?? '(no title)',
    description: text(component, 'description'),
    location: text(component, 'location'),
    zone,
    all_day: allDay,
    start_time: isoOf(start),
    end_time: endTime,
    recurrence: rule(component),
    exdates: times.list(component, 'exdate').map(isoOf),
    rdates: times.list(component, 'rdate').map(isoOf),
    reminder_minutes: reminderMinutes(component, startInstant, allDay ? instantOf({ date: endTime }, zone) : isoOf(end)),
    exceptions: [],
  };
}

const PRIORITY: Record<number, ImportedTodo['priority']> = {
  1: 'urgent',
  2: 'urgent',
  3: 'high',
  4: 'high',
  5: 'medium',
  6: 'low',
  7: 'low',
  8: 'low',
  9: 'low',
};

function readTodo(component: ICAL.Component, times: Times, where: string): ImportedTodo {
  // A repeating todo without DUE repeats from its DTSTART (as Apple's and Thunderbird's may).
  const dueProp = component.getFirstProperty('due') ?? (component.hasProperty('rrule') ? component.getFirstProperty('dtstart') : null);
  const due = dueProp ? times.moment(dueProp, timeOf(dueProp)) : undefined;
  const dueInstant = due ? instantOf(due, times.personZone) : undefined;
  let reminder: string | undefined;
  for (const alarm of component.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const value = trigger?.getFirstValue();
    if (value instanceof ICAL.Time) reminder = value.toJSDate().toISOString();
    else if (value instanceof ICAL.Duration && dueInstant) reminder = new Date(Date.parse(dueInstant) + value.toSeconds() * 1000).toISOString();
    if (reminder) break;
  }
  const status = text(component, 'status')?.toUpperCase();
  const priority = Number(component.getFirstPropertyValue('priority') ?? 0);
  return {
    kind: 'todo',
    uid: uidOf(component),
    where,
    title: text(component, 'summary') ?? '(no title)',
    description: text(component, 'description'),
    due_date: due ? isoOf(due) : undefined,
    reminder_date: reminder,
    priority: PRIORITY[priority] ?? 'medium',
    completed: status === 'COMPLETED' || component.hasProperty('completed'),
    recurrence: rule(component),
    exdates: times.list(component, 'exdate').map(isoOf),
    rdates: times.list(component, 'rdate').map(isoOf),
  };
}

/**
 * Whether a VTIMEZONE's observances are what real zones have: yearly rules (or none) from 1600 on
 * (Outlook starts them in 1601),
 * a bounded list of dates. ical.js expands them without a limit when asked for an offset, so a
 * rule such as FREQ=MINUTELY from 1970 would take minutes and gigabytes; such a zone is ignored,
 * and a time that names it is refused like any unknown zone.
 */
function plainObservances(vtimezone: ICAL.Component): boolean {
  const observances = [...vtimezone.getAllSubcomponents('standard'), ...vtimezone.getAllSubcomponents('daylight')];
  if (observances.length === 0 || observances.length > 200) return false;
  return observances.every((o) => {
    const start = o.getFirstPropertyValue('dtstart');
    const rules = o.getAllProperties('rrule').map((p) => String(p.getFirstValue()));
    const dates = o.getAllProperties('rdate').reduce((n, p) => n + p.getValues().length, 0);
    return start instanceof ICAL.Time && start.year >= 1600 && rules.length <= 1 && rules.every((r) => /(^|;)FREQ=YEARLY(;|$)/.test(r)) && dates <= 200;
  });
}

/** The name a component is called by in messages: its kind, place in the file, UID and title. */
function nameOf(component: ICAL.Component, index: number): string {
  const uid = asText(component.getFirstPropertyValue('uid'));
  const summary = asText(component.getFirstPropertyValue('summary'));
  return `${component.name.toUpperCase()} ${index + 1}${uid ? ` (UID ${uid.slice(0, 80)}${summary ? `, "${summary.slice(0, MAX_TEXT)}"` : ''})` : ''}`;
}

/**
 * The events and todos of a file, exceptions attached to their series. Throws InvalidInputError
 * naming every component it cannot read (the first ten), so that nothing is imported.
 */
export function readIcs(source: string, personZone: string, field: string): ImportedItem[] {
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(source) as unknown[]);
  } catch (err) {
    throw new InvalidInputError(field, `is not an iCalendar file: ${(err as Error).message}`);
  }
  if (root.name !== 'vcalendar') throw new InvalidInputError(field, `holds a ${root.name.toUpperCase()}, not a VCALENDAR`);
  const parts = root.getAllSubcomponents();
  if (parts.length > MAX_COMPONENTS) throw new InvalidInputError(field, `holds ${parts.length} components; at most ${MAX_COMPONENTS} are imported at once`);
  const vtimezones = new Map<string, ICAL.Timezone>();
  for (const part of root.getAllSubcomponents('vtimezone')) {
    const tzid = asText(part.getFirstPropertyValue('tzid'));
    if (tzid && plainObservances(part)) vtimezones.set(tzid.trim(), new ICAL.Timezone(part));
  }
  const times = new Times(new ZoneResolver(vtimezones, ICAL.Time), personZone);
  const problems: string[] = [];
  const items: ImportedItem[] = [];
  const exceptions: { uid: string; exception: ImportedException }[] = [];
  parts.forEach((part, index) => {
    if (part.name !== 'vevent' && part.name !== 'vtodo') return;
    const where = nameOf(part, index);
    try {
      const recurrenceId = part.getFirstProperty('recurrence-id');
      if (part.name === 'vtodo') items.push(readTodo(part, times, where));
      else if (!recurrenceId) items.push(readEvent(part, times, where));
      else {
        const event = readEvent(part, times, where);
        exceptions.push({
          uid: event.uid,
          exception: {
            where,
            occurrence_start: isoOf(times.moment(recurrenceId, timeOf(recurrenceId))),
            occurrence_date: ((t) => Temporal.PlainDate.from({ year: t.year, month: t.month, day: t.day }).toString())(timeOf(recurrenceId)),
            cancelled: text(part, 'status')?.toUpperCase() === 'CANCELLED',
            start_time: event.start_time,
            end_time: event.end_time,
            title: event.title,
            description: event.description,
            location: event.location,
            reminder_minutes: event.reminder_minutes,
          },
        });
      }
    } catch (err) {
      problems.push(`${where}: ${err instanceof ComponentError ? err.message : `cannot be read (${(err as Error).message})`}`);
    }
  });
  const series = new Map(items.filter((i): i is ImportedEvent => i.kind === 'event' && i.recurrence !== undefined).map((e) => [e.uid, e]));
  for (const { uid, exception } of exceptions) {
    const master = series.get(uid);
    if (master) master.exceptions.push(exception);
    // An occurrence without its series in the file (an invitation to one meeting): a single event.
    else if (!exception.cancelled)
      items.push({
        kind: 'event',
        uid: `${uid}/${exception.occurrence_start}`,
        zone: personZone,
        all_day: !exception.start_time.includes('T'),
        exdates: [],
        rdates: [],
        exceptions: [],
        ...exception,
      });
  }
  if (problems.length) {
    throw new InvalidInputError(
      field,
      `cannot be imported, nothing was: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
    );
  }
  return items;
}
