import { z } from 'zod';
import { DATE_HELP, cursor, limit, moment, pageOf } from '../common/fields.js';

export const ListRemindersInput = z.strictObject({
  start_date: moment(`Reminders due from this moment (default: now). ${DATE_HELP}`).optional(),
  end_date: moment(`Reminders due before this (default: 24 hours after start_date); a plain date includes that whole day. ${DATE_HELP}`).optional(),
  cursor: cursor(),
  limit: limit(),
});
export type ListRemindersInput = z.output<typeof ListRemindersInput>;

export const Delivery = z
  .object({
    delivery_id: z.string().describe('Sent as the X-MCP-PA-Delivery header: the same for every attempt at this reminder.'),
    status: z.enum(['sending', 'sent', 'failed']).describe('sending: being sent now (or the sender stopped; it is tried again shortly).'),
    attempts: z.number(),
    last_attempt_at: z.string().nullable(),
    last_error: z.string().nullable(),
    sent_at: z.string().nullable(),
  })
  .describe('The last attempt to push this reminder to your webhook.');
export type Delivery = z.infer<typeof Delivery>;

export const Reminder = z.object({
  remind_at: z.string().describe('When the reminder is due.'),
  kind: z.enum(['todo', 'event']),
  id: z.string(),
  title: z.string(),
  due: z.string().describe('When the todo is due, or the event (occurrence) starts.'),
  occurrence_start: z.string().nullable().describe('For an occurrence of a recurring event: its original start.'),
  past: z.boolean().describe('Already due.'),
  delivery: Delivery.nullable(),
});
export type Reminder = z.infer<typeof Reminder>;

export const ReminderPage = pageOf(Reminder).describe('Reminders due in the range, earliest first.');
