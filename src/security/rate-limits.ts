import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { systemClock, type Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logging.js';
import type { Engine } from '../storage/engine.js';
import type { AuditLog } from './audit.js';
import { DatabaseRateLimiter } from './database-rate-limiter.js';

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
    private readonly enabled = true,
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
      return { allowed: true, headers: headersOf(policy, res), retryAfterS: 0 };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        this.logger.error({ err: (err as Error).message, policy: policy.name }, 'rate limit store failed; request let through');
        return { allowed: true, headers: {}, retryAfterS: 0 };
      }
      const retryAfterS = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      this.audit?.rateLimitRefused(policy.name, key, address, err.msBeforeNext);
      return { allowed: false, headers: { ...headersOf(policy, err), 'Retry-After': String(retryAfterS) }, retryAfterS };
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
      if (!res || res.consumedPoints < policy.points) return { allowed: true, headers: res ? headersOf(policy, res) : {}, retryAfterS: 0 };
      const retryAfterS = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      return { allowed: false, headers: { ...headersOf(policy, res), 'Retry-After': String(retryAfterS) }, retryAfterS };
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

  /** Express middleware: 429 for a key blocked by `countRefusal`, at no cost to anyone else. */
  blockedByRefusals(policy: LimitPolicy, keyOf: (req: Request) => string | undefined): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const name = `${policy.name}:${keyOf(req)}`;
      const until = this.blockedUntil.get(name) ?? 0;
      const remainingS = Math.ceil((until - this.clock.now()) / 1000);
      if (remainingS <= 0) {
        if (until) this.blockedUntil.delete(name);
        return next();
      }
      this.audit?.rateLimitRefused(policy.name, String(keyOf(req)), req.ip, until - this.clock.now());
      res.set({ ...headersOf(policy, new RateLimiterRes(0, remainingS * 1000)), 'Retry-After': String(remainingS) });
      tooMany(res, remainingS);
    };
  }

  /**
   * Express middleware for a limit that only requests which proved something may spend (a client
   * that authenticated): a key over the limit is refused at once, without counting; otherwise
   * `arm` gets the function that counts this request, to call if and when it qualifies.
   */
  countedIfProven(policy: LimitPolicy, keyOf: (req: Request) => string | undefined, arm: (req: Request, count: () => Promise<void>) => void): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const key = this.enabled ? keyOf(req) : undefined;
      if (key === undefined) return next();
      const verdict = await this.peek(policy, key);
      res.set(verdict.headers);
      if (!verdict.allowed) {
        this.audit?.rateLimitRefused(policy.name, key, req.ip, verdict.retryAfterS * 1000);
        return tooMany(res, verdict.retryAfterS);
      }
      arm(req, async () => {
        const counted = await this.check(policy, key, req.ip);
        if (!res.headersSent) res.set(counted.headers);
      });
      next();
    };
  }

  /** Express middleware for one policy; a request whose key is unknown is not counted. */
  middleware(policy: LimitPolicy, keyOf: (req: Request, res: Response) => string | undefined): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const key = this.enabled ? keyOf(req, res) : undefined;
      if (key === undefined) return next();
      const verdict = await this.check(policy, key, req.ip);
      res.set(verdict.headers);
      if (verdict.allowed) return next();
      tooMany(res, verdict.retryAfterS);
    };
  }
}

function tooMany(res: Response, retryAfterS: number) {
  res.status(429).set('Cache-Control', 'no-store').json({ error: 'too_many_requests', error_description: `Too many requests: try again in ${retryAfterS} seconds.` });
}

/** draft-ietf-httpapi-ratelimit-headers: the policy, and what is left of it. */
function headersOf(policy: LimitPolicy, res: RateLimiterRes): Record<string, string> {
  const reset = Math.max(0, Math.ceil(res.msBeforeNext / 1000));
  return {
    'RateLimit-Policy': `"${policy.name}";q=${policy.points};w=${policy.windowS}`,
    RateLimit: `"${policy.name}";r=${res.remainingPoints};t=${reset}`,
  };
}
