import { attachmentsOf } from '../documents/attachments.js';
import { newItemColumns, tagsOf } from '../common/rows.js';
import type { DomainContext } from '../context.js';
import { LONG_EVENT_MS, SPAN, stillToExpand, type EventRow, type StoredOccurrence } from '../../storage/repositories/events.js';
import type { Lock } from '../../storage/repositories/items.js';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { newId } from '../common/ids.js';
import { remindersChanged } from '../reminders/changed.js';
import { checkRepeats, checkRule, countOf, expand, isOccurrence, parseSeriesDates, storedList, untilBefore, withEnd } from '../common/recurrence.js';
import {
  OVERRIDABLE,
  exceptionsOf,
  expandOccurrences,
  keepOccurrences,
  occurrenceSpan,
  seriesOf,
  withException,
  type Exceptions,
  type Occurrence,
} from './series.js';
import { decodeCursor, toPage } from '../common/pagination.js';
import { indexItem } from '../search/entries.js';
import { Temporal, checkTimeZone, dayWindow, formatInstant, parseMoment, rangeBound, startOfDay, toStored } from '../common/time.js';
import type { CreateEventInput, Event, ListEventsInput, UpdateEventInput } from './schema.js';
import type { Key } from '../../storage/repositories/keyset.js';
import { mapped, type Fetch } from '../../storage/repositories/fetches.js';

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

function spanColumns(span: Span, recurring: boolean) {
  return {
    start_at: toStored(span.start),
    end_at: toStored(span.end),
    long_event: recurring ? SPAN.series : span.end.epochMilliseconds - span.start.epochMilliseconds > LONG_EVENT_MS ? SPAN.long : SPAN.single,
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

/** An instant of an event as users read it: the date for all-day events, else the date-time in its zone. */
function displayInstant(row: Pick<EventRow, 'all_day' | 'timezone'>, at: string): string {
  return row.all_day === 1 ? Temporal.Instant.from(at).toZonedDateTimeISO(row.timezone).toPlainDate().toString() : formatInstant(at, row.timezone);
}

/** A series' extra or left-out dates as users read them. */
const displayDates = (row: EventRow, json: string): string[] => storedList(json).map((at) => displayInstant(row, at));

/** A row to show: a single event or series, or one occurrence of a series (its span and exception applied). */
export type Shown = EventRow & { occurrence?: Occurrence };

/** Events as users see them. */
async function presentEvents(ctx: DomainContext, rows: readonly Shown[]): Promise<Event[]> {
  return ctx.fetch(presentingEvents(ctx, rows, await ctx.zone()));
}

/** Events as users see them, as one fetch: their tags and attachments. */
export function presentingEvents(ctx: DomainContext, rows: readonly Shown[], zone: string): Fetch<Event[]> {
  const ids = [...new Set(rows.map((r) => r.id))];
  return mapped(ctx.gathered([tagsOf(ctx, 'event', ids), attachmentsOf(ctx, 'event', ids)]), ([tags, attached]) =>
    rows.map(({ occurrence, ...series }) => {
      const r = occurrence
        ? { ...withException(series, exceptionsOf(series)[occurrence.occurrence_start]), start_at: occurrence.start_at, end_at: occurrence.end_at }
        : series;
      return {
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
        recurrence: r.recurrence,
        exdates: displayDates(r, r.exdates),
        rdates: displayDates(r, r.rdates),
        occurrence_of: occurrence ? r.id : null,
        todo_id: r.todo_id,
        attachments: attached.get(r.id) ?? [],
        occurrence_start: occurrence ? displayInstant(r, occurrence.occurrence_start) : null,
        created_at: formatInstant(r.created_at, zone),
        updated_at: formatInstant(r.updated_at, zone),
      };
    }),
  );
}

async function reindexed(ctx: DomainContext, id: string): Promise<Event> {
  await remindersChanged(ctx);
  const row = await requireEvent(ctx, id);
  await indexItem(ctx, { kind: 'event', row });
  const [event] = await presentEvents(ctx, [row]);
  return event!;
}

/** The recurrence columns of an event starting at `start`: the rule checked, its dates parsed. */
function recurrenceColumns(
  input: { recurrence?: string | null; exdates?: string[]; rdates?: string[] },
  current: Pick<EventRow, 'recurrence' | 'exdates' | 'rdates'> | undefined,
  start: Temporal.ZonedDateTime,
  allDay: boolean,
) {
  const rule = input.recurrence === undefined ? (current?.recurrence ?? null) : input.recurrence === null ? null : checkRule(input.recurrence);
  if (rule === null) {
    for (const field of ['exdates', 'rdates'] as const) {
      if (input[field]?.length) throw new InvalidInputError(field, 'belongs to a recurring event; give a recurrence too');
    }
    return { recurrence: null, exdates: '[]', rdates: '[]', exceptions: '{}', series_end: null, covered_from: null, covered_to: null };
  }
  const seriesStart = allDay ? start.toPlainDate().toZonedDateTime({ timeZone: start.timeZoneId }) : start;
  const dates = (field: 'exdates' | 'rdates') =>
    input[field] === undefined ? storedList(current?.[field] ?? '[]') : parseSeriesDates(input[field], seriesStart, field);
  const columns = { recurrence: rule, exdates: dates('exdates'), rdates: dates('rdates') };
  checkRepeats({ rule, start: seriesStart, dates: allDay, exdates: columns.exdates, rdates: columns.rdates });
  return { ...columns, exdates: JSON.stringify(columns.exdates), rdates: JSON.stringify(columns.rdates) };
}

export async function createEvent(ctx: DomainContext, input: CreateEventInput): Promise<Event> {
  const zone = input.timezone === undefined ? await ctx.zone() : checkTimeZone(input.timezone, 'timezone');
  const span = input.all_day
    ? allDaySpan(input.start_time, input.end_time, zone)
    : timedSpan(toInstant(input.start_time, zone, 'start_time'), toInstant(input.end_time, zone, 'end_time'), zone);
  const recurrence = recurrenceColumns(input, undefined, span.start.toZonedDateTimeISO(zone), input.all_day);
  const { id, ...lifecycle } = newItemColumns(ctx);
  await ctx.events.insert({
    id,
    ...lifecycle,
    title: input.title,
    description: input.description || null,
    ...spanColumns(span, recurrence.recurrence !== null),
    all_day: input.all_day ? 1 : 0,
    timezone: zone,
    location: input.location || null,
    attendees: JSON.stringify(input.attendees),
    reminder_minutes: input.reminder_minutes ?? null,
    ...recurrence,
  });
  await ctx.tags.set('event', id, input.tags);
  if (recurrence.recurrence !== null) await keepOccurrences(ctx, await requireEvent(ctx, id));
  return withConflicts(ctx, await reindexed(ctx, id), spanColumns(span, false));
}

/** The new span of an updated event: given times win; a moved start keeps the event's length. */
function updatedSpan(
  current: Pick<EventRow, 'start_at' | 'end_at' | 'all_day' | 'timezone'>,
  input: UpdateEventInput,
  zone: string,
  allDay: boolean,
): Span | undefined {
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

/** Exceptions whose original start is still an occurrence of the (changed) series; the others go. */
function survivingExceptions(row: EventRow): string {
  const series = seriesOf(row);
  const kept: Exceptions = {};
  for (const [start, exception] of Object.entries(exceptionsOf(row))) if (isOccurrence(series, start)) kept[start] = exception;
  return JSON.stringify(kept);
}

/**
 * A series moved to a new start keeps its left-out and extra dates where they were relative to it:
 * each moves by the same change of wall-clock time (a 09:00 series moved to 10:00 still skips the
 * 11 January occurrence, now at 10:00).
 */
function shiftedDates(current: EventRow, start: Temporal.ZonedDateTime): EventRow {
  const before = Temporal.Instant.from(current.start_at).toZonedDateTimeISO(current.timezone).toPlainDateTime();
  const after = start.toPlainDateTime();
  if (current.recurrence === null || Temporal.PlainDateTime.compare(before, after) === 0) return current;
  const change = before.until(after, { largestUnit: 'day' });
  const shift = (json: string) =>
    JSON.stringify(
      storedList(json).map((at) =>
        toStored(Temporal.Instant.from(at).toZonedDateTimeISO(current.timezone).toPlainDateTime().add(change).toZonedDateTime(start.timeZoneId).toInstant()),
      ),
    );
  return { ...current, exdates: shift(current.exdates), rdates: shift(current.rdates) };
}

/** Changes the event, or a whole series (scope all). */
async function updateWhole(ctx: DomainContext, current: EventRow, input: UpdateEventInput): Promise<Event> {
  const zone = input.timezone === undefined ? current.timezone : checkTimeZone(input.timezone, 'timezone');
  const allDay = input.all_day ?? current.all_day === 1;
  const span = updatedSpan(current, input, zone, allDay);
  const start = span ? span.start : Temporal.Instant.from(current.start_at);
  const recurrence = recurrenceColumns(input, shiftedDates(current, start.toZonedDateTimeISO(zone)), start.toZonedDateTimeISO(zone), allDay);
  const recurring = recurrence.recurrence !== null;
  const spanOf = span ?? { start, end: Temporal.Instant.from(current.end_at) };
  await ctx.events.update(current.id, {
    title: input.title,
    description: input.description === undefined ? undefined : input.description || null,
    ...spanColumns(spanOf, recurring),
    all_day: input.all_day === undefined ? undefined : allDay ? 1 : 0,
    timezone: input.timezone === undefined ? undefined : zone,
    location: input.location === undefined ? undefined : input.location || null,
    attendees: input.attendees === undefined ? undefined : JSON.stringify(input.attendees),
    reminder_minutes: input.reminder_minutes,
    ...recurrence,
    updated_at: toStored(ctx.now),
  });
  if (input.tags !== undefined) await ctx.tags.set('event', current.id, input.tags);
  if (recurring) {
    const changed = await requireEvent(ctx, current.id);
    await ctx.events.update(current.id, { exceptions: survivingExceptions({ ...changed, exceptions: current.exceptions }) });
    await keepOccurrences(ctx, await requireEvent(ctx, current.id));
  } else if (current.recurrence !== null) {
    await ctx.events.replaceOccurrences(current.id, []);
  }
  return withConflicts(ctx, await reindexed(ctx, current.id), spanColumns(spanOf, false));
}

/**
 * After an event's stored fields were put back as they were (undo): what follows from them again,
 * its span class and its kept occurrences.
 */
export async function eventFieldsRestored(ctx: DomainContext, id: string): Promise<void> {
  const row = await requireEvent(ctx, id);
  const recurring = row.recurrence !== null;
  await ctx.events.update(id, spanColumns({ start: Temporal.Instant.from(row.start_at), end: Temporal.Instant.from(row.end_at) }, recurring));
  if (recurring) await keepOccurrences(ctx, await requireEvent(ctx, id));
  else await ctx.events.replaceOccurrences(id, []);
}

/** The original start a value names (a stored instant): a date-time as it is, a date as the occurrence that day. */
export function occurrenceStartOf(row: EventRow, value: string | undefined, field = 'occurrence_start'): string {
  if (value === undefined) throw new InvalidInputError(field, 'is needed: the occurrence_start of the occurrence meant');
  const m = parseMoment(value, row.timezone, field);
  if (m.kind === 'instant') return toStored(m.instant);
  return toStored(
    row.all_day === 1
      ? startOfDay(m.date, row.timezone)
      : m.date.toPlainDateTime(Temporal.Instant.from(row.start_at).toZonedDateTimeISO(row.timezone).toPlainTime()).toZonedDateTime(row.timezone).toInstant(),
  );
}

/** The original start an occurrence is named by, checked to be one of the series. */
function occurrenceOf(row: EventRow, value: string | undefined, scope: string): string {
  if (row.recurrence === null) throw new InvalidInputError('scope', `${scope} applies to a recurring event; this one does not repeat (use scope all)`);
  if (value === undefined) throw new InvalidInputError('occurrence_start', `is needed for scope ${scope}: the occurrence_start of the occurrence meant`);
  const start = occurrenceStartOf(row, value);
  if (exceptionsOf(row)[start] === undefined && !isOccurrence(seriesOf(row), start)) {
    throw new InvalidInputError('occurrence_start', `${value} is not an occurrence of this event; list_calendar_events shows each occurrence_start`);
  }
  return start;
}

/** Changes one occurrence: the fields given become its exception. */
async function updateOne(ctx: DomainContext, current: EventRow, input: UpdateEventInput): Promise<Event> {
  for (const field of ['recurrence', 'exdates', 'rdates', 'tags', 'timezone', 'all_day'] as const) {
    if (input[field] !== undefined) throw new InvalidInputError(field, 'belongs to the whole series; change it with scope all or following');
  }
  const start = occurrenceOf(current, input.occurrence_start, 'this');
  const exceptions = exceptionsOf(current);
  const before = exceptions[start] ?? {};
  const occurrence = {
    ...occurrenceSpan(current, before.start_at ?? start),
    ...(before.start_at ? { start_at: before.start_at, end_at: before.end_at! } : {}),
  };
  const fields = { ...before.fields };
  for (const field of OVERRIDABLE) {
    const value = input[field];
    if (value === undefined) continue;
    fields[field] = (field === 'attendees' ? JSON.stringify(value) : field === 'reminder_minutes' ? value : value || null) as never;
  }
  const next = { ...before, fields };
  const span = updatedSpan({ ...current, ...occurrence }, input, current.timezone, current.all_day === 1);
  if (span) Object.assign(next, { start_at: toStored(span.start), end_at: toStored(span.end) });
  exceptions[start] = next;
  await ctx.events.update(current.id, { exceptions: JSON.stringify(exceptions), updated_at: toStored(ctx.now) });
  await remindersChanged(ctx);
  const row = await requireEvent(ctx, current.id);
  await keepOccurrences(ctx, row);
  const [event] = await presentEvents(ctx, [
    { ...row, occurrence: { occurrence_start: start, start_at: next.start_at ?? occurrence.start_at, end_at: next.end_at ?? occurrence.end_at } },
  ]);
  return event!;
}

/** Splits a series before the occurrence at `start`: returns the rule, dates and exceptions of each part. */
function split(row: EventRow, start: string) {
  const series = seriesOf(row);
  const count = countOf(row.recurrence!);
  // COUNT counts the rule's own instances (RFC 5545): EXDATEs do not give any back, RDATEs take none.
  const before = expand({ ...series, exdates: [], rdates: [] }, row.start_at, start, 10_000).starts.length;
  const part = <T>(all: Record<string, T>, later: boolean) => Object.fromEntries(Object.entries(all).filter(([at]) => at >= start === later));
  const list = (json: string, later: boolean) => JSON.stringify(storedList(json).filter((at) => at >= start === later));
  return {
    earlier: {
      recurrence: withEnd(row.recurrence!, untilBefore(series, start)),
      exdates: list(row.exdates, false),
      rdates: list(row.rdates, false),
      exceptions: JSON.stringify(part(exceptionsOf(row), false)),
    },
    later: {
      recurrence: count === undefined ? row.recurrence! : withEnd(row.recurrence!, `COUNT=${Math.max(1, count - before)}`),
      exdates: list(row.exdates, true),
      rdates: list(row.rdates, true),
      exceptions: JSON.stringify(part(exceptionsOf(row), true)),
    },
  };
}

/** Ends a series before `start`; the rest becomes a new series (returned), with the same tags. */
async function splitSeries(ctx: DomainContext, row: EventRow, start: string): Promise<EventRow> {
  const { earlier, later } = split(row, start);
  await ctx.events.update(row.id, { ...earlier, updated_at: toStored(ctx.now) });
  await keepOccurrences(ctx, await requireEvent(ctx, row.id));
  await indexItem(ctx, { kind: 'event', row: await requireEvent(ctx, row.id) });
  const now = toStored(ctx.now);
  const id = newId();
  // (The repository sets the tenant of the copy itself.)
  // The new part is a series of its own: not the file's UID (that stays with the first part), not a booked todo's.
  await ctx.events.insert({
    ...row,
    ...occurrenceSpan(row, start),
    ...later,
    id,
    uid: null,
    todo_id: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  });
  await ctx.tags.set('event', id, (await ctx.tags.of('event', [row.id])).get(row.id) ?? []);
  return requireEvent(ctx, id);
}

export async function updateEvent(ctx: DomainContext, input: UpdateEventInput): Promise<Event> {
  const current = await requireEvent(ctx, input.event_id, { lock: true });
  if (input.scope === 'all') return updateWhole(ctx, current, input);
  if (input.scope === 'this') return updateOne(ctx, current, input);
  const start = occurrenceOf(current, input.occurrence_start, 'following');
  if (start <= current.start_at) return updateWhole(ctx, current, { ...input, scope: 'all' });
  const later = await splitSeries(ctx, current, start);
  return updateWhole(ctx, later, { ...input, event_id: later.id, scope: 'all' });
}

/**
 * Removes one occurrence (scope this: it becomes an EXDATE) or it and the later ones (following:
 * the series ends before it). Removing from the first occurrence on is the caller's: the trash.
 */
export async function removeOccurrences(ctx: DomainContext, row: EventRow, scope: 'this' | 'following', value: string | undefined): Promise<string> {
  const start = occurrenceOf(row, value, scope);
  if (scope === 'this') {
    const exceptions = exceptionsOf(row);
    delete exceptions[start];
    const exdates = [...new Set([...storedList(row.exdates), start])].sort();
    await ctx.events.update(row.id, { exdates: JSON.stringify(exdates), exceptions: JSON.stringify(exceptions), updated_at: toStored(ctx.now) });
  } else {
    const { earlier } = split(row, start);
    await ctx.events.update(row.id, { ...earlier, updated_at: toStored(ctx.now) });
  }
  await keepOccurrences(ctx, await requireEvent(ctx, row.id));
  return start;
}

/** An entry of a list: a single event, or an occurrence (with its sort key: start, series id, original start). */
interface Entry {
  key: [string, string, string];
  shown: Shown;
}

const byKey = (a: Entry, b: Entry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const keyAfter = (key: readonly Key[] | undefined) => (e: Entry) => key === undefined || byKey(e, { key: key as Entry['key'], shown: e.shown }) > 0;

const stored = (o: StoredOccurrence): Entry => {
  const { occurrence_start, occurrence_start_at, occurrence_end_at, ...row } = o;
  return {
    key: [occurrence_start_at, row.id, occurrence_start],
    shown: { ...row, occurrence: { occurrence_start, start_at: occurrence_start_at, end_at: occurrence_end_at } },
  };
};

/** Before every start: a first page takes every occurrence that overlaps the range, however early it began. */
const BEGINNING_OF_TIME = '0000-01-01T00:00:00.000Z';

/** A range of events: [from, to) as stored instants, optionally only those with a tag. */
interface Range {
  from: string;
  to: string;
  tag?: string;
  /** Only what can remind: single events with a reminder, and every series. */
  reminding?: boolean;
}

/** Single events and kept occurrences of a page, merged (at most limit + 1), and how far the page reaches. */
function pageStart(range: Range, limit: number, singles: readonly EventRow[], kept: readonly StoredOccurrence[]): { entries: Entry[]; reach: string } {
  const entries = [...singles.map((r): Entry => ({ key: [r.start_at, r.id, ''], shown: r })), ...kept.map(stored)].sort(byKey).slice(0, limit + 1);
  // This page ends at the (limit + 1)th entry: occurrences up to there are all it can need.
  const edge = entries.length > limit ? entries[limit]!.key[0] : range.to;
  return { entries, reach: new Date(Math.min(Date.parse(range.to), Date.parse(edge) + 1)).toISOString() };
}

/** The page with the occurrences of these series added, up to its reach, after `key`: at most limit + 1 entries. */
function withExpanded(range: Range, key: Key[] | undefined, limit: number, page: { entries: Entry[]; reach: string }, series: readonly EventRow[]): Entry[] {
  const { entries, reach } = page;
  const seen = new Set(entries.map((e) => `${e.key[1]}|${e.key[2]}`));
  for (const row of series) {
    for (const o of expandOccurrences(row, { from: range.from, to: reach }, key === undefined ? BEGINNING_OF_TIME : String(key[0]), limit + 2)) {
      if (!seen.has(`${row.id}|${o.occurrence_start}`)) entries.push({ key: [o.start_at, row.id, o.occurrence_start], shown: { ...row, occurrence: o } });
    }
  }
  return entries
    .filter(keyAfter(key))
    .sort(byKey)
    .slice(0, limit + 1);
}

/**
 * Events and occurrences overlapping a range, by start, after `key`: at most limit + 1 entries.
 * Single events and the kept occurrences come from two index scans; series whose kept window does
 * not cover the part of the range this page reaches are expanded here, only as far as it needs.
 */
async function entriesOf(ctx: DomainContext, range: Range, key: Key[] | undefined, limit: number): Promise<Entry[]> {
  const [singles, kept] = await ctx.fetchEach([ctx.events.overlapping(range, key?.slice(0, 2), limit), ctx.events.occurrencesOverlapping(range, key, limit)]);
  const page = pageStart(range, limit, singles, kept);
  const series = await ctx.fetch(ctx.events.seriesToExpand(range, page.reach));
  return withExpanded(range, key, limit, page, series);
}

/**
 * The first page of a range (limit + 1 entries) as one fetch, with the series that may have
 * occurrences in the range beyond their kept window: read for the whole range, and those the page
 * reaches picked here.
 */
function firstPage(ctx: DomainContext, range: Range, limit: number): Fetch<{ entries: Entry[]; series: readonly EventRow[] }> {
  const reads = ctx.gathered([
    ctx.events.seriesToExpand(range, range.to),
    ctx.events.overlapping(range, undefined, limit),
    ctx.events.occurrencesOverlapping(range, undefined, limit),
  ]);
  return mapped(reads, ([series, singles, kept]) => {
    const page = pageStart(range, limit, singles, kept);
    return { entries: withExpanded(range, undefined, limit, page, stillToExpand(series, range, page.reach)), series };
  });
}

/** The first events and occurrences of each range, and how many each holds (the dashboard's sections), as one fetch. */
export function eventsInRanges(ctx: DomainContext, ranges: readonly Range[], limit: number): Fetch<{ rows: Shown[]; total: number }[]> {
  // Single events and kept occurrences of every range counted in one pass each.
  const counted = ctx.counts.each([ctx.events.countingInRanges(ranges), ctx.events.countingOccurrencesInRanges(ranges)]);
  const pages = ctx.gathered(ranges.map((range) => firstPage(ctx, range, limit)));
  return mapped(ctx.gathered([counted, pages]), ([[singleTotals, keptTotals], read]) =>
    read.map(({ entries, series }, i) => {
      let expanded = 0;
      for (const row of series) expanded += expandOccurrences(row, ranges[i]!, BEGINNING_OF_TIME, MAX_COUNTED).length;
      return { rows: entries.slice(0, limit).map((e) => e.shown), total: singleTotals![i]! + keptTotals![i]! + expanded };
    }),
  );
}

/** An event or occurrence as reminders and free time see it: its own fields, the exception's where it overrode them. */
export interface EventMoment {
  id: string;
  title: string;
  start_at: string;
  end_at: string;
  reminder_minutes: number | null;
  /** For an occurrence, its original start. */
  occurrence_start: string | null;
  all_day: number;
  timezone: string;
}

/** Events and occurrences overlapping a range (at most `cap`), as reminders and free time see them. */
export async function eventMoments(ctx: DomainContext, range: Range, cap: number): Promise<EventMoment[]> {
  return ctx.fetch(momentsIn(ctx, range, cap));
}

/** The same, as one fetch. */
export function momentsIn(ctx: DomainContext, range: Range, cap: number): Fetch<EventMoment[]> {
  return mapped(firstPage(ctx, range, cap), ({ entries }) =>
    entries.slice(0, cap).map(({ shown: { occurrence, ...row } }) => {
      const r = occurrence ? withException(row, exceptionsOf(row)[occurrence.occurrence_start]) : row;
      return {
        id: r.id,
        title: r.title,
        start_at: occurrence?.start_at ?? r.start_at,
        end_at: occurrence?.end_at ?? r.end_at,
        reminder_minutes: r.reminder_minutes,
        occurrence_start: occurrence?.occurrence_start ?? null,
        all_day: r.all_day,
        timezone: r.timezone,
      };
    }),
  );
}

/** The timed events and occurrences of other events overlapping [start, end) (all-day ones block nothing, and are blocked by nothing). */
async function conflictsOf(ctx: DomainContext, id: string, span: { start_at: string; end_at: string }, allDay: boolean): Promise<Event['conflicts']> {
  if (allDay || span.end_at <= span.start_at) return [];
  const others = (await eventMoments(ctx, { from: span.start_at, to: span.end_at }, 50)).filter((m) => m.all_day === 0 && m.id !== id);
  return others.map((m) => ({
    id: m.id,
    title: m.title,
    start_time: formatInstant(m.start_at, m.timezone),
    end_time: formatInstant(m.end_at, m.timezone),
    occurrence_start: m.occurrence_start === null ? null : formatInstant(m.occurrence_start, m.timezone),
  }));
}

/** A changed event with what it now overlaps. */
async function withConflicts(ctx: DomainContext, event: Event, span: { start_at: string; end_at: string }): Promise<Event> {
  return { ...event, conflicts: await conflictsOf(ctx, event.id, span, event.all_day) };
}

/** An instant of an event as users read it (exported for reminders). */
export { displayInstant };

/** Occurrences a count expands at most per series (a count far from now, of a series that repeats every hour). */
const MAX_COUNTED = 1000;

/** Events and occurrences overlapping a range, by start, a page at a time. */
export async function listEvents(ctx: DomainContext, input: ListEventsInput) {
  const zone = await ctx.zone();
  const from = input.start_date === undefined ? dayWindow(ctx.now, zone).from : rangeBound(input.start_date, zone, 'start_date', 'start');
  const to = input.end_date === undefined ? '9999-12-31T23:59:59.999Z' : rangeBound(input.end_date, zone, 'end_date', 'end');
  if (to <= from) throw new InvalidInputError('end_date', 'must be after start_date, or no event can fall between them');
  const entries = await entriesOf(ctx, { from, to, tag: input.tag }, decodeCursor(input.cursor, 3), input.limit);
  const page = toPage(
    entries,
    input.limit,
    (e) => e.key,
    (e) => e.shown,
  );
  return { items: await presentEvents(ctx, page.items), next_cursor: page.next_cursor };
}
