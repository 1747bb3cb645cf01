import { z } from 'zod';
import { recurrenceFields } from '../common/recurrence.js';
import { DATE_HELP, clearable, cursor, description, id, limit, moment, pageOf, shortText, tag, tags, timestamps, title } from '../common/fields.js';

export const MAX_ATTENDEES = 100;

const fields = {
  start_time: moment(`Start. ${DATE_HELP} For all-day events, a date.`),
  end_time: moment(`End, not before the start. ${DATE_HELP} For all-day events, the last day (inclusive).`),
  description: description(),
  location: shortText('Where it happens.', 500),
  attendees: z
    .array(shortText('An attendee: a name or an email address.', 320))
    .max(MAX_ATTENDEES, `at most ${MAX_ATTENDEES} attendees`)
    .describe(`Who attends (up to ${MAX_ATTENDEES}).`),
  reminder_minutes: z
    .number()
    .int('must be a whole number of minutes')
    .min(0, 'must be from 0 to 40320 (four weeks)')
    .max(40320, 'must be from 0 to 40320 (four weeks)')
    .describe('Remind this many minutes before the start.'),
  tags: tags(),
  timezone: z.string().max(64).describe('IANA time zone the times are read in and shown in; default: yours.'),
  all_day: z.boolean().describe('An all-day event: start_time and end_time are dates.'),
  recurrence: recurrenceFields.recurrence,
  exdates: recurrenceFields.dates('Occurrences left out of the series'),
  rdates: recurrenceFields.dates('Extra occurrences of the series'),
};

const SCOPES = ['this', 'following', 'all'] as const;
/** Which occurrences of a recurring event a change or a deletion applies to. */
export const scopeFields = {
  scope: z
    .enum(SCOPES)
    .describe(
      'For a recurring event: this (only the occurrence at occurrence_start), following (it and every later one: the series is split there), all (the whole series; the default).',
    ),
  occurrence_start: moment(
    `The original start of the occurrence meant (its occurrence_start in list_calendar_events); needed for scope this and following. ${DATE_HELP}`,
  ),
};

export const CreateEventInput = z.strictObject({
  title: title(),
  start_time: fields.start_time,
  end_time: fields.end_time,
  description: fields.description.optional(),
  location: fields.location.optional(),
  attendees: fields.attendees.default([]),
  reminder_minutes: fields.reminder_minutes.optional(),
  tags: fields.tags.default([]),
  timezone: fields.timezone.optional(),
  all_day: fields.all_day.default(false),
  recurrence: fields.recurrence.optional(),
  exdates: fields.exdates.optional(),
  rdates: fields.rdates.optional(),
});
export type CreateEventInput = z.output<typeof CreateEventInput>;

export const UpdateEventInput = z.strictObject({
  event_id: id('event_id'),
  title: title().optional(),
  start_time: fields.start_time.optional().describe('New start; without end_time the event keeps its length.'),
  end_time: fields.end_time.optional(),
  description: clearable(fields.description),
  location: clearable(fields.location),
  attendees: fields.attendees.optional(),
  reminder_minutes: clearable(fields.reminder_minutes),
  tags: fields.tags.optional(),
  timezone: fields.timezone.optional(),
  all_day: fields.all_day.optional(),
  recurrence: clearable(fields.recurrence),
  exdates: fields.exdates.optional(),
  rdates: fields.rdates.optional(),
  scope: scopeFields.scope.default('all'),
  occurrence_start: scopeFields.occurrence_start.optional(),
});
export type UpdateEventInput = z.output<typeof UpdateEventInput>;

export const ListEventsInput = z.strictObject({
  start_date: moment(`Events ending after this (default: the start of today). ${DATE_HELP}`).optional(),
  end_date: moment(`Events starting before this; a plain date includes that whole day. ${DATE_HELP}`).optional(),
  tag: tag().optional(),
  cursor: cursor(),
  limit: limit(),
});
export type ListEventsInput = z.output<typeof ListEventsInput>;

const Conflict = z.object({
  id: z.string(),
  title: z.string(),
  start_time: z.string(),
  end_time: z.string(),
  occurrence_start: z.string().nullable(),
});

export const Event = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  start_time: z.string().describe('A date for all-day events, else a date-time in the event’s time zone.'),
  end_time: z.string().describe('For all-day events the last day, inclusive.'),
  all_day: z.boolean(),
  timezone: z.string(),
  location: z.string().nullable(),
  attendees: z.array(z.string()),
  reminder_minutes: z.number().nullable(),
  tags: z.array(z.string()),
  recurrence: z.string().nullable().describe('The RFC 5545 rule the event repeats by; null for a single event.'),
  exdates: z.array(z.string()).describe('Occurrences left out (original starts).'),
  rdates: z.array(z.string()).describe('Extra occurrences.'),
  occurrence_of: z.string().nullable().describe('For one occurrence of a recurring event: the series id (also its id).'),
  occurrence_start: z.string().nullable().describe('For one occurrence: its original start, which stays when it is moved.'),
  todo_id: z.string().nullable().describe('The todo this event was booked for (schedule_todo).'),
  ...timestamps,
  conflicts: z.array(Conflict).optional().describe('After a create or a change: the timed events (or occurrences) it overlaps. A warning, never a refusal.'),
});
export type Event = z.infer<typeof Event>;

export const EventPage = pageOf(Event).describe('Events overlapping the range, by start time.');
