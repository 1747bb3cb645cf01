import { ManualClock } from '../../src/clock.js';

/**
 * The time in-process test servers see: a fixed day at noon UTC, so dates relative to "today"
 * never straddle midnight, running on with real time so that timestamps still order the way they
 * do in use. `advance` moves it forward for what would otherwise need a sleep.
 */
export class TestClock extends ManualClock {
  readonly #started = Date.now();

  constructor(readonly start: number = TEST_NOON) {
    super(start);
  }

  override now(): number {
    return super.now() + (Date.now() - this.#started);
  }
}

/** The day every in-process test server lives in (noon UTC, far from either midnight). */
export const TEST_NOON = Date.UTC(2026, 5, 15, 12, 0, 0);
