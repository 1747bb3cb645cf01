import { sql } from 'kysely';
import type { TenantScope } from './scope.js';
import { ItemRepository, type Row } from './items.js';
import { after, type Key } from './keyset.js';
import { hasTags } from './tags.js';
import { byColumns, rowsOfEach, type Counting } from './windows.js';

export type EventRow = Row<'events'>;

/**
 * Events longer than this are flagged long_event. An overlap query then scans only start times in
 * [from - LONG_EVENT_MS, to) plus the few long events, instead of every event that ever started.
 */
export const LONG_EVENT_MS = 2 * 24 * 60 * 60 * 1000;

export interface EventRange {
  from: string;
  to: string;
  tag?: string;
}

/** Events overlapping the range: the short ones (long = false) or the long ones. */
function overlappingQuery(scope: TenantScope, range: EventRange, long: boolean) {
  const windowStart = new Date(Math.max(0, Date.parse(range.from) - LONG_EVENT_MS)).toISOString();
  let q = scope.db
    .selectFrom('events')
    .where('tenant_id', '=', scope.tenantId)
    .where('deleted_at', 'is', null)
    .where('start_at', '<', range.to)
    .where('end_at', '>', range.from);
  // Literals, not parameters: SQLite picks a partial index only when it can see the value.
  q = long ? q.where('long_event', '=', sql.lit(1)) : q.where('start_at', '>=', windowStart).where('long_event', '=', sql.lit(0));
  if (range.tag) q = q.where(hasTags(scope, 'event', 'events', [range.tag]));
  return q;
}

const byStart = byColumns<EventRow>('start_at', 'id');

export class EventRepository extends ItemRepository<'events'> {
  /** Events overlapping [from, to), by (start, id), limit + 1 rows for paging (short and long in one query). */
  async overlapping(range: EventRange, afterKey: Key[] | undefined, limit: number): Promise<EventRow[]> {
    const rows = (long: boolean) => {
      let q = overlappingQuery(this.scope, range, long).selectAll();
      if (afterKey) q = q.where(after([sql.ref('start_at'), sql.ref('id')], afterKey, 'asc'));
      return q
        .orderBy('start_at')
        .orderBy('id')
        .limit(limit + 1);
    };
    const [short, long] = await rowsOfEach<EventRow>(this.scope, [rows(false), rows(true)], byStart);
    return [...short!, ...long!].sort(byStart).slice(0, limit + 1);
  }

  /** The first events of each range, by start, all in one query. */
  async inRanges(ranges: readonly EventRange[], limit: number): Promise<EventRow[][]> {
    const parts = await rowsOfEach<EventRow>(
      this.scope,
      ranges.flatMap((range) =>
        [false, true].map((long) => overlappingQuery(this.scope, range, long).selectAll().orderBy('start_at').orderBy('id').limit(limit)),
      ),
      byStart,
    );
    return ranges.map((_, i) => [...parts[2 * i]!, ...parts[2 * i + 1]!].sort(byStart).slice(0, limit));
  }

  /** Counting events overlapping each range, in one pass over short and long ones (see countEach). */
  countingInRanges(ranges: readonly EventRange[]): Counting {
    const span = { from: ranges.map((r) => r.from).reduce((a, b) => (a < b ? a : b)), to: ranges.map((r) => r.to).reduce((a, b) => (a > b ? a : b)) };
    const part = (long: boolean) => overlappingQuery(this.scope, span, long).select(['start_at', 'end_at']);
    const both = this.scope.db.selectFrom(part(false).unionAll(part(true)).as('e'));
    return { query: both, conditions: ranges.map((r) => sql<boolean>`e.start_at < ${r.to} AND e.end_at > ${r.from}`) };
  }
}
