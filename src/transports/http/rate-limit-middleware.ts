import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { limitHeaders, type LimitPolicy, type RateLimits } from '../../security/rate-limits.js';

// The Express side of the rate limits (security/rate-limits.ts counts): which request counts
// against which key, and the 429.

function tooMany(res: Response, retryAfterS: number) {
  res
    .status(429)
    .set('Cache-Control', 'no-store')
    .json({ error: 'too_many_requests', error_description: `Too many requests: try again in ${retryAfterS} seconds.` });
}

/** One policy; a request whose key is unknown is not counted. */
export function limited(limits: RateLimits, policy: LimitPolicy, keyOf: (req: Request, res: Response) => string | undefined): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = limits.enabled ? keyOf(req, res) : undefined;
    if (key === undefined) return next();
    const verdict = await limits.check(policy, key, req.ip);
    res.set(verdict.headers);
    if (verdict.allowed) return next();
    tooMany(res, verdict.retryAfterS);
  };
}

/** 429 for a key blocked by `countRefusal`, from memory, at no cost to anyone else. */
export function blockedByRefusals(limits: RateLimits, policy: LimitPolicy, keyOf: (req: Request) => string | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = keyOf(req);
    const remainingMs = limits.blockedFor(policy, key);
    if (remainingMs <= 0) return next();
    const remainingS = Math.ceil(remainingMs / 1000);
    limits.refused(policy, String(key), req.ip, remainingMs);
    res.set({ ...limitHeaders(policy, new RateLimiterRes(0, remainingS * 1000)), 'Retry-After': String(remainingS) });
    tooMany(res, remainingS);
  };
}

/**
 * A limit that only requests which proved something may spend (a client that authenticated): a
 * key over the limit is refused at once, without counting; otherwise `arm` gets the function that
 * counts this request, to call if and when it qualifies.
 */
export function countedIfProven(
  limits: RateLimits,
  policy: LimitPolicy,
  keyOf: (req: Request) => string | undefined,
  arm: (req: Request, count: () => Promise<void>) => void,
): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = limits.enabled ? keyOf(req) : undefined;
    if (key === undefined) return next();
    const verdict = await limits.peek(policy, key);
    res.set(verdict.headers);
    if (!verdict.allowed) {
      limits.refused(policy, key, req.ip, verdict.retryAfterS * 1000);
      return tooMany(res, verdict.retryAfterS);
    }
    arm(req, async () => {
      const counted = await limits.check(policy, key, req.ip);
      if (!res.headersSent) res.set(counted.headers);
    });
    next();
  };
}
