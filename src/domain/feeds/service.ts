import crypto from 'node:crypto';
import { z } from 'zod';
import type { DomainContext } from '../context.js';
import { UserError } from '../../errors.js';
import { formatInstant, toStored } from '../common/time.js';
import { exportIcs } from '../ical/service.js';

/**
 * A person's calendar feed: a secret URL (`/feeds/<secret>.ics`) that calendar apps subscribe to,
 * served by `mcp-pa serve`. The secret is 256 random bits; the database keeps its keyed hash (to
 * find the feed by) and the secret sealed under the key-encryption key (so the tool can show the
 * URL again). Revoking it makes the URL stop working at once; a new one is then made on request.
 */

const PURPOSE = 'calendar feed';

export const CalendarFeed = z.object({
  url: z.string().describe('The feed’s address: subscribe to it in a calendar app. Keep it secret; anyone with it can read your calendar.'),
  created_at: z.string(),
  created: z.boolean(),
});
export type CalendarFeed = z.infer<typeof CalendarFeed>;

export const GetCalendarFeedInput = z.strictObject({});

/** The path a feed is served at. */
const feedPath = (secret: string) => `/feeds/${secret}.ics`;

/** The feed's URL (or its path, where the server's public URL is not known). */
function feedUrl(ctx: DomainContext, secret: string): string {
  return ctx.server.publicUrl ? new URL(feedPath(secret), ctx.server.publicUrl).href : feedPath(secret);
}

/** The person's feed, made on first request. */
export async function getCalendarFeed(ctx: DomainContext): Promise<CalendarFeed> {
  if (!ctx.server.http) {
    throw new UserError(
      'calendar feeds are served by mcp-pa serve (HTTP mode); this server runs over stdio, with nothing a calendar app could subscribe to. Use export_ics for a file to import instead.',
    );
  }
  const zone = await ctx.zone();
  const existing = await ctx.feeds.find();
  if (existing) {
    const url = feedUrl(ctx, await ctx.secrets.open(PURPOSE, existing.secret_sealed));
    ctx.audit('feed.shown');
    return { url, created_at: formatInstant(existing.created_at, zone), created: false };
  }
  const secret = crypto.randomBytes(32).toString('base64url');
  const now = toStored(ctx.now);
  await ctx.feeds.create({
    secret_hash: await ctx.secrets.keyedHash(PURPOSE, secret),
    secret_sealed: await ctx.secrets.seal(PURPOSE, secret),
    created_at: now,
  });
  ctx.audit('feed.created');
  return { url: feedUrl(ctx, secret), created_at: formatInstant(now, zone), created: true };
}

/** Revokes the person's feed; false when there was none. */
export async function revokeCalendarFeed(ctx: DomainContext): Promise<boolean> {
  const revoked = await ctx.feeds.revoke();
  if (revoked) ctx.audit('feed.revoked');
  return revoked;
}

/** The keyed hash a feed is found by, from the secret in its URL. */
export const feedLookupHash = (ctx: Pick<DomainContext, 'secrets'>, secret: string) => ctx.secrets.keyedHash(PURPOSE, secret);

/** What a feed serves: every event (series whole) and every dated todo, with their alarms. */
export async function feedText(ctx: DomainContext): Promise<string> {
  return (await exportIcs(ctx, { kinds: ['event', 'todo'] }, { name: 'mcp-pa' })).ics_text;
}
