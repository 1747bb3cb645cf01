import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../../errors.js';
import { checkTimeZone, formatInstant, systemTimeZone, toStored } from '../common/time.js';
import { DEFAULT_WORKING_HOURS, type CurrentTime, type Status, type UpdateStatusInput, type WorkingHours } from './schema.js';

export async function getStatus(ctx: DomainContext): Promise<Status> {
  const row = await ctx.profile();
  const zone = await ctx.zone();
  const backlog = await ctx.embeddingQueue.backlog();
  return {
    name: row?.name ?? null,
    location: { city: row?.city ?? null, state: row?.state ?? null, country: row?.country ?? null, details: row?.location_details ?? null },
    laptop: { os: row?.laptop_os ?? null, model: row?.laptop_model ?? null, specs: row?.laptop_specs ?? null },
    permissions: row?.permissions ? (JSON.parse(row.permissions) as string[]) : [],
    notes: row?.notes ?? null,
    timezone: zone,
    timezone_source: row?.timezone ? 'profile' : 'system',
    working_hours: workingHoursOf(row),
    reminder_webhook: row?.reminder_webhook_url ? { url: row.reminder_webhook_url, format: row.reminder_webhook_format ?? 'json' } : null,
    updated_at: row ? formatInstant(row.updated_at, zone) : null,
    recall: {
      embeddings: ctx.recall.enabled,
      model: ctx.recall.model()?.name ?? null,
      waiting: backlog.waiting,
      failing: backlog.failing,
      warning: ctx.recall.warning() ?? (backlog.lastError ? `embedding failed: ${backlog.lastError}` : null),
    },
  };
}

/** The person's working hours, or the default. */
export function workingHoursOf(row: { working_hours: string | null } | undefined): WorkingHours {
  return row?.working_hours ? (JSON.parse(row.working_hours) as WorkingHours) : DEFAULT_WORKING_HOURS;
}

const emptyToNull = (s: string | null | undefined) => (s === undefined ? undefined : s === null || s === '' ? null : s);

export async function updateStatus(ctx: DomainContext, input: UpdateStatusInput): Promise<Status> {
  const given = Object.entries(input).filter(([, v]) => v !== undefined);
  if (given.length === 0) {
    throw new InvalidInputError('arguments', 'give at least one field to change, e.g. city or timezone');
  }
  const timezone =
    input.timezone === undefined ? undefined : input.timezone === null || input.timezone.trim() === '' ? null : checkTimeZone(input.timezone, 'timezone');
  await ctx.profiles.save({
    name: emptyToNull(input.name),
    city: emptyToNull(input.city),
    state: emptyToNull(input.state),
    country: emptyToNull(input.country),
    location_details: emptyToNull(input.location_details),
    laptop_os: emptyToNull(input.laptop_os),
    laptop_model: emptyToNull(input.laptop_model),
    laptop_specs: emptyToNull(input.laptop_specs),
    permissions: input.permissions === undefined ? undefined : input.permissions === null ? null : JSON.stringify(input.permissions),
    notes: emptyToNull(input.notes),
    timezone,
    working_hours: input.working_hours === undefined ? undefined : input.working_hours === null ? null : JSON.stringify(input.working_hours),
    updated_at: toStored(ctx.now),
  });
  // Show what was just saved, not the profile the call read before it.
  const saved = await ctx.profiles.find();
  const zone = saved?.timezone ?? systemTimeZone();
  return getStatus({ ...ctx, profile: async () => saved, zone: async () => zone });
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export async function currentTime(ctx: DomainContext): Promise<CurrentTime> {
  const zone = await ctx.zone();
  const zoned = ctx.now.toZonedDateTimeISO(zone);
  return {
    now: formatInstant(toStored(ctx.now), zone),
    utc: ctx.now.toString({ smallestUnit: 'second' }),
    timezone: zone,
    utc_offset: zoned.offset,
    date: zoned.toPlainDate().toString(),
    time: zoned.toPlainTime().toString({ smallestUnit: 'second' }),
    weekday: WEEKDAYS[zoned.dayOfWeek - 1]!,
    unix_ms: ctx.now.epochMilliseconds,
  };
}
