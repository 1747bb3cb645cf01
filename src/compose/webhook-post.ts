import type { ResolvedConfig } from '../config/load.js';
import { WEBHOOK_TIMEOUT_MS, type WebhookPost } from '../domain/reminders/webhook.js';
import { BlockedTargetError } from '../errors.js';
import { createSafeFetch } from '../net/safe-fetch.js';

/**
 * How reminders reach a webhook: through the SSRF-safe fetch (public addresses only, unless the
 * operator allow-listed the host; no redirects followed), with a deadline; anything but a 2xx
 * answer is a failed attempt.
 */
export function webhookPost(config: Pick<ResolvedConfig, 'reminders'>): WebhookPost {
  const fetch = createSafeFetch({ allowPrivateTargets: false, allowedHosts: new Set(config.reminders.webhook_allowed_hosts), timeoutMs: WEBHOOK_TIMEOUT_MS });
  return async ({ url, headers, body }) => {
    const response = await fetch(url, { method: 'POST', headers, body }).catch((err: Error) => {
      // undici reports a refused lookup as "fetch failed", the reason in its cause.
      const cause = err.cause instanceof Error ? err.cause : err;
      throw new Error(cause instanceof BlockedTargetError ? cause.message : `cannot reach the webhook: ${cause.message}`);
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new Error(`the webhook answered ${response.status}`);
  };
}
