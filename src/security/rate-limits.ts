import { RateLimiterRes } from 'rate-limiter-flexible';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logging.js';
import type { Engine } from '../storage/engine.js';
import type { AuditLog } from './audit.js';
import { DatabaseRateLimiter } from './database-rate-limiter.js';
import { metrics } from '../metrics.js';

/** One limit: so many requests per window, counted per key (an address, a client, a tenant). */
export interface LimitPolicy {
  name: string;
  points: number;
  windowS: number;
}

/** The limits of HTTP mode, from `rate_limits` in the configuration. */
export function limitPolicies(config: Config) {
  const limits = config.rate_limits;
  return {
    mcpPerTenant: { name: 'mcp-tenant', points: limits.mcp_per_minute, windowS: 60 },
    mcpRefusalsPerAddress: { name: 'mcp-address', points: limits.mcp_refusals_per_address_per_minute, windowS: 60 },
    tokenPerAddress: { name: 'token-address', points: limits.token_per_minute, windowS: 60 },
    tokenPerClient: { name: 'token-client', points: limits.token_per_minute, windowS: 60 },
    registerPerAddress: { name: 'register-address', points: limits.register_per_hour, windowS: 3600 },
    signInPerAddress: { name: 'sign-in-address', points: limits.sign_in_per_15_minutes, windowS: 900 },
    signInPerAccount: { name: 'sign-in-account', points: limits.sign_in_per_15_minutes, windowS: 900 },
    pagesPerAddress: { name: 'pages-address', points: limits.pages_per_minute, windowS: 60 },
    feedsPerAddress: { name: 'feeds-address', points: limits.feeds_per_minute, windowS: 60 },
  } satisfies Record<string, LimitPolicy>;
}

/** The verdict on one request: allowed or not, and the headers that say how much is left. */
export interface LimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
  retryAfterS: number;
}

/**
 * Counts requests against database-backed limits (every instance shares the counters). When the
 * database cannot be reached the request is let through and the failure logged: a limit protects
 * against abuse, it must not take the service down with it.
 */
export class RateLimits {
  private readonly limiters = new Map<string, DatabaseRateLimiter>();
  /** Keys over a limit counted only on refusals, until when (ms): checked without a database round trip. */
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly engine: Engine,
    private readonly logger: Logger,
    private readonly audit?: AuditLog,
    /** false (`rate_limits.enabled`): every request passes, nothing is counted. */
    readonly enabled = true,
    /** Where windows are measured (a test moves a ManualClock instead of waiting). */
    private readonly clock: Clock = systemClock,
  ) {}

  private limiterFor(policy: LimitPolicy): DatabaseRateLimiter {
    let limiter = this.limiters.get(policy.name);
    if (!limiter) {
      limiter = new DatabaseRateLimiter(this.engine, { keyPrefix: policy.name, points: policy.points, duration: policy.windowS }, this.clock);
      this.limiters.set(policy.name, limiter);
    }
    return limiter;
  }

  /** Counts one request; `address` only goes into the audit record of a trip. */
  async check(policy: LimitPolicy, key: string, address?: string): Promise<LimitVerdict> {
    if (!this.enabled) return { allowed: true, headers: {}, retryAfterS: 0 };
    const limiter = this.limiterFor(policy);
    try {
      const res = await limiter.consume(key);
      return { allowed: true, headers: limitHeaders(policy, res), retryAfterS: 0 };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        this.logger.error({ err: (err as Error).message, policy: policy.name }, 'rate limit store failed; request let through');
        return { allowed: true, headers: {}, retryAfterS: 0 };
      }
      const retryAfterS = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      this.audit?.rateLimitRefused(policy.name, key, address, err.msBeforeNext);
      metrics.rateLimited(policy.name);
      return { allowed: false, headers: { ...limitHeaders(policy, err), 'Retry-After': String(retryAfterS) }, retryAfterS };
    }
  }

  /**
   * Takes back one count of `check` (a request counted in advance that turned out not to be the
   * kind the limit is about, e.g. a sign-in that never checked a password).
   */
  async refund(policy: LimitPolicy, key: string): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.limiterFor(policy).refund(key);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, policy: policy.name }, 'rate limit store failed; a count was not given back');
    }
  }

  /** Whether a key is over its limit, without counting anything. */
  async peek(policy: LimitPolicy, key: string): Promise<LimitVerdict> {
    if (!this.enabled) return { allowed: true, headers: {}, retryAfterS: 0 };
    try {
      const res = await this.limiterFor(policy).get(key);
      if (!res || res.consumedPoints < policy.points) return { allowed: true, headers: res ? limitHeaders(policy, res) : {}, retryAfterS: 0 };
      const retryAfterS = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      return { allowed: false, headers: { ...limitHeaders(policy, res), 'Retry-After': String(retryAfterS) }, retryAfterS };
    } catch (err) {
      this.logger.error({ err: (err as Error).message, policy: policy.name }, 'rate limit store failed; request let through');
      return { allowed: true, headers: {}, retryAfterS: 0 };
    }
  }

  /**
   * Counts a refused request (for limits on failures only): over the limit, the key is blocked on
   * this instance for the rest of the window. Every instance counts into the same database, so each
   * blocks as soon as its next refusal finds the shared count over the limit.
   */
  async countRefusal(policy: LimitPolicy, key: string | undefined, address?: string): Promise<void> {
    if (!this.enabled || key === undefined) return;
    const verdict = await this.check(policy, key, address);
    if (!verdict.allowed) this.blockedUntil.set(`${policy.name}:${key}`, this.clock.now() + verdict.retryAfterS * 1000);
  }

  /**
   * How long a key blocked by `countRefusal` stays blocked (ms; 0: it is not), read from memory
   * at no cost to anyone else.
   */
  blockedFor(policy: LimitPolicy, key: string | undefined): number {
    const name = `${policy.name}:${key}`;
    const until = this.blockedUntil.get(name) ?? 0;
    const remaining = until - this.clock.now();
    if (remaining <= 0 && until) this.blockedUntil.delete(name);
    return Math.max(0, remaining);
  }

  /** A request refused without counting (blocked, or over a limit seen by `peek`): goes into the audit trail's count of refusals. */
  refused(policy: LimitPolicy, key: string, address: string | undefined, windowLeftMs: number): void {
    this.audit?.rateLimitRefused(policy.name, key, address, windowLeftMs);
    metrics.rateLimited(policy.name);
  }
}

/** draft-ietf-httpapi-ratelimit-headers: the policy, and what is left of it. */
export function limitHeaders(policy: LimitPolicy, res: RateLimiterRes): Record<string, string> {
  const reset = Math.max(0, Math.ceil(res.msBeforeNext / 1000));
  return {
    'RateLimit-Policy': `"${policy.name}";q=${policy.points};w=${policy.windowS}`,
    RateLimit: `"${policy.name}";r=${res.remainingPoints};t=${reset}`,
  };
}
