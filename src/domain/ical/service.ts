import type { z } from 'zod';
import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../../errors.js';
import type { EventRow } from '../../storage/repositories/events.js';
import type { TodoRow } from '../../storage/repositories/todos.js';
import { decodeUpload } from '../documents/base64.js';
import { isOccurrence, storedList } from '../common/recurrence.js';
import { Temporal, rangeBound, toStored } from '../common/time.js';
import { CreateEventInput, UpdateEventInput } from '../calendar/schema.js';
import { exceptionsOf, occurrenceSpan, seriesOf } from '../calendar/series.js';
import { createEvent, occurrenceStartOf, removeOccurrences, updateEvent } from '../calendar/service.js';
import { CreateTodoInput, UpdateTodoInput } from '../todos/schema.js';
import { createTodo, updateTodo } from '../todos/service.js';
import type { ImportedEvent, ImportedTodo } from './read.js';
import { MAX_ICS_CHARS, type ExportIcsInput, type ExportIcsResult, type ImportIcsInput, type ImportIcsResult } from './schema.js';
import type { WrittenEvent, WrittenTime, WrittenTodo } from './write.js';

/** The most events or todos one export holds. */
const MAX_EXPORTED = 20_000;

/** The tools' own check of what a component becomes, its problem named after the component. */
function checked<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InvalidInputError('ics_text', `cannot be imported, nothing was: ${where}: ${issue.path.join('.') || 'value'} ${issue.message}`);
}

const IMPORTED_EVENT = CreateEventInput.omit({ tags: true, attendees: true });

async function importEvent(ctx: DomainContext, event: ImportedEvent): Promise<{ id: string; action: 'created' | 'updated' }> {
  const fields = {
    title: event.title,
    description: event.description,
    location: event.location,
    start_time: event.start_time,
    end_time: event.end_time,
    timezone: event.zone,
    all_day: event.all_day,
    recurrence: event.recurrence,
    exdates: event.recurrence ? event.exdates : undefined,
    rdates: event.recurrence ? event.rdates : undefined,
    reminder_minutes: event.reminder_minutes,
  };
  const input = checked(IMPORTED_EVENT, fields, event.where);
  const existing = (await ctx.events.findByUid(event.uid)) as EventRow | undefined;
  let id: string;
  if (existing && existing.deleted_at === null) {
    // Everything as the file says: cleared where it says nothing, its exceptions again from the file.
    await ctx.events.update(existing.id, { exceptions: '{}' });
    const change = checked(
      UpdateEventInput,
      {
        ...input,
        event_id: existing.id,
        description: input.description ?? null,
        location: input.location ?? null,
        reminder_minutes: input.reminder_minutes ?? null,
        recurrence: input.recurrence ?? null,
        exdates: input.recurrence ? (input.exdates ?? []) : undefined,
        rdates: input.recurrence ? (input.rdates ?? []) : undefined,
      },
      event.where,
    );
    id = (await updateEvent(ctx, change)).id;
  } else {
    if (existing) await ctx.events.update(existing.id, { uid: null });
    id = (await createEvent(ctx, { ...input, attendees: [], tags: [] })).id;
    await ctx.events.update(id, { uid: event.uid });
  }
  for (const exception of event.exceptions) {
    const occurrence = event.all_day ? exception.occurrence_date : exception.occurrence_start;
    const row = (await ctx.events.findLive(id))!;
    if (!isOccurrence(seriesOf(row), occurrenceStartOf(row, occurrence, 'occurrence_start'))) {
      // An override of an occurrence the rule no longer has (files keep them after a series is
      // shortened or an occurrence excluded): a cancelled one is moot, any other a single event.
      if (!exception.cancelled) await importOrphan(ctx, event, exception);
      continue;
    }
    if (exception.cancelled) {
      await removeOccurrences(ctx, row, 'this', occurrence);
      continue;
    }
    const master = { title: event.title, description: event.description, location: event.location, reminder_minutes: event.reminder_minutes };
    const differs = <K extends keyof typeof master>(key: K) => (exception[key] !== master[key] ? exception[key] : undefined);
    await updateEvent(
      ctx,
      checked(
        UpdateEventInput,
        {
          event_id: id,
          scope: 'this',
          occurrence_start: occurrence,
          start_time: exception.start_time,
          end_time: exception.end_time,
          title: differs('title'),
          description: differs('description'),
          location: differs('location'),
          reminder_minutes: differs('reminder_minutes'),
        },
        exception.where,
      ),
    );
  }
  return { id, action: existing && existing.deleted_at === null ? 'updated' : 'created' };
}

/** An override without its occurrence, kept as a single event of its own UID. */
async function importOrphan(ctx: DomainContext, event: ImportedEvent, exception: ImportedEvent['exceptions'][number]) {
  await importEvent(ctx, {
    ...exception,
    kind: 'event',
    uid: `${event.uid}/${exception.occurrence_start}`.slice(0, 255),
    zone: event.zone,
    all_day: event.all_day,
    exdates: [],
    rdates: [],
    exceptions: [],
  });
}

async function importTodo(ctx: DomainContext, todo: ImportedTodo): Promise<{ id: string; action: 'created' | 'updated' }> {
  const fields = {
    title: todo.title,
    description: todo.description,
    due_date: todo.due_date,
    reminder_date: todo.reminder_date,
    priority: todo.priority,
    recurrence: todo.recurrence,
    exdates: todo.recurrence ? todo.exdates : undefined,
    rdates: todo.recurrence ? todo.rdates : undefined,
  };
  const input = checked(CreateTodoInput.omit({ tags: true, project_id: true }), fields, todo.where);
  const existing = (await ctx.todos.findByUid(todo.uid)) as TodoRow | undefined;
  let id: string;
  if (existing && existing.deleted_at === null) {
    const change = checked(
      UpdateTodoInput,
      {
        ...input,
        todo_id: existing.id,
        description: input.description ?? null,
        due_date: input.due_date ?? null,
        reminder_date: input.reminder_date ?? null,
        recurrence: input.recurrence ?? null,
      },
      todo.where,
    );
    id = (await updateTodo(ctx, change)).id;
  } else {
    if (existing) await ctx.todos.update(existing.id, { uid: null });
    id = (await createTodo(ctx, { ...input, tags: [] })).id;
    await ctx.todos.update(id, { uid: todo.uid });
  }
  // Completed as the file says, without moving a repeating todo on (the file's state is the truth).
  const now = toStored(ctx.now);
  await ctx.todos.update(id, { completed: todo.completed ? 1 : 0, completed_at: todo.completed ? ((existing?.completed_at as string | null) ?? now) : null });
  return { id, action: existing && existing.deleted_at === null ? 'updated' : 'created' };
}

/**
 * Imports an iCalendar file: every event and to-do component, each created or, when an item came from the
 * same UID before, updated. The whole file is read first and each item checked as the tools check
 * their input: one bad component refuses the file, naming it, and the transaction writes nothing.
 */
export async function importIcs(ctx: DomainContext, input: ImportIcsInput): Promise<ImportIcsResult> {
  const text = input.ics_text ?? decodeUpload(input.content_base64!, MAX_ICS_CHARS).bytes.toString('utf8');
  // ical.js loads when a calendar is read or written, not with the server (docs/performance.md, memory).
  const { readIcs } = await import('./read.js');
  const items = readIcs(text, await ctx.zone(), input.ics_text === undefined ? 'content_base64' : 'ics_text');
  const result: ImportIcsResult = { created: 0, updated: 0, items: [] };
  for (const item of items) {
    const { id, action } = item.kind === 'event' ? await importEvent(ctx, item) : await importTodo(ctx, item);
    result[action]++;
    result.items.push({ kind: item.kind, id, uid: item.uid, title: item.title, action });
  }
  return result;
}

/** An event's or a todo's UID: the one it came with, else one made of its id. */
const uidOf = (row: { id: string; uid: string | null }) => row.uid ?? `${row.id}@mcp-pa`;

const at = (row: Pick<EventRow, 'all_day' | 'timezone'>, instant: string): WrittenTime =>
  row.all_day === 1 ? { date: Temporal.Instant.from(instant).toZonedDateTimeISO(row.timezone).toPlainDate().toString() } : { instant, zone: row.timezone };

/** An event, and one VEVENT per changed occurrence of a series. */
function writtenEvents(row: EventRow): WrittenEvent[] {
  const base: WrittenEvent = {
    uid: uidOf(row),
    title: row.title,
    description: row.description,
    location: row.location,
    start: at(row, row.start_at),
    // An all-day event's stored end is the start of the day after its last: DTEND as RFC 5545 wants it.
    end: at(row, row.end_at),
    recurrence: row.recurrence,
    exdates: storedList(row.exdates).map((s) => at(row, s)),
    rdates: storedList(row.rdates).map((s) => at(row, s)),
    reminder_minutes: row.reminder_minutes,
  };
  if (row.recurrence === null) return [base];
  const changed = Object.entries(exceptionsOf(row)).map(([start, e]): WrittenEvent => {
    const fields = { ...row, ...e.fields };
    const startAt = e.start_at ?? start;
    return {
      ...base,
      title: fields.title,
      description: fields.description,
      location: fields.location,
      reminder_minutes: fields.reminder_minutes,
      start: at(row, startAt),
      end: at(row, e.end_at ?? occurrenceSpan(row, startAt).end_at),
      recurrence: null,
      exdates: [],
      rdates: [],
      recurrence_id: at(row, start),
    };
  });
  return [base, ...changed];
}

function writtenTodo(row: TodoRow, zone: string): WrittenTodo {
  const time = (instant: string): WrittenTime =>
    row.due_date !== null ? { date: Temporal.Instant.from(instant).toZonedDateTimeISO(zone).toPlainDate().toString() } : { instant, zone };
  return {
    uid: uidOf(row),
    title: row.title,
    description: row.description,
    due: row.due_at === null ? null : row.due_date !== null ? { date: row.due_date } : { instant: row.due_at, zone },
    completed_at: row.completed === 1 ? row.completed_at : null,
    priority: row.priority,
    recurrence: row.recurrence,
    exdates: storedList(row.exdates).map(time),
    rdates: storedList(row.rdates).map(time),
    reminder_at: row.reminder_at,
  };
}

/**
 * Events (series whole, with their changed occurrences) and todos as an iCalendar file. A feed
 * (`feed`) holds only todos with a due date: calendar apps show nothing else of them.
 */
export async function exportIcs(ctx: DomainContext, input: ExportIcsInput, feed?: { name: string }): Promise<ExportIcsResult> {
  const zone = await ctx.zone();
  const range =
    input.start_date === undefined && input.end_date === undefined
      ? undefined
      : {
          from: input.start_date === undefined ? '0000-01-01T00:00:00.000Z' : rangeBound(input.start_date, zone, 'start_date', 'start'),
          to: input.end_date === undefined ? '9999-12-31T23:59:59.999Z' : rangeBound(input.end_date, zone, 'end_date', 'end'),
        };
  if (range && range.to <= range.from) throw new InvalidInputError('end_date', 'must be after start_date');
  const events = input.kinds.includes('event')
    ? await ctx.events.liveInSpan(range?.from ?? '0000-01-01T00:00:00.000Z', range?.to ?? '9999-12-31T23:59:59.999Z', MAX_EXPORTED)
    : [];
  // A feed shows only dated todos: calendar apps have nowhere to put the others.
  const todoRange = range ?? (feed ? { from: '0000-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z' } : undefined);
  const todos = input.kinds.includes('todo') ? await ctx.todos.liveDue(todoRange, MAX_EXPORTED) : [];
  const { writeIcs } = await import('./write.js');
  return {
    ics_text: writeIcs(
      events.flatMap(writtenEvents),
      todos.map((t) => writtenTodo(t, zone)),
      toStored(ctx.now),
      feed?.name,
    ),
    events: events.length,
    todos: todos.length,
  };
}
