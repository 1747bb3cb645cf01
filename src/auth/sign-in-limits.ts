import type { Clock } from '../clock.js';
import type { LimitPolicy, limitPolicies, RateLimits } from '../security/rate-limits.js';
import { accountKey, networkKey } from '../security/request-keys.js';
import type { Engine } from '../storage/engine.js';
import type { KnownAddresses } from './known-addresses.js';
import { recordFailure, secondsToWait } from './login-throttle.js';

export interface SignInLimitsOptions {
  engine: Engine;
  limits: RateLimits;
  policy: ReturnType<typeof limitPolicies>;
  knownAddresses: KnownAddresses;
  clock: Clock;
}

/** A sign-in that may not check its password now: why, and for how long. */
export interface SignInRefusal {
  refused: 'slowed' | 'limited';
  retryAfterS: number;
  headers: Record<string, string>;
}

/** A sign-in admitted to a password check: say how it went. */
export interface SignInAttempt {
  refused?: undefined;
  headers: Record<string, string>;
  /** The password was wrong (or the account disabled): this counts. */
  failed(): Promise<void>;
  /** The password was right: nothing counts, and this address is now known to the account. */
  succeeded(subject: string): Promise<void>;
}

/**
 * What limits a sign-in, so that guessing stays slow and nobody elsewhere can lock the owner out.
 *
 * - Per address (an IPv4 address, an IPv6 /64): failed password checks from there, for every
 *   account, meet the slow-down and then the hard limit. Credential stuffing from one place stays slow.
 * - Per account: failed checks from addresses the account has not signed in from in the last 30
 *   days meet the same. An address that signed in successfully passes these, so failures from an
 *   attacker's addresses do not keep the owner out of their own.
 * - Only real password checks count: an attempt refused by a limit or the slow-down, or one that
 *   succeeds, leaves no count behind. Counts are taken before the check (simultaneous guesses
 *   cannot all slip under a limit) and given back when the attempt turns out not to be a failure.
 */
export class SignInLimits {
  constructor(private readonly options: SignInLimitsOptions) {}

  async admit(email: string, address: string | undefined, subject: string | undefined): Promise<SignInRefusal | SignInAttempt> {
    const { engine, limits, policy, clock } = this.options;
    const known = subject !== undefined && (await this.options.knownAddresses.has(subject, address));
    const network = networkKey(address);
    const account = accountKey(email);
    const counters: [LimitPolicy, string][] = [[policy.signInPerAddress, network]];
    if (!known) counters.push([policy.signInPerAccount, account]);
    const slowDownKeys = [`address:${network}`, ...(known ? [] : [`account:${account}`])];

    const wait = await secondsToWait(engine, slowDownKeys, clock);
    if (wait > 0) return { refused: 'slowed', retryAfterS: wait, headers: {} };

    const taken: [LimitPolicy, string][] = [];
    const giveBack = () => Promise.all(taken.map(([p, key]) => limits.refund(p, key)));
    const headers: Record<string, string> = {};
    for (const [p, key] of counters) {
      const verdict = await limits.check(p, key, address);
      taken.push([p, key]);
      Object.assign(headers, verdict.headers);
      if (!verdict.allowed) {
        await giveBack();
        return { refused: 'limited', retryAfterS: verdict.retryAfterS, headers };
      }
    }
    return {
      headers,
      failed: () => recordFailure(engine, slowDownKeys, clock),
      succeeded: async (who) => {
        await giveBack();
        await this.options.knownAddresses.remember(who, address);
      },
    };
  }
}
