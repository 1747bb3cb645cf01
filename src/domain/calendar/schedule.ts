import { z } from 'zod';
import type { DomainContext } from '../context.js';
import { InvalidInputError, NotFoundError, UserError } from '../../errors.js';
import { id, moment } from '../common/fields.js';
import { parseMoment, toStored } from '../common/time.js';
import { duration, freeSlots } from './free-time.js';
import type { Event } from './schema.js';
import { createEvent } from './service.js';

export const ScheduleTodoInput = z.strictObject({
  todo_id: id('todo_id'),
  duration_minutes: duration.describe('How long to book, in minutes.'),
  start_time: moment(
    `When to book it; default: the first free slot of that length in your working hours before the todo is due (within 14 days if it has no due date).`,
  ).optional(),
});
export type ScheduleTodoInput = z.output<typeof ScheduleTodoInput>;

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * Books time for a todo: an event linked both ways (todo_id on the event, scheduled_event_id on
 * the todo). Completing the todo leaves the event; moving the event keeps the link.
 */
export async function scheduleTodo(ctx: DomainContext, input: ScheduleTodoInput): Promise<Event> {
  const todo = await ctx.todos.findLive(input.todo_id, { lock: true });
  if (!todo) throw new NotFoundError('todo', input.todo_id, 'todo_id', 'Use list_todos to find todo ids.');
  if (todo.completed === 1) throw new UserError(`todo_id: the todo ${todo.id} is already completed; nothing to book time for.`);
  const zone = await ctx.zone();
  const start = input.start_time === undefined ? await firstFreeStart(ctx, todo.due_at, input.duration_minutes) : startOf(input.start_time, zone);
  const end = new Date(Date.parse(start) + input.duration_minutes * MINUTE_MS).toISOString();
  const event = await createEvent(ctx, { title: todo.title, start_time: start, end_time: end, timezone: zone, attendees: [], tags: [], all_day: false });
  await ctx.events.update(event.id, { todo_id: todo.id });
  await ctx.todos.update(todo.id, { scheduled_event_id: event.id, updated_at: toStored(ctx.now) });
  return { ...event, todo_id: todo.id };
}

/** A start given by the user: a moment, not a date. */
function startOf(value: string, zone: string): string {
  const m = parseMoment(value, zone, 'start_time');
  if (m.kind === 'date') throw new InvalidInputError('start_time', `${value} is a date without a time; give a time, e.g. ${value}T09:00`);
  return toStored(m.instant);
}

/** The first free slot of the length in the working hours before the due moment (or within 14 days). */
async function firstFreeStart(ctx: DomainContext, dueAt: string | null, minutes: number): Promise<string> {
  const until = dueAt ?? new Date(ctx.now.epochMilliseconds + 14 * DAY_MS).toISOString();
  const [slot] = await freeSlots(ctx, toStored(ctx.now), until, minutes, 1);
  if (!slot) {
    throw new UserError(
      `start_time: no free ${minutes} minutes in your working hours ${dueAt ? 'before the todo is due' : 'in the next 14 days'}; give a start_time, or look with find_free_time.`,
    );
  }
  return new Date(slot.start).toISOString();
}
