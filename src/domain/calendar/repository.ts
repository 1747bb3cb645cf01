import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, EventTable } from '../../storage/schema.js';
import { after } from '../common/pagination.js';
import { countRows } from '../common/count.js';
import { hasTags } from '../common/tags.js';

export type EventRow = Selectable<EventTable>;

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
function overlappingQuery(db: Kysely<Database>, tenantId: string, range: EventRange, long: boolean) {
  const windowStart = new Date(Math.max(0, Date.parse(range.from) - LONG_EVENT_MS)).toISOString();
  let q = db
    .selectFrom('events')
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .where('start_at', '<', range.to)
    .where('end_at', '>', range.from);
  // Literals, not parameters: SQLite picks a partial index only when it can see the value.
  q = long ? q.where('long_event', '=', sql.lit(1)) : q.where('start_at', '>=', windowStart).where('long_event', '=', sql.lit(0));
  if (range.tag) q = q.where(hasTags(tenantId, 'event', 'events', [range.tag]));
  return q;
}

/** Events overlapping [from, to), by (start, id), limit + 1 rows for paging. */
export async function overlappingEventRows(
  db: Kysely<Database>,
  tenantId: string,
  range: EventRange,
  afterKey: (string | number)[] | undefined,
  limit: number,
): Promise<EventRow[]> {
  const rows = (long: boolean) => {
    let q = overlappingQuery(db, tenantId, range, long).selectAll();
    if (afterKey) q = q.where(after([sql.ref('start_at'), sql.ref('id')], afterKey, 'asc'));
    return q.orderBy('start_at').orderBy('id').limit(limit + 1).execute();
  };
  const [short, long] = await Promise.all([rows(false), rows(true)]);
  return [...short, ...long]
    .sort((a, b) => (a.start_at < b.start_at ? -1 : a.start_at > b.start_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit + 1);
}

export async function countOverlappingEvents(db: Kysely<Database>, tenantId: string, range: EventRange): Promise<number> {
  const [short, long] = await Promise.all([countRows(overlappingQuery(db, tenantId, range, false)), countRows(overlappingQuery(db, tenantId, range, true))]);
  return short + long;
}
