import { isoNow, type Clock } from '../clock.js';
import type { Engine } from '../storage/engine.js';

/** Free attempts before the waits begin; then 2, 4, 8 … seconds, at most a minute; forgotten after 15 minutes. */
const FREE_FAILURES = 3;
const MAX_WAIT_S = 60;
const FORGET_AFTER_MS = 15 * 60 * 1000;

function waitAfter(failures: number): number {
  return failures < FREE_FAILURES ? 0 : Math.min(MAX_WAIT_S, 2 ** (failures - FREE_FAILURES + 1));
}

/** Seconds to wait before another attempt may be checked (0: go ahead). Keys are pseudonyms (see sign-in-limits). */
export async function secondsToWait(engine: Engine, keys: string[], clock: Clock): Promise<number> {
  const rows = await engine.db.selectFrom('login_failures').selectAll().where('subject', 'in', keys).execute();
  const now = clock.now();
  let wait = 0;
  for (const row of rows) {
    const since = now - Date.parse(row.last_failure_at);
    if (since > FORGET_AFTER_MS) continue;
    wait = Math.max(wait, Math.ceil((waitAfter(row.failures) * 1000 - since) / 1000));
  }
  return wait;
}

/** Counts a failed sign-in against each key (a fresh count when the last one is long past). */
export async function recordFailure(engine: Engine, keys: string[], clock: Clock): Promise<void> {
  const now = isoNow(clock);
  const stale = new Date(clock.now() - FORGET_AFTER_MS).toISOString();
  for (const subject of keys) {
    await engine.db
      .insertInto('login_failures')
      .values({ subject, failures: 1, last_failure_at: now })
      .onConflict((oc) =>
        oc.column('subject').doUpdateSet((eb) => ({
          failures: eb
            .case()
            .when('login_failures.last_failure_at', '<', stale)
            .then(1)
            .else(eb('login_failures.failures', '+', 1))
            .end(),
          last_failure_at: now,
        })),
      )
      .execute();
  }
}
