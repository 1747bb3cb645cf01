import { z } from 'zod';
import { moment } from '../common/fields.js';

/** The largest file imported at once (as text). */
export const MAX_ICS_CHARS = 10 * 1024 * 1024;

export const ImportIcsInput = z
  .strictObject({
    ics_text: z.string().max(MAX_ICS_CHARS, 'is larger than 10 MB').optional().describe('The iCalendar file (.ics) as text.'),
    content_base64: z
      .string()
      .max(Math.ceil(MAX_ICS_CHARS / 3) * 4, 'is larger than 10 MB')
      .optional()
      .describe('The iCalendar file, base64-encoded (instead of ics_text).'),
  })
  .refine((i) => (i.ics_text === undefined) !== (i.content_base64 === undefined), {
    message: 'give ics_text or content_base64, one of them',
    path: ['ics_text'],
  });
export type ImportIcsInput = z.output<typeof ImportIcsInput>;

const ImportedItem = z.object({
  kind: z.enum(['event', 'todo']),
  id: z.string(),
  uid: z.string(),
  title: z.string(),
  action: z.enum(['created', 'updated']),
});

export const ImportIcsResult = z.object({
  created: z.number(),
  updated: z.number(),
  items: z.array(ImportedItem).describe('Each event and todo of the file; an item imported before (same UID) is updated, not duplicated.'),
});
export type ImportIcsResult = z.infer<typeof ImportIcsResult>;

const ICS_KINDS = ['event', 'todo'] as const;

export const ExportIcsInput = z.strictObject({
  start_date: moment(`Events ending after this, todos due from this (default: everything).`).optional(),
  end_date: moment(`Events starting before this, todos due before this; a plain date includes that day.`).optional(),
  kinds: z
    .array(z.enum(ICS_KINDS))
    .min(1)
    .default([...ICS_KINDS])
    .describe('What to export: event, todo (default both).'),
});
export type ExportIcsInput = z.output<typeof ExportIcsInput>;

export const ExportIcsResult = z.object({
  ics_text: z.string().describe('An iCalendar file (RFC 5545).'),
  events: z.number(),
  todos: z.number(),
});
export type ExportIcsResult = z.infer<typeof ExportIcsResult>;
