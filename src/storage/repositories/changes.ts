import { sql } from 'kysely';
import type { ItemKind } from '../schema.js';
import { after, type Key } from './keyset.js';
import type { TenantScope } from './scope.js';

/**
 * The fields of each kind a person changes: what history records and undo puts back. Derived
 * columns (sort keys, kept windows, counters of the trash) are left out; they follow these.
 */
const RECORDED_FIELDS: Record<ItemKind, readonly string[]> = {
  project: ['name', 'description', 'status', 'priority', 'start_date', 'end_date', 'notes', 'progress_override', 'deleted_at'],
  task: [
    'project_id',
    'parent_id',
    'title',
    'description',
    'status',
    'priority',
    'due_at',
    'due_date',
    'completed_at',
    'recurrence',
    'exdates',
    'rdates',
    'completions',
    'deleted_at',
  ],
  todo: [
    'title',
    'description',
    'due_at',
    'due_date',
    'reminder_at',
    'priority',
    'completed',
    'completed_at',
    'project_id',
    'parent_id',
    'recurrence',
    'exdates',
    'rdates',
    'completions',
    'scheduled_event_id',
    'deleted_at',
  ],
  event: [
    'title',
    'description',
    'start_at',
    'end_at',
    'all_day',
    'timezone',
    'location',
    'attendees',
    'reminder_minutes',
    'recurrence',
    'exdates',
    'rdates',
    'exceptions',
    'todo_id',
    'deleted_at',
  ],
  document: ['title', 'description', 'deleted_at'],
};

export type Fields = Record<string, unknown>;

interface Pending {
  kind: ItemKind;
  id: string;
  /** null: the item was created in this call. */
  before: Fields | null;
  after: Fields;
}

/** The fields of a row among `keys` (a field a write leaves alone is undefined there: not picked). */
const pick = (row: Fields, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => row[k] !== undefined).map((k) => [k, row[k]]));

/**
 * The changes of one unit of work, gathered as the repositories write (one entry per item: the
 * fields as they were before its first change, and as they are after its last), and written to
 * item_changes when the work ends (recordChanges in index.ts). Off for what is not a person's
 * change (an import, which brings its own history).
 */
export class ChangeRecorder {
  private readonly pending = new Map<string, Pending>();
  private enabled = true;
  /** Set by undo: the changes this unit of work undoes. */
  undoing: string[] = [];

  off(): void {
    this.enabled = false;
  }

  /** The gathered changes as they are now, and a way back to that (a savepoint rolled back). */
  mark(): () => void {
    const saved = [...this.pending].map(([key, p]) => [key, { ...p, before: p.before && { ...p.before }, after: { ...p.after } }] as const);
    return () => {
      this.pending.clear();
      for (const [key, p] of saved) this.pending.set(key, p);
    };
  }

  /** An item written: `before` as it was (null when new), `after` what was written; both cut to the recorded fields. */
  note(kind: ItemKind, id: string, before: Fields | null, written: Fields): void {
    if (!this.enabled) return;
    const fields = RECORDED_FIELDS[kind];
    const after = written.tags !== undefined ? { ...pick(written, fields), tags: written.tags } : pick(written, fields);
    if (Object.keys(after).length === 0) return;
    const key = `${kind}:${id}`;
    const seen = this.pending.get(key);
    if (!seen) {
      this.pending.set(key, { kind, id, before: before && Object.fromEntries(Object.keys(after).map((k) => [k, before[k] ?? null])), after });
      return;
    }
    if (seen.before && before) for (const k of Object.keys(after)) if (!(k in seen.before)) seen.before[k] = before[k] ?? null;
    Object.assign(seen.after, after);
  }

  /** Whether a write touches a recorded field (else no history, and no read of the row first). */
  records(kind: ItemKind, changes: Fields): boolean {
    return this.enabled && Object.keys(changes).some((k) => RECORDED_FIELDS[kind].includes(k) || k === 'tags');
  }

  /**
   * What changed, each with its action: of an item that existed, only the fields whose value
   * differs (a write may set a field to what it was); an item whose fields all ended as they began
   * is left out.
   */
  drain(): { kind: ItemKind; id: string; action: string; before: Fields | null; after: Fields }[] {
    const changed = [...this.pending.values()].flatMap((p) => {
      if (p.before === null) return [p];
      const keys = Object.keys(p.after).filter((k) => JSON.stringify(p.after[k]) !== JSON.stringify(p.before![k]));
      if (keys.length === 0) return [];
      return [{ ...p, before: Object.fromEntries(keys.map((k) => [k, p.before![k]])), after: Object.fromEntries(keys.map((k) => [k, p.after[k]])) }];
    });
    this.pending.clear();
    return changed.map((p) => ({ ...p, action: this.undoing.length ? 'undo' : actionOf(p) }));
  }
}

function actionOf({ before, after }: Pending): string {
  if (before === null) return 'create';
  if ('deleted_at' in after && before.deleted_at === null && after.deleted_at !== null) return 'delete';
  if ('deleted_at' in after && before.deleted_at !== null && after.deleted_at === null) return 'restore';
  if ((after.completed === 1 && before.completed === 0) || (after.status === 'done' && before.status !== 'done')) return 'complete';
  return 'update';
}

export interface ChangeRow {
  change_id: string;
  batch_id: string;
  at: string;
  actor: string;
  action: string;
  item_kind: string;
  item_id: string;
  before: string | null;
  after: string | null;
  undone_by: string | null;
}

const COLUMNS = ['change_id', 'batch_id', 'at', 'actor', 'action', 'item_kind', 'item_id', 'before', 'after', 'undone_by'] as const;

/** The history of one tenant. */
export class ChangeRepository {
  constructor(private readonly scope: TenantScope) {}

  private rows() {
    return this.scope.db.selectFrom('item_changes').where('tenant_id', '=', this.scope.tenantId);
  }

  async insertMany(rows: readonly ChangeRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      await this.scope.db
        .insertInto('item_changes')
        .values(rows.slice(i, i + 200).map((r) => ({ ...r, tenant_id: this.scope.tenantId })))
        .execute();
    }
  }

  /** Newest first, of one item or of all; limit + 1 rows for paging. */
  list(item: { kind: string; id: string } | undefined, afterKey: Key[] | undefined, limit: number): Promise<ChangeRow[]> {
    let q = this.rows().select(COLUMNS);
    if (item) q = q.where('item_kind', '=', item.kind).where('item_id', '=', item.id);
    if (afterKey) q = q.where(after([sql.ref('change_id')], afterKey, 'desc'));
    return q
      .orderBy('change_id', 'desc')
      .limit(limit + 1)
      .execute() as Promise<ChangeRow[]>;
  }

  find(changeId: string): Promise<ChangeRow | undefined> {
    return this.rows().select(COLUMNS).where('change_id', '=', changeId).executeTakeFirst() as Promise<ChangeRow | undefined>;
  }

  ofBatch(batchId: string): Promise<ChangeRow[]> {
    return this.rows().select(COLUMNS).where('batch_id', '=', batchId).orderBy('change_id').execute() as Promise<ChangeRow[]>;
  }

  /** The latest change of the tenant. */
  latest(): Promise<ChangeRow | undefined> {
    return this.rows().select(COLUMNS).orderBy('change_id', 'desc').limit(1).executeTakeFirst() as Promise<ChangeRow | undefined>;
  }

  /** The changes of an item made after a change, newest first. */
  laterOn(kind: string, id: string, changeId: string): Promise<ChangeRow[]> {
    return this.rows()
      .select(COLUMNS)
      .where('item_kind', '=', kind)
      .where('item_id', '=', id)
      .where('change_id', '>', changeId)
      .orderBy('change_id', 'desc')
      .execute() as Promise<ChangeRow[]>;
  }

  async markUndone(changeIds: readonly string[], by: string): Promise<void> {
    if (changeIds.length === 0) return;
    await this.scope.db
      .updateTable('item_changes')
      .set({ undone_by: by })
      .where('tenant_id', '=', this.scope.tenantId)
      .where('change_id', 'in', [...changeIds])
      .execute();
  }

  /** Forgets the whole history (an import that replaces the tenant's data). */
  async clear(): Promise<void> {
    await this.scope.db.deleteFrom('item_changes').where('tenant_id', '=', this.scope.tenantId).execute();
  }

  /** Forgets what is older than the cutoff (the retention); how many. */
  async deleteBefore(cutoff: string): Promise<number> {
    const gone = await this.scope.db.deleteFrom('item_changes').where('tenant_id', '=', this.scope.tenantId).where('at', '<', cutoff).executeTakeFirst();
    return Number(gone.numDeletedRows);
  }

  async oldest(): Promise<string | undefined> {
    return (await this.rows().select('at').orderBy('at').limit(1).executeTakeFirst())?.at;
  }

  all(): Promise<ChangeRow[]> {
    return this.rows().select(COLUMNS).orderBy('change_id').execute() as Promise<ChangeRow[]>;
  }
}
