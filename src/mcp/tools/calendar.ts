import { CreateEventInput, Event, EventPage, ListEventsInput, UpdateEventInput } from '../../domain/calendar/schema.js';
import { createEvent, listEvents, updateEvent } from '../../domain/calendar/service.js';
import { FindFreeTimeInput, FreeTime, findFreeTime } from '../../domain/calendar/free-time.js';
import { ScheduleTodoInput, scheduleTodo } from '../../domain/calendar/schedule.js';
import { eventLine, listText } from '../text.js';
import { defineTool } from '../tool.js';

const conflictText = (e: Event) =>
  e.conflicts?.length ? ` It overlaps: ${e.conflicts.map((c) => `${c.title} (${c.start_time} to ${c.end_time}, id ${c.id})`).join('; ')}.` : '';

export const createCalendarEventTool = defineTool({
  name: 'create_calendar_event',
  title: 'Create calendar event',
  description: 'Add an event. Timed events take date-times (in `timezone`, default yours); all-day events take dates, end_time being the last day.',
  input: CreateEventInput,
  output: Event,
  access: 'write',
  run: (ctx, input) => createEvent(ctx, input),
  summarize: (e) => `Created event ${eventLine(e)}.${conflictText(e)}`,
});

export const listCalendarEventsTool = defineTool({
  name: 'list_calendar_events',
  title: 'List calendar events',
  description: 'Events overlapping a range (default: from the start of today on), by start time, with each occurrence of repeating ones. Paginated.',
  input: ListEventsInput,
  output: EventPage,
  access: 'read',
  run: (ctx, input) => listEvents(ctx, input),
  summarize: (page) => listText('events', page, eventLine),
});

export const updateCalendarEventTool = defineTool({
  name: 'update_calendar_event',
  title: 'Update calendar event',
  description: 'Change an event: only the fields given change; null clears one.',
  input: UpdateEventInput,
  output: Event,
  access: 'write',
  destructive: true,
  idempotent: true,
  run: (ctx, input) => updateEvent(ctx, input),
  summarize: (e) => `Updated event ${eventLine(e)}.${conflictText(e)}`,
});

export const findFreeTimeTool = defineTool({
  name: 'find_free_time',
  title: 'Find free time',
  description:
    'Free slots of at least duration_minutes in your working hours (update_status sets them), in a range (default: the next 7 days). All-day events do not block time.',
  input: FindFreeTimeInput,
  output: FreeTime,
  access: 'read',
  run: (ctx, input) => findFreeTime(ctx, input),
  summarize: (r) =>
    r.slots.length === 0
      ? 'No free slot of that length in the range.'
      : `Free (${r.timezone}):\n${r.slots.map((s) => `- ${s.start_time} to ${s.end_time}`).join('\n')}`,
});

export const scheduleTodoTool = defineTool({
  name: 'schedule_todo',
  title: 'Schedule todo',
  description:
    'Book time for a todo: an event of duration_minutes at start_time, or in the first free slot of your working hours before it is due. The event and the todo are linked (todo_id, scheduled_event_id).',
  input: ScheduleTodoInput,
  output: Event,
  access: 'write',
  run: (ctx, input) => scheduleTodo(ctx, input),
  summarize: (e) => `Booked ${eventLine(e)} for the todo ${e.todo_id}.${conflictText(e)}`,
});
