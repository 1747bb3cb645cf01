/**
 * Stopping behind a load balancer without losing a request. A balancer stops sending an instance
 * requests only after its health check has seen "not ready" a few times in a row; an instance that
 * stopped listening at once would refuse or cut the requests sent to it meanwhile. So, while a
 * balancer is polling /readyz, a stopping instance answers "not ready" and goes on serving until it
 * has said so FALL times and one more polling interval has passed (for the balancer to act on it).
 * With nobody polling (a single instance, a developer's terminal) it stops at once.
 */
export class BalancerDrain {
  /** Consecutive failed checks that take an instance out: 3 is haproxy's and Kubernetes' default. */
  static readonly FALL = 3;
  /** Polls seen before this instance counts as watched (one or two are a person or a test asking). */
  static readonly WATCHED_AFTER = 3;
  static readonly MAX_WAIT_MS = 15_000;

  #polls = 0;
  #lastPollAt = 0;
  #interval = 0;
  #notReadyAnswers = 0;
  #reachedFall: (() => void) | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** /readyz answered, ready or not. */
  answered(ready: boolean): void {
    const now = this.now();
    if (this.#polls++ > 0) this.#interval = now - this.#lastPollAt;
    this.#lastPollAt = now;
    if (ready) return;
    this.#notReadyAnswers++;
    if (this.#notReadyAnswers >= BalancerDrain.FALL) this.#reachedFall?.();
  }

  /** A balancer polls: enough polls, the last of them recent for its rhythm. */
  get watched(): boolean {
    return this.#polls >= BalancerDrain.WATCHED_AFTER && this.now() - this.#lastPollAt <= 2 * this.#interval + 1_000;
  }

  /** Resolves once a watching balancer has had time to take this instance out (at once when none watches). */
  async takenOut(): Promise<void> {
    if (!this.watched) return;
    this.#notReadyAnswers = 0;
    // A balancer that stops polling meanwhile is not waited for long.
    const cap = Math.min(BalancerDrain.MAX_WAIT_MS, 2 * (BalancerDrain.FALL + 1) * this.#interval + 1_000);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#reachedFall = resolve;
      timer = setTimeout(resolve, cap);
    });
    clearTimeout(timer);
    this.#reachedFall = undefined;
    // The balancer decides after the last failed check: one more interval for it to do so.
    await new Promise((resolve) => setTimeout(resolve, Math.min(this.#interval, 2_000)));
  }
}
