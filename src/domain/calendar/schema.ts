import { Attachments } from '../documents/attachments.js';
import { z } from 'zod';
import { recurrenceFields } from '../common/recurrence.js';
import { clearable, cursor, description, id, limit, moment, pageOf, shortText, tag, tags, timestamps, title } from '../common/fields.js';

export const MAX_ATTENDEES = 100;

const fields = {
  start_time: moment('All-day: a date.'),
  end_time: moment('All-day: the last day.'),
  description: description(),
  location: shortText('Where it happens.', 500),
  attendees: z.array(shortText('A name or an email address.', 320)).max(MAX_ATTENDEES, `at most ${MAX_ATTENDEES} attendees`),
  reminder_minutes: z
    .number()
    .int('must be a whole number of minutes')
    .min(0, 'must be from 0 to 40320 (four weeks)')
    .max(40320, 'must be from 0 to 40320 (four weeks)')
    .describe('Minutes before the start.'),
  tags: tags(),
  timezone: z.string().max(64).describe('IANA zone of the times; default: yours.'),
  all_day: z.boolean(),
  recurrence: recurrenceFields.recurrence,
  exdates: recurrenceFields.dates('Occurrences skipped.'),
  rdates: recurrenceFields.dates(),
};

const SCOPES = ['this', 'following', 'all'] as const;
/** Which occurrences of a recurring event a change or a deletion applies to. */
export const scopeFields = {
  scope: z.enum(SCOPES).describe('On a recurring event: this occurrence, this and the following ones (the series splits there), or all.'),
  occurrence_start: moment('The occurrence_start of the occurrence meant (list_calendar_events); for scope this and following.'),
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
  start_time: fields.start_time.optional().describe('Without end_time the event keeps its length.'),
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
  start_date: moment(`Events ending after this (default: the start of today).`).optional(),
  end_date: moment(`Events starting before this; a plain date includes that whole day.`).optional(),
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
  start_time: z.string(),
  end_time: z.string().describe('All-day: the last day.'),
  all_day: z.boolean(),
  timezone: z.string(),
  location: z.string().nullable(),
  attendees: z.array(z.string()),
  reminder_minutes: z.number().nullable(),
  tags: z.array(z.string()),
  recurrence: z.string().nullable(),
  exdates: z.array(z.string()),
  rdates: z.array(z.string()),
  occurrence_of: z.string().nullable(),
  occurrence_start: z.string().nullable().describe('Its original start on an occurrence.'),
  todo_id: z.string().nullable(),
  attachments: Attachments,
  ...timestamps,
  conflicts: z.array(Conflict).optional().describe('Timed events it overlaps: a warning, not a refusal.'),
});
export type Event = z.infer<typeof Event>;

export const EventPage = pageOf(Event.omit({ conflicts: true }));
