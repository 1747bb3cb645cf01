import { EventEmitter, once } from 'node:events';
import type { Outcome, TrackedClient } from './fleet.js';

/** What a worker does once: one or more tool calls through `call` (each recorded). */
export type Step = (call: (tool: string, args?: Record<string, unknown>) => Promise<Outcome>, worker: number, round: number) => Promise<void>;

/**
 * Closed-loop load: each client is a worker that runs `step` again as soon as it has finished, until
 * stopped. Every call's outcome is kept, and which calls are in flight can be asked at any moment.
 */
export class Load {
  readonly outcomes: Outcome[] = [];
  readonly #events = new EventEmitter();
  readonly #busy = new Map<number, string>();
  #stopping = false;
  #succeeded = 0;
  #workers: Promise<void>[] = [];

  constructor(
    private readonly clients: TrackedClient[],
    private readonly step: Step,
  ) {
    this.#events.setMaxListeners(0);
  }

  start(): this {
    this.#workers = this.clients.map(async (client, worker) => {
      const call = async (tool: string, args: Record<string, unknown> = {}) => {
        const pending = client.call(tool, args);
        this.#busy.set(worker, client.requestId);
        const outcome = await pending;
        this.#busy.delete(worker);
        this.outcomes.push(outcome);
        if (outcome.ok) this.#succeeded++;
        this.#events.emit('outcome', outcome);
        return outcome;
      };
      for (let round = 0; !this.#stopping; round++) await this.step(call, worker, round);
    });
    return this;
  }

  /** The ids of the calls in flight now. */
  inFlight(): Set<string> {
    return new Set(this.#busy.values());
  }

  get failures(): Outcome[] {
    return this.outcomes.filter((o) => !o.ok);
  }

  /** Resolves once `test` holds (checked after each call ends); fails after `deadlineMs` (only a hang takes that long). */
  async until(test: () => boolean, what: string, deadlineMs = 120_000): Promise<void> {
    const deadline = AbortSignal.timeout(deadlineMs);
    while (!test()) {
      try {
        await once(this.#events, 'outcome', { signal: deadline });
      } catch {
        throw new Error(`load: not ${what} within ${deadlineMs} ms (${this.outcomes.length} calls, ${this.failures.length} failed)`);
      }
    }
  }

  /** Resolves after `count` more successful calls. */
  more(count: number, deadlineMs?: number): Promise<void> {
    const target = this.#succeeded + count;
    return this.until(() => this.#succeeded >= target, `${count} more successful calls`, deadlineMs);
  }

  /** Stops after the calls in flight; resolves once every worker has finished. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#workers);
  }
}
