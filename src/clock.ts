/**
 * Where the auth, security and audit code reads the time, so that a test can move it instead of
 * sleeping through a window. Production uses the system clock; nothing reads a clock from the
 * environment or the configuration, so a deployment cannot be told what time it is.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until a test moves it. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#ms;
  }

  /** Moves the clock forward (or back, with a negative value). */
  advance(ms: number): void {
    this.#ms += ms;
  }

  set(at: number | Date): void {
    this.#ms = typeof at === 'number' ? at : at.getTime();
  }
}

/** The clock's time as an ISO 8601 UTC string, as stored. */
export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();
