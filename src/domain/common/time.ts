import { Temporal } from 'temporal-polyfill';
import { InvalidInputError } from './errors.js';

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

export function nowStored(now: Temporal.Instant): string {
  return toStored(now);
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

export function formatNullableInstant(stored: string | null, zone: string): string | null {
  return stored === null ? null : formatInstant(stored, zone);
}

export type Moment = { kind: 'date'; date: Temporal.PlainDate } | { kind: 'instant'; instant: Temporal.Instant };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(?<offset>Z|[+-]\d{2}(:?\d{2})?)?(?<zone>\[[^\]]{1,64}\])?$/i;

/**
 * Reads a date or date-time as users write it: `2026-12-01`, `2026-12-01T09:30` (in `zone`),
 * `2026-12-01T09:30:00Z`, `2026-12-01T09:30:00+02:00`, or with an IANA zone in brackets.
 */
export function parseMoment(value: string, zone: string, field: string): Moment {
  const text = value.trim();
  const fail = () =>
    new InvalidInputError(
      field,
      `${JSON.stringify(value)} is not a date; use ISO 8601 such as 2026-12-01, 2026-12-01T09:30 (read in ${zone}) or 2026-12-01T09:30:00Z`,
    );
  try {
    if (DATE.test(text)) return { kind: 'date', date: Temporal.PlainDate.from(text, { overflow: 'reject' }) };
    const m = DATE_TIME.exec(text);
    if (!m) throw fail();
    const iso = text.replace(' ', 'T');
    if (m.groups?.offset) return { kind: 'instant', instant: Temporal.Instant.from(iso) };
    if (m.groups?.zone) return { kind: 'instant', instant: Temporal.ZonedDateTime.from(iso).toInstant() };
    const local = Temporal.PlainDateTime.from(iso, { overflow: 'reject' });
    return { kind: 'instant', instant: local.toZonedDateTime(zone, { disambiguation: 'compatible' }).toInstant() };
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

export function startOfDay(date: Temporal.PlainDate, zone: string): Temporal.Instant {
  return date.toZonedDateTime({ timeZone: zone }).toInstant();
}

/** The last millisecond of `date` in `zone`: a thing due "on" a date is due until the day ends. */
export function endOfDay(date: Temporal.PlainDate, zone: string): Temporal.Instant {
  return startOfDay(date.add({ days: 1 }), zone).subtract({ milliseconds: 1 });
}

/** A due date as stored: the instant it falls due, and the plain date when the user gave only a date. */
export interface Due {
  at: string;
  date: string | null;
}

export function parseDue(value: string, zone: string, field: string): Due {
  const m = parseMoment(value, zone, field);
  return m.kind === 'date'
    ? { at: toStored(endOfDay(m.date, zone)), date: m.date.toString() }
    : { at: toStored(m.instant), date: null };
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
