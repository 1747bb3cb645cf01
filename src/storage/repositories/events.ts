import { sql, type SelectQueryBuilder } from 'kysely';
import type { TenantScope } from './scope.js';
import { ItemRepository, type Row } from './items.js';
import { after, type Key } from './keyset.js';
import { hasTags } from './tags.js';
import { mapped, type Fetch } from './fetches.js';
import { byColumns, rowsOfEach, type Counting } from './windows.js';

export type EventRow = Row<'events'>;
export type OccurrenceRow = Omit<Row<'event_occurrences'>, 'event_id'>;
/** An occurrence kept in event_occurrences, with its series' row (whose start_at/end_at are the first occurrence's). */
export type StoredOccurrence = EventRow & { occurrence_start: string; occurrence_start_at: string; occurrence_end_at: string };

/** What long_event holds: a single event, a single long event, or a recurring series. */
export const SPAN = { single: 0, long: 1, series: 2 } as const;

/** series_end of a series that never ends: after every instant. */
export const END_OF_TIME = '9999-12-31T23:59:59.999Z';

/**
 * Events longer than this are flagged long_event. An overlap query then scans only start times in
 * [from - LONG_EVENT_MS, to) plus the few long events, instead of every event that ever started.
 */
export const LONG_EVENT_MS = 2 * 24 * 60 * 60 * 1000;

export interface EventRange {
  from: string;
  to: string;
  tag?: string;
  /**
   * Only single events that remind (reminder_minutes set). Series stay: an exception may set a
   * reminder of its own.
   */
  reminding?: boolean;
}

/** The earliest start a short event (or occurrence) overlapping the range can have. */
const shortWindowStart = (range: EventRange) => new Date(Math.max(0, Date.parse(range.from) - LONG_EVENT_MS)).toISOString();

/** Events overlapping the range: the short ones (long = false) or the long ones. */
function overlappingQuery(scope: TenantScope, range: EventRange, long: boolean) {
  const windowStart = shortWindowStart(range);
  let q = scope.db
    .selectFrom('events')
    .where('tenant_id', '=', scope.tenantId)
    .where('deleted_at', 'is', null)
    .where('start_at', '<', range.to)
    .where('end_at', '>', range.from);
  // Literals, not parameters: SQLite picks a partial index only when it can see the value.
  q = long ? q.where('long_event', '=', sql.lit(1)) : q.where('start_at', '>=', windowStart).where('long_event', '=', sql.lit(0));
  if (range.tag) q = q.where(hasTags(scope, 'event', 'events', [range.tag]));
  if (range.reminding) q = q.where('reminder_minutes', 'is not', null);
  return q;
}

const byStart = byColumns<EventRow>('start_at', 'id');

/**
 * Of series read by seriesToExpand(range, ...), those it would give for a nearer `coveredBy`: the
 * same test on the kept window, in memory (a page that reaches less far than the range).
 */
export function stillToExpand(series: readonly EventRow[], range: EventRange, coveredBy: string): EventRow[] {
  return series.filter((s) => (s.covered_to !== null && s.covered_to < coveredBy) || (s.covered_from !== null && s.covered_from > range.from));
}

/**
 * Counting rows overlapping each range in one pass over the span of them all, short and long
 * apart: `part` selects start_at and end_at of one of the two over the span.
 */
function countingOverlaps(
  scope: TenantScope,
  ranges: readonly EventRange[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the two tables' queries differ only in their source
  part: (span: EventRange, long: boolean) => SelectQueryBuilder<any, any, { start_at: string; end_at: string }>,
): Counting {
  const span = { from: ranges.map((r) => r.from).reduce((a, b) => (a < b ? a : b)), to: ranges.map((r) => r.to).reduce((a, b) => (a > b ? a : b)) };
  const both = scope.db.selectFrom(part(span, false).unionAll(part(span, true)).as('e'));
  return { query: both, conditions: ranges.map((r) => sql<boolean>`e.start_at < ${r.to} AND e.end_at > ${r.from}`) };
}

const byOccurrence = byColumns<StoredOccurrence>('occurrence_start_at', 'id', 'occurrence_start');

/** Kept occurrences overlapping the range, with their series (short or long occurrences). */
function occurrencesQuery(scope: TenantScope, range: EventRange, long: boolean) {
  const windowStart = shortWindowStart(range);
  let q = scope.db
    .selectFrom('event_occurrences as o')
    .innerJoin('events as e', (join) => join.onRef('e.tenant_id', '=', 'o.tenant_id').onRef('e.id', '=', 'o.event_id'))
    .where('o.tenant_id', '=', scope.tenantId)
    .where('e.deleted_at', 'is', null)
    .where('o.start_at', '<', range.to)
    .where('o.end_at', '>', range.from);
  q = long ? q.where('o.long_event', '=', sql.lit(1)) : q.where('o.start_at', '>=', windowStart).where('o.long_event', '=', sql.lit(0));
  if (range.tag) q = q.where(hasTags(scope, 'event', 'e', [range.tag]));
  return q;
}

export class EventRepository extends ItemRepository<'events'> {
  /** Events overlapping [from, to), by (start, id), limit + 1 rows for paging (short and long in one query). */
  overlapping(range: EventRange, afterKey: Key[] | undefined, limit: number): Fetch<EventRow[]> {
    const rows = (long: boolean) => {
      let q = overlappingQuery(this.scope, range, long).selectAll();
      if (afterKey) q = q.where(after([sql.ref('start_at'), sql.ref('id')], afterKey, 'asc'));
      return q
        .orderBy('start_at')
        .orderBy('id')
        .limit(limit + 1);
    };
    return mapped(rowsOfEach<EventRow>(this.scope, [rows(false), rows(true)], byStart), ([short, long]) =>
      [...short!, ...long!].sort(byStart).slice(0, limit + 1),
    );
  }

  /**
   * Kept occurrences of live series overlapping [from, to), by (start, series id, original start)
   * after `afterKey`, limit + 1 rows.
   */
  occurrencesOverlapping(range: EventRange, afterKey: Key[] | undefined, limit: number): Fetch<StoredOccurrence[]> {
    const rows = (long: boolean) => {
      let q = occurrencesQuery(this.scope, range, long)
        .selectAll('e')
        .select(['o.occurrence_start', 'o.start_at as occurrence_start_at', 'o.end_at as occurrence_end_at']);
      if (afterKey) q = q.where(after([sql.ref('o.start_at'), sql.ref('o.event_id'), sql.ref('o.occurrence_start')], afterKey, 'asc'));
      return q
        .orderBy('o.start_at')
        .orderBy('o.event_id')
        .orderBy('o.occurrence_start')
        .limit(limit + 1);
    };
    return mapped(rowsOfEach<StoredOccurrence>(this.scope, [rows(false), rows(true)], byOccurrence), ([short, long]) =>
      [...short!, ...long!].sort(byOccurrence).slice(0, limit + 1),
    );
  }

  /**
   * Live series that may have occurrences in [from, to) which event_occurrences does not hold: those
   * overlapping the range whose kept window does not cover [from, coveredBy) (stillToExpand says the
   * same of rows in memory).
   */
  seriesToExpand(range: EventRange, coveredBy: string): Fetch<EventRow[]> {
    // Two index ranges (kept window ending too early, starting too late), then the span and tag.
    const part = (uncovered: 'to' | 'from') => {
      let q = this.rows().selectAll().where('deleted_at', 'is', null).where('long_event', '=', sql.lit(SPAN.series));
      q = uncovered === 'to' ? q.where('covered_to', '<', coveredBy) : q.where('covered_from', '>', range.from);
      q = q.where('start_at', '<', range.to).where('series_end', '>', range.from);
      if (range.tag) q = q.where(hasTags(this.scope, 'event', 'events', [range.tag]));
      return q.orderBy('id');
    };
    return mapped(rowsOfEach<EventRow>(this.scope, [part('to'), part('from')], byColumns<EventRow>('id')), ([early, late]) => {
      const byId = new Map([...early!, ...late!].map((row) => [row.id, row]));
      return [...byId.values()].sort(byStart);
    });
  }

  /** Counting kept occurrences of live series overlapping each range (see countEach). */
  countingOccurrencesInRanges(ranges: readonly EventRange[]): Counting {
    return countingOverlaps(this.scope, ranges, (span, long) => occurrencesQuery(this.scope, span, long).select(['o.start_at', 'o.end_at']));
  }

  /** Live events and series overlapping [from, to) (series by their whole span), by start, at most `max` (an export). */
  async liveInSpan(from: string, to: string, max: number): Promise<EventRow[]> {
    return (await this.rows()
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('start_at', '<', to)
      .where((eb) =>
        eb.or([
          eb.and([eb('long_event', '<', SPAN.series), eb('end_at', '>', from)]),
          eb.and([eb('long_event', '=', SPAN.series), eb('series_end', '>', from)]),
        ]),
      )
      .orderBy('start_at')
      .orderBy('id')
      .limit(max)
      .execute()) as EventRow[];
  }

  /** Replaces the kept occurrences of a series. */
  async replaceOccurrences(eventId: string, rows: readonly OccurrenceRow[]): Promise<void> {
    await this.scope.db.deleteFrom('event_occurrences').where('tenant_id', '=', this.scope.tenantId).where('event_id', '=', eventId).execute();
    for (let i = 0; i < rows.length; i += 200) {
      await this.scope.db
        .insertInto('event_occurrences')
        .values(rows.slice(i, i + 200).map((r) => ({ ...r, tenant_id: this.scope.tenantId, event_id: eventId })))
        .execute();
    }
  }

  /** Counting events overlapping each range, in one pass over short and long ones (see countEach). */
  countingInRanges(ranges: readonly EventRange[]): Counting {
    return countingOverlaps(this.scope, ranges, (span, long) => overlappingQuery(this.scope, span, long).select(['start_at', 'end_at']));
  }
}
