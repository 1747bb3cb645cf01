import { InvalidInputError } from '../../errors.js';
import { hasControlCharacters } from './fields.js';

type Key = string | number;

/** Cursors are opaque to users: the sort key of the last item seen, base64url-encoded. */
function encodeCursor(key: readonly Key[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A key as encodeCursor wrote it: strings without control characters (a NUL fails on PostgreSQL) and finite numbers. */
const isKeyPart = (k: unknown) => (typeof k === 'string' && !hasControlCharacters(k)) || (typeof k === 'number' && Number.isFinite(k));

/**
 * The sort key a cursor holds, or an error naming the field: a forged cursor is refused here,
 * before any part of it reaches a query.
 */
export function decodeCursor(cursor: string | undefined, arity: number, field = 'cursor'): Key[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const key: unknown = BASE64URL.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
    if (Array.isArray(key) && key.length === arity && key.every(isKeyPart)) return key as Key[];
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputError(field, 'is not a next_cursor returned by this list; omit it to start from the first page');
}

/** The page and its next cursor, from a query that fetched limit + 1 rows. */
/** A page of rows listed by due date (undated last): todos and tasks, keyed by due_sort and id. */
export async function duePage<R extends { due_sort: string; id: string }, T>(rows: readonly R[], limit: number, present: (rows: readonly R[]) => Promise<T[]>) {
  const page = toPage(
    rows,
    limit,
    (r) => [r.due_sort, r.id],
    (r) => r,
  );
  return { items: await present(page.items), next_cursor: page.next_cursor };
}

export function toPage<R, T>(rows: readonly R[], limit: number, keyOf: (row: R) => Key[], map: (row: R) => T) {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown[shown.length - 1];
  return {
    items: shown.map(map),
    next_cursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
