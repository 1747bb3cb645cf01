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

/**
 * The time every in-process test server starts at: noon UTC of the day the test process started,
 * far from either midnight. Today's, not a date of its own, because the binary (a CLI command on
 * the same data, such as export, which empties a 30-day-old trash) runs on the system clock: the
 * two stay within half a day of each other.
 */
export const TEST_NOON = (() => {
  const today = new Date();
  return Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12);
})();
