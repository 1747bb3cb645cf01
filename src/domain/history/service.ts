import { InvalidInputError, NotFoundError, UserError } from '../../errors.js';
import type { ChangeRow, Fields } from '../../storage/repositories/changes.js';
import { WHOLE_TENANT } from '../../storage/repositories/due-work.js';
import type { ItemKind } from '../../storage/schema.js';
import { eventFieldsRestored } from '../calendar/service.js';
import { priorityName } from '../common/fields.js';
import { decodeCursor, toPage } from '../common/pagination.js';
import { formatInstant, toStored } from '../common/time.js';
import type { DomainContext } from '../context.js';
import { remindersChanged } from '../reminders/changed.js';
import { indexItem, type ItemRow } from '../search/entries.js';
import { deleteItem, restoreItem } from '../trash/service.js';
import type { Change, GetHistoryInput, UndoInput, UndoResult } from './schema.js';

const DAY_MS = 86_400_000;
const JSON_FIELDS = new Set(['exdates', 'rdates', 'attendees', 'exceptions']);
const FLAGS = new Set(['completed', 'all_day']);

/** Stored values as a person reads them: priorities by name, instants in their zone, lists as lists. */
function readable(fields: Fields | null, zone: string): Fields | null {
  if (fields === null) return null;
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => {
      if (value === null) return [key, null];
      if (key === 'priority') return [key, priorityName(Number(value))];
      if (FLAGS.has(key)) return [key, value === 1];
      if (JSON_FIELDS.has(key) && typeof value === 'string') return [key, JSON.parse(value) as unknown];
      if (key.endsWith('_at') && typeof value === 'string') return [key, formatInstant(value, zone)];
      return [key, value];
    }),
  );
}

const parse = (json: string | null): Fields | null => (json === null ? null : (JSON.parse(json) as Fields));

function present(row: ChangeRow, zone: string): Change {
  return {
    change_id: row.change_id,
    batch_id: row.batch_id,
    at: formatInstant(row.at, zone),
    actor: row.actor,
    action: row.action,
    kind: row.item_kind,
    id: row.item_id,
    before: readable(parse(row.before), zone),
    after: readable(parse(row.after), zone)!,
    undone_by: row.undone_by,
  };
}

/** get_history: one item's changes, or the person's latest; newest first. */
export async function getHistory(ctx: DomainContext, input: GetHistoryInput) {
  if ((input.kind === undefined) !== (input.id === undefined))
    throw new InvalidInputError(input.kind ? 'id' : 'kind', 'give kind and id together (one item), or neither (your latest changes)');
  const rows = await ctx.changes.list(input.kind && input.id ? { kind: input.kind, id: input.id } : undefined, decodeCursor(input.cursor, 1), input.limit);
  const zone = await ctx.zone();
  const page = toPage(
    rows,
    input.limit,
    (r) => [r.change_id],
    (r) => present(r, zone),
  );
  return page;
}

/** The fields a change touched. */
const touched = (row: ChangeRow) => new Set([...Object.keys(parse(row.before) ?? {}), ...Object.keys(parse(row.after) ?? {})]);

/** The changes an undo_change call means: one change, a whole call, or the person's last call. */
async function changesMeant(ctx: DomainContext, input: UndoInput): Promise<ChangeRow[]> {
  const hint = 'Use get_history to find change and batch ids.';
  if (input.change_id !== undefined && input.batch_id !== undefined) throw new InvalidInputError('batch_id', 'give change_id or batch_id, not both');
  if (input.change_id !== undefined) {
    const row = await ctx.changes.find(input.change_id);
    if (!row) throw new NotFoundError('change', input.change_id, 'change_id', hint);
    return [row];
  }
  const batch = input.batch_id ?? (await ctx.changes.latest())?.batch_id;
  if (batch === undefined) throw new UserError('there is nothing to undo: no change is recorded');
  const rows = await ctx.changes.ofBatch(batch);
  if (rows.length === 0) throw new NotFoundError('call', batch, 'batch_id', hint);
  return rows;
}

/**
 * Refuses when a change was undone already, or when a later change (not part of this undo, not
 * itself undone) touched the same fields of the same item: undoing would lose it.
 */
async function checkUndoable(ctx: DomainContext, changes: readonly ChangeRow[]): Promise<void> {
  const ours = new Set(changes.map((c) => c.change_id));
  for (const change of changes) {
    if (change.undone_by !== null) {
      throw new UserError(`change_id: ${change.change_id} was undone already (by the call ${change.undone_by}); undo that call to redo it`);
    }
    const fields = touched(change);
    for (const later of await ctx.changes.laterOn(change.item_kind, change.item_id, change.change_id)) {
      if (ours.has(later.change_id) || later.undone_by !== null) continue;
      const clash = [...touched(later)].filter((f) => fields.has(f));
      if (clash.length) {
        throw new UserError(
          `change_id: the later change ${later.change_id} (${later.action} of the same ${change.item_kind}) changed ${clash.join(', ')} since ${change.change_id}; undo that one first`,
        );
      }
    }
  }
}

/** Puts an item back as it was before a change, and what follows from it (index, occurrences, reminders). */
async function revert(ctx: DomainContext, change: ChangeRow): Promise<void> {
  const kind = change.item_kind as ItemKind;
  const ref = { kind, id: change.item_id };
  const before = parse(change.before);
  const after = parse(change.after) ?? {};
  const row = (await ctx.items(kind).findAny(change.item_id)) as
    { deleted_at: string | null; trashed_with_parent?: number; trashed_with_project?: number } | undefined;
  if (!row) throw new UserError(`change_id: the ${kind} ${change.item_id} of ${change.change_id} is gone for good (its 30 days in the trash are over)`);
  // Creating, deleting and restoring are undone the way they are done: subtasks and a project's
  // tasks follow their parent (one that went with its parent comes back when the parent does).
  if (before === null || (before.deleted_at && after.deleted_at === null)) {
    if (row.deleted_at === null) await deleteItem(ctx, ref);
    return;
  }
  if (before.deleted_at === null && after.deleted_at) {
    if (row.deleted_at !== null && !row.trashed_with_parent && !row.trashed_with_project) await restoreItem(ctx, ref);
    return;
  }
  const { tags, ...columns } = before;
  if (Object.keys(columns).length) {
    await ctx.items(kind).update(change.item_id, { ...columns, updated_at: toStored(ctx.now) } as never);
  }
  if (Array.isArray(tags)) await ctx.tags.set(kind, change.item_id, tags as string[]);
  if (kind === 'event') await eventFieldsRestored(ctx, change.item_id);
  const restored = await ctx.items(kind).findAny(change.item_id);
  if (restored && (restored as { deleted_at: string | null }).deleted_at === null) await indexItem(ctx, { kind, row: restored } as unknown as ItemRow);
  await remindersChanged(ctx);
}

/**
 * undo_change: puts back what one change, a whole call (batch_id), or the person's last call
 * changed, newest first, all or nothing. It is itself recorded (action undo), so it can be undone.
 */
export async function undoChange(ctx: DomainContext, input: UndoInput): Promise<UndoResult> {
  const changes = await changesMeant(ctx, input);
  await checkUndoable(ctx, changes);
  ctx.recorder.undoing = changes.map((c) => c.change_id);
  for (const change of [...changes].reverse()) await revert(ctx, change);
  for (const change of changes) {
    const back = (await ctx.items(change.item_kind as ItemKind).findAny(change.item_id)) as { deleted_at: string | null } | undefined;
    const deleted = parse(change.before)?.deleted_at === null && parse(change.after)?.deleted_at;
    if (deleted && back?.deleted_at !== null) {
      throw new UserError(
        `change_id: the ${change.item_kind} ${change.item_id} went to the trash with its parent; undo the parent's deletion (its call's batch_id ${change.batch_id})`,
      );
    }
  }
  const titles = await Promise.all(
    changes.map(async (c) => {
      const titled = (await ctx.items(c.item_kind as ItemKind).liveTitles([c.item_id])).get(c.item_id);
      return { kind: c.item_kind, id: c.item_id, title: titled?.title ?? '(in the trash)' };
    }),
  );
  return { undone: changes.map((c) => c.change_id), batch_id: ctx.batchId, items: titles };
}

/** The due work history.purge: forgets changes older than the retention, and comes back when the next one expires. */
export async function purgeHistory(ctx: DomainContext): Promise<number> {
  const keep = ctx.limits.historyDays * DAY_MS;
  const forgotten = await ctx.changes.deleteBefore(toStored(ctx.now.subtract({ milliseconds: keep })));
  const oldest = await ctx.changes.oldest();
  if (oldest !== undefined) await ctx.dueWork.schedule('history.purge', WHOLE_TENANT, new Date(Date.parse(oldest) + keep).toISOString());
  return forgotten;
}
