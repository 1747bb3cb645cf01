import crypto from 'node:crypto';
import { z } from 'zod';
import type { DomainContext } from '../context.js';
import { InvalidInputError } from '../../errors.js';
import { WHOLE_TENANT } from '../../storage/repositories/due-work.js';
import { formatInstant, toStored } from '../common/time.js';
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
/** Reminders sent by one run at most; the rest go in the next, at once. */
const PER_RUN = 25;

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
  since: z.string().nullable().describe('Reminders due from this moment on are pushed.'),
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

/**
 * The due work `reminders.send`: pushes the reminders due and not yet sent, records each attempt,
 * and schedules the next run for the next reminder or retry. Returns how many were sent.
 */
export async function sendDueReminders(ctx: DomainContext, post: WebhookPost): Promise<number> {
  const profile = await ctx.profile();
  if (!profile?.reminder_webhook_url || !profile.reminder_webhook_secret || !profile.reminder_webhook_since) return 0;
  const webhook = {
    url: profile.reminder_webhook_url,
    format: (profile.reminder_webhook_format ?? 'json') as WebhookFormat,
    secret: await ctx.secrets.open(PURPOSE, profile.reminder_webhook_secret),
  };
  const now = toStored(ctx.now);
  const zone = await ctx.zone();
  const from = new Date(Math.max(Date.parse(profile.reminder_webhook_since), ctx.now.epochMilliseconds - LOOKBACK_MS)).toISOString();
  const due = await remindersBetween(ctx, from, new Date(ctx.now.epochMilliseconds + 1).toISOString());
  const records = await ctx.deliveries.find(due.map((r) => r.delivery_id));
  const waiting = due.filter((r) => {
    const record = records.get(r.delivery_id);
    if (!record) return true;
    return (
      record.status === 'failed' &&
      record.attempts < MAX_ATTEMPTS &&
      Date.parse(record.last_attempt_at!) + backoff(record.attempts) <= ctx.now.epochMilliseconds
    );
  });
  let sent = 0;
  const retries: number[] = [];
  for (const reminder of waiting.slice(0, PER_RUN)) {
    const before = records.get(reminder.delivery_id);
    const attempts = (before?.attempts ?? 0) + 1;
    const base = {
      delivery_id: reminder.delivery_id,
      item_kind: reminder.kind,
      item_id: reminder.id,
      remind_at: reminder.remind_at,
      attempts,
      last_attempt_at: now,
    };
    try {
      await post(requestFor(reminder, webhook, now, zone));
      await ctx.deliveries.record({ ...base, status: 'sent', last_error: null, sent_at: now });
      sent++;
    } catch (err) {
      await ctx.deliveries.record({ ...base, status: 'failed', last_error: (err as Error).message.slice(0, 500), sent_at: null });
      if (attempts < MAX_ATTEMPTS) retries.push(ctx.now.epochMilliseconds + backoff(attempts));
    }
  }
  // The next run: at once if this one left some, at the first retry, or at the next reminder.
  const next = await remindersBetween(
    ctx,
    new Date(ctx.now.epochMilliseconds + 1).toISOString(),
    new Date(ctx.now.epochMilliseconds + 30 * DAY_MS).toISOString(),
  );
  const candidates = [
    ...(waiting.length > PER_RUN ? [ctx.now.epochMilliseconds] : []),
    ...retries,
    ...(next[0] ? [Date.parse(next[0].remind_at)] : []),
    ctx.now.epochMilliseconds + 30 * DAY_MS,
  ];
  await ctx.dueWork.schedule('reminders.send', WHOLE_TENANT, new Date(Math.min(...candidates)).toISOString());
  return sent;
}
