import { sql } from 'kysely';
import type { TenantScope } from './scope.js';
import type { AnyQuery } from './windows.js';

/**
 * Rows a repository asks for and how it reads them into what it returns, so that a caller can
 * run several, of different shapes, in one round trip (fetchEach). No query: nothing to ask
 * (no ids), `read` gets no rows. `read` must not rely on the rows' order (a union keeps none).
 */
export interface Fetch<T> {
  readonly query?: AnyQuery;
  read(rows: Record<string, unknown>[]): T;
}

/** A fetch that asks nothing: the caller already has the answer. */
export const fetched = <T>(value: T): Fetch<T> => ({ read: () => value });

/** A fetch whose answer is read on into another. */
export const mapped = <T, U>(fetch: Fetch<T>, into: (value: T) => U): Fetch<U> => ({ query: fetch.query, read: (rows) => into(fetch.read(rows)) });

/** Runs one fetch. */
export async function fetchOne<T>(fetch: Fetch<T>): Promise<T> {
  return fetch.read(fetch.query ? ((await fetch.query.execute()) as Record<string, unknown>[]) : []);
}

export type Results<F extends readonly Fetch<unknown>[]> = { -readonly [K in keyof F]: F[K] extends Fetch<infer R> ? R : never };

/**
 * Runs several fetches. On PostgreSQL in one round trip: each query's rows as JSON objects (so the
 * shapes may differ), tagged with the fetch they answer, UNION ALL; on SQLite, in-process, one after
 * another.
 */
export async function fetchEach<const F extends readonly Fetch<unknown>[]>({ db, batching }: TenantScope, fetches: F): Promise<Results<F>> {
  const asked = fetches.filter((f) => f.query !== undefined).length;
  if (!batching || asked < 2) return (await Promise.all(fetches.map(fetchOne))) as Results<F>;
  const parts = fetches.flatMap((f, i) => (f.query ? [sql`SELECT ${sql.lit(i)} AS part, to_jsonb(q) AS r FROM (${f.query}) AS q`] : []));
  const { rows } = await sql<{ part: number; r: Record<string, unknown> }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  const byFetch = fetches.map((): Record<string, unknown>[] => []);
  for (const { part, r } of rows) byFetch[Number(part)]!.push(r);
  return fetches.map((f, i) => f.read(byFetch[i]!)) as Results<F>;
}
