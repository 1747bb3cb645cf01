import crypto from 'node:crypto';
import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../../errors.js';
import type { DeliveryRow } from '../../storage/repositories/reminders.js';
import { decodeCursor, toPage } from '../common/pagination.js';
import { formatDue, formatInstant, rangeBound, toStored } from '../common/time.js';
import { displayInstant, momentsIn, type EventMoment } from '../calendar/service.js';
import { mapped, type Fetch } from '../../storage/repositories/fetches.js';
import type { TodoRow } from '../../storage/repositories/todos.js';
import type { Delivery, ListRemindersInput, Reminder } from './schema.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** The longest reminder_minutes allowed (four weeks): how far past a range an event may start and remind in it. */
const LONGEST_LEAD_MS = 40320 * MINUTE_MS;
/** The most reminders one call gathers of each kind. */
const MAX_GATHERED = 2000;

/** A reminder as gathered, before it is shown: stored instants. */
export interface DueReminder {
  kind: 'todo' | 'event';
  id: string;
  title: string;
  remind_at: string;
  due_at: string;
  occurrence_start: string | null;
  delivery_id: string;
  /** How `due` reads: a todo's due date, or the event's start in its own zone. */
  due: string;
}

/** The id of one reminder of one item: the same for every attempt, so a receiver drops repeats. */
function deliveryIdOf(kind: string, id: string, occurrence: string | null, remindAt: string): string {
  return crypto
    .createHash('sha256')
    .update(`${kind}|${id}|${occurrence ?? ''}|${remindAt}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * Every reminder due in [from, to): todos' reminders, and events' reminder_minutes before each
 * occurrence (an exception's own reminder where it changed it), earliest first.
 */
export async function remindersBetween(ctx: DomainContext, from: string, to: string): Promise<DueReminder[]> {
  return ctx.fetch(remindersIn(ctx, from, to, await ctx.zone()));
}

/** The same, as one fetch. */
function remindersIn(ctx: DomainContext, from: string, to: string, zone: string): Fetch<DueReminder[]> {
  const horizon = new Date(Math.min(Date.parse(to) + LONGEST_LEAD_MS, Date.parse('9999-12-31T00:00:00.000Z'))).toISOString();
  return mapped(
    ctx.gathered([ctx.todos.remindersBetween(from, to, MAX_GATHERED), momentsIn(ctx, { from, to: horizon, reminding: true }, MAX_GATHERED)]),
    ([todoRows, moments]) =>
      [...todoReminders(todoRows, zone), ...eventReminders(moments, from, to)].sort((a, b) =>
        a.remind_at < b.remind_at ? -1 : a.remind_at > b.remind_at ? 1 : a.delivery_id < b.delivery_id ? -1 : 1,
      ),
  );
}

function todoReminders(rows: readonly TodoRow[], zone: string): DueReminder[] {
  return rows.map((t): DueReminder => ({
    kind: 'todo',
    id: t.id,
    title: t.title,
    remind_at: t.reminder_at!,
    due_at: t.due_at ?? t.reminder_at!,
    occurrence_start: null,
    delivery_id: deliveryIdOf('todo', t.id, null, t.reminder_at!),
    due: formatDue(t.due_at, t.due_date, zone) ?? formatInstant(t.reminder_at!, zone),
  }));
}

/** Events' reminders in [from, to): reminder_minutes before each start. */
function eventReminders(moments: readonly EventMoment[], from: string, to: string): DueReminder[] {
  return moments.flatMap((e): DueReminder[] => {
    if (e.reminder_minutes === null) return [];
    const remindAt = new Date(Date.parse(e.start_at) - e.reminder_minutes * MINUTE_MS).toISOString();
    if (remindAt < from || remindAt >= to) return [];
    return [
      {
        kind: 'event',
        id: e.id,
        title: e.title,
        remind_at: remindAt,
        due_at: e.start_at,
        occurrence_start: e.occurrence_start,
        delivery_id: deliveryIdOf('event', e.id, e.occurrence_start, remindAt),
        due: displayInstant(e, e.start_at),
      },
    ];
  });
}

function deliveryOf(row: DeliveryRow | undefined, zone: string): Delivery | null {
  if (!row) return null;
  const at = (s: string | null) => (s === null ? null : formatInstant(s, zone));
  return {
    delivery_id: row.delivery_id,
    status: row.status as Delivery['status'],
    attempts: row.attempts,
    last_attempt_at: at(row.last_attempt_at),
    last_error: row.last_error,
    sent_at: at(row.sent_at),
  };
}

/** Reminders as users see them, with the last delivery attempt of each. */
async function present(ctx: DomainContext, reminders: readonly DueReminder[], zone: string): Promise<Reminder[]> {
  return ctx.fetch(presenting(ctx, reminders, zone));
}

/** The same, as one fetch. */
function presenting(ctx: DomainContext, reminders: readonly DueReminder[], zone: string): Fetch<Reminder[]> {
  const now = toStored(ctx.now);
  return mapped(ctx.deliveries.find(reminders.map((r) => r.delivery_id)), (deliveries) =>
    reminders.map((r) => ({
      remind_at: formatInstant(r.remind_at, zone),
      kind: r.kind,
      id: r.id,
      title: r.title,
      due: r.due,
      occurrence_start: r.occurrence_start === null ? null : formatInstant(r.occurrence_start, zone),
      past: r.remind_at <= now,
      delivery: deliveryOf(deliveries.get(r.delivery_id), zone),
    })),
  );
}

export async function listReminders(ctx: DomainContext, input: ListRemindersInput) {
  const zone = await ctx.zone();
  const from = input.start_date === undefined ? toStored(ctx.now) : rangeBound(input.start_date, zone, 'start_date', 'start');
  const to = input.end_date === undefined ? new Date(Date.parse(from) + DAY_MS).toISOString() : rangeBound(input.end_date, zone, 'end_date', 'end');
  if (to <= from) throw new InvalidInputError('end_date', 'must be after start_date, or no reminder can fall between them');
  const key = decodeCursor(input.cursor, 2);
  const all = (await remindersBetween(ctx, from, to)).filter(
    (r) => key === undefined || r.remind_at > String(key[0]) || (r.remind_at === key[0] && r.delivery_id > String(key[1])),
  );
  const page = toPage(
    all.slice(0, input.limit + 1),
    input.limit,
    (r) => [r.remind_at, r.delivery_id],
    (r) => r,
  );
  return { items: await present(ctx, page.items, zone), next_cursor: page.next_cursor };
}

/** The reminders of the next 24 hours (the dashboard's section), as one fetch. */
export function nextDayReminders(ctx: DomainContext, zone: string): Fetch<DueReminder[]> {
  const from = toStored(ctx.now);
  return remindersIn(ctx, from, new Date(Date.parse(from) + DAY_MS).toISOString(), zone);
}

/** The first `limit` of them as users see them, and how many there are, as one fetch. */
export function presentingFirst(
  ctx: DomainContext,
  reminders: readonly DueReminder[],
  limit: number,
  zone: string,
): Fetch<{ items: Reminder[]; total: number }> {
  return mapped(presenting(ctx, reminders.slice(0, limit), zone), (items) => ({ items, total: reminders.length }));
}
