import { Temporal } from 'temporal-polyfill';
import { InvalidInputError } from '../../errors.js';

export { Temporal };

let systemZone: string | undefined;

/** The zone the machine runs in (read once: building an Intl formatter per call is slow). */
export function systemTimeZone(): string {
  return (systemZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}

/** The canonical IANA name of tz, or an error naming the field. */
export function checkTimeZone(tz: string, field: string): string {
  try {
    return Temporal.Now.zonedDateTimeISO(tz.trim()).timeZoneId;
  } catch {
    throw new InvalidInputError(field, `${JSON.stringify(tz)} is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC`);
  }
}

/** How instants are stored: UTC, millisecond precision, fixed width, so text order is time order. */
export function toStored(instant: Temporal.Instant): string {
  return instant.toString({ smallestUnit: 'millisecond' });
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, number>();
const DAY_MS = 86_400_000;

/** The zone's UTC offset in minutes at an instant, from Intl ("GMT+05:30"). */
function offsetAt(epochMs: number, zone: string): number {
  let formatter = offsetFormatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormatters.set(zone, formatter);
  }
  const name = formatter.formatToParts(epochMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * The offset, cached per zone and UTC day: a day whose two ends have the same offset has no
 * transition inside (a zone's transitions are weeks apart), so every instant in it shares it.
 * Days with a transition are not cached.
 */
function cachedOffset(epochMs: number, zone: string): number {
  const day = Math.floor(epochMs / DAY_MS);
  const key = `${zone}|${day}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const start = offsetAt(day * DAY_MS, zone);
  if (start !== offsetAt((day + 1) * DAY_MS - 1, zone)) return offsetAt(epochMs, zone);
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, start);
  return start;
}

/** An instant as users see it: in their zone, with its offset, to the second. */
export function formatInstant(stored: string, zone: string): string {
  const epochMs = Date.parse(stored);
  const offset = cachedOffset(epochMs, zone);
  const local = new Date(epochMs + offset * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export type Moment = { kind: 'date'; date: Temporal.PlainDate } | { kind: 'instant'; instant: Temporal.Instant };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Whether a value is written as ISO 8601 (a date, or a date-time), not in words. */
export const isIsoText = (value: string) => DATE.test(value.trim()) || DATE_TIME.test(value.trim());
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(?<offset>Z|[+-]\d{2}(:?\d{2})?)?(?<zone>\[[^\]]{1,64}\])?$/i;

/**
 * The years a date may lie in. Before 1900 time zones ran on local mean time (offsets with
 * seconds), and dates far outside a person's life are typing mistakes (year 0000, 9999) that
 * would sort and display wrongly; the bounds are generous for planning and history.
 */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2200;
const YEAR_RANGE = `dates must lie in the years from ${FIRST_YEAR} to ${LAST_YEAR}`;

function checkYear(year: number, value: string, field: string) {
  if (year < FIRST_YEAR || year > LAST_YEAR) throw new InvalidInputError(field, `${JSON.stringify(value)} is out of range: ${YEAR_RANGE}`);
}

/** Every instant some zone calls a day of FIRST_YEAR to LAST_YEAR (zones run from UTC-12 to UTC+14). */
const EARLIEST = Temporal.Instant.from(`${FIRST_YEAR}-01-01T00:00:00+14:00`);
const LATEST = Temporal.Instant.from(`${LAST_YEAR + 1}-01-01T00:00:00-12:00`);

/** A stored instant (UTC) in the range of years, or an error naming the field. */
export function checkInstantInRange(instant: Temporal.Instant, value: string, field: string) {
  if (Temporal.Instant.compare(instant, EARLIEST) < 0 || Temporal.Instant.compare(instant, LATEST) >= 0) {
    throw new InvalidInputError(field, `${JSON.stringify(value)} is out of range: ${YEAR_RANGE}`);
  }
}

/** A wall-clock reading as people write it: to the minute, unless it has seconds. */
const clock = (t: Temporal.PlainDateTime | Temporal.PlainTime) =>
  t.second || t.millisecond || t.microsecond || t.nanosecond ? t.toString() : t.toString({ smallestUnit: 'minute' });
const reading = (z: Temporal.ZonedDateTime) => `${clock(z.toPlainDateTime())}${z.offset}`;

/**
 * A wall-clock time in a zone. A time the clocks skip (inside a daylight-saving gap, such as 02:30
 * in Berlin on the last Sunday of March) is refused, naming the two readings it could have meant:
 * moving it silently would turn a 02:30-03:30 event into 03:30-03:30. A time that happens twice
 * (when the clocks go back) is the first of the two, as RFC 5545 reads it; an offset picks either.
 */
function resolveLocalTime(local: Temporal.PlainDateTime, zone: string, field: string): Temporal.Instant {
  const earlier = local.toZonedDateTime(zone, { disambiguation: 'earlier' });
  if (Temporal.PlainDateTime.compare(earlier.toPlainDateTime(), local) === 0) return earlier.toInstant();
  const later = local.toZonedDateTime(zone, { disambiguation: 'later' });
  const jump = later.getTimeZoneTransition('previous');
  const to = jump ? jump.toPlainDateTime().toPlainTime() : later.toPlainDateTime().toPlainTime();
  const from = to.subtract({ nanoseconds: later.offsetNanoseconds - earlier.offsetNanoseconds });
  throw new InvalidInputError(
    field,
    `${clock(local)} does not exist in ${zone}: the clocks jump from ${clock(from)} to ${clock(to)} that day. ` +
      `Did you mean ${reading(later)} (after the jump) or ${reading(earlier)} (before it)? Give one of these, or another time.`,
  );
}

/**
 * Reads a date or date-time as users write it: `2026-12-01`, `2026-12-01T09:30` (in `zone`),
 * `2026-12-01T09:30:00Z`, `2026-12-01T09:30:00+02:00`, or with an IANA zone in brackets. Years
 * run from FIRST_YEAR to LAST_YEAR; a local time the clocks skip is refused (resolveLocalTime).
 */
export function parseMoment(value: string, zone: string, field: string): Moment {
  const text = value.trim();
  const fail = () =>
    new InvalidInputError(
      field,
      `${JSON.stringify(value)} is not a date; use ISO 8601 such as 2026-12-01, 2026-12-01T09:30 (read in ${zone}) or 2026-12-01T09:30:00Z`,
    );
  try {
    if (DATE.test(text)) {
      const date = Temporal.PlainDate.from(text, { overflow: 'reject' });
      checkYear(date.year, value, field);
      return { kind: 'date', date };
    }
    const m = DATE_TIME.exec(text);
    if (!m) throw fail();
    checkYear(Number(text.slice(0, 4)), value, field);
    const iso = text.replace(' ', 'T');
    if (m.groups?.offset) {
      return { kind: 'instant', instant: m.groups.zone ? Temporal.ZonedDateTime.from(iso).toInstant() : Temporal.Instant.from(iso) };
    }
    const bracketed = m.groups?.zone;
    const local = Temporal.PlainDateTime.from(bracketed ? iso.slice(0, -bracketed.length) : iso, { overflow: 'reject' });
    return { kind: 'instant', instant: resolveLocalTime(local, bracketed ? Temporal.Now.zonedDateTimeISO(bracketed.slice(1, -1)).timeZoneId : zone, field) };
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw fail();
  }
}

/** Only a calendar date (project start and end): a date-time is read in `zone` and its date kept. */
export function parseDate(value: string, zone: string, field: string): Temporal.PlainDate {
  const m = parseMoment(value, zone, field);
  return m.kind === 'date' ? m.date : m.instant.toZonedDateTimeISO(zone).toPlainDate();
}

const dayStarts = new Map<string, Temporal.Instant>();

/**
 * When a day begins in a zone. Remembered (instants are immutable): working it out goes through the
 * zone's rules each time, and a bulk call or a dashboard asks for the same few days again and again.
 */
export function startOfDay(date: Temporal.PlainDate, zone: string): Temporal.Instant {
  const key = `${date.toString()}|${zone}`;
  let start = dayStarts.get(key);
  if (!start) {
    if (dayStarts.size > 10_000) dayStarts.clear();
    dayStarts.set(key, (start = date.toZonedDateTime({ timeZone: zone }).toInstant()));
  }
  return start;
}

/** The last millisecond of `date` in `zone`: a thing due "on" a date is due until the day ends. */
function endOfDay(date: Temporal.PlainDate, zone: string): Temporal.Instant {
  return startOfDay(date.add({ days: 1 }), zone).subtract({ milliseconds: 1 });
}

/** A due date as stored: the instant it falls due, and the plain date when the user gave only a date. */
export interface Due {
  at: string;
  date: string | null;
}

export function parseDue(value: string, zone: string, field: string): Due {
  const m = parseMoment(value, zone, field);
  return m.kind === 'date' ? { at: toStored(endOfDay(m.date, zone)), date: m.date.toString() } : { at: toStored(m.instant), date: null };
}

/** For output: the plain date when the user gave one, otherwise the instant in the user's zone. */
export function formatDue(at: string | null, date: string | null, zone: string): string | null {
  if (at === null) return null;
  return date ?? formatInstant(at, zone);
}

/** [start of the day containing `now`, start of the day `days` later) in `zone`, as stored strings. */
export function dayWindow(now: Temporal.Instant, zone: string, days = 1): { from: string; to: string } {
  const today = now.toZonedDateTimeISO(zone).toPlainDate();
  return { from: toStored(startOfDay(today, zone)), to: toStored(startOfDay(today.add({ days }), zone)) };
}

/** A due-date filter's bound: a plain date is the start of that day (due_before 2026-12-02 keeps what is due on the 1st). */
function rangeStart(value: string | undefined, zone: string, field: string): string | undefined {
  if (value === undefined) return undefined;
  const m = parseMoment(value, zone, field);
  return toStored(m.kind === 'instant' ? m.instant : startOfDay(m.date, zone));
}

/** A list's due range (due_after inclusive, due_before exclusive), refused when nothing could match. */
export function dueRange(input: { due_before?: string; due_after?: string }, zone: string): { dueBefore?: string; dueAfter?: string } {
  const dueBefore = rangeStart(input.due_before, zone, 'due_before');
  const dueAfter = rangeStart(input.due_after, zone, 'due_after');
  if (dueBefore !== undefined && dueAfter !== undefined && dueBefore <= dueAfter) {
    throw new InvalidInputError('due_before', 'must be later than due_after, or nothing can match');
  }
  return { dueBefore, dueAfter };
}

/** A range bound: a plain date start is the start of that day; a plain date end includes that day. */
export function rangeBound(value: string, zone: string, field: string, edge: 'start' | 'end'): string {
  const m = parseMoment(value, zone, field);
  if (m.kind === 'instant') return toStored(m.instant);
  return toStored(startOfDay(edge === 'start' ? m.date : m.date.add({ days: 1 }), zone));
}
