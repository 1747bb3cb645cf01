import { z } from 'zod';
import { clearable, notes, shortText } from '../common/fields.js';

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

/** When the person works: days of the week and a daily span, in their zone (find_free_time looks there). */
export const WorkingHours = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAY_NAMES))
      .min(1, 'name at least one day')
      .max(7)
      .refine((days) => new Set(days).size === days.length, 'names a day twice')
      .describe('Working days.'),
    start: z.string().regex(CLOCK, 'must be a time such as 09:00').describe('e.g. 09:00'),
    end: z.string().regex(CLOCK, 'must be a time such as 17:00').describe('e.g. 17:00'),
  })
  .refine((h) => h.end > h.start, { message: 'end must be after start', path: ['end'] });
export type WorkingHours = z.output<typeof WorkingHours>;

export const DEFAULT_WORKING_HOURS: WorkingHours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };

export const UpdateStatusInput = z.strictObject({
  name: clearable(shortText('')),
  city: clearable(shortText('')),
  state: clearable(shortText('State, province or region.')),
  country: clearable(shortText('')),
  location_details: clearable(shortText('Office, home, travelling...', 1000)),
  laptop_os: clearable(shortText('')),
  laptop_model: clearable(shortText('')),
  laptop_specs: clearable(shortText('CPU, memory...', 1000)),
  permissions: clearable(
    z.array(shortText('', 200)).max(100, 'at most 100 permissions').describe('What your assistant may and may not do, one statement each; replaces the list.'),
  ),
  notes: clearable(notes()),
  timezone: clearable(z.string().max(64).describe('IANA zone, e.g. Europe/Berlin; null: the system’s.')),
  working_hours: clearable(WorkingHours.describe('In your time zone; null: 09:00-17:00 Monday to Friday.')),
});
export type UpdateStatusInput = z.output<typeof UpdateStatusInput>;

const maybe = z.string().nullable();

export const Status = z.object({
  name: maybe,
  location: z.object({ city: maybe, state: maybe, country: maybe, details: maybe }),
  laptop: z.object({ os: maybe, model: maybe, specs: maybe }),
  permissions: z.array(z.string()),
  notes: maybe,
  timezone: z.string(),
  timezone_source: z.enum(['profile', 'system']),
  working_hours: z.object({ days: z.array(z.enum(WEEKDAY_NAMES)), start: z.string(), end: z.string() }),
  reminder_webhook: z.object({ url: z.string(), format: z.string() }).nullable(),
  updated_at: z.string().nullable(),
  // Search by meaning: whether items are embedded, how many wait, how many fail, and what is wrong.
  recall: z.object({ embeddings: z.boolean(), model: z.string().nullable(), waiting: z.number(), failing: z.number(), warning: z.string().nullable() }),
});
export type Status = z.infer<typeof Status>;

export const CurrentTime = z.object({
  now: z.string(),
  utc: z.string(),
  timezone: z.string(),
  utc_offset: z.string(),
  date: z.string(),
  time: z.string(),
  weekday: z.string(),
  unix_ms: z.number(),
});
export type CurrentTime = z.infer<typeof CurrentTime>;
