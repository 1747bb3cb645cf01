import crypto from 'node:crypto';
import { z } from 'zod';
import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../../errors.js';
import { WHOLE_TENANT } from '../../storage/repositories/due-work.js';
import { formatInstant, toStored } from '../common/time.js';
import type { DeliveryRow } from '../../storage/repositories/reminders.js';
import { remindersBetween, type DueReminder } from './service.js';

/**
 * Reminders pushed to the person's webhook: a generic JSON POST signed with HMAC-SHA256 (its
 * secret shown once), or ntfy's format. Sent by the due work `reminders.send`, one run per person
 * at a time (the queue's row lock), so however many instances run, one sends each reminder; the
 * delivery id is the same for every attempt at a reminder, so a receiver drops repeats (a crash
 * between sending and recording resends it, with that id).
 */

const PURPOSE = 'reminder webhook';
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** How far back a run looks for reminders not yet sent (missed while the server was stopped). */
const LOOKBACK_MS = 7 * DAY_MS;
/** A reminder sent this long after it was due is marked late. */
const LATE_MS = 2 * MINUTE_MS;
/** Attempts at one reminder before it is given up (its failure stays visible in list_reminders). */
const MAX_ATTEMPTS = 8;
/** Reminders sent by one run at most (together); the rest go in the next, at once. */
const PER_RUN = 10;

const WEBHOOK_FORMATS = ['json', 'ntfy'] as const;
type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const SetReminderWebhookInput = z.strictObject({
  url: z
    .string()
    .max(2048)
    .url('must be an http:// or https:// URL')
    .nullable()
    .describe('Where reminders are POSTed when they come due; null removes the webhook.'),
  format: z
    .enum(WEBHOOK_FORMATS)
    .default('json')
    .describe('json: a JSON body signed with HMAC-SHA256 (X-MCP-PA-Signature); ntfy: a plain-text message for an ntfy topic URL.'),
});
export type SetReminderWebhookInput = z.output<typeof SetReminderWebhookInput>;

export const ReminderWebhook = z.object({
  url: z.string().nullable(),
  format: z.enum(WEBHOOK_FORMATS).nullable(),
  secret: z
    .string()
    .nullable()
    .describe(
      'The signing secret of json webhooks, shown only now: verify X-MCP-PA-Signature = "sha256=" + hex HMAC-SHA256(secret, X-MCP-PA-Timestamp + "." + body).',
    ),
  since: z.string().nullable(),
});
export type ReminderWebhook = z.infer<typeof ReminderWebhook>;

/** Sets, replaces or removes the webhook; a new one gets a new secret and is pushed reminders due from now on. */
export async function setReminderWebhook(ctx: DomainContext, input: SetReminderWebhookInput): Promise<ReminderWebhook> {
  const now = toStored(ctx.now);
  if (input.url === null) {
    await ctx.profiles.save({
      reminder_webhook_url: null,
      reminder_webhook_format: null,
      reminder_webhook_secret: null,
      reminder_webhook_since: null,
      updated_at: now,
    });
    await ctx.dueWork.cancel('reminders.send', WHOLE_TENANT);
    ctx.audit('webhook.removed');
    return { url: null, format: null, secret: null, since: null };
  }
  const url = new URL(input.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidInputError('url', 'must be an http:// or https:// URL');
  if (url.username || url.password)
    throw new InvalidInputError('url', 'must not hold a user name or password; ntfy and most receivers take a token in the URL path or query');
  const secret = crypto.randomBytes(32).toString('base64url');
  await ctx.profiles.save({
    reminder_webhook_url: url.href,
    reminder_webhook_format: input.format,
    reminder_webhook_secret: await ctx.secrets.seal(PURPOSE, secret),
    reminder_webhook_since: now,
    updated_at: now,
  });
  await ctx.dueWork.schedule('reminders.send', WHOLE_TENANT, now);
  ctx.audit('webhook.set', { host: url.host, format: input.format });
  return { url: url.href, format: input.format, secret: input.format === 'json' ? secret : null, since: formatInstant(now, await ctx.zone()) };
}

/** One HTTP request of a delivery, as the composition root sends it (through the SSRF-safe fetch). */
interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}
export type WebhookPost = (request: WebhookRequest) => Promise<void>;

/** The request for one reminder, in the webhook's format. */
function requestFor(reminder: DueReminder, webhook: { url: string; format: WebhookFormat; secret: string }, now: string, zone: string): WebhookRequest {
  const late = Date.parse(now) - Date.parse(reminder.remind_at) > LATE_MS;
  const common = { 'x-mcp-pa-delivery': reminder.delivery_id };
  if (webhook.format === 'ntfy') {
    return {
      url: webhook.url,
      headers: {
        ...common,
        'content-type': 'text/plain; charset=utf-8',
        title: reminder.title.replace(/[^\x20-\x7e]/g, '?'),
        tags: late ? 'alarm_clock,late' : 'alarm_clock',
      },
      body: `${reminder.title}\n${reminder.kind === 'todo' ? 'Due' : 'Starts'} ${reminder.due}${late ? ` (late: was due to remind at ${formatInstant(reminder.remind_at, zone)})` : ''}`,
    };
  }
  const body = JSON.stringify({
    delivery_id: reminder.delivery_id,
    kind: reminder.kind,
    id: reminder.id,
    title: reminder.title,
    remind_at: formatInstant(reminder.remind_at, zone),
    due: reminder.due,
    occurrence_start: reminder.occurrence_start === null ? null : formatInstant(reminder.occurrence_start, zone),
    late,
    sent_at: formatInstant(now, zone),
  });
  const timestamp = String(Math.floor(Date.parse(now) / 1000));
  const signature = crypto.createHmac('sha256', webhook.secret).update(`${timestamp}.${body}`).digest('hex');
  return {
    url: webhook.url,
    headers: { ...common, 'content-type': 'application/json', 'x-mcp-pa-timestamp': timestamp, 'x-mcp-pa-signature': `sha256=${signature}` },
    body,
  };
}

/** After n failed attempts, wait 2^(n-1) minutes before the next (at most six hours). */
const backoff = (attempts: number) => Math.min(6 * 60 * MINUTE_MS, MINUTE_MS * 2 ** Math.max(0, attempts - 1));

/** How long one POST may take. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/**
 * How long a claimed delivery is its sender's: a run's POSTs go out together, each within
 * WEBHOOK_TIMEOUT_MS; past the lease (the sender died between sending and recording) it is tried
 * again, with the same delivery id.
 */
const LEASE_MS = WEBHOOK_TIMEOUT_MS + 5_000;

/** When a delivery record lets the reminder be tried (again); undefined: never (sent, or given up). */
function nextTry(record: DeliveryRow | undefined): number | undefined {
  if (!record) return 0;
  if (record.status === 'sending' && record.attempts < MAX_ATTEMPTS) return Date.parse(record.last_attempt_at!) + LEASE_MS;
  if (record.status === 'failed' && record.attempts < MAX_ATTEMPTS) return Date.parse(record.last_attempt_at!) + backoff(record.attempts);
  return undefined;
}

/** A reminder claimed for sending: its request, and what its record says. */
export interface ClaimedDelivery {
  request: WebhookRequest;
  record: DeliveryRow;
}

/** The reminders due from the webhook's start (at most LOOKBACK_MS back) to now. */
async function dueSince(ctx: DomainContext, since: string) {
  const from = new Date(Math.max(Date.parse(since), ctx.now.epochMilliseconds - LOOKBACK_MS)).toISOString();
  const due = await remindersBetween(ctx, from, new Date(ctx.now.epochMilliseconds + 1).toISOString());
  const records = await ctx.fetch(ctx.deliveries.find(due.map((r) => r.delivery_id)));
  return { due, records };
}

/**
 * The due work `reminders.send`, in the queue's transaction (one per person at a time, however many
 * instances): claims the reminders due and not yet sent (recorded as `sending`, with a lease) and
 * returns their requests. The POSTs happen after this transaction commits (deliverClaimed), so no
 * transaction waits on a receiver; a sender that dies leaves its claims to expire and be sent again,
 * with the same delivery id.
 */
export async function claimDueReminders(ctx: DomainContext): Promise<ClaimedDelivery[]> {
  const profile = await ctx.profile();
  if (!profile?.reminder_webhook_url || !profile.reminder_webhook_secret || !profile.reminder_webhook_since) return [];
  const webhook = {
    url: profile.reminder_webhook_url,
    format: (profile.reminder_webhook_format ?? 'json') as WebhookFormat,
    secret: await ctx.secrets.open(PURPOSE, profile.reminder_webhook_secret),
  };
  const now = toStored(ctx.now);
  const zone = await ctx.zone();
  const { due, records } = await dueSince(ctx, profile.reminder_webhook_since);
  const waiting = due.filter((r) => {
    const at = nextTry(records.get(r.delivery_id));
    return at !== undefined && at <= ctx.now.epochMilliseconds;
  });
  const claimed: ClaimedDelivery[] = [];
  for (const reminder of waiting.slice(0, PER_RUN)) {
    const before = records.get(reminder.delivery_id);
    const record: DeliveryRow = {
      delivery_id: reminder.delivery_id,
      item_kind: reminder.kind,
      item_id: reminder.id,
      remind_at: reminder.remind_at,
      status: 'sending',
      attempts: (before?.attempts ?? 0) + 1,
      last_attempt_at: now,
      last_error: before?.last_error ?? null,
      sent_at: null,
    };
    await ctx.deliveries.record(record);
    claimed.push({ request: requestFor(reminder, webhook, now, zone), record });
  }
  if (claimed.length === 0) await scheduleNextRun(ctx);
  // Until the senders report: the next run when the leases end (or at once, if this one left some).
  else
    await ctx.dueWork.reschedule('reminders.send', WHOLE_TENANT, new Date(ctx.now.epochMilliseconds + (waiting.length > PER_RUN ? 0 : LEASE_MS)).toISOString());
  return claimed;
}

/** Records how one claimed delivery went (after its POST, in a transaction of its own). */
export async function recordDelivery(ctx: DomainContext, claimed: ClaimedDelivery, error: Error | undefined): Promise<void> {
  const now = toStored(ctx.now);
  await ctx.deliveries.record(
    error
      ? { ...claimed.record, status: 'failed', last_error: error.message.slice(0, 500) }
      : { ...claimed.record, status: 'sent', last_error: null, sent_at: now },
  );
}

/** Schedules the person's next run: the first retry or lease end, else the next reminder (at most 30 days on). */
export async function scheduleNextRun(ctx: DomainContext): Promise<void> {
  const profile = await ctx.profile();
  if (!profile?.reminder_webhook_url || !profile.reminder_webhook_since) return ctx.dueWork.cancel('reminders.send', WHOLE_TENANT);
  const now = ctx.now.epochMilliseconds;
  const { due, records } = await dueSince(ctx, profile.reminder_webhook_since);
  const tries = due.map((r) => nextTry(records.get(r.delivery_id))).filter((at): at is number => at !== undefined);
  const next = await remindersBetween(ctx, new Date(now + 1).toISOString(), new Date(now + 30 * DAY_MS).toISOString());
  const at = Math.max(now, Math.min(...tries, ...(next[0] ? [Date.parse(next[0].remind_at)] : []), now + 30 * DAY_MS));
  await ctx.dueWork.reschedule('reminders.send', WHOLE_TENANT, new Date(at).toISOString());
}
