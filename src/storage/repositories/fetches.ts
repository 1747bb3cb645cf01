import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { TenantScope } from './scope.js';

/** A query of any repository's table (its columns are its own; Kysely cannot type a union of them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyQuery = SelectQueryBuilder<any, any, any>;

/** A database handle that may select from any of those queries. */
export const anyTables = (db: unknown) => db as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The queries one after another, UNION ALL (each must be a plain SELECT: wrap one that orders or limits). */
export const unionAll = (parts: readonly AnyQuery[]): AnyQuery => parts.slice(1).reduce((all, part) => all.unionAll(part), parts[0]!);

type Row = Record<string, unknown>;

/**
 * Rows a repository asks for and how it reads them into what it returns, so that a caller can
 * run several, of different shapes, in one round trip (fetchEach). No query: nothing to ask
 * (no ids), `read` gets no rows, unless the fetch answers `alone`.
 */
export interface Fetch<T> {
  readonly query?: AnyQuery;
  read(rows: Row[]): T;
  /**
   * The order `read` expects its rows in, where the query states one: a union keeps none, so rows
   * that come through one are sorted by this first.
   */
  readonly order?: (a: Row, b: Row) => number;
  /**
   * How an engine that runs in-process answers it instead of by one query (then the fetch has no
   * query): on SQLite, several simple statements can beat one that does it all.
   */
  readonly alone?: () => Promise<T>;
}

/** A fetch that an in-process engine answers its own way (see `alone`). */
export const answeredAlone = <T>(run: () => Promise<T>): Fetch<T> => ({
  alone: run,
  read: () => {
    throw new Error('a fetch answered alone has no rows to read');
  },
});

/** A fetch that asks nothing: the caller already has the answer. */
export const fetched = <T>(value: T): Fetch<T> => ({ read: () => value });

/** A fetch whose answer is read on into another. */
export const mapped = <T, U>(fetch: Fetch<T>, into: (value: T) => U): Fetch<U> => ({
  query: fetch.query,
  order: fetch.order,
  read: (rows) => into(fetch.read(rows)),
  ...(fetch.alone ? { alone: async () => into(await fetch.alone!()) } : {}),
});

/** Runs one fetch. */
export async function fetchOne<T>(fetch: Fetch<T>): Promise<T> {
  if (fetch.query) return fetch.read((await fetch.query.execute()) as Row[]);
  return fetch.alone ? fetch.alone() : fetch.read([]);
}

export type Results<F extends readonly Fetch<unknown>[]> = { -readonly [K in keyof F]: F[K] extends Fetch<infer R> ? R : never };

/**
 * Several fetches as one. On PostgreSQL one query: each fetch's rows as JSON objects (so the
 * shapes may differ), tagged with the fetch they answer, UNION ALL; it nests (a gathered fetch
 * can be one of the fetches gathered). On SQLite, which runs in-process, each fetch on its own.
 */
export function gathered<const F extends readonly Fetch<unknown>[]>({ db, batching }: TenantScope, fetches: F): Fetch<Results<F>> {
  if (!batching) return answeredAlone(async () => (await Promise.all(fetches.map(fetchOne))) as Results<F>);
  const parts = fetches.flatMap((f, i) =>
    f.query
      ? [
          anyTables(db)
            .selectFrom(f.query.as('q'))
            .select([sql.lit(i).as('part'), sql<Row>`to_jsonb(q)`.as('r')]),
        ]
      : [],
  );
  const read = (rows: Row[]) => {
    const byFetch = fetches.map((): Row[] => []);
    for (const { part, r } of rows) byFetch[Number(part)]!.push(r as Row);
    return fetches.map((f, i) => f.read(f.order ? byFetch[i]!.sort(f.order) : byFetch[i]!)) as Results<F>;
  };
  return { query: parts.length === 0 ? undefined : unionAll(parts), read };
}

/** Runs several fetches: in one round trip on PostgreSQL when more than one asks (see gathered). */
export async function fetchEach<const F extends readonly Fetch<unknown>[]>(scope: TenantScope, fetches: F): Promise<Results<F>> {
  if (!scope.batching || fetches.filter((f) => f.query !== undefined).length < 2) return (await Promise.all(fetches.map(fetchOne))) as Results<F>;
  return fetchOne(gathered(scope, fetches));
}
