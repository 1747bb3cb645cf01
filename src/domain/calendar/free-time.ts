import { z } from 'zod';
import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../../errors.js';
import { moment } from '../common/fields.js';
import { Temporal, formatInstant, rangeBound, toStored } from '../common/time.js';
import { WEEKDAY_NAMES, type WorkingHours } from '../profile/schema.js';
import { workingHoursOf } from '../profile/service.js';
import { eventMoments, type EventMoment } from './service.js';

/**
 * Free time: the gaps between timed events and their occurrences inside the person's working
 * hours, in their zone. All-day events do not make anyone busy (as calendar apps treat them: a
 * birthday or a public holiday is shown, not blocked).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** The longest range one search covers. */
const MAX_RANGE_DAYS = 92;
/** Slots that start now start at the next multiple of this. */
const STEP_MS = 5 * MINUTE_MS;
/** The most events one search looks at. */
const MAX_EVENTS = 5000;

export const duration = z
  .number()
  .int('must be a whole number of minutes')
  .min(5, 'must be from 5 to 1440 minutes')
  .max(1440, 'must be from 5 to 1440 minutes');

export const FindFreeTimeInput = z.strictObject({
  start_date: moment(`Look from here (default: now).`).optional(),
  end_date: moment(`Look until here (default: 7 days after start_date; at most ${MAX_RANGE_DAYS} days).`).optional(),
  duration_minutes: duration.describe('How long the free slot must be, in minutes.'),
  limit: z.number().int().min(1).max(100).default(20).describe('The most slots returned (default 20).'),
});
export type FindFreeTimeInput = z.output<typeof FindFreeTimeInput>;

const Slot = z.object({ start_time: z.string(), end_time: z.string() });
export const FreeTime = z.object({
  slots: z.array(Slot),
  working_hours: z.object({ days: z.array(z.enum(WEEKDAY_NAMES)), start: z.string(), end: z.string() }),
  timezone: z.string(),
});
export type FreeTime = z.infer<typeof FreeTime>;

interface Span {
  start: number;
  end: number;
}

/** The working spans of each day of [from, to), in the zone, clipped to the range. */
function workingSpans(from: number, to: number, hours: WorkingHours, zone: string): Span[] {
  const spans: Span[] = [];
  const days = new Set(hours.days.map((d) => WEEKDAY_NAMES.indexOf(d) + 1));
  const clock = (t: string) => Temporal.PlainTime.from(t);
  for (let date = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone).toPlainDate(); ; date = date.add({ days: 1 })) {
    const dayStart = date.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
    if (dayStart >= to) break;
    if (!days.has(date.dayOfWeek)) continue;
    const start = date.toZonedDateTime({ timeZone: zone, plainTime: clock(hours.start) }).epochMilliseconds;
    const end = date.toZonedDateTime({ timeZone: zone, plainTime: clock(hours.end) }).epochMilliseconds;
    const clipped = { start: Math.max(start, from), end: Math.min(end, to) };
    if (clipped.end > clipped.start) spans.push(clipped);
  }
  return spans;
}

/** What makes the person busy: timed events and occurrences. */
const busy = (moments: readonly EventMoment[]): Span[] =>
  moments
    .filter((m) => m.all_day === 0)
    .map((m) => ({ start: Date.parse(m.start_at), end: Date.parse(m.end_at) }))
    .sort((a, b) => a.start - b.start);

/** The free parts of `spans` around `taken` (both sorted), at least `minimum` long. */
function gaps(spans: readonly Span[], taken: readonly Span[], minimum: number): Span[] {
  const free: Span[] = [];
  for (const span of spans) {
    let at = span.start;
    for (const t of taken) {
      if (t.end <= at || t.start >= span.end) continue;
      if (t.start - at >= minimum) free.push({ start: at, end: t.start });
      at = Math.max(at, t.end);
    }
    if (span.end - at >= minimum) free.push({ start: at, end: span.end });
  }
  return free;
}

/** Free slots of at least `minutes` in [from, to) (stored instants), at most `limit`. */
export async function freeSlots(ctx: DomainContext, from: string, to: string, minutes: number, limit: number): Promise<Span[]> {
  const zone = await ctx.zone();
  // Not before now, rounded up to whole minutes of STEP: a slot that starts now starts at 10:05, not 10:03:17.
  const start = Math.max(Date.parse(from), Math.ceil(ctx.now.epochMilliseconds / STEP_MS) * STEP_MS);
  const end = Date.parse(to);
  if (end <= start) return [];
  const hours = workingHoursOf(await ctx.profile());
  const taken = busy(await eventMoments(ctx, { from: new Date(start).toISOString(), to }, MAX_EVENTS));
  return gaps(workingSpans(start, end, hours, zone), taken, minutes * MINUTE_MS).slice(0, limit);
}

export async function findFreeTime(ctx: DomainContext, input: FindFreeTimeInput): Promise<FreeTime> {
  const zone = await ctx.zone();
  const from = input.start_date === undefined ? toStored(ctx.now) : rangeBound(input.start_date, zone, 'start_date', 'start');
  const to = input.end_date === undefined ? new Date(Date.parse(from) + 7 * DAY_MS).toISOString() : rangeBound(input.end_date, zone, 'end_date', 'end');
  if (to <= from) throw new InvalidInputError('end_date', 'must be after start_date');
  if (Date.parse(to) - Date.parse(from) > MAX_RANGE_DAYS * DAY_MS)
    throw new InvalidInputError('end_date', `must be at most ${MAX_RANGE_DAYS} days after start_date`);
  const slots = await freeSlots(ctx, from, to, input.duration_minutes, input.limit);
  const show = (ms: number) => formatInstant(new Date(ms).toISOString(), zone);
  return {
    slots: slots.map((s) => ({ start_time: show(s.start), end_time: show(s.end) })),
    working_hours: workingHoursOf(await ctx.profile()),
    timezone: zone,
  };
}
