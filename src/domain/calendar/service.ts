import { newItemColumns, tagsAndZone } from '../common/rows.js';
import type { DomainContext } from '../context.js';
import { LONG_EVENT_MS, type EventRow } from '../../storage/repositories/events.js';
import type { Lock } from '../../storage/repositories/items.js';
import type { TagsById } from '../../storage/repositories/tags.js';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { decodeCursor, toPage } from '../common/pagination.js';
import { indexItem } from '../search/entries.js';
import { Temporal, checkTimeZone, dayWindow, formatInstant, parseMoment, startOfDay, toStored } from '../common/time.js';
import type { CreateEventInput, Event, ListEventsInput, UpdateEventInput } from './schema.js';

const HINT = 'Use list_calendar_events to find event ids.';

async function requireEvent(ctx: DomainContext, id: string, lock?: Lock): Promise<EventRow> {
  const row = await ctx.events.findLive(id, lock);
  if (!row) throw new NotFoundError('event', id, 'event_id', HINT);
  return row;
}

/** The stored span of an event: [start, end) instants, all-day events covering whole days of their zone. */
interface Span {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

function allDaySpan(start: string, end: string, zone: string): Span {
  const first = toDate(start, zone, 'start_time');
  const last = toDate(end, zone, 'end_time');
  if (Temporal.PlainDate.compare(last, first) < 0) {
    throw new InvalidInputError('end_time', `${last} is before start_time ${first}; an all-day event ends on or after its first day`);
  }
  return { start: startOfDay(first, zone), end: startOfDay(last.add({ days: 1 }), zone) };
}

function toDate(value: string, zone: string, field: string): Temporal.PlainDate {
  const m = parseMoment(value, zone, field);
  return m.kind === 'date' ? m.date : m.instant.toZonedDateTimeISO(zone).toPlainDate();
}

function toInstant(value: string, zone: string, field: string): Temporal.Instant {
  const m = parseMoment(value, zone, field);
  if (m.kind === 'date') {
    throw new InvalidInputError(field, `${value} is a date without a time; give a time (e.g. ${value}T09:00) or set all_day: true`);
  }
  return m.instant;
}

function timedSpan(start: Temporal.Instant, end: Temporal.Instant, zone: string): Span {
  if (Temporal.Instant.compare(end, start) < 0) {
    throw new InvalidInputError(
      'end_time',
      `${formatInstant(toStored(end), zone)} is before start_time ${formatInstant(toStored(start), zone)}; the end must not come before the start`,
    );
  }
  return { start, end };
}

function spanColumns(span: Span) {
  return {
    start_at: toStored(span.start),
    end_at: toStored(span.end),
    long_event: span.end.epochMilliseconds - span.start.epochMilliseconds > LONG_EVENT_MS ? 1 : 0,
  };
}

/** How an event's times read to users: dates for all-day events (last day inclusive), else date-times in its zone. */
function displayTimes(row: Pick<EventRow, 'start_at' | 'end_at' | 'all_day' | 'timezone'>) {
  if (row.all_day === 1) {
    const start = Temporal.Instant.from(row.start_at).toZonedDateTimeISO(row.timezone).toPlainDate();
    const end = Temporal.Instant.from(row.end_at).toZonedDateTimeISO(row.timezone).toPlainDate().subtract({ days: 1 });
    return { start_time: start.toString(), end_time: end.toString() };
  }
  return { start_time: formatInstant(row.start_at, row.timezone), end_time: formatInstant(row.end_at, row.timezone) };
}

/** Events as users see them; `known` tags (by id) save the query when the caller has them. */
export async function presentEvents(ctx: DomainContext, rows: readonly EventRow[], known?: TagsById): Promise<Event[]> {
  const [tags, zone] = await tagsAndZone(ctx, 'event', rows, known);
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    description: r.description,
    ...displayTimes(r),
    all_day: r.all_day === 1,
    timezone: r.timezone,
    location: r.location,
    attendees: JSON.parse(r.attendees) as string[],
    reminder_minutes: r.reminder_minutes,
    tags: tags.get(r.id) ?? [],
    created_at: formatInstant(r.created_at, zone),
    updated_at: formatInstant(r.updated_at, zone),
  }));
}

async function reindexed(ctx: DomainContext, id: string): Promise<Event> {
  const row = await requireEvent(ctx, id);
  await indexItem(ctx, { kind: 'event', row });
  const [event] = await presentEvents(ctx, [row]);
  return event!;
}

export async function createEvent(ctx: DomainContext, input: CreateEventInput): Promise<Event> {
  const zone = input.timezone === undefined ? await ctx.zone() : checkTimeZone(input.timezone, 'timezone');
  const span = input.all_day
    ? allDaySpan(input.start_time, input.end_time, zone)
    : timedSpan(toInstant(input.start_time, zone, 'start_time'), toInstant(input.end_time, zone, 'end_time'), zone);
  const { id, ...lifecycle } = newItemColumns(ctx);
  await ctx.events.insert({
    id,
    ...lifecycle,
    title: input.title,
    description: input.description || null,
    ...spanColumns(span),
    all_day: input.all_day ? 1 : 0,
    timezone: zone,
    location: input.location || null,
    attendees: JSON.stringify(input.attendees),
    reminder_minutes: input.reminder_minutes ?? null,
  });
  await ctx.tags.set('event', id, input.tags);
  return reindexed(ctx, id);
}

/** The new span of an updated event: given times win; a moved start keeps the event's length. */
function updatedSpan(current: EventRow, input: UpdateEventInput, zone: string, allDay: boolean): Span | undefined {
  const timesChange = input.start_time !== undefined || input.end_time !== undefined;
  if (!timesChange && allDay === (current.all_day === 1) && zone === current.timezone) return undefined;
  const shown = displayTimes(current);
  if (allDay) {
    // Dates as the user sees them now, re-read in the (possibly new) zone.
    return allDaySpan(input.start_time ?? shown.start_time, input.end_time ?? shown.end_time, zone);
  }
  const oldStart = Temporal.Instant.from(current.start_at);
  const oldEnd = Temporal.Instant.from(current.end_at);
  const start = input.start_time === undefined ? oldStart : toInstant(input.start_time, zone, 'start_time');
  const end =
    input.end_time !== undefined
      ? toInstant(input.end_time, zone, 'end_time')
      : input.start_time !== undefined
        ? start.add({ milliseconds: oldEnd.epochMilliseconds - oldStart.epochMilliseconds })
        : oldEnd;
  return timedSpan(start, end, zone);
}

export async function updateEvent(ctx: DomainContext, input: UpdateEventInput): Promise<Event> {
  const current = await requireEvent(ctx, input.event_id, { lock: true });
  const zone = input.timezone === undefined ? current.timezone : checkTimeZone(input.timezone, 'timezone');
  const allDay = input.all_day ?? current.all_day === 1;
  const span = updatedSpan(current, input, zone, allDay);
  await ctx.events.update(current.id, {
    title: input.title,
    description: input.description === undefined ? undefined : input.description || null,
    ...(span ? spanColumns(span) : {}),
    all_day: input.all_day === undefined ? undefined : allDay ? 1 : 0,
    timezone: input.timezone === undefined ? undefined : zone,
    location: input.location === undefined ? undefined : input.location || null,
    attendees: input.attendees === undefined ? undefined : JSON.stringify(input.attendees),
    reminder_minutes: input.reminder_minutes,
    updated_at: toStored(ctx.now),
  });
  if (input.tags !== undefined) await ctx.tags.set('event', current.id, input.tags);
  return reindexed(ctx, current.id);
}

/** A range bound: a plain date start is the start of that day; a plain date end includes that day. */
function bound(value: string, zone: string, field: string, edge: 'start' | 'end'): string {
  const m = parseMoment(value, zone, field);
  if (m.kind === 'instant') return toStored(m.instant);
  return toStored(startOfDay(edge === 'start' ? m.date : m.date.add({ days: 1 }), zone));
}

export async function listEvents(ctx: DomainContext, input: ListEventsInput) {
  const zone = await ctx.zone();
  const from = input.start_date === undefined ? dayWindow(ctx.now, zone).from : bound(input.start_date, zone, 'start_date', 'start');
  const to = input.end_date === undefined ? '9999-12-31T23:59:59.999Z' : bound(input.end_date, zone, 'end_date', 'end');
  if (to <= from) throw new InvalidInputError('end_date', 'must be after start_date, or no event can fall between them');
  const rows = await ctx.events.overlapping({ from, to, tag: input.tag }, decodeCursor(input.cursor, 2), input.limit);
  const page = toPage(
    rows,
    input.limit,
    (r) => [r.start_at, r.id],
    (r) => r,
  );
  return { items: await presentEvents(ctx, page.items), next_cursor: page.next_cursor };
}
