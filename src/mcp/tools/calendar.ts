import { CreateEventInput, Event, EventPage, ListEventsInput, UpdateEventInput } from '../../domain/calendar/schema.js';
import { createEvent, listEvents, updateEvent } from '../../domain/calendar/service.js';
import { eventLine, listText } from '../text.js';
import { defineTool } from '../tool.js';

export const createCalendarEventTool = defineTool({
  name: 'create_calendar_event',
  title: 'Create calendar event',
  description:
    'Add an event. Timed events take date-times (read in `timezone`, default the user’s); all-day events (all_day: true) take dates, end_time being the last day. The end may not come before the start.',
  input: CreateEventInput,
  output: Event,
  access: 'write',
  run: (ctx, input) => createEvent(ctx, input),
  summarize: (e) => `Created event ${eventLine(e)}.`,
});

export const listCalendarEventsTool = defineTool({
  name: 'list_calendar_events',
  title: 'List calendar events',
  description:
    'Events overlapping a range, by start time. start_date defaults to the start of today; without end_date, everything after. Paginated: pass next_cursor as cursor for more.',
  input: ListEventsInput,
  output: EventPage,
  access: 'read',
  run: (ctx, input) => listEvents(ctx, input),
  summarize: (page) => listText('events', page, eventLine),
});

export const updateCalendarEventTool = defineTool({
  name: 'update_calendar_event',
  title: 'Update calendar event',
  description: 'Change an event. Only the fields given change; null clears one. A new start_time without end_time moves the event and keeps its length.',
  input: UpdateEventInput,
  output: Event,
  access: 'write',
  destructive: true,
  idempotent: true,
  run: (ctx, input) => updateEvent(ctx, input),
  summarize: (e) => `Updated event ${eventLine(e)}.`,
});
