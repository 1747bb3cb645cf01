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

export const title = (what = 'title') => text(500, false).refine((s) => s.length > 0, `${what} must not be empty`);

/** A one-line text; no description when the field's name says it all. */
export const shortText = (description: string, max = 200) => (description ? text(max, false).describe(description) : text(max, false));
export const description = () => text(10_000, true);
export const notes = () => text(50_000, true);

/** Optional on create, and on update `null` clears it. */
export const clearable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const TAG_LIMIT = 50;
export const tag = () =>
  text(64, false)
    .transform((s) => s.toLowerCase().replace(/\s+/g, ' '))
    .refine((s) => s.length > 0, 'a tag must not be empty');

export const tags = () =>
  z
    .array(tag())
    .max(TAG_LIMIT, `at most ${TAG_LIMIT} tags`)
    .transform((list) => [...new Set(list)]);

const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const priority = () => z.enum(PRIORITIES);
export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p) + 1;
export const priorityName = (rank: number): Priority => PRIORITIES[rank - 1] ?? 'medium';

/** Where a model finds each kind of id: a description that says it saves a guess or a failed call. */
const ID_SOURCES: Record<string, string> = {
  todo_id: 'From list_todos or search.',
  event_id: 'From list_calendar_events or search.',
  project_id: 'From list_projects or search.',
  task_id: 'From list_tasks, get_project or search.',
  document_id: 'From list_documents or search.',
};

export const id = (what: string) =>
  z
    .string()
    .trim()
    // Refinements, not min/max: an id's bounds would only lengthen the tool list.
    .refine((s) => s.length > 0, `${what} must not be empty`)
    .refine((s) => s.length <= 64, `${what} is too long to be an id`)
    .refine((s) => !hasControlCharacters(s), CONTROL_PROBLEM)
    .describe(ID_SOURCES[what] ?? `The ${what}.`);

const DATE_HELP = 'ISO 8601 (in your zone unless Z or an offset) or words: "tomorrow 9am", "next fri".';

/**
 * Dates are checked for shape by the services, which know the user's time zone. One shared schema
 * (a local definition in each tool's JSON Schema), so the syntax is described once per tool.
 */
const MOMENT = z
  .string()
  .refine((s) => s.length <= 80, 'is too long to be a date')
  .refine((s) => !hasControlCharacters(s), CONTROL_PROBLEM)
  .meta({ id: 'date', description: DATE_HELP });
const MOMENTS = new WeakSet<z.ZodType>();
/** A date field: what a person may also say in words (common/words.ts reads them). */
export const moment = (describe: string) => {
  const field = MOMENT.describe(describe);
  MOMENTS.add(field);
  return field;
};
/** Marks a schema as holding dates (a list of them): its strings may be words too. */
export const holdsDates = <T extends z.ZodType>(schema: T): T => {
  MOMENTS.add(schema);
  return schema;
};
export const isDateField = (schema: z.ZodType) => MOMENTS.has(schema);

export const cursor = () => z.string().max(1024).optional().describe('The previous page’s next_cursor.');
export const limit = (max = 200, fallback = 50) =>
  z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).default(fallback);

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe('null on the last page.'),
  });

export const timestamps = {
  created_at: z.string(),
  updated_at: z.string(),
};
