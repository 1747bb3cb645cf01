import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, ItemKind } from '../schema.js';
import type { ChangeRecorder, Fields } from './changes.js';
import type { TenantScope } from './scope.js';
import { fetchOne, type Fetch } from './fetches.js';

const KIND_OF_TABLE: Record<ItemTable, ItemKind> = { projects: 'project', tasks: 'task', todos: 'todo', events: 'event', documents: 'document' };

/** The tables of user items: each has tenant_id, id, timestamps and deleted_at (the trash). */
export type ItemTable = 'projects' | 'tasks' | 'todos' | 'events' | 'documents';

/**
 * A row as code above storage sees it: without its tenant, which is storage's business. (Rows
 * read for presentation still carry the column; those that leave the server, as an export, do not.)
 */
export type Row<T extends keyof Database> = Omit<Selectable<Database[T]>, 'tenant_id'>;
/** A new row: the repository adds the tenant. */
export type NewRow<T extends ItemTable> = Omit<Insertable<Database[T]>, 'tenant_id'>;
export type RowChanges<T extends ItemTable> = Omit<Updateable<Database[T]>, 'tenant_id' | 'id'>;

/**
 * Reading a row in order to change it: where the engine has row locks, lock it (FOR UPDATE), so
 * concurrent changes of one item queue instead of interleaving (two tag replacements would
 * otherwise merge); SQLite writers already run one at a time (BEGIN IMMEDIATE).
 */
export interface Lock {
  lock?: boolean;
}

/** What search and completion show of an item: its title (a project's name), and a task's project. */
export interface Title {
  title: string;
  projectId: string | null;
}

/** The most rows one INSERT carries (an import). */
const BATCH = 200;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

// Kysely cannot follow a table name given as a type parameter through its builders; this class
// is the one place that says so, and its signatures keep callers fully typed.
/* eslint-disable @typescript-eslint/no-explicit-any */

/** One table of items, of one tenant. */
export class ItemRepository<T extends ItemTable> {
  constructor(
    protected readonly scope: TenantScope,
    readonly table: T,
    /** Where the changes of this unit of work are gathered for the history (none: not recorded). */
    protected readonly recorder?: ChangeRecorder,
  ) {}

  protected get kind(): ItemKind {
    return KIND_OF_TABLE[this.table];
  }

  protected get db(): Kysely<any> {
    return this.scope.db;
  }

  /** The tenant's rows of the table: where every query of the repository starts. */
  protected rows() {
    return this.db.selectFrom(this.table as string).where('tenant_id', '=', this.scope.tenantId);
  }

  private get titleColumn(): string {
    return this.table === 'projects' ? 'name' : 'title';
  }

  async insert(row: NewRow<T>): Promise<void> {
    await this.db
      .insertInto(this.table as string)
      .values({ ...row, tenant_id: this.scope.tenantId } as any)
      .execute();
    this.recorder?.note(this.kind, (row as Fields).id as string, null, row as Fields);
  }

  /** New rows in batches (a bulk call; an import, which turns the history off). */
  async insertMany(rows: readonly Record<string, unknown>[]): Promise<void> {
    for (const row of rows) this.recorder?.note(this.kind, row.id as string, null, row);
    for (let i = 0; i < rows.length; i += BATCH) {
      await this.db
        .insertInto(this.table as string)
        .values(rows.slice(i, i + BATCH).map((row) => ({ ...row, tenant_id: this.scope.tenantId })))
        .execute();
    }
  }

  async update(id: string, changes: RowChanges<T>): Promise<void> {
    if (this.recorder?.records(this.kind, changes as Fields)) {
      const before = await this.rows().selectAll().where('id', '=', id).executeTakeFirst();
      if (before) this.recorder.note(this.kind, id, before as Fields, changes as Fields);
    }
    await this.db
      .updateTable(this.table as string)
      .set(changes as any)
      .where('tenant_id', '=', this.scope.tenantId)
      .where('id', '=', id)
      .execute();
  }

  /** The item if it exists and is not in the trash. */
  findLive(id: string, { lock = false }: Lock = {}): Promise<Row<T> | undefined> {
    return this.find(id, lock).where('deleted_at', 'is', null).executeTakeFirst() as Promise<Row<T> | undefined>;
  }

  /** The item imported with this iCalendar UID (events and todos), whether or not it is in the trash. */
  findByUid(uid: string): Promise<Row<T> | undefined> {
    return this.rows().selectAll().where('uid', '=', uid).executeTakeFirst() as Promise<Row<T> | undefined>;
  }

  /** The item whether or not it is in the trash. */
  findAny(id: string, { lock = false }: Lock = {}): Promise<Row<T> | undefined> {
    return this.find(id, lock).executeTakeFirst() as Promise<Row<T> | undefined>;
  }

  private find(id: string, lock: boolean) {
    const query = this.rows().selectAll().where('id', '=', id);
    return lock && this.scope.rowLocks ? query.forUpdate() : query;
  }

  /** The titles of those of the items that are live, by id (one query). */
  liveTitles(ids: readonly string[]): Promise<Map<string, Title>> {
    return fetchOne(this.fetchLiveTitles(ids));
  }

  /** The same, to run with other fetches (see fetchEach). */
  fetchLiveTitles(ids: readonly string[]): Fetch<Map<string, Title>> {
    const query =
      ids.length === 0
        ? undefined
        : this.rows()
            .select(['id', sql<string>`${sql.ref(this.titleColumn)}`.as('title'), this.table === 'tasks' ? 'project_id' : sql<null>`NULL`.as('project_id')])
            .where('id', 'in', [...ids])
            .where('deleted_at', 'is', null);
    return {
      query,
      read: (rows) =>
        new Map((rows as { id: string; title: string; project_id: string | null }[]).map((r) => [r.id, { title: r.title, projectId: r.project_id }])),
    };
  }

  /**
   * Ids of live items for autocompletion: those starting with `typed`, or whose title contains it
   * (case-insensitively), most recently changed first.
   */
  async suggest(typed: string, limit: number): Promise<string[]> {
    const text = escapeLike(typed.trim().toLowerCase());
    const rows = await this.rows()
      .select('id')
      .where('deleted_at', 'is', null)
      .where((eb: any) =>
        eb.or([sql<boolean>`id LIKE ${`${text}%`} ESCAPE '\\'`, sql<boolean>`lower(${sql.ref(this.titleColumn)}) LIKE ${`%${text}%`} ESCAPE '\\'`]),
      )
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r: { id: string }) => r.id);
  }

  /** Ids of the items in the trash since before `cutoff`. */
  async trashedBefore(cutoff: string): Promise<string[]> {
    const rows = await this.rows().select('id').where('deleted_at', '<', cutoff).execute();
    return rows.map((r: { id: string }) => r.id);
  }

  /** When the oldest item still in the trash was put there, if any is. */
  async oldestTrashed(): Promise<string | undefined> {
    const row = await this.rows()
      .select((eb: any) => eb.fn.min('deleted_at').as('at'))
      .where('deleted_at', 'is not', null)
      .executeTakeFirst();
    return (row as { at: string | null } | undefined)?.at ?? undefined;
  }

  async deleteMany(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .deleteFrom(this.table as string)
      .where('tenant_id', '=', this.scope.tenantId)
      .where('id', 'in', [...ids])
      .execute();
  }

  async deleteAll(): Promise<void> {
    await this.db
      .deleteFrom(this.table as string)
      .where('tenant_id', '=', this.scope.tenantId)
      .execute();
  }

  /** Ids of every item, trash included. */
  async ids(): Promise<string[]> {
    const rows = await this.rows().select('id').execute();
    return rows.map((r: { id: string }) => r.id);
  }

  /** Whether the tenant has any item here, trash included. */
  async any(): Promise<boolean> {
    return (await this.rows().select('id').limit(1).executeTakeFirst()) !== undefined;
  }

  /** Every row, trash included, in id order, without the tenant column (what an export holds). */
  async all(): Promise<Row<T>[]> {
    const rows = (await this.rows().selectAll().orderBy('id').execute()) as Record<string, unknown>[];
    return rows.map(({ tenant_id: _tenant, ...row }) => row as Row<T>);
  }
}
