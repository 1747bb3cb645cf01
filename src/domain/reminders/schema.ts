import { z } from 'zod';
import { cursor, limit, moment, pageOf } from '../common/fields.js';

export const ListRemindersInput = z.strictObject({
  start_date: moment(`Reminders due from this moment (default: now).`).optional(),
  end_date: moment(`Reminders due before this (default: 24 hours after start_date); a plain date includes that whole day.`).optional(),
  cursor: cursor(),
  limit: limit(),
});
export type ListRemindersInput = z.output<typeof ListRemindersInput>;

export const Delivery = z
  .object({
    delivery_id: z.string(),
    status: z.enum(['sending', 'sent', 'failed']),
    attempts: z.number(),
    last_attempt_at: z.string().nullable(),
    last_error: z.string().nullable(),
    sent_at: z.string().nullable(),
  })
  .describe('The last push to your webhook.');
export type Delivery = z.infer<typeof Delivery>;

export const Reminder = z.object({
  remind_at: z.string(),
  kind: z.enum(['todo', 'event']),
  id: z.string(),
  title: z.string(),
  due: z.string(),
  occurrence_start: z.string().nullable(),
  past: z.boolean(),
  delivery: Delivery.nullable(),
});
export type Reminder = z.infer<typeof Reminder>;

export const ReminderPage = pageOf(Reminder);
