import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { checkRepeats, checkRule, countOf, expand, nextAfter, parseSeriesDates, recurrenceFields, storedList, withEnd, type Series } from './recurrence.js';
import { Temporal, formatInstant, parseDue, type Due } from './time.js';

/**
 * Todos and project tasks that repeat (as Todoist's do): the due date is the current occurrence;
 * completing it records the completion and moves the item to its next occurrence, keeping the rule
 * (a COUNT counts down); completing the last one completes the item.
 */

/** The input fields of a repeating todo or task. */
export const repeatingInput = {
  recurrence: recurrenceFields.recurrence,
  exdates: recurrenceFields.dates('Occurrences skipped.'),
  rdates: recurrenceFields.dates(),
};

/** The output fields of a repeating todo or task. */
export const repeatingOutput = {
  recurrence: z.string().nullable(),
  exdates: z.array(z.string()),
  rdates: z.array(z.string()),
  completions: z.number(),
};

interface RepeatingRow {
  due_at: string | null;
  due_date: string | null;
  recurrence: string | null;
  exdates: string;
  rdates: string;
}

/** The series a due date repeats from: days for a date, else the moment in the person's zone. */
function seriesOf(rule: string, due: Due, zone: string, exdates: readonly string[], rdates: readonly string[]): Series {
  const start = due.date ? Temporal.PlainDate.from(due.date).toZonedDateTime({ timeZone: zone }) : Temporal.Instant.from(due.at).toZonedDateTimeISO(zone);
  return { rule, start, dates: due.date !== null, exdates, rdates };
}

/** The recurrence columns after a create or update, checked: a rule needs a due date to repeat from. */
export function repeatingColumns(
  input: { recurrence?: string | null; exdates?: string[]; rdates?: string[] },
  current: RepeatingRow | undefined,
  due: Due | null,
  zone: string,
) {
  const rule = input.recurrence === undefined ? (current?.recurrence ?? null) : input.recurrence === null ? null : checkRule(input.recurrence);
  if (rule === null) {
    for (const field of ['exdates', 'rdates'] as const) {
      if (input[field]?.length) throw new InvalidInputError(field, 'belongs to a repeating item; give a recurrence too');
    }
    return { recurrence: null, exdates: '[]', rdates: '[]' };
  }
  if (due === null) throw new InvalidInputError('recurrence', 'needs a due_date to repeat from');
  const start = seriesOf(rule, due, zone, [], []).start;
  const dates = (field: 'exdates' | 'rdates') =>
    input[field] === undefined ? storedList(current?.[field] ?? '[]') : parseSeriesDates(input[field], start, field);
  const exdates = dates('exdates');
  const rdates = dates('rdates');
  checkRepeats(seriesOf(rule, due, zone, exdates, rdates));
  return { recurrence: rule, exdates: JSON.stringify(exdates), rdates: JSON.stringify(rdates) };
}

/** The next occurrence of a repeating item after its current one, with the rule that continues from it. */
export function nextOccurrence(row: RepeatingRow, zone: string): { due: Due; recurrence: string } | undefined {
  if (row.recurrence === null || row.due_at === null) return undefined;
  const count = countOf(row.recurrence);
  if (count === 1) return undefined;
  const series = seriesOf(row.recurrence, { at: row.due_at, date: row.due_date }, zone, storedList(row.exdates), storedList(row.rdates));
  const next = nextAfter(series, series.start.toInstant().toString());
  if (next === undefined) return undefined;
  const due = series.dates
    ? parseDue(Temporal.Instant.from(next).toZonedDateTimeISO(zone).toPlainDate().toString(), zone, 'due_date')
    : { at: next, date: null };
  // COUNT counts the rule's own instances (RFC 5545): skipped ones (EXDATEs) are used up too.
  const passed = expand({ ...series, exdates: [], rdates: [] }, series.start.toInstant().toString(), next, 10_000).starts.length;
  if (count !== undefined && count - passed < 1) return undefined;
  return { due, recurrence: count === undefined ? row.recurrence : withEnd(row.recurrence, `COUNT=${count - passed}`) };
}

/** A reminder keeps its distance from the due moment when the item moves. */
export function movedReminder(reminderAt: string | null, from: Due, to: Due): string | null {
  if (reminderAt === null) return null;
  return new Date(Date.parse(reminderAt) + Date.parse(to.at) - Date.parse(from.at)).toISOString();
}

/** The recurrence fields as users read them. */
export function presentRepeating(row: RepeatingRow & { completions: number }, zone: string) {
  const show = (json: string) =>
    storedList(json).map((at) =>
      row.due_date !== null ? Temporal.Instant.from(at).toZonedDateTimeISO(zone).toPlainDate().toString() : formatInstant(at, zone),
    );
  return { recurrence: row.recurrence, exdates: show(row.exdates), rdates: show(row.rdates), completions: row.completions };
}
