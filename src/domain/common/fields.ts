import { z } from 'zod';
import './zod-messages.js';

/**
 * Shared field rules. Text is NFC-normalised and trimmed; control characters are refused (line
 * breaks and tabs are allowed in long text); every field has a bound.
 *
 * "Control characters" here: C0 controls and DEL (terminal escapes start with ESC), C1 controls
 * U+0080-U+009F (U+009B is an 8-bit escape introducer), and the bidirectional embeddings,
 * overrides and isolates U+202A-U+202E and U+2066-U+2069, which make text display differently
 * from what it holds ("invoice\u202Etxt.exe" shows as "invoiceexe.txt").
 */
const INVISIBLE = '\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
const CONTROL = new RegExp(`[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F${INVISIBLE}]`);
const CONTROL_OR_NEWLINE = new RegExp(`[\\u0000-\\u001F${INVISIBLE}]`);
export const CONTROL_PROBLEM = 'must not contain control characters';

/** Whether text holds a character the fields refuse (line breaks and tabs pass when multiline). */
export const hasControlCharacters = (s: string, multiline = false): boolean => (multiline ? CONTROL : CONTROL_OR_NEWLINE).test(s);

const text = (max: number, multiline: boolean) =>
  z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .refine((s) => s.length <= max, `must be at most ${max} characters`)
    .refine((s) => !hasControlCharacters(s, multiline), CONTROL_PROBLEM);

export const title = (what = 'title') =>
  text(500, false)
    .refine((s) => s.length > 0, `${what} must not be empty`)
    .describe(`The ${what} (1-500 characters).`);

export const shortText = (description: string, max = 200) => text(max, false).describe(description);
export const description = () => text(10_000, true).describe('Longer free text (up to 10,000 characters).');
export const notes = () => text(50_000, true).describe('Notes (up to 50,000 characters).');

/** Optional on create, and on update `null` clears it. */
export const clearable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const TAG_LIMIT = 50;
export const tag = () =>
  text(64, false)
    .transform((s) => s.toLowerCase().replace(/\s+/g, ' '))
    .refine((s) => s.length > 0, 'a tag must not be empty')
    .describe('A tag (case-insensitive, up to 64 characters).');

export const tags = () =>
  z
    .array(tag())
    .max(TAG_LIMIT, `at most ${TAG_LIMIT} tags`)
    .transform((list) => [...new Set(list)])
    .describe(`Tags (up to ${TAG_LIMIT}); stored in lower case.`);

const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const priority = () => z.enum(PRIORITIES).describe('Priority: low, medium, high or urgent.');
export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p) + 1;
export const priorityName = (rank: number): Priority => PRIORITIES[rank - 1] ?? 'medium';

export const id = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(64, `${what} is too long to be an id`)
    .refine((s) => !hasControlCharacters(s), CONTROL_PROBLEM)
    .describe(`The ${what}.`);

/** Dates are checked for shape by the services, which know the user's time zone. */
export const moment = (describe: string) =>
  z
    .string()
    .max(80, 'is too long to be a date')
    .refine((s) => !hasControlCharacters(s), CONTROL_PROBLEM)
    .describe(describe);
export const DATE_HELP =
  'ISO 8601: a date (2026-12-01), a local date-time read in your time zone (2026-12-01T09:30), or with Z or an offset (2026-12-01T09:30:00Z); years 1900-2200.';

export const cursor = () => z.string().max(1024).optional().describe('Where to continue: the next_cursor of the previous page. Omit for the first page.');
export const limit = (max = 200, fallback = 50) =>
  z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback)
    .describe(`Items per page (1-${max}, default ${fallback}).`);

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('Pass as cursor to get the next page; null on the last page.'),
  });

export const timestamps = {
  created_at: z.string().describe('When it was created, in your time zone.'),
  updated_at: z.string().describe('When it last changed, in your time zone.'),
};
