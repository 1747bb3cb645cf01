import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { description, notes, shortText, tags, title } from '../common/fields.js';
import { Temporal, checkInstantInRange, checkTimeZone, FIRST_YEAR, LAST_YEAR } from '../common/time.js';
import { MAX_ATTENDEES } from '../calendar/schema.js';
import { MAX_DATES, checkRule } from '../common/recurrence.js';
import { DOCUMENT_TYPES } from '../documents/content-type.js';
import { checkExternalUrl } from '../documents/external-url.js';
import { MIME_TYPE } from '../documents/schema.js';
import { PROJECT_STATUSES, TASK_STATUSES } from '../projects/schema.js';
import { WorkingHours } from '../profile/schema.js';
import { ITEM_KINDS } from '../../storage/schema.js';

/**
 * The export format: one tenant's data as stored, row by row (instants as UTC ISO strings,
 * priorities as ranks 1-4), with each item's tags, and documents with their bytes in base64.
 *
 * Read back strictly, because an import is a door around the tools: every text field passes the
 * tools' own field schemas (length, control characters, bidirectional overrides), every choice
 * its list, every date the tools' range, every link the tools' check; an unknown or missing field
 * is an error, never silently dropped. Ids must look like the ids this server makes: they name
 * files on disk.
 */

/** The ids this server makes (UUIDs), and what the file blob store accepts as a file name. */
const ID = /^[A-Za-z0-9-]{1,64}$/;
const id = z.string().regex(ID, 'must be 1-64 letters, digits or hyphens (an id as mcp-pa makes them)');

/** A check of the domain (which throws InvalidInputError) as a zod refinement. */
const checkedBy = (check: (value: string) => void) =>
  z.string().superRefine((value, ctx) => {
    try {
      check(value);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.problem });
    }
  });

const STORED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const instant = checkedBy((value) => {
  let parsed: Temporal.Instant | undefined;
  try {
    parsed = STORED_INSTANT.test(value) ? Temporal.Instant.from(value) : undefined;
  } catch {
    // refused below
  }
  if (!parsed) throw new InvalidInputError('', `${JSON.stringify(value)} is not a stored instant such as 2026-12-01T09:30:00.000Z`);
  checkInstantInRange(parsed, value, '');
});

const plainDate = checkedBy((value) => {
  let date: Temporal.PlainDate | undefined;
  try {
    date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Temporal.PlainDate.from(value, { overflow: 'reject' }) : undefined;
  } catch {
    // refused below
  }
  if (!date) throw new InvalidInputError('', `${JSON.stringify(value)} is not a date such as 2026-12-01`);
  if (date.year < FIRST_YEAR || date.year > LAST_YEAR) {
    throw new InvalidInputError('', `${JSON.stringify(value)} is out of range: dates must lie in the years from ${FIRST_YEAR} to ${LAST_YEAR}`);
  }
});

const timeZone = checkedBy((value) => void checkTimeZone(value, ''));
const rank = z.number().int().min(1, 'must be a rank from 1 (low) to 4 (urgent)').max(4, 'must be a rank from 1 (low) to 4 (urgent)');
const flag = z.union([z.literal(0), z.literal(1)], { error: 'must be 0 or 1' });

/** A JSON-encoded list of short texts, as the profile's permissions and an event's attendees are stored. */
const jsonList = (item: z.ZodType<string, string>, max: number, what: string) =>
  z.string().transform((value, ctx) => {
    let list: unknown;
    try {
      list = JSON.parse(value);
    } catch {
      // refused below
    }
    const parsed = z.array(item).max(max).safeParse(list);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      ctx.addIssue({
        code: 'custom',
        message: `must be a JSON list of up to ${max} ${what}${issue.path.length ? ` (item ${issue.path.join('.')}: ${issue.message})` : ''}`,
      });
      return z.NEVER;
    }
    return JSON.stringify(parsed.data);
  });

/** A JSON-encoded value checked by a schema, stored again as JSON. */
const jsonOf = <T extends z.ZodType>(schema: T, what: string) =>
  z.string().transform((value, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      // refused below
    }
    const checked = schema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      ctx.addIssue({
        code: 'custom',
        message: `must be ${what}${issue.path.length ? ` (at ${issue.path.join('.')}: ${issue.message})` : `: ${issue.message}`}`,
      });
      return z.NEVER;
    }
    return JSON.stringify(checked.data);
  });

/** Recurrence as stored (absent in files of version 1): the rule, and its extra and left-out starts. */
const recurrence = {
  recurrence: checkedBy((rule) => void checkRule(rule, ''))
    .nullable()
    .default(null),
  exdates: jsonOf(z.array(instant).max(MAX_DATES), `a JSON list of up to ${MAX_DATES} stored instants`).default('[]'),
  rdates: jsonOf(z.array(instant).max(MAX_DATES), `a JSON list of up to ${MAX_DATES} stored instants`).default('[]'),
};

/** A subtask's parent (absent in files before version 3): checked against the file in validate.ts. */
const subtask = {
  parent_id: id.nullable().default(null),
  trashed_with_parent: flag.default(0),
};

/** The UID of an item imported from an iCalendar file. */
const icsUid = shortText('', 255).nullable().default(null);

/** A recurring event's changed occurrences, by original start (see domain/calendar/series.ts). */
const EventExceptions = z.record(
  instant,
  z.strictObject({
    start_at: instant.optional(),
    end_at: instant.optional(),
    fields: z
      .strictObject({
        title: title().optional(),
        description: description().nullable().optional(),
        location: shortText('', 500).nullable().optional(),
        attendees: jsonList(shortText('', 320), MAX_ATTENDEES, 'names or addresses').optional(),
        reminder_minutes: z.number().int().min(0).max(40320).nullable().optional(),
      })
      .optional(),
  }),
);

/** end not before start, when both are set. */
function inOrder<T>(first: keyof T & string, second: keyof T & string) {
  return (row: T, ctx: z.RefinementCtx) => {
    const [a, b] = [row[first], row[second]];
    if (typeof a === 'string' && typeof b === 'string' && b < a) {
      ctx.addIssue({ code: 'custom', path: [second], message: `must not come before ${first}` });
    }
  };
}

const lifecycle = { id, created_at: instant, updated_at: instant, deleted_at: instant.nullable(), tags: tags() };

const ExportProfile = z.strictObject({
  name: shortText('').nullable(),
  city: shortText('').nullable(),
  state: shortText('').nullable(),
  country: shortText('').nullable(),
  location_details: shortText('', 1000).nullable(),
  laptop_os: shortText('').nullable(),
  laptop_model: shortText('').nullable(),
  laptop_specs: shortText('', 1000).nullable(),
  permissions: jsonList(shortText('', 200), 100, 'permissions').nullable(),
  notes: notes().nullable(),
  timezone: timeZone.nullable(),
  working_hours: jsonOf(WorkingHours, 'working hours as JSON, e.g. {"days":["mon"],"start":"09:00","end":"17:00"}').nullable().default(null),
  updated_at: instant,
});

const ExportProject = z
  .strictObject({
    ...lifecycle,
    name: title('name'),
    description: description().nullable(),
    status: z.enum(PROJECT_STATUSES),
    priority: rank,
    start_date: plainDate.nullable(),
    end_date: plainDate.nullable(),
    notes: notes().nullable(),
    progress_override: z.number().int().min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100').nullable(),
  })
  .superRefine(inOrder('start_date', 'end_date'));

const ExportTask = z.strictObject({
  ...lifecycle,
  project_id: id,
  title: title(),
  description: description().nullable(),
  status: z.enum(TASK_STATUSES),
  priority: rank,
  due_at: instant.nullable(),
  due_date: plainDate.nullable(),
  completed_at: instant.nullable(),
  trashed_with_project: flag,
  ...recurrence,
  completions: z.number().int().min(0).default(0),
  ...subtask,
});

const ExportTodo = z.strictObject({
  ...lifecycle,
  title: title(),
  description: description().nullable(),
  due_at: instant.nullable(),
  due_date: plainDate.nullable(),
  reminder_at: instant.nullable(),
  priority: rank,
  completed: flag,
  completed_at: instant.nullable(),
  project_id: id.nullable(),
  ...recurrence,
  completions: z.number().int().min(0).default(0),
  scheduled_event_id: id.nullable().default(null),
  uid: icsUid,
  ...subtask,
});

const ExportEvent = z
  .strictObject({
    ...lifecycle,
    title: title(),
    description: description().nullable(),
    start_at: instant,
    end_at: instant,
    all_day: flag,
    /** Derived again on import (see importTenant): an index hint, not data. */
    long_event: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'must be 0, 1 or 2' }),
    timezone: timeZone,
    location: shortText('', 500).nullable(),
    attendees: jsonList(shortText('', 320), MAX_ATTENDEES, 'names or addresses'),
    reminder_minutes: z.number().int().min(0, 'must be from 0 to 40320 (four weeks)').max(40320, 'must be from 0 to 40320 (four weeks)').nullable(),
    ...recurrence,
    exceptions: jsonOf(EventExceptions, 'a JSON object of changed occurrences by original start').default('{}'),
    todo_id: id.nullable().default(null),
    uid: icsUid,
  })
  .superRefine(inOrder('start_at', 'end_at'));

const ExportDocument = z
  .strictObject({
    ...lifecycle,
    title: title(),
    description: description().nullable(),
    source: z.enum(['upload', 'external']),
    category: z.enum(DOCUMENT_TYPES),
    mime_type: z.string().regex(MIME_TYPE, 'must be a MIME type such as text/markdown').nullable(),
    filename: shortText('', 255).nullable(),
    size_bytes: z.number().int().min(0).nullable(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex')
      .nullable(),
    external_url: z.string().max(2048, 'must be at most 2048 characters').nullable(),
    /** The plaintext bytes (an export is decrypted; the importing server encrypts with its own key). */
    content_base64: z.string().nullable(),
  })
  .superRefine((doc, ctx) => {
    const missing = (field: string, why: string) => ctx.addIssue({ code: 'custom', path: [field], message: why });
    if (doc.source === 'external') {
      if (doc.external_url === null) return missing('external_url', 'a link needs its URL');
      try {
        checkExternalUrl(doc.external_url);
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        missing('external_url', err.problem);
      }
      if (doc.content_base64 !== null) missing('content_base64', 'a link has no bytes; must be null');
    } else {
      if (doc.external_url !== null) missing('external_url', 'an upload has no URL; must be null');
      if (doc.content_base64 === null) missing('content_base64', 'an upload needs its bytes');
      if (doc.sha256 === null) missing('sha256', 'an upload needs the checksum of its bytes');
    }
  });

/** Files of versions 1 to 3 could carry embeddings; they are read and left out (the provider makes them again). */
const ExportEmbedding = z.strictObject({
  kind: z.enum(ITEM_KINDS),
  id,
  embedding: z.array(z.number()).max(8192, 'must hold at most 8192 numbers'),
});

const ExportAttachment = z.strictObject({
  document_id: id,
  item_kind: z.enum(['project', 'task', 'todo', 'event']),
  item_id: id,
  created_at: instant,
});

/** One recorded change (the history); its fields are checked as JSON objects, their values are the item's own. */
const ExportChange = z.strictObject({
  change_id: id,
  batch_id: id,
  at: instant,
  actor: shortText('', 500),
  action: z.enum(['create', 'update', 'complete', 'delete', 'restore', 'undo']),
  item_kind: z.enum(ITEM_KINDS),
  item_id: id,
  before: jsonOf(z.record(z.string(), z.unknown()), 'a JSON object of fields').nullable(),
  after: jsonOf(z.record(z.string(), z.unknown()), 'a JSON object of fields'),
  undone_by: id.nullable(),
});

export const EXPORT_FORMAT = 'mcp-pa-export';
/**
 * Version 2 added recurrence (issue 14), version 3 subtasks (issue 15), version 4 attachments
 * (issue 16); older files are read as items that do not repeat, have no parent and no attachments.
 */
export const EXPORT_VERSION = 4;

export const TenantExport = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(EXPORT_VERSION)], { error: `must be 1, 2, 3 or ${EXPORT_VERSION}` }),
  exported_at: z.string(),
  profile: ExportProfile.nullable(),
  projects: z.array(ExportProject),
  tasks: z.array(ExportTask),
  todos: z.array(ExportTodo),
  events: z.array(ExportEvent),
  documents: z.array(ExportDocument),
  embeddings: z.array(ExportEmbedding).default([]),
  history: z.array(ExportChange).default([]),
  attachments: z.array(ExportAttachment).default([]),
});
export type TenantExport = z.infer<typeof TenantExport>;

export interface ImportReport {
  projects: number;
  tasks: number;
  todos: number;
  events: number;
  documents: number;
  history: number;
  attachments: number;
  /** Embeddings in a file of an earlier version: left out, the items are embedded again where embeddings are on. */
  embeddings_skipped: number;
}
