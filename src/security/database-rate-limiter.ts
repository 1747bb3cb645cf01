import { createRequire } from 'node:module';
import { sql } from 'kysely';
import { RateLimiterRes, type IRateLimiterStoreOptions, type RateLimiterStoreAbstract as StoreAbstract } from 'rate-limiter-flexible';
import type { Clock } from '../clock.js';
import type { Engine } from '../storage/engine.js';

// rate-limiter-flexible's base class for stores, which its index does not export.
const RateLimiterStoreAbstract = createRequire(import.meta.url)('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof StoreAbstract;

interface Row {
  points: number;
  expire: number | string | null;
}

/**
 * rate-limiter-flexible over the server's own database (SQLite, PGlite or PostgreSQL): counters
 * in `rate_limits`, shared by every instance on the same database, so a limit holds however many
 * instances there are. Each consume is one atomic upsert. Windows are measured on the given clock
 * (rate-limiter-flexible itself reads no clock for a store).
 */
export class DatabaseRateLimiter extends RateLimiterStoreAbstract {
  private readonly engine: Engine;
  private readonly clock: Clock;

  constructor(engine: Engine, options: Omit<IRateLimiterStoreOptions, 'storeClient'>, clock: Clock) {
    super({ ...options, storeClient: engine });
    this.engine = engine;
    this.clock = clock;
  }

  /** Gives back one point counted in the current window (none when the window has passed or nothing is counted). */
  async refund(key: string): Promise<void> {
    await this.engine.db
      .updateTable('rate_limits')
      .set({ points: sql`points - 1` })
      .where('key', '=', this.getKey(key))
      .where('points', '>', 0)
      .where((eb) => eb.or([eb('expire', 'is', null), eb('expire', '>', this.clock.now())]))
      .execute();
  }

  async _upsert(key: string, points: number, msDuration: number, forceExpire = false): Promise<Row> {
    const now = this.clock.now();
    const expire = msDuration > 0 ? now + msDuration : null;
    const lapsed = sql`rate_limits.expire IS NOT NULL AND rate_limits.expire <= ${now}`;
    return this.engine.db
      .insertInto('rate_limits')
      .values({ key, points, expire })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          points: forceExpire ? sql`${points}` : sql`CASE WHEN ${lapsed} THEN ${points} ELSE rate_limits.points + ${points} END`,
          expire: forceExpire ? sql`${expire}` : sql`CASE WHEN ${lapsed} THEN ${expire} ELSE rate_limits.expire END`,
        }),
      )
      .returning(['points', 'expire'])
      .executeTakeFirstOrThrow();
  }

  _getRateLimiterRes(_key: string, changedPoints: number, row: Row): RateLimiterRes {
    const points = Number(row.points);
    const first = changedPoints === points;
    const consumed = first ? changedPoints : points;
    const msBeforeNext = row.expire === null ? -1 : Math.max(Number(row.expire) - this.clock.now(), 0);
    return new RateLimiterRes(Math.max(this.points - consumed, 0), msBeforeNext, consumed, first);
  }

  async _get(key: string): Promise<Row | null> {
    const row = await this.engine.db
      .selectFrom('rate_limits')
      .select(['points', 'expire'])
      .where('key', '=', key)
      .where((eb) => eb.or([eb('expire', 'is', null), eb('expire', '>', this.clock.now())]))
      .executeTakeFirst();
    return row ?? null;
  }

  async _delete(key: string): Promise<boolean> {
    const result = await this.engine.db.deleteFrom('rate_limits').where('key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
