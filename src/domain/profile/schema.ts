import { z } from 'zod';
import { clearable, notes, shortText } from '../common/fields.js';

export const UpdateStatusInput = z.strictObject({
  name: clearable(shortText('Your name.')),
  city: clearable(shortText('City you are in.')),
  state: clearable(shortText('State, province or region.')),
  country: clearable(shortText('Country.')),
  location_details: clearable(shortText('Anything else about where you are (office, home, travelling...).', 1000)),
  laptop_os: clearable(shortText('Operating system of your computer.')),
  laptop_model: clearable(shortText('Model of your computer.')),
  laptop_specs: clearable(shortText('Specifications of your computer (CPU, memory, ...).', 1000)),
  permissions: clearable(
    z
      .array(shortText('A permission, e.g. "may read my calendar".', 200))
      .max(100, 'at most 100 permissions')
      .describe('What your assistant may and may not do, one statement each; replaces the list.'),
  ),
  notes: clearable(notes()),
  timezone: clearable(z.string().max(64).describe('Your IANA time zone, e.g. Europe/Berlin. null returns to the system zone.')),
});
export type UpdateStatusInput = z.output<typeof UpdateStatusInput>;

const maybe = z.string().nullable();

export const Status = z.object({
  name: maybe,
  location: z.object({ city: maybe, state: maybe, country: maybe, details: maybe }),
  laptop: z.object({ os: maybe, model: maybe, specs: maybe }),
  permissions: z.array(z.string()),
  notes: maybe,
  timezone: z.string().describe('The IANA time zone dates are read and shown in.'),
  timezone_source: z.enum(['profile', 'system']).describe('Whether you set the zone or it is the system default.'),
  updated_at: z.string().nullable(),
});
export type Status = z.infer<typeof Status>;

export const CurrentTime = z.object({
  now: z.string().describe('Now, in your time zone, with its offset.'),
  utc: z.string(),
  timezone: z.string(),
  utc_offset: z.string(),
  date: z.string(),
  time: z.string(),
  weekday: z.string(),
  unix_ms: z.number(),
});
export type CurrentTime = z.infer<typeof CurrentTime>;
