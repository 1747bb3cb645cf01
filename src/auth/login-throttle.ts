import type { Engine } from '../storage/engine.js';

/** Free attempts before the waits begin; then 2, 4, 8 … seconds, at most a minute; forgotten after 15 minutes. */
const FREE_FAILURES = 3;
const MAX_WAIT_S = 60;
const FORGET_AFTER_MS = 15 * 60 * 1000;

/** What is throttled: the account (by email) and the address a sign-in comes from, each on its own. */
export const throttleKeys = (email: string, address: string | undefined) => [`email:${email.trim().toLowerCase()}`, `address:${address ?? 'unknown'}`];

function waitAfter(failures: number): number {
  return failures < FREE_FAILURES ? 0 : Math.min(MAX_WAIT_S, 2 ** (failures - FREE_FAILURES + 1));
}

/** Seconds to wait before another attempt may be checked (0: go ahead). */
export async function secondsToWait(engine: Engine, keys: string[]): Promise<number> {
  const rows = await engine.db.selectFrom('login_failures').selectAll().where('subject', 'in', keys).execute();
  const now = Date.now();
  let wait = 0;
  for (const row of rows) {
    const since = now - Date.parse(row.last_failure_at);
    if (since > FORGET_AFTER_MS) continue;
    wait = Math.max(wait, Math.ceil((waitAfter(row.failures) * 1000 - since) / 1000));
  }
  return wait;
}

/** Counts a failed sign-in against each key (a fresh count when the last one is long past). */
export async function recordFailure(engine: Engine, keys: string[]): Promise<void> {
  const now = new Date().toISOString();
  const stale = new Date(Date.now() - FORGET_AFTER_MS).toISOString();
  for (const subject of keys) {
    await engine.db
      .insertInto('login_failures')
      .values({ subject, failures: 1, last_failure_at: now })
      .onConflict((oc) =>
        oc.column('subject').doUpdateSet((eb) => ({
          failures: eb.case().when('login_failures.last_failure_at', '<', stale).then(1).else(eb('login_failures.failures', '+', 1)).end(),
          last_failure_at: now,
        })),
      )
      .execute();
  }
}

/** A successful sign-in clears the account's count (not the address's: it may be guessing others). */
export async function clearFailures(engine: Engine, email: string): Promise<void> {
  await engine.db.deleteFrom('login_failures').where('subject', '=', throttleKeys(email, undefined)[0]!).execute();
}
