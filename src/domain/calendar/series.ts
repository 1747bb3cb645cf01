import type { DomainContext } from '../context.js';
import { END_OF_TIME, LONG_EVENT_MS, SPAN, type EventRow, type OccurrenceRow } from '../../storage/repositories/events.js';
import { ends, expand, lastStart, seriesStart, storedList, type Series } from '../common/recurrence.js';
import { Temporal, startOfDay, toStored } from '../common/time.js';

/**
 * Recurring events. A series is one row of `events` (long_event = SPAN.series) whose start_at and
 * end_at are its first occurrence. Its occurrences are kept in event_occurrences for a window
 * around now (KEEP_BEFORE_MS before, KEEP_AFTER_MS after), rebuilt on every change of the series;
 * a read outside that window expands the rule itself. Changes made to one occurrence are the
 * series' `exceptions`, by original start: an exception keeps the fields it overrode and follows
 * the series in the others; when the series changes so that its original start is no longer an
 * occurrence, it goes (issue 14's rule; RFC 5545 leaves it open).
 */

/** The fields one occurrence may change (times are start_at and end_at of the exception). */
export const OVERRIDABLE = ['title', 'description', 'location', 'attendees', 'reminder_minutes'] as const;
type Overridable = (typeof OVERRIDABLE)[number];

export interface Exception {
  /** A moved occurrence: its new span (stored instants). */
  start_at?: string;
  end_at?: string;
  fields?: Partial<Pick<EventRow, Overridable>>;
}
export type Exceptions = Record<string, Exception>;

const DAY_MS = 86_400_000;
const KEEP_BEFORE_MS = 366 * DAY_MS;
const KEEP_AFTER_MS = 2 * 366 * DAY_MS;
/** At most this many occurrences are kept per series (a daily series over the whole window fits). */
const MAX_KEPT = 1200;
/** covered_from of a series kept from its very first occurrence. */
const BEGINNING = '0000-01-01T00:00:00.000Z';

export const exceptionsOf = (row: Pick<EventRow, 'exceptions'>): Exceptions => JSON.parse(row.exceptions) as Exceptions;

export function seriesOf(row: Pick<EventRow, 'recurrence' | 'start_at' | 'all_day' | 'timezone' | 'exdates' | 'rdates'>): Series {
  const dates = row.all_day === 1;
  const start = Temporal.Instant.from(row.start_at).toZonedDateTimeISO(row.timezone);
  return {
    rule: row.recurrence!,
    start: dates ? seriesStart(row.start_at, row.timezone, true, start.toPlainDate().toString()) : start,
    dates,
    exdates: storedList(row.exdates),
    rdates: storedList(row.rdates),
  };
}

/** The span of the occurrence starting at `start`: all-day ones cover as many whole days as the first. */
export function occurrenceSpan(row: Pick<EventRow, 'start_at' | 'end_at' | 'all_day' | 'timezone'>, start: string): { start_at: string; end_at: string } {
  if (row.all_day === 1) {
    const day = (s: string) => Temporal.Instant.from(s).toZonedDateTimeISO(row.timezone).toPlainDate();
    const days = day(row.start_at).until(day(row.end_at)).days;
    return { start_at: start, end_at: toStored(startOfDay(day(start).add({ days }), row.timezone)) };
  }
  return { start_at: start, end_at: new Date(Date.parse(start) + Date.parse(row.end_at) - Date.parse(row.start_at)).toISOString() };
}

const longFlag = (span: { start_at: string; end_at: string }) =>
  Date.parse(span.end_at) - Date.parse(span.start_at) > LONG_EVENT_MS ? SPAN.long : SPAN.single;

/** An occurrence of a series as a list shows it: its original start and its (possibly moved) span. */
export interface Occurrence {
  occurrence_start: string;
  start_at: string;
  end_at: string;
}

/** The occurrence at original start `start`, its exception applied. */
function occurrenceAt(row: EventRow, exceptions: Exceptions, start: string): Occurrence {
  const moved = exceptions[start];
  const span = occurrenceSpan(row, start);
  return { occurrence_start: start, start_at: moved?.start_at ?? span.start_at, end_at: moved?.end_at ?? span.end_at };
}

const maxOf = (values: readonly string[]) => values.reduce((a, b) => (a > b ? a : b));

/**
 * Writes what a series row derives from its rule (series_end, the kept window) and rebuilds its
 * kept occurrences. Called after every change of a series.
 */
export async function keepOccurrences(ctx: DomainContext, row: EventRow): Promise<void> {
  const series = seriesOf(row);
  const exceptions = exceptionsOf(row);
  const duration = Date.parse(row.end_at) - Date.parse(row.start_at);
  const now = ctx.now.epochMilliseconds;
  const from = Math.max(Date.parse(row.start_at), now - KEEP_BEFORE_MS);
  const to = now + KEEP_AFTER_MS;
  const found = expand(series, new Date(from - duration).toISOString(), new Date(to).toISOString(), MAX_KEPT);
  const last = ends(series.rule) ? lastStart(series, 10_000) : undefined;
  const movedEnds = Object.values(exceptions).flatMap((e) => (e.end_at ? [e.end_at] : []));
  // A series too long to walk to its end counts as endless (it is expanded when read).
  const seriesEnd = ends(series.rule) && last !== undefined ? maxOf([occurrenceSpan(row, last).end_at, row.end_at, ...movedEnds]) : END_OF_TIME;
  const occurrences = new Map<string, Occurrence>();
  for (const start of found.starts) occurrences.set(start, occurrenceAt(row, exceptions, start));
  // Exceptions are kept wherever they are (moved far, or outside the window): reads never expand them.
  for (const start of Object.keys(exceptions)) occurrences.set(start, occurrenceAt(row, exceptions, start));
  const coveredTo = !found.complete ? found.starts.at(-1)! : last !== undefined && last < new Date(to).toISOString() ? END_OF_TIME : new Date(to).toISOString();
  await ctx.events.update(row.id, {
    series_end: seriesEnd,
    covered_from: from <= Date.parse(row.start_at) ? BEGINNING : new Date(from).toISOString(),
    covered_to: coveredTo,
  });
  const rows: OccurrenceRow[] = [...occurrences.values()].map((o) => ({ ...o, long_event: longFlag(o) }));
  await ctx.events.replaceOccurrences(row.id, rows);
}

/**
 * Occurrences of a series overlapping [from, to) that a read must expand itself (outside the kept
 * window), starting at or after `notBefore`, at most `cap`. Exceptions are left out: they are kept.
 */
export function expandOccurrences(row: EventRow, range: { from: string; to: string }, notBefore: string, cap: number): Occurrence[] {
  const exceptions = exceptionsOf(row);
  // An all-day occurrence may last an hour longer than the first one did (a daylight-saving day).
  const duration = Date.parse(row.end_at) - Date.parse(row.start_at) + (row.all_day === 1 ? 3_600_000 : 0);
  const lo = new Date(Math.max(Date.parse(range.from) - duration, Date.parse(notBefore))).toISOString();
  return expand(seriesOf(row), lo, range.to, cap)
    .starts.filter((start) => exceptions[start] === undefined)
    .map((start) => occurrenceAt(row, exceptions, start))
    .filter((o) => o.start_at < range.to && o.end_at > range.from);
}

/** The row as one occurrence shows it: the series' fields, the exception's where it overrode them. */
export function withException(row: EventRow, exception: Exception | undefined): EventRow {
  return exception?.fields ? { ...row, ...exception.fields } : row;
}
